// Reader for PyTorch's legacy (torch < 1.6, non-zip) serialization with the magic number, which older published
// weights still use (torchvision's vgg16-397923af.pth, LPIPS's vgg.pth). The file is a stream of five pickles
// followed by raw storages:
//   pickle 1  magic number 0x1950a86a20f9469cfc6c        pickle 2  protocol version 1001
//   pickle 3  sys_info {little_endian, type_sizes, ...}  pickle 4  the object; storages as persistent ids
//             ('storage', <torch.XStorage>, key, location, numel, view_metadata | None)
//   pickle 5  the storage keys in the order their data follows
//   then per key: int64 numel (little-endian) + numel · element size bytes.
// The pickles run in the same data-only VM as the zip reader (nothing executes); tensor bytes are read by offset
// on demand. The older tar variant (torch ≤ 0.3 `tarfile` checkpoints) is not read.
// Opened only by callers that ask for it (the LPIPS/VGG16 loader); openTorchCheckpoint keeps refusing this
// format for model imports.

import { open, type FileHandle } from 'node:fs/promises';
import { CheckpointFormatError, defaultSkipReason, gatherStrided, partitionStateDict, storageId, type OpenCheckpointOptions, type TorchCheckpoint, type TorchTensorInfo } from './torch-checkpoint';
import { PickleFormatError, PyDict, PyTuple, UnsafePickleError } from './pickle-values';
import type { PickleExtension, PickleValue, Reconstructor } from './pickle-values';
import { describe } from './pickle-safety';
import { unpickle } from './pickle-vm';
import { DTYPE_BYTES, numel } from './dtype';
import type { DType } from './dtype';

const MAGIC = 0x1950a86a20f9469cfc6cn;
const PROTOCOL_VERSION = 1001;
const MAX_HEAD = 256 * 1024 * 1024;

class LegacyStorage implements PickleExtension {
  readonly pickleKind = 'storage';
  constructor(
    readonly key: string,
    readonly dtype: DType,
    readonly numel: number,
    /** Element offset of a storage view into its root storage. */
    readonly viewOffset: number,
  ) {}
}

class LegacyTensor implements PickleExtension {
  readonly pickleKind = 'tensor';
  constructor(
    readonly storage: LegacyStorage,
    readonly storageOffset: number,
    readonly shape: number[],
    readonly strides: number[],
  ) {}
}

function ints(v: PickleValue | undefined, what: string): number[] {
  const items = v instanceof PyTuple ? v.items : Array.isArray(v) ? v : null;
  if (!items) throw new PickleFormatError(`${what}: expected a tuple of ints, got ${describe(v)}`);
  return items.map((x) => int(x, what));
}

function int(v: PickleValue | undefined, what: string): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= 0n) return Number(v);
  throw new PickleFormatError(`${what}: expected an int, got ${describe(v)}`);
}

const rebuildTensor: Reconstructor = (args) => {
  const s = args[0];
  if (!(s instanceof LegacyStorage)) throw new PickleFormatError(`_rebuild_tensor: first argument is ${describe(s)}, not a storage`);
  return new LegacyTensor(s, s.viewOffset + int(args[1], 'storage_offset'), ints(args[2], 'size'), ints(args[3], 'stride'));
};

const RECONSTRUCTORS = new Map<string, Reconstructor>([
  ['torch._utils._rebuild_tensor', rebuildTensor],
  ['torch._utils._rebuild_tensor_v2', rebuildTensor],
  ['torch._utils._rebuild_parameter', (args) => args[0] ?? null],
  ['torch.nn.parameter.Parameter', (args) => args[0] ?? null],
  ['torch.Size', (args) => args[0] ?? new PyTuple([])],
]);

