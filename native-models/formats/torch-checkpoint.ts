// Reader for PyTorch checkpoints in the zip format (torch >= 1.6, what taming/PyTorch Lightning wrote):
//   <archive>/data.pkl   pickle of the top-level object (a PL dict {state_dict, global_step, ...})
//   <archive>/data/<key> raw little-endian storage bytes, stored uncompressed
//   <archive>/version, <archive>/byteorder (newer torch)
// The pickle runs in the data-only VM (pickle-vm.ts); tensors come back as lazily readable descriptors
// whose bytes are read by offset on demand, so multi-GiB files are never loaded whole.

import { open } from 'node:fs/promises';
import { ZipFormatError, ZipReader } from './zip-reader';
import { PickleFormatError, PyDict, PyGlobal, PyTuple, UnsafePickleError } from './pickle-values';
import type { PickleExtension, PickleValue, Reconstructor } from './pickle-values';
import { describe } from './pickle-safety';
import { unpickle } from './pickle-vm';
import { DTYPE_BYTES, TORCH_STORAGE_DTYPE, numel } from './dtype';
import type { DType } from './dtype';

export type CheckpointErrorCode =
  | 'not-found'
  | 'not-a-checkpoint'
  | 'truncated'
  | 'legacy-format'
  | 'unknown-layout'
  | 'unsafe'
  | 'corrupt'
  | 'unsupported';

export class CheckpointFormatError extends Error {
  constructor(
    readonly code: CheckpointErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CheckpointFormatError';
  }
}

/** A tensor of the checkpoint: metadata now, bytes on demand. */
export interface TorchTensorInfo {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  /** Offset into the storage, in elements. */
  readonly storageOffset: number;
  readonly storageKey: string;
  /** Size of the tensor's data when contiguous, in bytes. */
  readonly byteLength: number;
  readonly contiguous: boolean;
  /** Read the tensor as contiguous row-major little-endian bytes. */
  read(): Promise<Buffer>;
}

export interface TorchCheckpoint {
  readonly path: string;
  /** Folder name inside the zip (e.g. "archive"). */
  readonly archivePrefix: string;
  /** Top-level object (inert pickle values). */
  readonly root: PickleValue;
  /** Top-level keys when the root is a dict (e.g. state_dict, global_step, optimizer_states, ...). */
  readonly topLevelKeys: string[];
  /** The state_dict tensors that were kept, in file order. */
  readonly tensors: ReadonlyMap<string, TorchTensorInfo>;
  /** state_dict entries that were left out, with the reason. */
  readonly skipped: ReadonlyArray<{ name: string; reason: string }>;
  readonly globalStep: number | undefined;
  close(): Promise<void>;
}

export interface OpenCheckpointOptions {
  /** Return a reason to leave a state_dict entry out, or null to keep it. Default: defaultSkipReason. */
  skip?: (name: string) => string | null;
}

/** Published taming checkpoints are Lightning checkpoints: keep `state_dict` (the weights) only. */
export function defaultSkipReason(name: string): string | null {
  if (/^((first|cond)_stage_model\.)?loss\./.test(name)) return 'training loss module (LPIPS/discriminator)';
  if (/(^|\.)blocks\.\d+\.attn\.mask$/.test(name)) return 'causal attention mask buffer (regenerated)';
  if (name === 'colorize' || name.endsWith('.colorize')) return 'visualisation buffer';
  return null;
}

class StorageRef implements PickleExtension {
  readonly pickleKind = 'storage';
  constructor(
    readonly key: string,
    readonly dtype: DType,
    readonly numel: number,
    readonly location: string,
  ) {}
}

class TensorRef implements PickleExtension {
  readonly pickleKind = 'tensor';
  constructor(
    readonly storage: StorageRef,
    readonly storageOffset: number,
    readonly shape: number[],
    readonly strides: number[],
  ) {}
}

function intList(v: PickleValue, what: string): number[] {
  const items = v instanceof PyTuple ? v.items : Array.isArray(v) ? v : null;
  if (!items) throw new PickleFormatError(`${what}: expected a tuple of ints, got ${describe(v)}`);
  return items.map((x) => {
    if (typeof x === 'number') return x;
    if (typeof x === 'bigint' && x <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(x);
    throw new PickleFormatError(`${what}: expected an int, got ${describe(x)}`);
  });
}

export function asInt(v: PickleValue | undefined, what: string): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
  throw new PickleFormatError(`${what}: expected an int, got ${describe(v)}`);
}

