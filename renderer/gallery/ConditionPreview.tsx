import { useEffect, useMemo, useRef } from 'react';
import { parseDocument, rasterizeEdges } from '../document/document';
import type { TesseraDocument } from '../document/document-types';
import { labelsToRgba } from '../editor/raster/label-colors';
import { LIMBS, OPENPOSE_COLORS, rgbToHex } from '../editor/pose/coco18';
import { visibleLimbs } from '../editor/pose/pose-model';

/** The condition a result was generated from, drawn from its stored Tessera document. */
export function ConditionPreview({ condition }: { condition: unknown }) {
  const parsed = useMemo((): { doc: TesseraDocument } | { error: string } => {
    try {
      return { doc: parseDocument(condition).doc };
    } catch (err) {
      return { error: err instanceof Error ? err.message : String(err) };
    }
  }, [condition]);
  const canvas = useRef<HTMLCanvasElement>(null);

  useEffect(() => {
    const el = canvas.current;
    if (!el || !('doc' in parsed)) return;
    const doc = parsed.doc;
    const ctx = el.getContext('2d');
    if (!ctx) return;
    el.width = doc.width;
    el.height = doc.height;
    if (doc.mode === 'semantic' && doc.semantic.palette) {
      ctx.putImageData(new ImageData(labelsToRgba(doc.semantic.labels, doc.semantic.palette), doc.width, doc.height), 0, 0);
    } else if (doc.mode === 'edge') {
      const edges = rasterizeEdges(doc);
      const rgba = new Uint8ClampedArray(doc.width * doc.height * 4);
      for (let i = 0; i < edges.data.length; i++) rgba.fill(edges.data[i]!, i * 4, i * 4 + 3).fill(255, i * 4 + 3, i * 4 + 4);
      ctx.putImageData(new ImageData(rgba, doc.width, doc.height), 0, 0);
    } else if (doc.mode === 'pose') {
      ctx.fillStyle = '#000';
      ctx.fillRect(0, 0, doc.width, doc.height);
      const w = Math.max(2, Math.round(Math.min(doc.width, doc.height) / 64));
      for (const person of doc.pose.people) {
        ctx.lineWidth = w;
        for (const i of visibleLimbs(person)) {
          const [a, b] = LIMBS[i]!;
          ctx.strokeStyle = rgbToHex(OPENPOSE_COLORS[i]!);
          ctx.beginPath();
          ctx.moveTo(person.keypoints[a]!.x, person.keypoints[a]!.y);
          ctx.lineTo(person.keypoints[b]!.x, person.keypoints[b]!.y);
          ctx.stroke();
        }
        person.keypoints.forEach((k, i) => {
          if (!k.visible) return;
          ctx.fillStyle = rgbToHex(OPENPOSE_COLORS[i]!);
          ctx.beginPath();
          ctx.arc(k.x, k.y, w, 0, Math.PI * 2);
          ctx.fill();
        });
      }
    }
  }, [parsed]);

  if ('error' in parsed) return <p className="hint small">The stored condition could not be read: {parsed.error}</p>;
  const drawable = (parsed.doc.mode === 'semantic' && parsed.doc.semantic.palette) || parsed.doc.mode === 'edge' || parsed.doc.mode === 'pose';
  if (!drawable) return null;
  return (
    <figure className="gallery-condition-figure">
      <canvas ref={canvas} className="gallery-condition-canvas" aria-label={`Condition (${parsed.doc.mode})`} role="img" />
      <figcaption>Condition · {parsed.doc.mode} · {parsed.doc.width} × {parsed.doc.height}</figcaption>
    </figure>
  );
}
