import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import sharp from 'sharp';
import * as zlib from 'node:zlib';
import type { GenerationRecord } from '../../../preload/generation-record';
import {
  buildPng, encodePng, formatParameters, GenerationRecordError, parseGenerationRecord, parsePngChunks, PngFormatError,
  pngSize, readGenerationRecord, readPngText, stripPngMetadata, withGenerationRecord, writePngFile,
} from '../../../main/gallery/png-record';

function sampleRecord(overrides: Partial<GenerationRecord> = {}): GenerationRecord {
  return {
    format: 'tessera.generation',
    version: 1,
    appVersion: '0.1.0',
    createdAt: '2026-11-28T15:00:00.000Z',
    model: { id: 'sflckr-tiny', sha256: 'ab'.repeat(32), name: 'S-FLCKR tiny' },
    mode: 'semantic',
    seed: 4_294_967_295,
    sampler: { temperature: 1.05, topK: 100, topP: null, greedy: false },
    size: { width: 5, height: 3 },
    executionProvider: 'cpu',
    device: 'CPU (2 cores)',
    timings: { totalMs: 1234.5, sampleMs: 1000 },
    variation: { index: 1, count: 4 },
    classesUsed: ['sky-other', 'grass', 'Ünïcödé ☁'],
    condition: { kind: 'tessera.document', version: 2, note: 'ß 雲' },
    ...overrides,
  };
}

function gradient(width: number, height: number, channels: 3 | 4): Uint8Array {
  const data = new Uint8Array(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + (i >> 3) * 11) & 0xff;
  return data;
}

describe('encodePng', () => {
  it.each([3, 4] as const)('writes pixels that pngjs and sharp decode exactly (%i channels)', async (channels) => {
    const width = 37;
    const height = 23;
    const data = gradient(width, height, channels);
    const bytes = encodePng({ width, height, channels, data }, { record: sampleRecord() });
    const decoded = PNG.sync.read(bytes);
    expect([decoded.width, decoded.height]).toEqual([width, height]);
    for (let p = 0; p < width * height; p++) {
      for (let c = 0; c < channels; c++) expect(decoded.data[p * 4 + c]).toBe(data[p * channels + c]);
      if (channels === 3) expect(decoded.data[p * 4 + 3]).toBe(255);
    }
    const viaSharp = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
    expect(viaSharp.info.channels).toBe(channels);
    expect(Buffer.compare(viaSharp.data, Buffer.from(data))).toBe(0);
    expect(pngSize(bytes)).toEqual({ width, height });
  });

  it('rejects a pixel buffer of the wrong length with a clear message', () => {
    expect(() => encodePng({ width: 2, height: 2, channels: 3, data: new Uint8Array(11) })).toThrow(/needs 12/);
  });
});

