// Hand-assembled pickles for the fuzz suite: the opcodes a hostile checkpoint would use, written
// byte by byte so nothing here needs Python.

export const OP = {
  PROTO: 0x80, STOP: 0x2e, MARK: 0x28, TUPLE: 0x74, TUPLE1: 0x85, TUPLE2: 0x86, EMPTY_DICT: 0x7d, EMPTY_LIST: 0x5d,
  EMPTY_TUPLE: 0x29, APPEND: 0x61, APPENDS: 0x65, SETITEM: 0x73, SETITEMS: 0x75, GLOBAL: 0x63, STACK_GLOBAL: 0x93,
  REDUCE: 0x52, BUILD: 0x62, INST: 0x69, OBJ: 0x6f, NEWOBJ: 0x81, NEWOBJ_EX: 0x92, BINPERSID: 0x51, BINPUT: 0x71,
  BINGET: 0x68, LONG_BINGET: 0x6a, BININT: 0x4a, BININT1: 0x4b, LONG1: 0x8a, LONG4: 0x8b, BINUNICODE: 0x58,
  BINBYTES: 0x42, BINBYTES8: 0x8e, FRAME: 0x95, NEWFALSE: 0x89, POP: 0x30, MEMOIZE: 0x94, EXT1: 0x82,
} as const;

export class PickleBuilder {
  private readonly parts: Buffer[] = [];
  op(...codes: number[]): this {
    this.parts.push(Buffer.from(codes));
    return this;
  }
  proto(v = 2): this {
    return this.op(OP.PROTO, v);
  }
  str(s: string): this {
    const b = Buffer.from(s, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32LE(b.length);
    this.parts.push(Buffer.from([OP.BINUNICODE]), len, b);
    return this;
  }
  int(v: number): this {
    const b = Buffer.alloc(5);
    b[0] = OP.BININT;
    b.writeInt32LE(v, 1);
    this.parts.push(b);
    return this;
  }
  /** LONG1 for values past 32 bits (two's complement, little-endian). */
  long(v: bigint): this {
    const bytes: number[] = [];
    let x = v;
    for (let i = 0; i < 9; i++) {
      bytes.push(Number(x & 0xffn));
      x >>= 8n;
    }
    return this.op(OP.LONG1, bytes.length, ...bytes);
  }
  global(module: string, name: string): this {
    this.parts.push(Buffer.from([OP.GLOBAL]), Buffer.from(`${module}\n${name}\n`, 'latin1'));
    return this;
  }
  raw(b: Uint8Array): this {
    this.parts.push(Buffer.from(b));
    return this;
  }
  stop(): Buffer {
    this.op(OP.STOP);
    return Buffer.concat(this.parts);
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** `module.name(arg)` through GLOBAL + REDUCE: what `__reduce__` produces. */
export function reduceCall(module: string, name: string, arg: string): Buffer {
  return new PickleBuilder().proto().global(module, name).str(arg).op(OP.TUPLE1, OP.REDUCE).stop();
}

/** The same call reached through STACK_GLOBAL (protocol 4). */
export function stackGlobalCall(module: string, name: string, arg: string): Buffer {
  return new PickleBuilder().proto(4).str(module).str(name).op(OP.STACK_GLOBAL).str(arg).op(OP.TUPLE1, OP.REDUCE).stop();
}

/** INST: `(` args `i` module\nname\n — protocol 0 instantiation. */
export function instCall(module: string, name: string, arg: string): Buffer {
  return new PickleBuilder().op(OP.MARK).str(arg).raw(Buffer.from(`i${module}\n${name}\n`, 'latin1')).stop();
}

/** OBJ: `(` class args `o`. */
export function objCall(module: string, name: string, arg: string): Buffer {
  return new PickleBuilder().proto().op(OP.MARK).global(module, name).str(arg).op(OP.OBJ).stop();
}

/** NEWOBJ: cls args NEWOBJ. */
export function newobjCall(module: string, name: string, arg: string): Buffer {
  return new PickleBuilder().proto().global(module, name).str(arg).op(OP.TUPLE1, OP.NEWOBJ).stop();
}

/** BUILD on an innocent dict with a dangerous callable as state: __setstate__-style attack. */
export function buildWithGlobal(module: string, name: string): Buffer {
  return new PickleBuilder().proto().op(OP.EMPTY_DICT).global(module, name).op(OP.BUILD).stop();
}

/** `depth` lists nested inside each other. */
export function nestedLists(depth: number): Buffer {
  const b = new PickleBuilder().proto();
  for (let i = 0; i < depth; i++) b.op(OP.EMPTY_LIST);
  for (let i = 0; i < depth - 1; i++) b.op(OP.APPEND);
  return b.stop();
}

/** `depth` dicts nested inside each other under the key "a". */
export function nestedDicts(depth: number): Buffer {
  const b = new PickleBuilder().proto();
  for (let i = 0; i < depth; i++) b.op(OP.EMPTY_DICT).str('a');
  b.op(OP.EMPTY_DICT);
  for (let i = 0; i < depth; i++) b.op(OP.SETITEM);
  return b.stop();
}

/**
 * A torch data.pkl whose state_dict holds one tensor `name` with the given storage numel, shape and
 * strides (all may lie): {'state_dict': {name: _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())}}.
 */
export function torchStateDict(opts: { name?: string; numel: bigint; shape: bigint[]; stride: bigint[]; offset?: bigint; storageType?: string; key?: string }): Buffer {
  const b = new PickleBuilder().proto().op(OP.EMPTY_DICT).str('state_dict').op(OP.EMPTY_DICT).str(opts.name ?? 'encoder.conv_in.weight');
  b.global('torch._utils', '_rebuild_tensor_v2');
  b.op(OP.MARK);
  // persistent id ('storage', torch.FloatStorage, key, 'cpu', numel)
  b.op(OP.MARK).str('storage').global('torch', opts.storageType ?? 'FloatStorage').str(opts.key ?? '0').str('cpu').long(opts.numel).op(OP.TUPLE, OP.BINPERSID);
  b.long(opts.offset ?? 0n);
  b.op(OP.MARK);
  for (const d of opts.shape) b.long(d);
  b.op(OP.TUPLE, OP.MARK);
  for (const s of opts.stride) b.long(s);
  b.op(OP.TUPLE, OP.NEWFALSE);
  b.global('collections', 'OrderedDict').op(OP.EMPTY_TUPLE, OP.REDUCE);
  b.op(OP.TUPLE, OP.REDUCE);
  b.op(OP.SETITEM, OP.SETITEM);
  return b.stop();
}