/** Storages by root key: numel and dtype of the root (views add their offset to the tensors). */
function storageLoader(roots: Map<string, { dtype: DType; numel: number }>): (pid: PickleValue) => PickleValue {
  return (pid) => {
    const { key, dtype, numel: n, view } = storageId(pid);
    if (n < 0) throw new PickleFormatError(`storage ${key}: negative numel ${n}`);
    const prev = roots.get(key);
    if (prev && (prev.dtype !== dtype || prev.numel !== n)) throw new PickleFormatError(`storage ${key} is described twice differently`);
    roots.set(key, { dtype, numel: n });
    if (view instanceof PyTuple && view.items.length >= 3) {
      return new LegacyStorage(key, dtype, int(view.items[2], 'view size'), int(view.items[1], 'view offset'));
    }
    return new LegacyStorage(key, dtype, n, 0);
  };
}

interface Head {
  root: PickleValue;
  keys: string[];
  dataStart: number;
  roots: Map<string, { dtype: DType; numel: number }>;
}

function parseHead(buf: Buffer, path: string): Head {
  let pos = 0;
  const next = (what: string, options: Parameters<typeof unpickle>[1] = {}): PickleValue => {
    let end = -1;
    const v = unpickle(buf.subarray(pos), { ...options, onStop: (e) => { end = e; } });
    if (end < 0) throw new PickleFormatError(`${what}: no end`);
    pos += end;
    return v;
  };
  const magic = next('magic number');
  if (magic !== MAGIC && magic !== Number(MAGIC)) throw new CheckpointFormatError('not-a-checkpoint', `${path}: a pickle stream without the torch magic number`);
  const version = next('protocol version');
  if (version !== PROTOCOL_VERSION) throw new CheckpointFormatError('unsupported', `${path}: legacy torch protocol version ${describe(version)} (only ${PROTOCOL_VERSION} is read)`);
  const sysInfo = next('sys_info');
  if (sysInfo instanceof PyDict && sysInfo.get('little_endian') === false) {
    throw new CheckpointFormatError('unsupported', `${path}: written on a big-endian machine; only little-endian checkpoints are supported`);
  }
  const roots = new Map<string, { dtype: DType; numel: number }>();
  const root = next('object', { reconstructors: RECONSTRUCTORS, persistentLoad: storageLoader(roots) });
  const keyList = next('storage keys');
  if (!Array.isArray(keyList) || keyList.some((k) => typeof k !== 'string')) throw new PickleFormatError(`storage key list is ${describe(keyList)}`);
  return { root, keys: keyList as string[], dataStart: pos, roots };
}

