/**
 * Sliding-window geometry of taming-transformers (scripts/sample_conditional.py, make_samples.py and the
 * notebook share it).
 *
 * The transformer was trained on windows of wh × ww latent tokens (16 × 16 for every released model). To sample
 * a grid of H × W tokens, the token at (i, j) is predicted from the window whose top-left corner is
 * (i − local_i, j − local_j), where for rows (and likewise columns with W, ww):
 *
 *     local_i = i                  if i <= wh/2            (window anchored at the top edge)
 *             = wh − (H − i)       elif H − i < wh − wh/2  (window clamped to the bottom edge)
 *             = wh/2               otherwise               (window centred, wh/2 rows above)
 *
 * with wh/2 rounded down. For even wh this is exactly the reference (16 → "i <= 8", "H−i < 8", "16−(H−i)", "8");
 * for odd wh the clamp threshold wh − ⌊wh/2⌋ keeps the window inside the grid. When H ≤ wh the window covers
 * every row (local_i = i, window height H) — the reference cannot do this (its reshape fails); it is used for
 * prefix-conditioned models (unconditional/class) whose windows keep the trained width.
 *
 * The model sees  [condition part] + [window tokens in raster order up to, not including, (local_i, local_j)]
 * and the logits of the last position predict the token. The condition part is either the same crop of a
 * condition grid (semantic/depth/edge/pose/superres models, c-grid = z-grid) or a constant prefix
 * (the SOS token of unconditional models, the class id of class-conditional ones).
 */

export interface GridShape {
  h: number;
  w: number;
}

export interface WindowPlacement {
  /** Top-left corner of the window in the grid. */
  i0: number;
  j0: number;
  /** Position of the target inside the window. */
  li: number;
  lj: number;
}

/** The reference rule along one axis: position of index `i` inside a window of size `win` on an axis of `n`. */
export function localIndex(i: number, n: number, win: number): number {
  if (n <= win) return i;
  const half = Math.floor(win / 2);
  if (i <= half) return i;
  if (n - i < win - half) return win - (n - i);
  return half;
}

/** The window actually used on a grid: the trained window, cut to the grid height when the grid is shorter. */
export function effectiveWindow(grid: GridShape, window: GridShape): GridShape {
  return { h: Math.min(grid.h, window.h), w: window.w };
}

export function placeWindow(i: number, j: number, grid: GridShape, window: GridShape): WindowPlacement {
  const li = localIndex(i, grid.h, window.h);
  const lj = localIndex(j, grid.w, window.w);
  return { i0: i - li, j0: j - lj, li, lj };
}

/** The largest window stride along an axis whose windows keep every target of a group inside them. */
export function maxWindowStride(win: number): number {
  return win - Math.floor(win / 2);
}

/**
 * Placement with a window stride (opt-in, not the reference rule): targets are grouped in blocks of `stride.h` rows
 * × `stride.w` columns, and every target of a block uses the window the reference rule gives the block's first
 * target. Consecutive targets then share one window (and one KV cache), so a 32×32 grid with stride 4 × 4 prefills
 * 1/16 as many windows. A target sees the same trained window size, only at another position in it: more context
 * above and to its left, less of the condition below and to its right. Stride 1 × 1 is exactly `placeWindow`.
 */
export function placeWindowStrided(i: number, j: number, grid: GridShape, window: GridShape, stride: GridShape): WindowPlacement {
  if (stride.h === 1 && stride.w === 1) return placeWindow(i, j, grid, window);
  const first = placeWindow(i - (i % stride.h), j - (j % stride.w), grid, window);
  const win = effectiveWindow(grid, window);
  const li = i - first.i0, lj = j - first.j0;
  // A block reaching past the window's far edge (only where the grid is not a multiple of the stride): own window.
  if (li >= win.h || lj >= win.w) return placeWindow(i, j, grid, window);
  return { i0: first.i0, j0: first.j0, li, lj };
}

/** Checks a window stride: positive integers, at most the half window that keeps a block inside its window. */
export function validateStride(stride: GridShape, window: GridShape): void {
  for (const [axis, s, win] of [['rows', stride.h, window.h], ['columns', stride.w, window.w]] as const) {
    if (!Number.isInteger(s) || s < 1 || s > maxWindowStride(win)) {
      throw new Error(`The window stride must be a whole number from 1 to ${maxWindowStride(win)} ${axis} for this model's ${window.h}×${window.w} window (got ${s}).`);
    }
  }
}

/** Checks that a grid can be sampled with a window; throws a message that says what to change. */
export function validateGrid(grid: GridShape, window: GridShape, condIsGrid: boolean): void {
  for (const [name, v] of [['grid height', grid.h], ['grid width', grid.w], ['window height', window.h], ['window width', window.w]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`The ${name} must be a positive integer (got ${v}).`);
  }
  if (grid.w < window.w) {
    throw new Error(
      `The image is ${grid.w} tokens wide but this model was trained on windows ${window.w} tokens wide; ` +
        `choose a width of at least ${window.w} tokens (${window.w} × the model's downsampling factor in pixels).`,
    );
  }
  if (condIsGrid && grid.h < window.h) {
    throw new Error(
      `The image is ${grid.h} tokens high but this conditional model needs at least ${window.h} rows ` +
        `(its condition window is ${window.h} × ${window.w} tokens); choose a larger height.`,
    );
  }
}

/** Copy the window at (i0, j0) of size win out of a [B, H, W] grid into a [B, win.h*win.w] buffer. */
export function cropWindow(
  tokens: Int32Array,
  batch: number,
  grid: GridShape,
  i0: number,
  j0: number,
  win: GridShape,
  out: Int32Array = new Int32Array(batch * win.h * win.w),
): Int32Array {
  const n = win.h * win.w;
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < win.h; r++) {
      const src = b * grid.h * grid.w + (i0 + r) * grid.w + j0;
      out.set(tokens.subarray(src, src + win.w), b * n + r * win.w);
    }
  }
  return out;
}