function rebuildTensor(args: PickleValue[]): TensorRef {
  const storage = args[0];
  if (!(storage instanceof StorageRef)) throw new PickleFormatError(`_rebuild_tensor: first argument is ${describe(storage)}, not a storage`);
  return new TensorRef(storage, asInt(args[1], 'storage_offset'), intList(args[2] ?? null, 'size'), intList(args[3] ?? null, 'stride'));
}

const firstArg: Reconstructor = (args) => args[0] ?? null;

const TORCH_RECONSTRUCTORS: Map<string, Reconstructor> = new Map<string, Reconstructor>([
  ['torch._utils._rebuild_tensor_v2', rebuildTensor],
  ['torch._utils._rebuild_tensor', rebuildTensor],
  ['torch._utils._rebuild_parameter', firstArg],
  ['torch._utils._rebuild_parameter_with_state', firstArg],
  ['torch.nn.parameter.Parameter', firstArg],
  ['torch.Size', (args) => args[0] ?? new PyTuple([])],
  [
    // _rebuild_from_type_v2(func, new_type, args, state): a tensor subclass; rebuild the plain tensor
    'torch._tensor._rebuild_from_type_v2',
    (args): PickleValue => {
      const func = args[0];
      const inner = args[2];
      if (func instanceof PyGlobal && inner !== undefined) {
        const r: Reconstructor | undefined = TORCH_RECONSTRUCTORS.get(func.qualified);
        if (r) return r(inner instanceof PyTuple ? inner.items : [inner], func);
      }
      return null;
    },
  ],
]);

/** A torch storage's persistent id, ('storage', type, key, location, numel[, view]), checked and typed. */
export function storageId(pid: PickleValue): { key: string; dtype: DType; location: string; numel: number; view: PickleValue | undefined } {
  const t = pid instanceof PyTuple ? pid.items : null;
  if (!t || t[0] !== 'storage' || t.length < 5) throw new PickleFormatError(`unsupported persistent id ${describe(pid)} (expected a torch storage)`);
  const type = t[1];
  const typeName = type instanceof PyGlobal ? type.name : String(type);
  const dtype = TORCH_STORAGE_DTYPE[typeName];
  if (!dtype) throw new PickleFormatError(`unsupported storage type ${type instanceof PyGlobal ? type.qualified : typeName}`);
  const key = t[2];
  if (typeof key !== 'string') throw new PickleFormatError(`storage key is ${describe(key)}, not a string`);
  const location = typeof t[3] === 'string' ? t[3] : 'cpu';
  return { key, dtype, location, numel: asInt(t[4], 'storage numel'), view: t[5] };
}

function persistentLoad(pid: PickleValue): PickleValue {
  const { key, dtype, numel, location } = storageId(pid);
  return new StorageRef(key, dtype, numel, location);
}

const LEGACY_MAGIC = Buffer.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]);

function legacyError(path: string, what: string): CheckpointFormatError {
  return new CheckpointFormatError(
    'legacy-format',
    `${path}: this is a ${what} — the legacy PyTorch serialization written by torch < 1.6 (or with ` +
      `_use_new_zipfile_serialization=False). Tessera reads only the zip format of torch >= 1.6. Convert it once ` +
      `with PyTorch >= 1.6, only if you trust the file (loading a legacy pickle executes it): ` +
      `python -c "import torch; torch.save(torch.load('IN.ckpt', map_location='cpu'), 'OUT.ckpt')"`,
  );
}

