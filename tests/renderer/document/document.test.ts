import { describe, expect, it } from 'vitest';
import {
  classesUsed, cloneDocument, createDocument, DocumentFormatError, edgeMapFromGray, parseDocument, rasterizeEdges, serializeDocument,
} from '../../../renderer/document/document';
import { base64ToBytes, bytesToBase64, decodeRaster, encodeRaster } from '../../../renderer/document/raster-codec';
import { createLabelRaster } from '../../../renderer/editor/raster/label-raster';
import { fillRect } from '../../../renderer/editor/raster/shapes';
import { addPerson, setJointVisible } from '../../../renderer/editor/pose/pose-model';

describe('raster codec', () => {
  it('base64 matches Node for every tail length', () => {
    for (let n = 0; n < 8; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + 13) & 0xff);
      expect(bytesToBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
      expect([...base64ToBytes(Buffer.from(bytes).toString('base64'))]).toEqual([...bytes]);
    }
  });

  it('round-trips 8- and 16-bit rasters compactly', () => {
    const r = createLabelRaster(256, 256, 156);
    fillRect(r, { x: 0, y: 128 }, { x: 255, y: 255 }, 123);
    const e = encodeRaster(r);
    expect(e.data.length).toBeLessThan(32);
    expect(decodeRaster(e).data).toEqual(r.data);
    const wide = createLabelRaster(300, 3, 0, 16);
    for (let i = 0; i < wide.data.length; i++) wide.data[i] = (i * 7919) % 65536;
    const back = decodeRaster(encodeRaster(wide));
    expect(back.data).toBeInstanceOf(Uint16Array);
    expect(back.data).toEqual(wide.data);
  });

  it('rejects runs that do not cover the raster', () => {
    const e = encodeRaster(createLabelRaster(4, 4, 1));
    expect(() => decodeRaster({ ...e, width: 5 })).toThrow(/runs cover 16 of 20/);
    expect(() => decodeRaster({ ...e, height: 2 })).toThrow(/more than/);
  });
});

describe('Tessera document', () => {
  function painted() {
    const doc = createDocument({
      width: 32, height: 16,
      palette: [{ id: 0, name: 'unlabeled', color: [0, 0, 0] }, { id: 105, name: 'sea', color: [0, 80, 200] }, { id: 156, name: 'sky-other', color: [120, 180, 255] }],
    });
    fillRect(doc.semantic.labels, { x: 0, y: 0 }, { x: 31, y: 9 }, 156);
    fillRect(doc.semantic.labels, { x: 0, y: 10 }, { x: 31, y: 12 }, 105);
    doc.edge.strokes.push({ tool: 'pen', size: 1, points: [{ x: 0.5, y: 0.5 }, { x: 4.5, y: 0.5 }] });
    doc.pose.people = setJointVisible(addPerson([], doc), 'person-1', 3, false);
    doc.generation = { ...doc.generation, modelId: 'sflckr-tiny', seed: 4242, topP: 0.9 };
    return doc;
  }

  it('serialises to JSON and loads back identically', () => {
    const doc = painted();
    const json = JSON.parse(JSON.stringify(serializeDocument(doc))) as unknown;
    const { doc: back, applied } = parseDocument(json);
    expect(applied).toEqual([]);
    expect(back.semantic.labels.data).toEqual(doc.semantic.labels.data);
    expect(back.pose.people[0]!.keypoints[3]!.visible).toBe(false);
    expect(back.pose.people[0]!.keypoints[0]!.x).toBeCloseTo(doc.pose.people[0]!.keypoints[0]!.x, 1);
    expect(back.generation).toEqual(doc.generation);
    expect(serializeDocument(back)).toEqual(json);
    expect(JSON.stringify(json).length).toBeLessThan(3000);
  });

  it('lists the classes used, most pixels first', () => {
    expect(classesUsed(painted())).toEqual(['sky-other', 'unlabeled', 'sea']);
  });

  it('rasterises edges in the canonical polarity: white (255) edges on black (0)', () => {
    const doc = painted();
    doc.edge.strokes.push({ tool: 'eraser', size: 1, points: [{ x: 2.5, y: 0.5 }] });
    const e = rasterizeEdges(doc);
    expect([...e.data.subarray(0, 6)]).toEqual([255, 255, 0, 255, 255, 0]);
    expect(new Set(e.data)).toEqual(new Set([0, 255]));
  });

  it('converts a dark-on-light sketch to the canonical polarity', () => {
    const gray = Uint8Array.from([250, 10, 240, 30]);
    expect([...edgeMapFromGray(gray, 2, 2, { darkEdges: true }).data]).toEqual([0, 255, 0, 255]);
    expect([...edgeMapFromGray(gray, 2, 2, { darkEdges: false }).data]).toEqual([255, 0, 255, 0]);
  });

  it('names the bad field when loading a broken document', () => {
    const json = serializeDocument(painted());
    const broken = (patch: (j: Record<string, unknown>) => void) => {
      const j = JSON.parse(JSON.stringify(json)) as Record<string, unknown>;
      patch(j);
      return () => parseDocument(j);
    };
    expect(broken((j) => { (j.pose as { people: { keypoints: unknown[] }[] }).people[0]!.keypoints.pop(); })).toThrow(/pose\.people\[0\]\.keypoints must be 18 COCO-18 keypoints/);
    expect(broken((j) => { (j.generation as Record<string, unknown>).temperature = 'hot'; })).toThrow(/generation\.temperature must be a finite number/);
    expect(broken((j) => { (j.semantic as Record<string, unknown>).labels = encodeRaster(createLabelRaster(3, 3)); })).toThrow(/semantic\.labels size must be 32x16/);
    expect(broken((j) => { j.mode = 'watercolour'; })).toThrow(DocumentFormatError);
  });

  it('clones deeply', () => {
    const doc = painted();
    const copy = cloneDocument(doc);
    copy.semantic.labels.data[0] = 1;
    expect(doc.semantic.labels.data[0]).toBe(156);
  });
});
