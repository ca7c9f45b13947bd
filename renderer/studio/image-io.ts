// Browser image plumbing for the studio: files to data URLs, images scaled onto canvases (smooth for
// photos, nearest for label maps), grey rasters to PNG. Thin wrappers over the DOM; no editor logic.

import type { LabelRaster } from '../editor/raster/label-raster';
import { downloadBlob } from '../shell/download';

export function readFileAsDataUrl(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(new Error(`Could not read the file: ${reader.error?.message ?? 'unknown error'}.`));
    reader.readAsDataURL(file);
  });
}

export function loadImage(url: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error('This file is not an image the browser can read (use PNG or JPEG).'));
    img.src = url;
  });
}

/** The image drawn onto a width×height canvas: `cover` crops to fill, smoothing only for photos. */
export function drawScaled(img: HTMLImageElement, width: number, height: number, options: { smooth: boolean; cover: boolean }): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = options.smooth;
  if (options.cover) {
    const s = Math.max(width / img.naturalWidth, height / img.naturalHeight);
    const w = img.naturalWidth * s;
    const h = img.naturalHeight * s;
    ctx.drawImage(img, (width - w) / 2, (height - h) / 2, w, h);
  } else ctx.drawImage(img, 0, 0, width, height);
  return canvas;
}

export function canvasPngBase64(canvas: HTMLCanvasElement): string {
  return canvas.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
}

export function rgbaOf(canvas: HTMLCanvasElement): Uint8ClampedArray {
  return canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
}

/** A grey PNG (base64) of the raster's values, nearest-scaled to width×height. */
export function encodeGreyPng(raster: LabelRaster, width: number, height: number): string {
  const src = document.createElement('canvas');
  src.width = raster.width;
  src.height = raster.height;
  const ctx = src.getContext('2d')!;
  const image = ctx.createImageData(raster.width, raster.height);
  for (let i = 0; i < raster.data.length; i++) {
    const v = Math.min(255, raster.data[i]!);
    image.data[i * 4] = v;
    image.data[i * 4 + 1] = v;
    image.data[i * 4 + 2] = v;
    image.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
  if (width === raster.width && height === raster.height) return canvasPngBase64(src);
  const out = document.createElement('canvas');
  out.width = width;
  out.height = height;
  const octx = out.getContext('2d')!;
  octx.imageSmoothingEnabled = false;
  octx.drawImage(src, 0, 0, width, height);
  return canvasPngBase64(out);
}

export function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Offer `text` as a file download. */
export function downloadText(fileName: string, text: string, type = 'application/json'): void {
  downloadBlob(fileName, new Blob([text], { type }));
}
