// Fuzz cases for what a person hands in as pictures and condition files: PNGs (gallery metadata, `--cond`
// and mask images, photos for edge maps, thumbnails), decompression bombs, .npy label maps and OpenPose JSON.
import * as zlib from 'node:zlib';
import { conditionFromBytes, maskFromPng } from '../../../main/generation/generation-files';
import { edgesFromImage } from '../../../main/generation/conditions-domain';
import { makeThumbnail } from '../../../main/gallery/thumbnails';
import { buildPng, encodePng, parsePngChunks, pngSize, readGenerationRecord } from '../../../main/gallery/png-record';
import type { PngChunk } from '../../../main/gallery/png-record';
import { parseOpenPoseJson } from '../../../native-models/sampling/pose-render';
import { makeImage, makeRecord } from '../../main/gallery/helpers';
import { FuzzRng, flipBytes, truncate } from '../harness';
import type { FuzzCase, FuzzGroup } from '../harness';

function ihdr(width: number, height: number, depth = 8, colorType = 2, interlace = 0): PngChunk {
  const d = Buffer.alloc(13);
  d.writeUInt32BE(width >>> 0, 0);
  d.writeUInt32BE(height >>> 0, 4);
  d[8] = depth;
  d[9] = colorType;
  d[12] = interlace;
  return { type: 'IHDR', data: d };
}

/** A PNG that declares width × height but carries only a few kilobytes of zeros (a decompression bomb). */
export function bombPng(width: number, height: number, idatBytes = 4096): Buffer {
  return buildPng([ihdr(width, height), { type: 'IDAT', data: zlib.deflateSync(Buffer.alloc(idatBytes)) }, { type: 'IEND', data: new Uint8Array(0) }]);
}

function npy(header: string, data: Uint8Array = new Uint8Array(0), major = 1): Buffer {
  const text = Buffer.from(header, 'latin1');
  const len = Buffer.alloc(major === 1 ? 2 : 4);
  if (major === 1) len.writeUInt16LE(text.length);
  else len.writeUInt32LE(text.length);
  return Buffer.concat([Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]), len, text, Buffer.from(data)]);
}