/** Look at the first bytes and refuse anything that is not a zip checkpoint with a precise reason. */
async function sniff(path: string): Promise<void> {
  let head: Buffer;
  let size: number;
  try {
    const fh = await open(path, 'r');
    try {
      size = (await fh.stat()).size;
      head = Buffer.alloc(Math.min(size, 512));
      if (head.length) await fh.read(head, 0, head.length, 0);
    } finally {
      await fh.close();
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CheckpointFormatError('not-found', `${path}: no such file`);
    if (code === 'EISDIR') throw new CheckpointFormatError('not-a-checkpoint', `${path}: is a folder, not a checkpoint file`);
    throw e;
  }
  if (size === 0) throw new CheckpointFormatError('not-a-checkpoint', `${path}: the file is empty`);
  if (head[0] === 0x50 && head[1] === 0x4b) return; // "PK"
  if (head.length >= 262 && head.toString('latin1', 257, 262) === 'ustar') throw legacyError(path, 'tar archive');
  if (head.subarray(0, LEGACY_MAGIC.length).equals(LEGACY_MAGIC)) throw legacyError(path, 'non-zip pickle stream with the torch magic number');
  if (head[0] === 0x80 && head.length > 1 && head[1]! <= 5) {
    throw new CheckpointFormatError(
      'unknown-layout',
      `${path}: a bare pickle file, not a PyTorch checkpoint (no zip container and no torch magic number)`,
    );
  }
  const hex = head.subarray(0, 8).toString('hex').replace(/(..)/g, '$1 ').trim();
  throw new CheckpointFormatError('not-a-checkpoint', `${path}: not a PyTorch checkpoint (not a zip archive; first bytes ${hex})`);
}

function toCheckpointError(path: string, e: unknown): unknown {
  if (e instanceof CheckpointFormatError) return e;
  if (e instanceof ZipFormatError) {
    const code: CheckpointErrorCode =
      e.code === 'truncated' ? 'truncated' : e.code === 'not-zip' ? 'not-a-checkpoint' : e.code === 'unsupported' ? 'unsupported' : 'corrupt';
    return new CheckpointFormatError(code, e.message, { cause: e });
  }
  if (e instanceof UnsafePickleError) return new CheckpointFormatError('unsafe', `${path}: ${e.message}`, { cause: e });
  if (e instanceof PickleFormatError) return new CheckpointFormatError('corrupt', `${path}: data.pkl: ${e.message}`, { cause: e });
  return e;
}

/**
 * Splits a state_dict's entries into tensors (`isTensor`, then made by `make`) and skipped entries with the
 * reason: not a tensor, or what `skip` says about the name. Shared by the zip and the legacy readers.
 */
export function partitionStateDict<R>(
  sd: PyDict, isTensor: (v: PickleValue) => v is R & PickleValue, skip: (name: string) => string | null, make: (name: string, v: R) => TorchTensorInfo,
): { tensors: Map<string, TorchTensorInfo>; skipped: Array<{ name: string; reason: string }> } {
  const tensors = new Map<string, TorchTensorInfo>();
  const skipped: Array<{ name: string; reason: string }> = [];
  for (const [k, v] of sd.entries()) {
    const name = typeof k === 'string' ? k : describe(k);
    const reason = !isTensor(v) ? `not a tensor (${describe(v)})` : skip(name);
    if (reason) skipped.push({ name, reason });
    else tensors.set(name, make(name, v as R));
  }
  return { tensors, skipped };
}

function findStateDict(root: PickleValue, path: string): PyDict {
  const isTensorDict = (d: PyDict): boolean => {
    let tensors = 0;
    for (const [, v] of d.entries()) if (v instanceof TensorRef) tensors++;
    return tensors > 0 && tensors >= d.size / 2;
  };
  if (root instanceof PyDict) {
    for (const key of ['state_dict', 'model', 'module', 'model_state_dict']) {
      const sd = root.get(key);
      if (sd instanceof PyDict) return sd;
    }
    if (isTensorDict(root)) return root;
    const keys = root.keys().map((k) => (typeof k === 'string' ? k : describe(k)));
    throw new CheckpointFormatError(
      'unknown-layout',
      `${path}: no state_dict found: the top-level dict has keys [${keys.slice(0, 20).join(', ')}] and is not a dict of tensors`,
    );
  }
  throw new CheckpointFormatError('unknown-layout', `${path}: the checkpoint holds a ${describe(root)}, not a dict with a state_dict`);
}

function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  let expect = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== expect) return false;
    expect *= shape[i]!;
  }
  return true;
}

