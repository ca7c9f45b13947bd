/**
 * Edge F1 with a pixel tolerance, the faithfulness measure of edge → image models (issue 9).
 *
 * precision = share of predicted edge pixels that lie within `tol` pixels (Chebyshev distance, i.e. a
 *             (2·tol + 1)² square) of a reference edge pixel;
 * recall    = share of reference edge pixels within `tol` of a predicted edge pixel;
 * F1        = 2·P·R / (P + R).
 * Both maps are [H, W] masks (non-zero = edge). Empty maps: P (or R) of an empty prediction (reference) is 1,
 * so two empty maps score 1 and an empty map against a non-empty one scores 0.
 * `pooled` sums the four counts over many image pairs first (micro average), which weights images by their
 * number of edge pixels and is stable when some images have almost no edges.
 */

export interface EdgeMatch {
  /** Predicted edge pixels near a reference edge / all predicted edge pixels. */
  matchedPred: number;
  pred: number;
  /** Reference edge pixels near a predicted edge / all reference edge pixels. */
  matchedRef: number;
  ref: number;
}

export interface EdgeScore extends EdgeMatch {
  precision: number;
  recall: number;
  f1: number;
}

/** Square dilation of a mask by `tol` pixels (separable max filter). */
export function dilate(mask: Uint8Array, width: number, height: number, tol: number): Uint8Array {
  if (mask.length !== width * height) throw new Error(`dilate: mask has ${mask.length} values, expected ${width}×${height}.`);
  if (!Number.isInteger(tol) || tol < 0) throw new Error(`dilate: tolerance must be a whole number of pixels ≥ 0, got ${tol}.`);
  const src = Uint8Array.from(mask, (v) => (v ? 1 : 0));
  if (tol === 0) return src;
  const tmp = new Uint8Array(width * height); // [H, W] horizontal pass
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let on = 0;
      for (let d = -tol; d <= tol && !on; d++) {
        const xx = x + d;
        if (xx >= 0 && xx < width) on = src[y * width + xx]!;
      }
      tmp[y * width + x] = on;
    }
  }
  const out = new Uint8Array(width * height); // [H, W]
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let on = 0;
      for (let d = -tol; d <= tol && !on; d++) {
        const yy = y + d;
        if (yy >= 0 && yy < height) on = tmp[yy * width + x]!;
      }
      out[y * width + x] = on;
    }
  }
  return out;
}

/** Counts of matched edge pixels between a prediction and a reference mask. */
export function edgeMatch(pred: Uint8Array, ref: Uint8Array, width: number, height: number, tol: number): EdgeMatch {
  if (pred.length !== width * height || ref.length !== width * height) {
    throw new Error(`edgeMatch: masks have ${pred.length} and ${ref.length} values, expected ${width}×${height} = ${width * height}.`);
  }
  const refNear = dilate(ref, width, height, tol);
  const predNear = dilate(pred, width, height, tol);
  let matchedPred = 0, nPred = 0, matchedRef = 0, nRef = 0;
  for (let i = 0; i < pred.length; i++) {
    if (pred[i]) {
      nPred++;
      matchedPred += refNear[i]!;
    }
    if (ref[i]) {
      nRef++;
      matchedRef += predNear[i]!;
    }
  }
  return { matchedPred, pred: nPred, matchedRef, ref: nRef };
}

/** Precision, recall and F1 from (summed) match counts. */
export function scoreOf(m: EdgeMatch): EdgeScore {
  const precision = m.pred === 0 ? 1 : m.matchedPred / m.pred;
  const recall = m.ref === 0 ? 1 : m.matchedRef / m.ref;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { ...m, precision, recall, f1 };
}

export function edgeF1(pred: Uint8Array, ref: Uint8Array, width: number, height: number, tol: number): EdgeScore {
  return scoreOf(edgeMatch(pred, ref, width, height, tol));
}

/** Micro average: the counts of all pairs summed, then scored. */
export function pooled(matches: readonly EdgeMatch[]): EdgeScore {
  const sum: EdgeMatch = { matchedPred: 0, pred: 0, matchedRef: 0, ref: 0 };
  for (const m of matches) {
    sum.matchedPred += m.matchedPred;
    sum.pred += m.pred;
    sum.matchedRef += m.matchedRef;
    sum.ref += m.ref;
  }
  return scoreOf(sum);
}
