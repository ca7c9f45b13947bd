/**
 * Training checkpoints: everything a run needs to continue exactly — parameters, optimizer state, step, RNG
 * state and data-order position — in one file per checkpoint, written atomically.
 *
 * File format: safetensors layout (readable by any safetensors tool): u64 LE header length | header JSON
 * (space-padded to 8 bytes) | tensor bytes. Tensors are named `param/<name>` and `optim/<name>`; the
 * `__metadata__` holds `format: "tessera-checkpoint"`, `version: "1"`, `state` (JSON: step, rng, data order,
 * optimizer scalars, extra) and `sha256` of the tensor bytes, verified on load.
 * File names: `ckpt-<step, 9 digits>.safetensors` in the run's checkpoints/ folder.
 *
 * Atomic write: the bytes go to a temp file (`.tmp-…`, opened exclusively) which is fsync'ed and closed, then
 * renamed over the final name, then the folder is fsync'ed (skipped on Windows, where folders cannot be
 * opened). Any failure before the rename removes the temp file and leaves every earlier checkpoint untouched;
 * a crash leaves at most a temp file, which listing ignores and `removeTempFiles` deletes. After a successful
 * write only the newest `keep` checkpoints (default 3) are kept.
 */
import { createHash } from 'node:crypto';
import { open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { JsonValue } from './data/cache';
import type { DataOrderState } from './data/order';
import type { RngState } from './rng';

export type CheckpointDtype = 'float32' | 'float16' | 'float64' | 'int32' | 'uint8';
export type CheckpointArray = Float32Array | Uint16Array | Float64Array | Int32Array | Uint8Array;

export interface CheckpointTensor {
  dtype: CheckpointDtype;
  shape: number[];
  /** float16 data is carried as its raw bits in a Uint16Array. */
  data: CheckpointArray;
}

export interface TrainingState {
  step: number;
  params: Record<string, CheckpointTensor>;
  optimizer: {
    /** Per-parameter moments etc., e.g. `ae/m/encoder.conv_in.weight`. */
    tensors: Record<string, CheckpointTensor>;
    /** Scalars and settings (e.g. Adam's step count, betas). */
    meta: Record<string, JsonValue>;
  };
  rng: RngState;
  data: DataOrderState;
  extra?: Record<string, JsonValue>;
}

export interface WriteHooks {
  /** Called before each chunk is written; throwing aborts the write (used to inject failures in tests). */
  beforeChunk?(info: { path: string; bytesWritten: number; totalBytes: number }): void;
  /** Called after the temp file is complete and synced, before the rename. */
  beforeRename?(info: { tempPath: string; finalPath: string }): void;
}

export interface SaveOptions {
  /** Checkpoints to keep (newest first); older ones are deleted after a successful write. Default 3. */
  keep?: number;
  hooks?: WriteHooks;
}

export interface SavedCheckpoint {
  path: string;
  step: number;
  bytes: number;
  ms: number;
  pruned: string[];
}

const ST_DTYPE: Record<CheckpointDtype, string> = { float32: 'F32', float16: 'F16', float64: 'F64', int32: 'I32', uint8: 'U8' };
const FROM_ST: Record<string, CheckpointDtype> = { F32: 'float32', F16: 'float16', F64: 'float64', I32: 'int32', U8: 'uint8' };
const ELEM: Record<CheckpointDtype, number> = { float32: 4, float16: 2, float64: 8, int32: 4, uint8: 1 };
const CHUNK = 8 << 20;
const NAME_RE = /^ckpt-(\d{9})\.safetensors$/;

export function checkpointName(step: number): string {
  if (!Number.isInteger(step) || step < 0 || step > 999_999_999) throw new Error(`checkpoint step ${step} must be an integer in [0, 999999999].`);
  return `ckpt-${String(step).padStart(9, '0')}.safetensors`;
}

function expectedCtor(dtype: CheckpointDtype): string {
  return { float32: 'Float32Array', float16: 'Uint16Array', float64: 'Float64Array', int32: 'Int32Array', uint8: 'Uint8Array' }[dtype];
}

function bytesOf(a: CheckpointArray): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

interface Entry { name: string; t: CheckpointTensor }

function collect(state: TrainingState): Entry[] {
  const entries: Entry[] = [];
  const add = (prefix: string, rec: Record<string, CheckpointTensor>): void => {
    for (const [name, t] of Object.entries(rec)) {
      const n = t.shape.reduce((a, b) => a * b, 1);
      if (!t.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new Error(`checkpoint tensor ${prefix}${name}: invalid shape [${t.shape.join(', ')}].`);
      if (t.data.constructor.name !== expectedCtor(t.dtype)) {
        throw new Error(`checkpoint tensor ${prefix}${name}: dtype ${t.dtype} needs a ${expectedCtor(t.dtype)}, got ${t.data.constructor.name}.`);
      }
      if (t.data.length !== n) throw new Error(`checkpoint tensor ${prefix}${name}: shape [${t.shape.join(', ')}] has ${n} elements but the data has ${t.data.length}.`);
      entries.push({ name: prefix + name, t });
    }
  };
  add('param/', state.params);
  add('optim/', state.optimizer.tensors);
  // Larger elements first keeps every tensor aligned to its element size.
  entries.sort((a, b) => ELEM[b.t.dtype] - ELEM[a.t.dtype] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return entries;
}

/** Serialise the header (everything but the tensor bytes). */
function buildHeader(state: TrainingState, entries: Entry[], sha256: string): Buffer {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const { name, t } of entries) {
    header[name] = { dtype: ST_DTYPE[t.dtype], shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  const meta = {
    step: state.step,
    rng: state.rng,
    data: state.data,
    optimizer: state.optimizer.meta,
    extra: state.extra ?? {},
    createdAt: new Date().toISOString(),
  };
  header.__metadata__ = { format: 'tessera-checkpoint', version: '1', state: JSON.stringify(meta), sha256 };
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (8 - ((8 + json.length) % 8)) % 8;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json]);
}

async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Steps and paths of the complete checkpoints in `dir`, oldest first (temp files ignored). */
export async function listCheckpoints(dir: string): Promise<{ step: number; path: string }[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  return names
    .map((n) => ({ m: NAME_RE.exec(n), n }))
    .filter((x): x is { m: RegExpExecArray; n: string } => x.m !== null)
    .map(({ m, n }) => ({ step: Number(m[1]), path: join(dir, n) }))
    .sort((a, b) => a.step - b.step);
}

/** Delete temp files left by a crash mid-write. Returns what was removed. */
export async function removeTempFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const temps = names.filter((n) => n.startsWith('.ckpt-') && n.includes('.tmp-')).map((n) => join(dir, n));
  await Promise.all(temps.map((p) => rm(p, { force: true })));
  return temps;
}

/** Write a checkpoint atomically into `dir` (which must exist), then prune to the newest `keep`. */
export async function saveCheckpoint(dir: string, state: TrainingState, options: SaveOptions = {}): Promise<SavedCheckpoint> {
  const t0 = performance.now();
  const keep = options.keep ?? 3;
  if (!Number.isInteger(keep) || keep < 1) throw new Error(`saveCheckpoint: keep=${keep} must be ≥ 1.`);
  const entries = collect(state);
  const hash = createHash('sha256');
  for (const { t } of entries) hash.update(bytesOf(t.data));
  const header = buildHeader(state, entries, hash.digest('hex'));
  const totalBytes = header.length + entries.reduce((a, e) => a + e.t.data.byteLength, 0);
  const finalName = checkpointName(state.step);
  const finalPath = join(dir, finalName);
  const tempPath = join(dir, `.${finalName}.tmp-${process.pid}-${Date.now().toString(36)}`);

  const fh = await open(tempPath, 'wx');
  let closed = false;
  try {
    let written = 0;
    const write = async (buf: Buffer): Promise<void> => {
      for (let off = 0; off < buf.length; off += CHUNK) {
        const part = buf.subarray(off, Math.min(buf.length, off + CHUNK));
        options.hooks?.beforeChunk?.({ path: tempPath, bytesWritten: written, totalBytes });
        let done = 0;
        while (done < part.length) {
          const { bytesWritten } = await fh.write(part, done, part.length - done);
          done += bytesWritten;
        }
        written += part.length;
      }
    };
    await write(header);
    for (const { t } of entries) await write(bytesOf(t.data));
    await fh.sync();
    await fh.close();
    closed = true;
    options.hooks?.beforeRename?.({ tempPath, finalPath });
    await rename(tempPath, finalPath);
  } catch (e) {
    if (!closed) await fh.close().catch(() => undefined);
    await rm(tempPath, { force: true });
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(`Writing checkpoint step ${state.step} to ${dir} failed: ${msg}. Earlier checkpoints are intact.`, { cause: e });
  }
  await fsyncDir(dir);

  const all = await listCheckpoints(dir);
  const pruned = all.slice(0, Math.max(0, all.length - keep)).map((c) => c.path);
  for (const p of pruned) await rm(p, { force: true });
  if (pruned.length) await fsyncDir(dir);
  return { path: finalPath, step: state.step, bytes: totalBytes, ms: performance.now() - t0, pruned };
}

function makeArray(dtype: CheckpointDtype, src: Buffer): CheckpointArray {
  const ab = src.buffer.slice(src.byteOffset, src.byteOffset + src.byteLength) as ArrayBuffer; // aligned copy
  switch (dtype) {
    case 'float32': return new Float32Array(ab);
    case 'float16': return new Uint16Array(ab);
    case 'float64': return new Float64Array(ab);
    case 'int32': return new Int32Array(ab);
    default: return new Uint8Array(ab);
  }
}

/** Read and verify a checkpoint. Throws with the reason when it is cut short, corrupt or not a checkpoint. */
export async function loadCheckpoint(path: string): Promise<TrainingState> {
  const buf = await readFile(path);
  if (buf.length < 8) throw new Error(`${path} is not a checkpoint: only ${buf.length} bytes.`);
  const headerLen = Number(buf.readBigUInt64LE(0));
  if (8 + headerLen > buf.length) throw new Error(`${path} is cut short: its header needs ${headerLen} bytes.`);
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>>;
  try {
    header = JSON.parse(buf.toString('utf8', 8, 8 + headerLen)) as typeof header;
  } catch (e) {
    throw new Error(`${path}: the header is not valid JSON.`, { cause: e });
  }
  const meta = header.__metadata__ as Record<string, string> | undefined;
  if (!meta || meta.format !== 'tessera-checkpoint') throw new Error(`${path} is not a Tessera checkpoint.`);
  if (meta.version !== '1') throw new Error(`${path}: checkpoint version ${meta.version} is not supported by this Tessera.`);
  const dataStart = 8 + headerLen;
  const data = buf.subarray(dataStart);
  const sha = createHash('sha256');
  const params: Record<string, CheckpointTensor> = {};
  const optim: Record<string, CheckpointTensor> = {};
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  const tensors = names
    .map((name) => ({ name, d: header[name] as { dtype: string; shape: number[]; data_offsets: [number, number] } }))
    .sort((a, b) => a.d.data_offsets[0] - b.d.data_offsets[0]);
  let expectedEnd = 0;
  for (const { name, d } of tensors) {
    const dtype = FROM_ST[d.dtype];
    if (!dtype) throw new Error(`${path}: tensor ${name} has unsupported dtype ${d.dtype}.`);
    const [begin, end] = d.data_offsets;
    if (begin !== expectedEnd || end > data.length) throw new Error(`${path} is cut short or corrupt at tensor ${name}.`);
    expectedEnd = end;
    const slice = data.subarray(begin, end);
    sha.update(slice);
    const t: CheckpointTensor = { dtype, shape: d.shape, data: makeArray(dtype, slice) };
    if (name.startsWith('param/')) params[name.slice(6)] = t;
    else if (name.startsWith('optim/')) optim[name.slice(6)] = t;
    else throw new Error(`${path}: unexpected tensor name ${name}.`);
  }
  if (expectedEnd !== data.length) throw new Error(`${path}: ${data.length - expectedEnd} unexpected trailing bytes.`);
  if (sha.digest('hex') !== meta.sha256) throw new Error(`${path} is corrupt: its tensor bytes do not match the stored sha256.`);
  const st = JSON.parse(meta.state ?? '{}') as {
    step: number; rng: RngState; data: DataOrderState; optimizer: Record<string, JsonValue>; extra: Record<string, JsonValue>;
  };
  return { step: st.step, params, optimizer: { tensors: optim, meta: st.optimizer }, rng: st.rng, data: st.data, extra: st.extra };
}

export interface LatestCheckpoint {
  state: TrainingState;
  path: string;
  /** Newer checkpoints that could not be read (and why); they are left in place for inspection. */
  unreadable: { path: string; error: string }[];
}

/** The newest checkpoint that reads and verifies, falling back to older ones; null when none does. */
export async function loadLatestCheckpoint(dir: string): Promise<LatestCheckpoint | null> {
  const all = await listCheckpoints(dir);
  const unreadable: { path: string; error: string }[] = [];
  for (let i = all.length - 1; i >= 0; i--) {
    try {
      return { state: await loadCheckpoint(all[i]!.path), path: all[i]!.path, unreadable };
    } catch (e) {
      unreadable.push({ path: all[i]!.path, error: e instanceof Error ? e.message : String(e) });
    }
  }
  return null;
}