/** Open a taming/PyTorch zip checkpoint; read only what is needed to list the state_dict. */
export async function openTorchCheckpoint(path: string, options: OpenCheckpointOptions = {}): Promise<TorchCheckpoint> {
  await sniff(path);
  let zip: ZipReader;
  try {
    zip = await ZipReader.open(path);
  } catch (e) {
    throw toCheckpointError(path, e);
  }
  try {
    const pkls = zip.names().filter((n) => /^[^/]+\/data\.pkl$/.test(n));
    if (pkls.length !== 1) {
      const names = zip.names();
      const torchscript = names.some((n) => /\/constants\.pkl$/.test(n) || /\/code\//.test(n));
      throw new CheckpointFormatError(
        'unknown-layout',
        torchscript
          ? `${path}: a TorchScript archive (torch.jit.save), not a checkpoint with a state_dict`
          : pkls.length === 0
            ? `${path}: a zip file but not a PyTorch checkpoint: no <archive>/data.pkl among [${names.slice(0, 8).join(', ')}${names.length > 8 ? ', …' : ''}]`
            : `${path}: more than one data.pkl (${pkls.join(', ')}): unknown layout`,
      );
    }
    const prefix = pkls[0]!.slice(0, -'/data.pkl'.length);
    const byteorderName = `${prefix}/byteorder`;
    if (zip.entries.has(byteorderName)) {
      const order = (await zip.readEntry(byteorderName)).toString('latin1').trim();
      if (order !== 'little') {
        throw new CheckpointFormatError('unsupported', `${path}: storages are ${order}-endian; only little-endian checkpoints are supported`);
      }
    }
    const root = unpickle(await zip.readEntry(pkls[0]!), { reconstructors: TORCH_RECONSTRUCTORS, persistentLoad });
    const sd = findStateDict(root, path);
    const { tensors, skipped } = partitionStateDict(sd, (v): v is TensorRef => v instanceof TensorRef, options.skip ?? defaultSkipReason,
      (name, v) => makeTensorInfo(zip, path, prefix, name, v));
    const topLevelKeys = root instanceof PyDict ? root.keys().filter((k): k is string => typeof k === 'string') : [];
    const gs = root instanceof PyDict ? root.get('global_step') : undefined;
    return {
      path,
      archivePrefix: prefix,
      root,
      topLevelKeys,
      tensors,
      skipped,
      globalStep: typeof gs === 'number' ? gs : typeof gs === 'bigint' ? Number(gs) : undefined,
      close: () => zip.close(),
    };
  } catch (e) {
    await zip.close();
    throw toCheckpointError(path, e);
  }
}

function makeTensorInfo(zip: ZipReader, path: string, prefix: string, name: string, t: TensorRef): TorchTensorInfo {
  const dtype = t.storage.dtype;
  const es = DTYPE_BYTES[dtype];
  const n = numel(t.shape);
  const entryName = `${prefix}/data/${t.storage.key}`;
  const contiguous = isContiguous(t.shape, t.strides);
  const read = async (): Promise<Buffer> => {
    try {
      const entry = zip.entry(entryName);
      if (n === 0) return Buffer.alloc(0);
      if (t.shape.some((d) => d < 0) || t.strides.some((s) => s < 0)) {
        throw new CheckpointFormatError('corrupt', `${path}: tensor "${name}" has a negative size or stride`);
      }
      let maxIndex = t.storageOffset;
      for (let i = 0; i < t.shape.length; i++) maxIndex += (t.shape[i]! - 1) * t.strides[i]!;
      if ((maxIndex + 1) * es > entry.uncompressedSize) {
        throw new CheckpointFormatError(
          'corrupt',
          `${path}: tensor "${name}" needs ${(maxIndex + 1) * es} bytes of storage ${t.storage.key} but it has ${entry.uncompressedSize}`,
        );
      }
      if (contiguous) return await zip.readRange(entryName, t.storageOffset * es, n * es);
      // strided view: read the spanned range once, then gather row-major
      const span = await zip.readRange(entryName, t.storageOffset * es, (maxIndex - t.storageOffset + 1) * es);
      return gatherStrided(span, t, n, es);
    } catch (e) {
      throw toCheckpointError(path, e);
    }
  };
  return {
    name,
    dtype,
    shape: t.shape,
    strides: t.strides,
    storageOffset: t.storageOffset,
    storageKey: t.storage.key,
    byteLength: n * es,
    contiguous,
    read,
  };
}

/**
 * The `n` elements (`es` bytes each) of a strided view, row-major: `span` holds its storage from the view's first
 * element on (storage offset already applied), `t.strides` are in elements.
 */
export function gatherStrided(span: Buffer, t: { shape: readonly number[]; strides: readonly number[] }, n: number, es: number): Buffer {
  const out = Buffer.allocUnsafe(n * es);
  const idx = new Array<number>(t.shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    let off = 0;
    for (let d = 0; d < idx.length; d++) off += idx[d]! * t.strides[d]!;
    span.copy(out, i * es, off * es, off * es + es);
    for (let d = idx.length - 1; d >= 0; d--) {
      if (++idx[d]! < t.shape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}
