// A picture of the condition as the model gets it (for "condition | result" side by side and the
// snapshot taken when Generate is pressed): semantic colours, white-on-black edges, the OpenPose
// stick figure on black, or the imported image.

import type { TesseraDocument } from '../document/document-types';
import { EDGE_ON, rasterizeEdges } from '../document/document';
import { LIMBS, OPENPOSE_COLORS, rgbToHex } from '../editor/pose/coco18';

export function conditionDataUrl(doc: TesseraDocument): string | null {
  if (doc.mode === 'depth' || doc.mode === 'superres' || doc.mode === 'completion') return doc.image.image;
  const canvas = document.createElement('canvas');
  canvas.width = doc.width;
  canvas.height = doc.height;
  const ctx = canvas.getContext('2d')!;
  if (doc.mode === 'semantic' || doc.mode === 'edge') {
    const image = ctx.createImageData(doc.width, doc.height);
    if (doc.mode === 'semantic') {
      const lut = new Map((doc.semantic.palette ?? []).map((p) => [p.id, p.color] as const));
      doc.semantic.labels.data.forEach((id, i) => {
        const c = lut.get(id) ?? [id, id, id];
        image.data.set([c[0], c[1], c[2], 255], i * 4);
      });
    } else {
      rasterizeEdges(doc).data.forEach((v, i) => {
        const g = v === EDGE_ON ? 255 : 0;
        image.data.set([g, g, g, 255], i * 4);
      });
    }
    ctx.putImageData(image, 0, 0);
    return canvas.toDataURL('image/png');
  }
  if (doc.mode === 'pose') {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, doc.width, doc.height);
    ctx.lineCap = 'round';
    ctx.lineWidth = Math.max(2, doc.width / 64);
    for (const person of doc.pose.people) {
      const k = person.keypoints;
      LIMBS.forEach(([a, b], i) => {
        if (!k[a]!.visible || !k[b]!.visible) return;
        ctx.strokeStyle = rgbToHex(OPENPOSE_COLORS[i]!);
        ctx.globalAlpha = 0.6;
        ctx.beginPath();
        ctx.moveTo(k[a]!.x, k[a]!.y);
        ctx.lineTo(k[b]!.x, k[b]!.y);
        ctx.stroke();
      });
      ctx.globalAlpha = 1;
      k.forEach((p, i) => {
        if (!p.visible) return;
        ctx.fillStyle = rgbToHex(OPENPOSE_COLORS[i]!);
        ctx.beginPath();
        ctx.arc(p.x, p.y, Math.max(2, doc.width / 96), 0, Math.PI * 2);
        ctx.fill();
      });
    }
    return canvas.toDataURL('image/png');
  }
  return null;
}