async function readAt(fh: FileHandle, offset: number, length: number): Promise<Buffer> {
  const out = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(out, done, length - done, offset + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === length ? out : out.subarray(0, done);
}

function stateDictOf(root: PickleValue, path: string): PyDict {
  if (root instanceof PyDict) {
    for (const key of ['state_dict', 'model', 'module', 'model_state_dict']) {
      const sd = root.get(key);
      if (sd instanceof PyDict) return sd;
    }
    return root;
  }
  throw new CheckpointFormatError('unknown-layout', `${path}: the checkpoint holds a ${describe(root)}, not a dict of tensors`);
}

/** Opens a legacy (magic-number) torch checkpoint; same result shape as openTorchCheckpoint. */
export async function openLegacyTorchCheckpoint(path: string, options: OpenCheckpointOptions = {}): Promise<TorchCheckpoint> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new CheckpointFormatError('not-found', `${path}: no such file`);
    throw e;
  }
  try {
    const size = (await fh.stat()).size;
    // The pickles are small and come first; read a growing prefix until they parse.
    let head: Head | null = null;
    for (let len = Math.min(size, 1 << 20); ; len = Math.min(size, len * 8)) {
      try {
        head = parseHead(await readAt(fh, 0, len), path);
        break;
      } catch (e) {
        const truncated = e instanceof PickleFormatError && /truncated|no STOP/.test(e.message);
        if (!truncated || len >= size || len >= MAX_HEAD) {
          if (truncated) throw new CheckpointFormatError('truncated', `${path}: the file ends inside its pickled header (${size} bytes)`);
          throw e;
        }
      }
    }
    // Storage data: in key order, each an int64 numel then its bytes.
    const offsets = new Map<string, number>();
    let cur = head.dataStart;
    for (const key of head.keys) {
      const r = head.roots.get(key);
      if (!r) throw new CheckpointFormatError('corrupt', `${path}: storage ${key} has data but no tensor refers to it`);
      if (cur + 8 > size) throw new CheckpointFormatError('truncated', `${path}: the file ends before storage ${key} (${size} bytes)`);
      const n = (await readAt(fh, cur, 8)).readBigInt64LE(0);
      if (n !== BigInt(r.numel)) throw new CheckpointFormatError('corrupt', `${path}: storage ${key} holds ${n} elements, its tensors say ${r.numel}`);
      offsets.set(key, cur + 8);
      cur += 8 + r.numel * DTYPE_BYTES[r.dtype];
    }
    if (cur > size) throw new CheckpointFormatError('truncated', `${path}: the storages need ${cur} bytes but the file has ${size}`);

    const sd = stateDictOf(head.root, path);
    const { tensors, skipped } = partitionStateDict(sd, (v): v is LegacyTensor => v instanceof LegacyTensor, options.skip ?? defaultSkipReason, (name, v) => {
      const base = offsets.get(v.storage.key);
      if (base === undefined) throw new CheckpointFormatError('corrupt', `${path}: tensor "${name}" uses storage ${v.storage.key}, which has no data`);
      return tensorInfo(fh, path, name, v, base, head.roots.get(v.storage.key)!.numel);
    });
    const gs = head.root instanceof PyDict ? head.root.get('global_step') : undefined;
    const handle = fh;
    return {
      path,
      archivePrefix: '',
      root: head.root,
      topLevelKeys: head.root instanceof PyDict ? head.root.keys().filter((k): k is string => typeof k === 'string') : [],
      tensors,
      skipped,
      globalStep: typeof gs === 'number' ? gs : typeof gs === 'bigint' ? Number(gs) : undefined,
      close: () => handle.close(),
    };
  } catch (e) {
    await fh.close();
    if (e instanceof UnsafePickleError) throw new CheckpointFormatError('unsafe', `${path}: ${e.message}`, { cause: e });
    if (e instanceof PickleFormatError) throw new CheckpointFormatError('corrupt', `${path}: ${e.message}`, { cause: e });
    throw e;
  }
}

function tensorInfo(fh: FileHandle, path: string, name: string, t: LegacyTensor, base: number, storageNumel: number): TorchTensorInfo {
  const dtype = t.storage.dtype;
  const es = DTYPE_BYTES[dtype];
  const n = numel(t.shape);
  let expect = 1;
  let contiguous = true;
  for (let i = t.shape.length - 1; i >= 0; i--) {
    if (t.shape[i] !== 1 && t.strides[i] !== expect) contiguous = false;
    expect *= t.shape[i]!;
  }
  const read = async (): Promise<Buffer> => {
    if (n === 0) return Buffer.alloc(0);
    let maxIndex = t.storageOffset;
    for (let i = 0; i < t.shape.length; i++) maxIndex += (t.shape[i]! - 1) * t.strides[i]!;
    if (t.strides.some((s) => s < 0) || maxIndex + 1 > storageNumel) {
      throw new CheckpointFormatError('corrupt', `${path}: tensor "${name}" reaches past its storage (${storageNumel} elements)`);
    }
    const span = await readAt(fh, base + t.storageOffset * es, (maxIndex - t.storageOffset + 1) * es);
    if (contiguous) return span;
    return gatherStrided(span, t, n, es);
  };
  return {
    name, dtype, shape: t.shape, strides: t.strides, storageOffset: t.storageOffset, storageKey: t.storage.key,
    byteLength: n * es, contiguous, read,
  };
}
