import type { ModelSummary } from '../../preload/contract';

/** Square output sizes: the model's window × 1, 2, 3, 4, 6, 8 up to 1024 (more than one window uses the sliding window), plus the size the model names (manifest `outputSize`). */
export function outputSizes(model: ModelSummary | null): number[] {
  if (!model) return [256];
  const sizes = [1, 2, 3, 4, 6, 8].map((k) => model.width * k).filter((s) => s <= 1024);
  const own = model.outputSize?.width;
  return own && !sizes.includes(own) ? [...sizes, own].sort((a, b) => a - b) : sizes;
}