export const imagesGroup: FuzzGroup = {
  async cases(_dir, seed) {
    const rng = new FuzzRng(seed ^ 0x1111);
    const cases: FuzzCase[] = [];
    const base = encodePng(makeImage(3, 16, 12), { record: makeRecord({ seed: 9 }) });
    const chunks = parsePngChunks(base);
    const replace = (type: string, data: Uint8Array): Buffer => buildPng(chunks.map((c) => (c.type === type ? { type, data } : c)));
    const recordChunk = chunks.find((c) => c.type === 'iTXt' && Buffer.from(c.data).toString('latin1').startsWith('tessera\0'))!;
    const itxt = (keyword: string, text: Uint8Array, compressed = false): PngChunk => ({
      type: 'iTXt',
      data: Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0, compressed ? 1 : 0, 0, 0, 0]), Buffer.from(text)]),
    });

    // Every entry point a PNG reaches.
    const entries: [string, (b: Buffer) => Promise<unknown>][] = [
      ['record', async (b) => { if (readGenerationRecord(b) === null) throw new Error('unreachable: readGenerationRecord found no record in a PNG that was written with one'); }],
      ['cond', async (b) => conditionFromBytes(b, '.png', 'edge', undefined, 'cond.png')],
      ['mask', async (b) => maskFromPng(b, 16, 12, 'mask.png')],
      ['edges', async (b) => edgesFromImage({ pngBase64: b.toString('base64'), low: 0.1, high: 0.2 })],
      ['thumbnail', async (b) => makeThumbnail(b, 64)],
      ['size', async (b) => pngSize(b)],
    ];
    const pngCase = (name: string, bytes: Buffer, only?: readonly string[]) => {
      for (const [entry, run] of entries) {
        if (only && !only.includes(entry)) continue;
        cases.push({ kind: `png:${entry}`, name, run: async () => { await run(bytes); } });
      }
    };

    pngCase('empty file', Buffer.alloc(0));
    pngCase('signature only', base.subarray(0, 8));
    pngCase('random bytes', Buffer.from(Array.from({ length: 300 }, () => rng.int(256))));
    pngCase('a JPEG header', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1]));
    for (let i = 0; i < 3; i++) pngCase(`truncated #${i}`, truncate(base, rng.range(9, base.length - 1)));
    const flip = (type: string) => {
      const at = base.indexOf(Buffer.from(type, 'latin1'));
      return flipBytes(base, rng, 1, at + 4, at + 8);
    };
    pngCase('IHDR CRC wrong', flip('IHDR'));
    pngCase('IDAT CRC wrong', flip('IDAT'), ['cond', 'mask', 'edges', 'size', 'record']);
    pngCase('record iTXt CRC wrong', flip('iTXt'), ['record', 'cond', 'size']);
    pngCase('IEND missing', buildPng(chunks.filter((c) => c.type !== 'IEND')), ['record', 'cond', 'mask', 'size']);
    pngCase('no IDAT', buildPng(chunks.filter((c) => c.type !== 'IDAT')), ['cond', 'mask', 'edges', 'thumbnail']);
    pngCase('IDAT is not zlib', replace('IDAT', Buffer.from('definitely not deflate data')), ['cond', 'mask', 'edges', 'thumbnail']);
    pngCase('IDAT inflates to too little', replace('IDAT', zlib.deflateSync(Buffer.alloc(20))), ['cond', 'mask', 'edges', 'thumbnail']);
    pngCase('IHDR 8 bytes long', replace('IHDR', Buffer.alloc(4)), ['cond', 'size', 'thumbnail']);
    pngCase('IHDR width 0', replace('IHDR', ihdr(0, 12).data), ['cond', 'mask', 'edges', 'size', 'thumbnail']);
    pngCase('IHDR bit depth 3', replace('IHDR', ihdr(16, 12, 3).data), ['cond', 'mask', 'edges', 'thumbnail']);
    pngCase('IHDR colour type 7', replace('IHDR', ihdr(16, 12, 8, 7).data), ['cond', 'mask', 'edges', 'thumbnail']);
    pngCase('IHDR interlace 5', replace('IHDR', ihdr(16, 12, 8, 2, 5).data), ['cond', 'mask', 'edges', 'thumbnail']);
    pngCase('chunk length 0xFFFFFFFF', (() => {
      const b = Buffer.from(base);
      b.writeUInt32BE(0xffffffff, base.indexOf(Buffer.from('IDAT', 'latin1')) - 4);
      return b;
    })(), ['record', 'cond', 'size', 'mask']);
    pngCase('chunk type with a digit', (() => {
      const b = Buffer.from(base);
      b.write('ID4T', base.indexOf(Buffer.from('IDAT', 'latin1')), 'latin1');
      return b;
    })(), ['record', 'cond', 'size']);
    // Decompression bombs: huge declared sizes with a tiny payload.
    for (const [w, h] of [[100_000, 100_000], [65_535, 65_535], [1, 2_000_000_000], [2 ** 31 - 1, 1], [0x7fffffff, 0x7fffffff]] as const) {
      pngCase(`bomb ${w}×${h} declared`, bombPng(w, h), ['cond', 'mask', 'edges', 'thumbnail']);
    }
    pngCase('bomb 20000×20000 of real zeros (1.2 GB raw, 1.2 MB compressed)', buildPng([
      ihdr(20_000, 20_000), { type: 'IDAT', data: zlib.deflateSync(Buffer.alloc(20_001 * 3 * 200), { level: 9 }) }, { type: 'IEND', data: new Uint8Array(0) },
    ]), ['cond', 'edges', 'thumbnail']);
    // The generation record itself.
    const recordText = (text: string | Uint8Array) => replace('iTXt', itxt('tessera', typeof text === 'string' ? Buffer.from(text, 'utf8') : text).data);
    const rec = makeRecord({ seed: 9 }) as unknown as Record<string, unknown>;
    for (const [name, text] of [
      ['record is not JSON', '{"format": "tessera.generation", '], ['record is null', 'null'], ['record is an array', '[1,2]'],
      ['record format wrong', JSON.stringify({ ...rec, format: 'other' })], ['record version 99', JSON.stringify({ ...rec, version: 99 })],
      ['record seed is a string', JSON.stringify({ ...rec, seed: 'x' })], ['record seed is 1e999', JSON.stringify(rec).replace('"seed":9', '"seed":1e999')],
      ['record size negative', JSON.stringify({ ...rec, size: { width: -8, height: 6 } })], ['record model missing', JSON.stringify({ ...rec, model: undefined })],
      ['record mode unknown', JSON.stringify({ ...rec, mode: 'telepathy' })], ['record sampler wrong', JSON.stringify({ ...rec, sampler: [] })],
      ['record condition nested 10000 deep', JSON.stringify({ ...rec, condition: null }).replace('"condition":null', `"condition":${'['.repeat(10_000)}${']'.repeat(10_000)}`)],
      ['record createdAt not a date', JSON.stringify({ ...rec, createdAt: 'yesterday' })],
    ] as const) pngCase(name, recordText(text), ['record']);
    pngCase('record iTXt without terminators', replace('iTXt', Buffer.from('tessera\0\x01')), ['record']);
    pngCase('record iTXt compressed flag but raw text', replace('iTXt', itxt('tessera', Buffer.from('{}'), true).data), ['record']);
    pngCase('record zTXt bomb (80 MB of text)', buildPng(chunks.map((c) => (c === recordChunk
      ? { type: 'zTXt', data: Buffer.concat([Buffer.from('tessera\0\0', 'latin1'), zlib.deflateSync(Buffer.alloc(80 * 1024 * 1024, 0x20), { level: 9 })]) }
      : c))), ['record']);
    pngCase('record compressed iTXt bomb', replace('iTXt', itxt('tessera', zlib.deflateSync(Buffer.alloc(72 * 1024 * 1024, 0x7b)), true).data), ['record']);

    // .npy condition files.
    const npyCase = (name: string, bytes: Buffer, mode: 'semantic' | 'depth' = 'semantic') => {
      cases.push({ kind: 'npy', name, run: async () => { conditionFromBytes(bytes, '.npy', mode, undefined, 'cond.npy'); } });
    };
    const header = (descr: string, shape: string, fortran = 'False') => `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': (${shape}), }`.padEnd(118) + '\n';
    npyCase('no magic', Buffer.from('not numpy at all'));
    npyCase('magic only', Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0xff, 0xff]));
    npyCase('header length lies', Buffer.concat([npy(header('|u1', '2, 2')).subarray(0, 8), Buffer.from([0xff, 0xff]), Buffer.from('{}')]));
    npyCase('header is not a dict', npy('hello there\n'));
    npyCase('shape declares 10^12 values', npy(header('|u1', '1000000, 1000000'), new Uint8Array(16)));
    npyCase('shape is negative', npy(header('|u1', '-4, 4'), new Uint8Array(16)));
    npyCase('shape is not a number', npy(header('|u1', 'abc, 4'), new Uint8Array(16)));
    npyCase('shape is fractional', npy(header('|u1', '2.5, 4'), new Uint8Array(16)));
    npyCase('dtype complex', npy(header('<c16', '2, 2'), new Uint8Array(64)));
    npyCase('dtype object', npy(header('|O', '2, 2'), new Uint8Array(32)));
    npyCase('big-endian', npy(header('>i4', '2, 2'), new Uint8Array(16)));
    npyCase('fortran order', npy(header('|u1', '2, 2', 'True'), new Uint8Array(4)));
    npyCase('data truncated', npy(header('<i4', '4, 4'), new Uint8Array(10)));
    npyCase('three dimensions', npy(header('|u1', '2, 2, 2'), new Uint8Array(8)));
    npyCase('float label map for semantic', npy(header('<f4', '2, 2'), new Uint8Array(16)));
    npyCase('int64 beyond 2^53', npy(header('<i8', '1, 1'), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f])));
    npyCase('version 2 header length 4 GB', Buffer.concat([npy(header('|u1', '1, 1'), new Uint8Array(1), 2).subarray(0, 8), Buffer.from([0xff, 0xff, 0xff, 0xff])]));

    // OpenPose JSON.
    const poseCase = (name: string, text: string) => {
      cases.push({ kind: 'pose', name, run: async () => { parseOpenPoseJson(text, { width: 128, height: 128 }); } });
    };
    const kp = (n: number, v: unknown = 10) => Array.from({ length: n }, () => v);
    poseCase('not JSON', '{"people": [');
    poseCase('empty text', '');
    poseCase('a number', '42');
    poseCase('people missing', '{"canvas_width": 128}');
    poseCase('people is an object', '{"people": {"0": {}}}');
    poseCase('no people', '{"people": []}');
    poseCase('person is null', '{"people": [null]}');
    poseCase('keypoints missing', '{"people": [{}]}');
    poseCase('keypoints are strings', JSON.stringify({ people: [{ pose_keypoints_2d: kp(54, 'x') }] }));
    poseCase('keypoints contain null', JSON.stringify({ people: [{ pose_keypoints_2d: [...kp(53), null] }] }));
    poseCase('keypoints overflow to Infinity', `{"people": [{"pose_keypoints_2d": [${kp(53).join(',')},1e999]}]}`);
    poseCase('53 numbers', JSON.stringify({ people: [{ pose_keypoints_2d: kp(53) }] }));
    poseCase('100000 numbers', JSON.stringify({ people: [{ pose_keypoints_2d: kp(100_000) }] }));
    poseCase('nested 100000 arrays deep', `{"people": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    poseCase('second person broken', JSON.stringify({ people: [{ pose_keypoints_2d: kp(54) }, { pose_keypoints_2d: 5 }] }));
    return cases;
  },
};
