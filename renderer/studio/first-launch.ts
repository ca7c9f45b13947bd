// The document the studio opens with when there is nothing to restore (first launch, or after the autosave
// was cleared): the example landscape layout with the bundled starter-landscapes model selected, so
// Generate works right away. The layout is examples/landscape-layout.png, embedded by make-examples.ts.

import { createDocument } from '../document/document';
import type { TesseraDocument } from '../document/document-types';
import { EXAMPLE_LAYOUT } from './example-layout';

/** Decodes "id*count id*count …" (row-major class ids) into exactly `length` ids. */
export function decodeRuns(runs: string, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const run of runs.split(' ')) {
    const m = /^(\d+)\*(\d+)$/.exec(run);
    if (!m) throw new Error(`Example layout: "${run}" is not an id*count run.`);
    const id = Number(m[1]), n = Number(m[2]);
    if (id > 255 || at + n > length) throw new Error(`Example layout: run "${run}" at pixel ${at} does not fit ${length} 8-bit labels.`);
    out.fill(id, at, at + n);
    at += n;
  }
  if (at !== length) throw new Error(`Example layout: the runs cover ${at} pixels, the canvas has ${length}.`);
  return out;
}

/** A semantic document holding the example layout, its palette, and the starter model as the chosen model. */
export function firstLaunchDocument(): TesseraDocument {
  const { width, height, palette, runs, model } = EXAMPLE_LAYOUT;
  const doc = createDocument({ mode: 'semantic', width, height, palette: palette.map((p) => ({ ...p, color: [...p.color] as [number, number, number] })) });
  doc.semantic.labels.data.set(decodeRuns(runs, width * height));
  doc.generation = { ...doc.generation, modelId: model };
  return doc;
}
