// Fuzz cases for the model file formats: safetensors, bundles, taming .ckpt (zip + pickle, ZIP64), bare
// pickles (code-execution attempts must be refused and must leave no marker file behind).
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_FILE, WEIGHTS_FILE, readBundle } from '../../../native-models/formats/bundle';
import { importTamingCheckpoint } from '../../../native-models/formats/import-taming';
import { unpickle } from '../../../native-models/formats/pickle-vm';
import { openSafetensors, writeSafetensors } from '../../../native-models/formats/safetensors';
import { openTorchCheckpoint } from '../../../native-models/formats/torch-checkpoint';
import { ZipWriter } from '../../../native-models/formats/zip-writer';
import { writeTinyBaseBundle } from '../../native-models/training/fixtures/tiny-bundle';
import { FuzzRng, flipBytes, patchLE, truncate } from '../harness';
import type { FuzzCase, FuzzGroup } from '../harness';
import {
  OP, PickleBuilder, buildWithGlobal, instCall, nestedDicts, nestedLists, newobjCall, objCall, reduceCall, stackGlobalCall, torchStateDict,
} from './pickle-builder';

const FIXTURES = join(import.meta.dirname, '../../fixtures/taming');

async function loadSafetensorsFully(file: string): Promise<void> {
  const st = await openSafetensors(file);
  try {
    for (const t of st.tensors.values()) await t.read();
  } finally {
    await st.close();
  }
}

async function loadCheckpointFully(file: string): Promise<void> {
  const ck = await openTorchCheckpoint(file);
  try {
    for (const t of ck.tensors.values()) await t.read();
  } finally {
    await ck.close();
  }
}

async function loadBundleFully(dir: string): Promise<void> {
  const b = await readBundle(dir, { verify: true });
  try {
    for (const t of b.weights.tensors.values()) await t.read();
  } finally {
    await b.close();
  }
}

