// Writes a PyTorch zip checkpoint that torch.load reads (torch >= 1.6): a PyTorch-Lightning style dict
// {state_dict: OrderedDict[name -> tensor], global_step: int} pickled with protocol 2, one storage per
// tensor in archive/data/<n> (stored, 64-byte aligned), archive/version and archive/byteorder.

import { rename, rm } from 'node:fs/promises';
import { ZipWriter } from './zip-writer';
import { DTYPE_BYTES, DTYPE_TORCH_STORAGE, numel } from './dtype';
import type { TensorSource } from './safetensors';

class PickleWriter {
  private readonly parts: Buffer[] = [];
  private readonly memo = new Map<string, number>();
  op(...bytes: number[]): this {
    this.parts.push(Buffer.from(bytes));
    return this;
  }
  str(s: string): this {
    const b = Buffer.from(s, 'utf8');
    const h = Buffer.alloc(5);
    h[0] = 0x58; // BINUNICODE
    h.writeUInt32LE(b.length, 1);
    this.parts.push(h, b);
    return this;
  }
  int(n: number): this {
    if (!Number.isSafeInteger(n)) throw new Error(`cannot pickle ${n} as an int`);
    if (n >= 0 && n < 256) return this.op(0x4b, n); // BININT1
    if (n >= 0 && n < 65536) return this.op(0x4d, n & 0xff, n >> 8); // BININT2
    if (n >= -0x80000000 && n <= 0x7fffffff) {
      const b = Buffer.alloc(5);
      b[0] = 0x4a; // BININT
      b.writeInt32LE(n, 1);
      this.parts.push(b);
      return this;
    }
    // LONG1: minimal little-endian two's complement
    let v = BigInt(n);
    const bytes: number[] = [];
    for (;;) {
      bytes.push(Number(v & 0xffn));
      v >>= 8n;
      if ((v === 0n && !(bytes[bytes.length - 1]! & 0x80)) || (v === -1n && bytes[bytes.length - 1]! & 0x80)) break;
    }
    return this.op(0x8a, bytes.length, ...bytes);
  }
  /** GLOBAL, memoized (BINPUT/BINGET) so repeated references stay small. */
  global(module: string, name: string): this {
    const key = `${module}\n${name}\n`;
    const idx = this.memo.get(key);
    if (idx !== undefined) return this.get(idx);
    this.parts.push(Buffer.from([0x63]), Buffer.from(key, 'latin1'));
    const i = this.memo.size;
    this.memo.set(key, i);
    return this.put(i);
  }
  private put(i: number): this {
    const b = Buffer.alloc(5);
    b[0] = 0x72; // LONG_BINPUT
    b.writeUInt32LE(i, 1);
    this.parts.push(b);
    return this;
  }
  private get(i: number): this {
    const b = Buffer.alloc(5);
    b[0] = 0x6a; // LONG_BINGET
    b.writeUInt32LE(i, 1);
    this.parts.push(b);
    return this;
  }
  intTuple(xs: readonly number[]): this {
    if (xs.length === 0) return this.op(0x29); // EMPTY_TUPLE
    if (xs.length <= 3) {
      for (const x of xs) this.int(x);
      return this.op(0x84 + xs.length); // TUPLE1..3
    }
    this.op(0x28);
    for (const x of xs) this.int(x);
    return this.op(0x74);
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export interface TorchCheckpointContent {
  tensors: readonly TensorSource[];
  globalStep: number;
  /** Extra integer/string entries for the top-level dict (e.g. epoch). */
  extra?: Readonly<Record<string, number | string>>;
}

function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** The data.pkl bytes for `content` (storage keys "0", "1", … in tensor order). */
export function pickleStateDictCheckpoint(content: TorchCheckpointContent): Buffer {
  const w = new PickleWriter();
  w.op(0x80, 2); // PROTO 2
  w.op(0x7d); // EMPTY_DICT (top level)
  w.op(0x28); // MARK
  w.str('state_dict');
  w.global('collections', 'OrderedDict').op(0x29, 0x52); // OrderedDict()
  const BATCH = 1000;
  content.tensors.forEach((t, i) => {
    if (i % BATCH === 0) w.op(0x28);
    w.str(t.name);
    w.global('torch._utils', '_rebuild_tensor_v2');
    w.op(0x28); // args
    w.op(0x28).str('storage').global('torch', DTYPE_TORCH_STORAGE[t.dtype]).str(String(i)).str('cpu').int(Math.max(numel(t.shape), 0)).op(0x74);
    w.op(0x51); // BINPERSID
    w.int(0); // storage_offset
    w.intTuple(t.shape);
    w.intTuple(contiguousStrides(t.shape));
    w.op(0x89); // requires_grad False
    w.global('collections', 'OrderedDict').op(0x29, 0x52); // backward_hooks
    w.op(0x74, 0x52); // TUPLE, REDUCE
    if (i % BATCH === BATCH - 1 || i === content.tensors.length - 1) w.op(0x75); // SETITEMS
  });
  w.str('global_step').int(content.globalStep);
  for (const [k, v] of Object.entries(content.extra ?? {})) {
    w.str(k);
    if (typeof v === 'number') w.int(v);
    else w.str(v);
  }
  w.op(0x75); // SETITEMS (top level)
  w.op(0x2e); // STOP
  return w.bytes();
}

/** Write `content` as a torch.load-able zip checkpoint at `path` (atomically: temp file + rename). */
export async function writeTorchCheckpoint(
  path: string,
  content: TorchCheckpointContent,
  options: { forceZip64?: boolean } = {},
): Promise<{ bytes: number }> {
  const prefix = 'archive';
  const tmp = `${path}.partial-${process.pid}`;
  const zip = await ZipWriter.create(tmp, { forceZip64: options.forceZip64 ?? false });
  try {
    await zip.addEntry(`${prefix}/data.pkl`, pickleStateDictCheckpoint(content));
    await zip.addEntry(`${prefix}/byteorder`, Buffer.from('little'));
    for (const [i, t] of content.tensors.entries()) {
      const size = numel(t.shape) * DTYPE_BYTES[t.dtype];
      await zip.addStreamedEntry(`${prefix}/data/${i}`, size, async (sink) => {
        const data = typeof t.data === 'function' ? await t.data() : t.data;
        if (data.byteLength !== size) throw new Error(`tensor "${t.name}" ${t.dtype}[${t.shape.join(', ')}] needs ${size} bytes, got ${data.byteLength}`);
        await sink(data);
      });
    }
    await zip.addEntry(`${prefix}/version`, Buffer.from('3\n'));
    const bytes = zip.position;
    await zip.close();
    await rename(tmp, path);
    return { bytes };
  } catch (e) {
    await zip.abort();
    await rm(tmp, { force: true });
    throw e;
  }
}
