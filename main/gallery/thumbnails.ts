// Thumbnails: a small PNG made with sharp (loaded lazily, so a broken sharp binary only disables
// thumbnails). Pixel-art-sized results (<= size) are kept at their size, never blown up.

export const THUMBNAIL_DEFAULT = 256;
export const THUMBNAIL_MIN = 16;
export const THUMBNAIL_MAX = 1024;

import type sharpFactory from 'sharp';

type SharpFactory = typeof sharpFactory;
let sharpModule: SharpFactory | null = null;

async function loadSharp(): Promise<SharpFactory> {
  if (sharpModule) return sharpModule;
  try {
    const mod = (await import('sharp')) as unknown as { default?: SharpFactory } & SharpFactory;
    sharpModule = mod.default ?? mod;
    return sharpModule;
  } catch (err) {
    throw new Error(`Thumbnails are unavailable: sharp's native module could not be loaded (${(err as Error).message.split('\n')[0]}). Reinstall dependencies with \`npm ci\`.`, { cause: err });
  }
}

/** Longest side `size` pixels, aspect kept, PNG out. */
export async function makeThumbnail(png: Uint8Array, size: number): Promise<Buffer> {
  const sharp = await loadSharp();
  return sharp(png)
    .resize(size, size, { fit: 'inside', withoutEnlargement: true })
    .png({ compressionLevel: 6 })
    .toBuffer();
}
