import { describe, expect, it } from 'vitest';
import { DocumentVersionError, LATEST_SCHEMA, migrateDocumentJson, migrations } from '../../../renderer/document/migrations';
import type { DocumentMigration } from '../../../renderer/document/migrations';
import { parseDocument, serializeDocument, createDocument } from '../../../renderer/document/document';
import { encodeRaster } from '../../../renderer/document/raster-codec';
import { createLabelRaster } from '../../../renderer/editor/raster/label-raster';

describe('document migrations', () => {
  it('are named, ordered and unique', () => {
    expect(migrations.map((m) => m.id)).toEqual(['0001-initial', '0002-generation-settings', '0003-transformer-weights', '0004-window-stride']);
    expect(LATEST_SCHEMA).toBe('0004-window-stride');
  });

  it('bring an unversioned draft through every step', () => {
    const { doc, applied } = migrateDocumentJson({ width: 64, height: 32, mode: 'edge' });
    expect(applied).toEqual(['0001-initial', '0002-generation-settings', '0003-transformer-weights', '0004-window-stride']);
    expect(doc).toMatchObject({
      format: 'tessera.document', schema: '0004-window-stride', mode: 'edge',
      edge: { base: null, strokes: [] }, pose: { people: [] },
      generation: { modelId: null, outputWidth: 64, outputHeight: 32, temperature: 1, topK: 100, variations: 1, gptWeights: 'float32', windowStride: null },
    });
    const loaded = parseDocument({ width: 64, height: 32 }).doc;
    expect(loaded.mode).toBe('semantic');
    expect(loaded.semantic.labels.data.length).toBe(64 * 32);
  });

  it('upgrade a 0001 document: its modelId moves into generation, its layers survive', () => {
    const labels = createLabelRaster(4, 2);
    labels.data.set([1, 1, 2, 2, 3, 3, 3, 3]);
    const v1 = {
      format: 'tessera.document', schema: '0001-initial', mode: 'semantic', width: 4, height: 2, modelId: 'sflckr',
      semantic: { labels: encodeRaster(labels), palette: [{ id: 3, name: 'sky-other', color: [10, 20, 30] }], background: 0 },
      edge: { base: null, strokes: [] }, pose: { people: [] }, image: { image: null, mask: null },
    };
    const { doc, applied } = parseDocument(v1);
    expect(applied).toEqual(['0002-generation-settings', '0003-transformer-weights', '0004-window-stride']);
    expect(doc.generation.modelId).toBe('sflckr');
    expect(doc.generation.gptWeights).toBe('float32');
    expect(doc.generation.windowStride).toBeNull(); // the model's own
    expect([...doc.semantic.labels.data]).toEqual([1, 1, 2, 2, 3, 3, 3, 3]);
    expect(doc.semantic.palette?.[0]?.name).toBe('sky-other');
    expect('modelId' in serializeDocument(doc)).toBe(false);
  });

  it('leave a current document alone', () => {
    const json = serializeDocument(createDocument({ width: 8, height: 8 }));
    const { doc, applied } = migrateDocumentJson(json);
    expect(applied).toEqual([]);
    expect(doc).toEqual(json);
  });

  it('refuse a document from a newer app, and things that are not documents', () => {
    expect(() => migrateDocumentJson({ format: 'tessera.document', schema: '0042-future', width: 1, height: 1 })).toThrow(DocumentVersionError);
    expect(() => migrateDocumentJson({ schema: '0042-future' })).toThrow(/newer version/);
    expect(() => migrateDocumentJson([])).toThrow(/JSON object/);
    expect(() => migrateDocumentJson({ format: 'fabric', width: 1, height: 1 })).toThrow(/not a Tessera document/);
    expect(() => migrateDocumentJson({ width: 0, height: 5 })).toThrow(/positive integers/);
  });

  it('run a later step only after the ones before it', () => {
    const seen: string[] = [];
    const steps: DocumentMigration[] = [
      ...migrations,
      { id: '0005-test-rename', up: (d) => { seen.push(String(d.schema)); return { ...d, renamed: true }; } },
    ];
    const { doc, applied } = migrateDocumentJson({ width: 2, height: 2 }, steps);
    expect(applied).toEqual(['0001-initial', '0002-generation-settings', '0003-transformer-weights', '0004-window-stride', '0005-test-rename']);
    expect(seen).toEqual(['0004-window-stride']);
    expect(doc.schema).toBe('0005-test-rename');
    expect(doc.renamed).toBe(true);
  });
});