describe('generation record', () => {
  it('round-trips through the tessera iTXt chunk, UTF-8 intact', () => {
    const record = sampleRecord();
    const bytes = encodePng({ width: 5, height: 3, channels: 3, data: gradient(5, 3, 3) }, { record });
    expect(readGenerationRecord(bytes)).toEqual(record);
    const text = readPngText(bytes);
    expect(text.get('parameters')).toBe(formatParameters(record));
    expect(text.get('parameters')).toContain('seed: 4294967295');
  });

  it('compresses a large condition document and still reads it back', () => {
    const big = Array.from({ length: 5000 }, (_, i) => i % 7);
    const record = sampleRecord({ condition: { labels: big } });
    const bytes = encodePng({ width: 5, height: 3, channels: 3, data: gradient(5, 3, 3) }, { record });
    expect(bytes.length).toBeLessThan(JSON.stringify(big).length);
    const itxt = parsePngChunks(bytes).find((c) => c.type === 'iTXt' && Buffer.from(c.data).toString('latin1').startsWith('tessera\0'));
    expect(itxt?.data[8]).toBe(1); // compression flag
    expect(readGenerationRecord(bytes)).toEqual(record);
  });

  it('returns null for a PNG without a record', () => {
    const bytes = encodePng({ width: 2, height: 2, channels: 4, data: gradient(2, 2, 4) });
    expect(readGenerationRecord(bytes)).toBeNull();
  });

  it('withGenerationRecord adds or replaces the record without touching pixels', () => {
    const data = gradient(9, 4, 3);
    const plain = encodePng({ width: 9, height: 4, channels: 3, data });
    const first = withGenerationRecord(plain, sampleRecord({ seed: 1 }));
    const second = withGenerationRecord(first, sampleRecord({ seed: 2 }));
    expect(readGenerationRecord(second)?.seed).toBe(2);
    expect(parsePngChunks(second).filter((c) => c.type === 'iTXt')).toHaveLength(2);
    expect(Buffer.compare(PNG.sync.read(second).data, PNG.sync.read(plain).data)).toBe(0);
  });

  it('stripPngMetadata removes the record but keeps identical pixels', () => {
    const data = gradient(6, 6, 4);
    const bytes = encodePng({ width: 6, height: 6, channels: 4, data }, { record: sampleRecord(), text: { Author: 'me' } });
    const stripped = stripPngMetadata(bytes);
    expect(readGenerationRecord(stripped)).toBeNull();
    expect(readPngText(stripped).size).toBe(0);
    expect(Buffer.compare(PNG.sync.read(stripped).data, PNG.sync.read(bytes).data)).toBe(0);
    const onlyOurs = stripPngMetadata(bytes, { allText: false });
    expect([...readPngText(onlyOurs).keys()]).toEqual(['Author']);
  });

  it('validates records and names the bad field', () => {
    expect(() => parseGenerationRecord({ ...sampleRecord(), mode: 'doodle' })).toThrow(/mode must be one of/);
    expect(() => parseGenerationRecord({ ...sampleRecord(), seed: 1.5 })).toThrow(/seed must be an integer/);
    expect(() => parseGenerationRecord({ ...sampleRecord(), sampler: { temperature: 1, topK: 0, topP: null, greedy: false } })).toThrow(/sampler.topK/);
    expect(() => parseGenerationRecord({ ...sampleRecord(), version: 9 })).toThrow(GenerationRecordError);
    expect(() => parseGenerationRecord('nope')).toThrow(/JSON object/);
  });
});

describe('chunk reader', () => {
  const good = encodePng({ width: 4, height: 4, channels: 3, data: gradient(4, 4, 3) }, { record: sampleRecord() });

  it('detects a flipped bit through the CRC', () => {
    const bad = Buffer.from(good);
    const idat = bad.indexOf(Buffer.from('IDAT'));
    bad[idat + 6]! ^= 0x01;
    expect(() => parsePngChunks(bad)).toThrow(/CRC mismatch in chunk IDAT/);
  });

  it('refuses a compressed text chunk that inflates beyond 64 MiB', () => {
    const bomb = zlib.deflateSync(Buffer.alloc(65 * 1024 * 1024, 0x20), { level: 9 });
    const chunks = parsePngChunks(good).filter((c) => c.type !== 'iTXt');
    chunks.splice(1, 0, { type: 'iTXt', data: Buffer.concat([Buffer.from('tessera\0\x01\x00\0\0', 'latin1'), bomb]) });
    expect(() => readGenerationRecord(buildPng(chunks))).toThrow(/oversized compressed text chunk "tessera"/);
  });

  it('reports truncation and a missing signature', () => {
    expect(() => parsePngChunks(good.subarray(0, good.length - 20))).toThrow(PngFormatError);
    expect(() => parsePngChunks(Buffer.from('GIF89a........'))).toThrow(/signature/);
  });
});

describe('writePngFile', () => {
  it('writes atomically and leaves no temp file behind', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-png-'));
    try {
      const file = path.join(dir, 'sub', 'a.png');
      const bytes = await writePngFile(file, { width: 3, height: 2, channels: 3, data: gradient(3, 2, 3) }, sampleRecord());
      expect(Buffer.compare(fs.readFileSync(file), bytes)).toBe(0);
      expect(fs.readdirSync(path.join(dir, 'sub'))).toEqual(['a.png']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
