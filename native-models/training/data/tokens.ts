/**
 * Token-grid cache for transformer training: the frozen VQGAN's code indices of each training crop, computed
 * once and stored on disk (DataCache, kind `tokens`).
 *
 * Key: content hash of the source file(s) + the encoder's identity (e.g. the bundle's weights sha256) + the
 * crop geometry { resize, size, cropX, cropY, flipped } + any extra settings. Crops should be drawn with
 * `align = f` (crops.ts), so each image has only a few crop positions and the cache stays small and hits often.
 * The encoder is a caller-supplied function (normally a compiled `vqgan.encode` program) so this module has no
 * dependency on the runtime.
 */
import { DataCache, type JsonValue } from './cache';
import type { CropSample } from './crops';

/** Encode one crop to its token grid, row-major [h·w]. */
export type CropEncoder = (crop: CropSample) => Promise<Int32Array>;

export interface TokenKeyParts {
  /** Content hashes of the files the crop came from (image; plus the label map for condition tokens). */
  files: string[];
  /** Identity of the encoder, e.g. the VQGAN bundle's weights sha256. */
  encoderId: string;
  resize: number;
  extra?: Record<string, JsonValue>;
}

export class TokenGridCache {
  constructor(readonly cache: DataCache) {}

  key(parts: TokenKeyParts, crop: Pick<CropSample, 'size' | 'cropX' | 'cropY' | 'flipped'>): string {
    return DataCache.key(parts.files, {
      v: 1, encoder: parts.encoderId, resize: parts.resize, size: crop.size, x: crop.cropX, y: crop.cropY,
      flip: crop.flipped, extra: parts.extra ?? null,
    });
  }

  /** Token grid of `crop`, from the cache or by running `encode` (and storing the result). */
  async tokens(parts: TokenKeyParts, crop: CropSample, encode: CropEncoder): Promise<Int32Array> {
    const key = this.key(parts, crop);
    const entry = await this.cache.getOrCompute('tokens', key, async () => {
      const t = await encode(crop);
      if (!(t instanceof Int32Array)) throw new Error('TokenGridCache: the encoder must return an Int32Array of code indices.');
      return { meta: { n: t.length }, arrays: { tokens: t } };
    });
    const t = entry.arrays.tokens;
    if (!(t instanceof Int32Array)) throw new Error(`TokenGridCache: cache entry ${key} holds no token grid.`);
    return t;
  }
}