/** A safetensors file with this exact header object (padded) and `dataBytes` zero bytes of data. */
function safetensorsWithHeader(header: unknown, dataBytes: number, lengthField?: bigint): Buffer {
  const json = Buffer.from(JSON.stringify(header) ?? 'undefined', 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(lengthField ?? BigInt(json.length));
  return Buffer.concat([len, json, Buffer.alloc(dataBytes)]);
}

/** Byte offset of the last end-of-central-directory record. */
function eocdOffset(zip: Buffer): number {
  const at = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (at < 0) throw new Error('fixture has no EOCD');
  return at;
}

/** Byte offset of the central-directory header whose name ends in `suffix`. */
function centralHeader(zip: Buffer, suffix: string): number {
  const sig = Buffer.from([0x50, 0x4b, 0x01, 0x02]);
  for (let at = zip.indexOf(sig); at >= 0; at = zip.indexOf(sig, at + 4)) {
    const nameLength = zip.readUInt16LE(at + 28);
    if (zip.toString('latin1', at + 46, at + 46 + nameLength).endsWith(suffix)) return at;
  }
  throw new Error(`fixture has no entry ending in ${suffix}`);
}

/** Byte offset and length of `name`'s data (stored entry) via its local header. */
function storedData(zip: Buffer, suffix: string): { start: number; length: number } {
  const cd = centralHeader(zip, suffix);
  const local = zip.readUInt32LE(cd + 42);
  const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
  return { start, length: zip.readUInt32LE(cd + 20) };
}

async function writeZip(file: string, entries: Record<string, Uint8Array>): Promise<void> {
  const zip = await ZipWriter.create(file);
  for (const [name, data] of Object.entries(entries)) await zip.addEntry(name, data);
  await zip.close();
}

const DANGEROUS_CALLS: readonly [string, string][] = [
  ['os', 'system'], ['posix', 'system'], ['nt', 'system'], ['subprocess', 'Popen'], ['subprocess', 'check_output'],
  ['builtins', 'eval'], ['builtins', 'exec'], ['__builtin__', 'eval'], ['builtins', '__import__'], ['builtins', 'getattr'],
  ['shutil', 'rmtree'], ['runpy', '_run_code'], ['importlib', 'import_module'], ['pty', 'spawn'], ['torch.hub', 'load'],
];

export const formatsGroup: FuzzGroup = {
  async cases(dir, seed) {
    const rng = new FuzzRng(seed);
    const cases: FuzzCase[] = [];
    let n = 0;
    const file = (ext: string) => join(dir, `case-${n++}${ext}`);

    // ---- safetensors --------------------------------------------------------------------------
    const stBase = join(dir, 'base.safetensors');
    await writeSafetensors(stBase, [
      { name: 'a', dtype: 'float32', shape: [2, 3], data: new Uint8Array(24) },
      { name: 'b', dtype: 'float16', shape: [4], data: new Uint8Array(8) },
      { name: 'c', dtype: 'int64', shape: [1, 1], data: new Uint8Array(8) },
    ]);
    const st = await readFile(stBase);
    const headerLength = Number(st.readBigUInt64LE(0));
    const stCase = (name: string, bytes: Uint8Array) => {
      const path = file('.safetensors');
      cases.push({ kind: 'safetensors', name, run: async () => { await writeFile(path, bytes); await loadSafetensorsFully(path); } });
    };
    for (const length of [0, 5, 8, 12, 8 + headerLength - 1, 8 + headerLength, st.length - 1, ...Array.from({ length: 5 }, () => rng.range(9, st.length - 1))]) {
      stCase(`truncated to ${length} of ${st.length} bytes`, truncate(st, length));
    }
    for (const lie of [0n, 1n, BigInt(st.length), BigInt(st.length - 8 + 1), 2n ** 40n, 2n ** 63n, 2n ** 64n - 1n]) {
      stCase(`header length field says ${lie}`, patchLE(st, 0, lie, 8));
    }
    const F = (shape: unknown, offsets: unknown, dtype: unknown = 'F32') => ({ t: { dtype, shape, data_offsets: offsets } });
    const headers: [string, unknown, number][] = [
      ['header is null', null, 0], ['header is an array', [1, 2], 0], ['header is a string', 'x', 0],
      ['tensor entry is null', { t: null }, 0], ['tensor entry is a number', { t: 5 }, 0], ['tensor entry is an array', { t: [] }, 0],
      ['dtype unknown', F([1], [0, 4], 'F99'), 4], ['dtype missing', { t: { shape: [1], data_offsets: [0, 4] } }, 4], ['dtype is an object', F([1], [0, 4], { x: 1 }), 4],
      ['shape negative', F([-1, 4], [0, 16]), 16], ['shape fractional', F([1.5], [0, 6]), 8], ['shape is a string', F('4', [0, 16]), 16],
      ['shape declares terabytes (2^20 × 2^20 × 2^20 F32)', F([2 ** 20, 2 ** 20, 2 ** 20], [0, 16]), 16],
      ['shape and offsets both declare 4 TB', F([2 ** 40], [0, 4 * 2 ** 40]), 16],
      ['shape beyond 2^53 elements', F([2 ** 53, 2 ** 10], [0, 16]), 16],
      ['offsets reversed', F([1], [4, 0]), 8], ['offsets past the end of the file', F([4], [1000, 1016]), 16],
      ['offsets are strings', F([1], ['0', '4']), 4], ['offsets have three entries', F([1], [0, 4, 8]), 4], ['offsets missing', F([1], undefined), 4],
      ['offsets fractional', F([1], [0.5, 4.5]), 8],
      ['two tensors overlap', { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, 12],
      ['metadata holds a tensor-like entry next to a bad tensor', { __metadata__: { x: 'y' }, t: { dtype: 'BOOL', shape: [3], data_offsets: [0, 2] } }, 4],
    ];
    for (const [name, header, dataBytes] of headers) stCase(name, safetensorsWithHeader(header, dataBytes));
    stCase('header is not JSON', Buffer.concat([patchLE(Buffer.alloc(8), 0, 6n, 8), Buffer.from('{"a":['), Buffer.alloc(8)]));
    stCase('header is invalid UTF-8 / binary', Buffer.concat([patchLE(Buffer.alloc(8), 0, 16n, 8), Buffer.from(Array.from({ length: 16 }, () => rng.int(256)))]));

    // ---- bundles --------------------------------------------------------------------------------
    const bundleBase = await writeTinyBaseBundle(join(dir, 'bundle-base'));
    const manifest = JSON.parse(await readFile(join(bundleBase, MANIFEST_FILE), 'utf8')) as Record<string, unknown>;
    const weights = await readFile(join(bundleBase, WEIGHTS_FILE));
    const bundleCase = (name: string, make: (folder: string) => Promise<void>) => {
      const folder = file('.bundle');
      cases.push({
        kind: 'bundle',
        name,
        run: async () => {
          await rm(folder, { recursive: true, force: true });
          await mkdir(folder, { recursive: true });
          await copyFile(join(bundleBase, MANIFEST_FILE), join(folder, MANIFEST_FILE));
          await copyFile(join(bundleBase, WEIGHTS_FILE), join(folder, WEIGHTS_FILE));
          await make(folder);
          await loadBundleFully(folder);
        },
      });
    };
    const writeManifest = (folder: string, value: unknown) => writeFile(join(folder, MANIFEST_FILE), typeof value === 'string' ? value : JSON.stringify(value));
    bundleCase('manifest missing', (f) => rm(join(f, MANIFEST_FILE)));
    bundleCase('weights missing', (f) => rm(join(f, WEIGHTS_FILE)));
    bundleCase('manifest is a folder', async (f) => { await rm(join(f, MANIFEST_FILE)); await mkdir(join(f, MANIFEST_FILE)); });
    for (const text of ['', '{', 'null', '[]', '42', '"manifest"', '\u0000\u0001\u0002']) bundleCase(`manifest text ${JSON.stringify(text)}`, (f) => writeManifest(f, text));
    const OPTIONAL_KEYS = new Set(['sosToken', 'permuter', 'firstStageKey', 'palette', 'outputSize']);
    for (const key of Object.keys(manifest)) {
      if (!OPTIONAL_KEYS.has(key)) bundleCase(`manifest without "${key}"`, (f) => writeManifest(f, { ...manifest, [key]: undefined }));
      const v = manifest[key];
      const wrong = typeof v === 'string' ? 12345 : typeof v === 'number' ? 'twelve' : Array.isArray(v) ? { not: 'an array' } : typeof v === 'object' && v !== null ? [1, 2, 3] : 'x';
      bundleCase(`manifest "${key}" of the wrong type`, (f) => writeManifest(f, { ...manifest, [key]: wrong }));
    }
    const w = manifest.weights as Record<string, unknown>;
    for (const [name, value] of [['../../outside.safetensors', 'weights.file escapes the bundle'], ['/etc/passwd', 'weights.file is absolute'], ['sub/../../x', 'weights.file climbs out']] as const) {
      bundleCase(value, async (f) => {
        await copyFile(join(bundleBase, WEIGHTS_FILE), join(f, '..', 'outside.safetensors'));
        await writeManifest(f, { ...manifest, weights: { ...w, file: name } });
      });
    }
    bundleCase('weights.tensors count lies', (f) => writeManifest(f, { ...manifest, weights: { ...w, tensors: 9999 } }));
    bundleCase('weights.sha256 is not hex', (f) => writeManifest(f, { ...manifest, weights: { ...w, sha256: 'zz' } }));
    bundleCase('transformer n_embd not divisible by n_head', (f) => writeManifest(f, { ...manifest, transformer: { ...(manifest.transformer as object), n_head: 7 } }));
    bundleCase('first stage ch_mult empty', (f) => writeManifest(f, { ...manifest, firstStage: { ...(manifest.firstStage as object), ch_mult: [] } }));
    bundleCase('formatVersion from the future', (f) => writeManifest(f, { ...manifest, formatVersion: 99 }));
    for (let i = 0; i < 6; i++) {
      const length = rng.range(0, weights.length);
      bundleCase(`weights truncated to ${length} bytes`, (f) => writeFile(join(f, WEIGHTS_FILE), truncate(weights, length)));
    }
    for (let i = 0; i < 8; i++) {
      const flipped = flipBytes(weights, rng, 1 + rng.int(4));
      bundleCase(`weights with flipped bytes #${i}`, (f) => writeFile(join(f, WEIGHTS_FILE), flipped));
    }

    // ---- taming .ckpt (zip + pickle) -------------------------------------------------------------
    const ckpt = await readFile(join(FIXTURES, 'vqgan-f4-attn.ckpt'));
    const ckCase = (name: string, bytes: Uint8Array, fully = loadCheckpointFully) => {
      const path = file('.ckpt');
      cases.push({ kind: 'ckpt', name, run: async () => { await writeFile(path, bytes); await fully(path); } });
    };
    const importFully = async (path: string) => {
      await importTamingCheckpoint(path, { out: `${path}.bundle`, condKey: 'unconditional' });
    };
    for (const length of [0, 2, 30, ...Array.from({ length: 8 }, () => rng.range(31, ckpt.length - 1)), ckpt.length - 22, ckpt.length - 1]) {
      ckCase(`truncated to ${length} of ${ckpt.length} bytes`, truncate(ckpt, length));
    }
    // The classic end-of-central-directory fields, on a zip without ZIP64 records (torch writes ZIP64 ones).
    const classicPath = file('.ckpt');
    await writeZip(classicPath, { 'archive/data.pkl': torchStateDict({ numel: 4n, shape: [4n], stride: [1n] }), 'archive/version': Buffer.from('3\n'), 'archive/data/0': new Uint8Array(16) });
    const classic = await readFile(classicPath);
    await loadCheckpointFully(classicPath); // the unmutated base must load
    const eocd = eocdOffset(classic);
    ckCase('EOCD: entry count 0', patchLE(patchLE(classic, eocd + 8, 0, 2), eocd + 10, 0, 2));
    ckCase('EOCD: entry count 65535 (ZIP64 marker) without a ZIP64 record', patchLE(patchLE(classic, eocd + 8, 0xffff, 2), eocd + 10, 0xffff, 2));
    ckCase('EOCD: entry count larger than the directory', patchLE(patchLE(classic, eocd + 8, 9, 2), eocd + 10, 9, 2));
    ckCase('EOCD: central directory size 0', patchLE(classic, eocd + 12, 0, 4));
    ckCase('EOCD: central directory size larger than the file', patchLE(classic, eocd + 12, 0x7fffffff, 4));
    ckCase('EOCD: central directory offset 0', patchLE(classic, eocd + 16, 0, 4));
    ckCase('EOCD: central directory offset past the end', patchLE(classic, eocd + 16, classic.length + 100, 4));
    ckCase('EOCD: offset 0xFFFFFFFF (claims ZIP64) without a ZIP64 record', patchLE(classic, eocd + 16, 0xffffffff, 4));
    ckCase('EOCD: comment length lies', patchLE(classic, eocd + 20, 0xffff, 2));
    const rec64 = ckpt.lastIndexOf(Buffer.from([0x50, 0x4b, 0x06, 0x06]));
    ckCase('ZIP64 record (ckpt): entry count 0', patchLE(patchLE(ckpt, rec64 + 24, 0n, 8), rec64 + 32, 0n, 8));
    ckCase('ZIP64 record (ckpt): entry count 2^52', patchLE(patchLE(ckpt, rec64 + 24, 2n ** 52n, 8), rec64 + 32, 2n ** 52n, 8));
    ckCase('ZIP64 record (ckpt): directory size 0', patchLE(ckpt, rec64 + 40, 0n, 8));
    ckCase('ZIP64 record (ckpt): directory offset 0', patchLE(ckpt, rec64 + 48, 0n, 8));
    ckCase('ZIP64 record (ckpt): directory offset 2^60', patchLE(ckpt, rec64 + 48, 2n ** 60n, 8));
    const pkl = centralHeader(ckpt, 'data.pkl');
    const opened = await openTorchCheckpoint(join(FIXTURES, 'vqgan-f4-attn.ckpt'));
    const kept = [...opened.tensors.values()].find((t) => t.byteLength > 16)!;
    await opened.close();
    const tensorEntry = centralHeader(ckpt, `/data/${kept.storageKey}`);
    ckCase('data.pkl: CRC-32 wrong', patchLE(ckpt, pkl + 16, ckpt.readUInt32LE(pkl + 16) ^ 0x5a5a5a5a, 4));
    ckCase('data.pkl: compression method 99', patchLE(ckpt, pkl + 10, 99, 2));
    ckCase('data.pkl: claims deflate but is stored', patchLE(ckpt, pkl + 10, 8, 2));
    ckCase('data.pkl: uncompressed size 0xFFFFFFFF without ZIP64 extra', patchLE(ckpt, pkl + 24, 0xffffffff, 4));
    ckCase('data.pkl: compressed size 2 GB', patchLE(ckpt, pkl + 20, 0x80000000, 4));
    ckCase('data.pkl: local header offset past the end', patchLE(ckpt, pkl + 42, ckpt.length * 2, 4));
    ckCase('data.pkl: local header offset points into the middle', patchLE(ckpt, pkl + 42, 7, 4));
    ckCase('data.pkl: name length 65535', patchLE(ckpt, pkl + 28, 0xffff, 2));
    ckCase('tensor entry: size says 4 GB', patchLE(patchLE(ckpt, tensorEntry + 20, 0xfffffff0, 4), tensorEntry + 24, 0xfffffff0, 4));
    ckCase('tensor entry: size shorter than the tensor', patchLE(patchLE(ckpt, tensorEntry + 20, 4, 4), tensorEntry + 24, 4, 4));
    const pklData = storedData(ckpt, 'data.pkl');
    for (let i = 0; i < 10; i++) {
      ckCase(`data.pkl with flipped bytes #${i}`, flipBytes(ckpt, rng, 1 + rng.int(3), pklData.start, pklData.start + pklData.length));
    }
    const zip64 = await readFile(join(FIXTURES, 'zip64-forced.zip'));
    const z64eocd = zip64.indexOf(Buffer.from([0x50, 0x4b, 0x06, 0x06]));
    const z64loc = zip64.indexOf(Buffer.from([0x50, 0x4b, 0x06, 0x07]));
    const z64Case = (name: string, bytes: Buffer) => ckCase(`ZIP64: ${name}`, bytes, async (p) => { await loadCheckpointFully(p); });
    z64Case('locator points past the end', patchLE(zip64, z64loc + 8, BigInt(zip64.length * 4), 8));
    z64Case('locator points at byte 0', patchLE(zip64, z64loc + 8, 0n, 8));
    z64Case('record entry count 2^40', patchLE(patchLE(zip64, z64eocd + 24, 2n ** 40n, 8), z64eocd + 32, 2n ** 40n, 8));
    z64Case('record directory size 2^62', patchLE(zip64, z64eocd + 40, 2n ** 62n, 8));
    z64Case('record directory offset 2^63', patchLE(zip64, z64eocd + 48, 2n ** 63n, 8));
    z64Case('record directory offset past the end', patchLE(zip64, z64eocd + 48, BigInt(zip64.length + 10), 8));
    z64Case('record signature broken', patchLE(zip64, z64eocd, 0x12345678, 4));

    // Checkpoints whose pickle lies about tensors or reaches for code.
    const pickleCkpt = (name: string, dataPkl: Buffer, extra: Record<string, Uint8Array> = {}, fully = loadCheckpointFully) => {
      const path = file('.ckpt');
      cases.push({
        kind: 'ckpt',
        name,
        run: async () => {
          await writeZip(path, { 'archive/data.pkl': dataPkl, 'archive/version': Buffer.from('3\n'), ...extra });
          await fully(path);
        },
      });
    };
    const storage = { 'archive/data/0': new Uint8Array(64) };
    pickleCkpt('tensor storage declares 4 TB', torchStateDict({ numel: 2n ** 40n, shape: [2n ** 20n, 2n ** 20n], stride: [2n ** 20n, 1n] }), storage);
    pickleCkpt('tensor shape overflows 2^53 elements', torchStateDict({ numel: 16n, shape: [2n ** 40n, 2n ** 40n], stride: [1n, 1n] }), storage);
    pickleCkpt('tensor numel beyond 2^63', torchStateDict({ numel: 2n ** 70n, shape: [4n], stride: [1n] }), storage);
    pickleCkpt('tensor larger than its storage', torchStateDict({ numel: 16n, shape: [100n], stride: [1n] }), storage);
    pickleCkpt('tensor storage offset past its storage', torchStateDict({ numel: 16n, shape: [4n], stride: [1n], offset: 1000n }), storage);
    pickleCkpt('tensor negative size', torchStateDict({ numel: 16n, shape: [-4n], stride: [1n] }), storage);
    pickleCkpt('tensor negative stride', torchStateDict({ numel: 16n, shape: [4n], stride: [-1n] }), storage);
    pickleCkpt('tensor stride 2^50 reaches outside storage', torchStateDict({ numel: 16n, shape: [2n, 2n], stride: [2n ** 50n, 1n] }), storage);
    pickleCkpt('tensor storage entry missing from the zip', torchStateDict({ numel: 16n, shape: [4n], stride: [1n], key: '7' }), storage);
    pickleCkpt('tensor storage type unknown', torchStateDict({ numel: 16n, shape: [4n], stride: [1n], storageType: 'EvilStorage' }), storage);
    pickleCkpt('tensor data shorter than declared storage', torchStateDict({ numel: 1000n, shape: [1000n], stride: [1n] }), storage);
    pickleCkpt('import: tensor storage declares 4 TB', torchStateDict({ numel: 2n ** 40n, shape: [2n ** 20n, 2n ** 20n], stride: [2n ** 20n, 1n] }), storage, importFully);
    pickleCkpt('state_dict nested 100000 lists deep', nestedLists(100_000));
    pickleCkpt('state_dict nested 50000 dicts deep', nestedDicts(50_000));
    pickleCkpt('import: nested 100000 lists deep', nestedLists(100_000), {}, importFully);
    const marker = (tag: string) => join(dir, `PWNED-${tag}`);
    for (const [module, name] of DANGEROUS_CALLS.slice(0, 5)) {
      pickleCkpt(`data.pkl calls ${module}.${name}`, reduceCall(module, name, `touch ${marker('ckpt')}`));
    }
    pickleCkpt('import: data.pkl calls os.system', reduceCall('os', 'system', `touch ${marker('ckpt')}`), {}, importFully);
    ckCase('not a zip: random bytes', Buffer.from(Array.from({ length: 4096 }, () => rng.int(256))));
    ckCase('not a zip: a bare pickle', reduceCall('os', 'system', `touch ${marker('bare')}`));
    ckCase('not a zip: legacy torch magic then garbage', Buffer.concat([Buffer.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]), Buffer.alloc(64, 0xff)]));
    ckCase('not a zip: "PK" and nothing else', Buffer.from('PK'));
    ckCase('not a zip: a tar header', Buffer.concat([Buffer.alloc(257), Buffer.from('ustar'), Buffer.alloc(250)]));
    ckCase('a zip with no data.pkl', await (async () => {
      const p = file('.zip');
      await writeZip(p, { 'hello.txt': Buffer.from('hi') });
      return readFile(p);
    })());
    cases.push({ kind: 'ckpt', name: 'path is a folder', run: async () => { await loadCheckpointFully(dir); } });
    cases.push({ kind: 'ckpt', name: 'path does not exist', run: async () => { await loadCheckpointFully(join(dir, 'missing.ckpt')); } });
    ckCase('legacy fixture through the zip reader', await readFile(join(FIXTURES, 'legacy-format.ckpt')));
    ckCase('malicious fixture', await readFile(join(FIXTURES, 'malicious.ckpt')));

    // ---- bare pickles -----------------------------------------------------------------------------
    const pickleCase = (name: string, bytes: Uint8Array) => {
      cases.push({
        kind: 'pickle',
        name,
        run: async () => {
          let refusal: unknown = null;
          try {
            unpickle(bytes, { persistentLoad: () => null });
          } catch (err) {
            refusal = err;
          }
          for (const tag of ['pkl', 'ckpt', 'bare']) {
            if (existsSync(marker(tag))) throw new TypeError(`a pickle created ${marker(tag)}: code ran`);
          }
          if (refusal !== null) throw refusal;
        },
      });
    };
    const makers: [string, (m: string, n: string, a: string) => Buffer][] = [
      ['REDUCE', reduceCall], ['STACK_GLOBAL', stackGlobalCall], ['INST', instCall], ['OBJ', objCall], ['NEWOBJ', newobjCall],
    ];
    for (const [module, name] of DANGEROUS_CALLS) {
      const [how, make] = makers[rng.int(makers.length)]!;
      pickleCase(`${module}.${name} via ${how}`, make(module, name, `touch ${marker('pkl')}`));
    }
    for (const [how, make] of makers) pickleCase(`os.system via ${how}`, make('os', 'system', `touch ${marker('pkl')}`));
    pickleCase('BUILD with os.system as state', buildWithGlobal('os', 'system'));
    pickleCase('posix.system hidden in a memoized GLOBAL', new PickleBuilder().proto().global('posix', 'system').op(OP.BINPUT, 0, OP.POP, OP.BINGET, 0).str('id').op(OP.TUPLE1, OP.REDUCE).stop());
    const malformed: [string, Buffer][] = [
      ['empty', Buffer.alloc(0)],
      ['PROTO only', Buffer.from([OP.PROTO, 2])],
      ['protocol 9', Buffer.from([OP.PROTO, 9, OP.NEWFALSE, OP.STOP])],
      ['unknown opcode 0xff', Buffer.from([OP.PROTO, 2, 0xff, OP.STOP])],
      ['STOP on an empty stack', Buffer.from([OP.PROTO, 2, OP.STOP])],
      ['POP on an empty stack', Buffer.from([OP.PROTO, 2, OP.POP, OP.STOP])],
      ['APPENDS without MARK', Buffer.from([OP.PROTO, 2, OP.EMPTY_LIST, OP.APPENDS, OP.STOP])],
      ['SETITEM on a list', new PickleBuilder().proto().op(OP.EMPTY_LIST).str('k').str('v').op(OP.SETITEM).stop()],
      ['SETITEMS with an odd count', new PickleBuilder().proto().op(OP.EMPTY_DICT, OP.MARK).str('k').op(OP.SETITEMS).stop()],
      ['BINGET of a missing memo', Buffer.from([OP.PROTO, 2, OP.BINGET, 7, OP.STOP])],
      ['LONG_BINGET 0xFFFFFFFF', Buffer.from([OP.PROTO, 2, OP.LONG_BINGET, 0xff, 0xff, 0xff, 0xff, OP.STOP])],
      ['MEMOIZE on an empty stack', Buffer.from([OP.PROTO, 4, OP.MEMOIZE, OP.STOP])],
      ['BINUNICODE length 0xFFFFFFFF', Buffer.from([OP.PROTO, 2, OP.BINUNICODE, 0xff, 0xff, 0xff, 0xff, 0x41, OP.STOP])],
      ['BINBYTES8 length 2^60', Buffer.concat([Buffer.from([OP.PROTO, 4, OP.BINBYTES8]), patchLE(Buffer.alloc(8), 0, 2n ** 60n, 8), Buffer.from([OP.STOP])])],
      ['LONG4 length 2^31', Buffer.from([OP.PROTO, 2, OP.LONG4, 0xff, 0xff, 0xff, 0x7f, 0x01, OP.STOP])],
      ['FRAME length lies', Buffer.concat([Buffer.from([OP.PROTO, 4, OP.FRAME]), patchLE(Buffer.alloc(8), 0, 2n ** 50n, 8), Buffer.from([OP.NEWFALSE, OP.STOP])])],
      ['dict keyed by a list', new PickleBuilder().proto().op(OP.EMPTY_DICT, OP.EMPTY_LIST).str('v').op(OP.SETITEM).stop()],
      ['EXT1 code 1 (copyreg registry)', Buffer.from([OP.PROTO, 2, OP.EXT1, 1, OP.STOP])],
      ['BINPERSID without a persistent id', Buffer.from([OP.PROTO, 2, OP.BINPERSID, OP.STOP])],
      ['REDUCE on a string', new PickleBuilder().proto().str('os.system').op(OP.EMPTY_TUPLE, OP.REDUCE).stop()],
      ['GLOBAL without newline', Buffer.from([OP.PROTO, 2, OP.GLOBAL, 0x6f, 0x73])],
      ['no STOP', new PickleBuilder().proto().op(OP.EMPTY_DICT).bytes()],
    ];
    for (const [name, bytes] of malformed) pickleCase(name, bytes);
    const sample = torchStateDict({ numel: 4n, shape: [4n], stride: [1n] });
    for (let i = 0; i < 4; i++) {
      const cut = rng.range(3, sample.length - 1);
      pickleCase(`state_dict pickle cut at byte ${cut}`, truncate(sample, cut));
    }
    return cases;
  },
};
