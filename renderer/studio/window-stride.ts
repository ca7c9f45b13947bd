// The window stride the studio offers for a sliding-window generation: S × S targets share one transformer
// window (1 = taming's rule, one window per token; larger = far fewer window prefills, slightly less context).
// The sampler accepts 1 … half the window (rounded up) per axis; the rows of the window are the grid's when the
// output is shorter than one window.

import type { ModelSummary } from '../../preload/contract';

type Model = Pick<ModelSummary, 'width' | 'height' | 'factor' | 'windowStride'>;
interface OutputSize { outputWidth: number; outputHeight: number }

/** True when the output is larger than the model's window in either direction (the sliding window runs). */
export function usesSlidingWindow(model: Model, size: OutputSize): boolean {
  return size.outputWidth > model.width || size.outputHeight > model.height;
}

/** The largest stride the sampler accepts for this model and output size. */
export function maxStrideFor(model: Model, size: OutputSize): number {
  const rows = Math.min(Math.ceil(size.outputHeight / model.factor), model.height / model.factor);
  const cols = model.width / model.factor;
  return Math.max(1, Math.ceil(Math.min(rows, cols) / 2));
}

/** Strides to pick from: 1, 2, 4, … up to the largest the window allows. */
export function windowStrideChoices(model: Model, size: OutputSize): number[] {
  const max = maxStrideFor(model, size);
  const out: number[] = [];
  for (let s = 1; s <= max; s *= 2) out.push(s);
  return out;
}

/**
 * The stride a request sends: none when the document leaves it to the model (null) or one window covers the
 * output; else the document's, lowered to what the window allows (a size change can shrink the window's rows).
 */
export function requestWindowStride(model: Model, size: OutputSize, chosen: number | null): number | undefined {
  if (chosen === null || !usesSlidingWindow(model, size)) return undefined;
  return Math.min(chosen, maxStrideFor(model, size));
}
