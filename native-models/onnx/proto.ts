// A small hand-written protobuf encoder/decoder for the part of onnx.proto the engine uses:
// ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto (raw_data or external data),
// ValueInfoProto/TypeProto/TensorShapeProto, OperatorSetIdProto. Field numbers are those of the
// official onnx/onnx.proto (IR version 8); they are round-trip tested through onnxruntime.
// Big payloads are kept as separate chunks until the final write, so nothing is copied twice.

export type AttrValue =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'ints'; value: readonly number[] }
  | { kind: 'floats'; value: readonly number[] }
  | { kind: 'tensor'; value: TensorProto };

export interface ExternalRef { location: string; offset: number; length: number }

export interface TensorProto {
  name: string;
  dims: number[];
  /** TensorProto.DataType (1 float, 6 int32, 7 int64, 9 bool, 10 float16, 11 double) */
  dataType: number;
  /** little-endian bytes (absent when the data lives in an external file) */
  raw?: Uint8Array;
  external?: ExternalRef;
}

export interface ValueInfo { name: string; elemType: number; shape: number[] }

export interface NodeProto {
  opType: string;
  inputs: string[];
  outputs: string[];
  name: string;
  domain: string;
  attrs: Record<string, AttrValue>;
}

export interface GraphProto {
  name: string;
  nodes: NodeProto[];
  initializers: TensorProto[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
}

export interface ModelProto {
  irVersion: number;
  opsets: { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  graph: GraphProto;
}

// ---------------------------------------------------------------- field numbers (onnx.proto)
const F = {
  model: { irVersion: 1, producerName: 2, producerVersion: 3, graph: 7, opsetImport: 8 },
  opset: { domain: 1, version: 2 },
  graph: { node: 1, name: 2, initializer: 5, input: 11, output: 12 },
  node: { input: 1, output: 2, name: 3, opType: 4, attribute: 5, domain: 7 },
  attr: { name: 1, f: 2, i: 3, s: 4, t: 5, floats: 7, ints: 8, type: 20 },
  tensor: { dims: 1, dataType: 2, name: 8, rawData: 9, externalData: 13, dataLocation: 14 },
  entry: { key: 1, value: 2 },
  valueInfo: { name: 1, type: 2 },
  type: { tensorType: 1 },
  typeTensor: { elemType: 1, shape: 2 },
  shape: { dim: 1 },
  dim: { value: 1 },
} as const;
const ATTR_TYPE = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7 } as const;
const WIRE = { varint: 0, fixed64: 1, bytes: 2, fixed32: 5 } as const;

// ---------------------------------------------------------------- writer
const utf8 = new TextEncoder();

class Writer {
  readonly chunks: Uint8Array[] = [];
  length = 0;
  private buf = new Uint8Array(256);
  private pos = 0;

  private flush(): void {
    if (this.pos > 0) {
      this.chunks.push(this.buf.slice(0, this.pos));
      this.pos = 0;
    }
  }
  private byte(b: number): void {
    if (this.pos === this.buf.length) this.flush();
    this.buf[this.pos++] = b;
    this.length++;
  }
  varint(v: number | bigint): void {
    let x = typeof v === 'bigint' ? BigInt.asUintN(64, v) : v < 0 ? BigInt.asUintN(64, BigInt(v)) : v;
    if (typeof x === 'bigint') {
      while (x >= 0x80n) { this.byte(Number(x & 0x7fn) | 0x80); x >>= 7n; }
      this.byte(Number(x));
      return;
    }
    while (x >= 0x80) { this.byte((x % 0x80) | 0x80); x = Math.floor(x / 0x80); }
    this.byte(x);
  }
  tag(field: number, wire: number): void { this.varint(field * 8 + wire); }
  int(field: number, v: number): void { this.tag(field, WIRE.varint); this.varint(v); }
  float(field: number, v: number): void {
    this.tag(field, WIRE.fixed32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    for (const x of b) this.byte(x);
  }
  bytes(field: number, data: Uint8Array): void {
    this.tag(field, WIRE.bytes);
    this.varint(data.length);
    if (data.length < 64) { for (const x of data) this.byte(x); return; }
    this.flush();
    this.chunks.push(data);
    this.length += data.length;
  }
  string(field: number, s: string): void { this.bytes(field, utf8.encode(s)); }
  packedInts(field: number, vs: readonly number[]): void {
    const w = new Writer();
    for (const v of vs) w.varint(v);
    this.message(field, w);
  }
  message(field: number, w: Writer): void {
    w.flush();
    this.tag(field, WIRE.bytes);
    this.varint(w.length);
    this.flush();
    this.chunks.push(...w.chunks);
    this.length += w.length;
  }
  done(): Uint8Array[] { this.flush(); return this.chunks; }
}

function writeTensor(t: TensorProto): Writer {
  const w = new Writer();
  if (t.dims.length) w.packedInts(F.tensor.dims, t.dims);
  w.int(F.tensor.dataType, t.dataType);
  w.string(F.tensor.name, t.name);
  if (t.external) {
    for (const [k, v] of [['location', t.external.location], ['offset', String(t.external.offset)], ['length', String(t.external.length)]] as const) {
      const e = new Writer();
      e.string(F.entry.key, k);
      e.string(F.entry.value, v);
      w.message(F.tensor.externalData, e);
    }
    w.int(F.tensor.dataLocation, 1);
  } else {
    w.bytes(F.tensor.rawData, t.raw ?? new Uint8Array(0));
  }
  return w;
}

function writeAttr(name: string, a: AttrValue): Writer {
  const w = new Writer();
  w.string(F.attr.name, name);
  switch (a.kind) {
    case 'int': w.int(F.attr.i, a.value); break;
    case 'float': w.float(F.attr.f, a.value); break;
    case 'string': w.string(F.attr.s, a.value); break;
    case 'ints': w.packedInts(F.attr.ints, a.value); break;
    case 'floats': {
      const p = new Uint8Array(4 * a.value.length);
      const dv = new DataView(p.buffer);
      a.value.forEach((v, i) => dv.setFloat32(4 * i, v, true));
      w.bytes(F.attr.floats, p);
      break;
    }
    case 'tensor': w.message(F.attr.t, writeTensor(a.value)); break;
  }
  w.int(F.attr.type, ATTR_TYPE[a.kind]);
  return w;
}

function writeValueInfo(v: ValueInfo): Writer {
  const shape = new Writer();
  for (const d of v.shape) {
    const dim = new Writer();
    dim.int(F.dim.value, d);
    shape.message(F.shape.dim, dim);
  }
  const tt = new Writer();
  tt.int(F.typeTensor.elemType, v.elemType);
  tt.message(F.typeTensor.shape, shape);
  const type = new Writer();
  type.message(F.type.tensorType, tt);
  const w = new Writer();
  w.string(F.valueInfo.name, v.name);
  w.message(F.valueInfo.type, type);
  return w;
}

function writeGraph(g: GraphProto): Writer {
  const w = new Writer();
  for (const n of g.nodes) {
    const nw = new Writer();
    for (const i of n.inputs) nw.string(F.node.input, i);
    for (const o of n.outputs) nw.string(F.node.output, o);
    if (n.name) nw.string(F.node.name, n.name);
    nw.string(F.node.opType, n.opType);
    for (const [k, a] of Object.entries(n.attrs)) nw.message(F.node.attribute, writeAttr(k, a));
    if (n.domain) nw.string(F.node.domain, n.domain);
    w.message(F.graph.node, nw);
  }
  w.string(F.graph.name, g.name);
  for (const t of g.initializers) w.message(F.graph.initializer, writeTensor(t));
  for (const v of g.inputs) w.message(F.graph.input, writeValueInfo(v));
  for (const v of g.outputs) w.message(F.graph.output, writeValueInfo(v));
  return w;
}

/** ModelProto as byte chunks (concatenate, or write them in order to a file). */
export function encodeModelChunks(m: ModelProto): Uint8Array[] {
  const w = new Writer();
  w.int(F.model.irVersion, m.irVersion);
  w.string(F.model.producerName, m.producerName);
  w.string(F.model.producerVersion, m.producerVersion);
  w.message(F.model.graph, writeGraph(m.graph));
  for (const o of m.opsets) {
    const ow = new Writer();
    if (o.domain) ow.string(F.opset.domain, o.domain);
    ow.int(F.opset.version, o.version);
    w.message(F.model.opsetImport, ow);
  }
  return w.done();
}

export function concatChunks(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) { out.set(c, o); o += c.length; }
  return out;
}

export function encodeModel(m: ModelProto): Uint8Array {
  return concatChunks(encodeModelChunks(m));
}

// ---------------------------------------------------------------- reader
type Field = { wire: number; num: bigint; bytes: Uint8Array | null };
const utf8d = new TextDecoder();

function parse(buf: Uint8Array): Map<number, Field[]> {
  const out = new Map<number, Field[]>();
  let pos = 0;
  const varint = (): bigint => {
    let x = 0n, shift = 0n;
    for (;;) {
      if (pos >= buf.length) throw new Error('protobuf: truncated varint');
      const b = buf[pos++] as number;
      x |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return x;
      shift += 7n;
    }
  };
  while (pos < buf.length) {
    const key = Number(varint());
    const field = key >>> 3, wire = key & 7;
    let f: Field;
    if (wire === WIRE.varint) f = { wire, num: varint(), bytes: null };
    else if (wire === WIRE.bytes) {
      const len = Number(varint());
      if (pos + len > buf.length) throw new Error('protobuf: truncated length-delimited field');
      f = { wire, num: 0n, bytes: buf.subarray(pos, pos + len) };
      pos += len;
    } else if (wire === WIRE.fixed32) { f = { wire, num: 0n, bytes: buf.subarray(pos, pos + 4) }; pos += 4; }
    else if (wire === WIRE.fixed64) { f = { wire, num: 0n, bytes: buf.subarray(pos, pos + 8) }; pos += 8; }
    else throw new Error(`protobuf: unsupported wire type ${wire}`);
    const list = out.get(field);
    if (list) list.push(f); else out.set(field, [f]);
  }
  return out;
}

const all = (m: Map<number, Field[]>, n: number): Field[] => m.get(n) ?? [];
const str = (m: Map<number, Field[]>, n: number): string => { const f = all(m, n)[0]; return f?.bytes ? utf8d.decode(f.bytes) : ''; };
const i64 = (v: bigint): number => Number(BigInt.asIntN(64, v));
const num = (m: Map<number, Field[]>, n: number): number => { const f = all(m, n)[0]; return f ? i64(f.num) : 0; };
function ints(m: Map<number, Field[]>, n: number): number[] {
  const out: number[] = [];
  for (const f of all(m, n)) {
    if (f.wire === WIRE.varint) out.push(i64(f.num));
    else if (f.bytes) for (const [, v] of parse(packedAsFields(f.bytes))) for (const x of v) out.push(i64(x.num));
  }
  return out;
}
/** Re-key a packed varint run as field 1 entries so `parse` can read it. */
function packedAsFields(b: Uint8Array): Uint8Array {
  const out: number[] = [];
  let start = true;
  for (const x of b) {
    if (start) out.push(8);
    out.push(x);
    start = x < 0x80;
  }
  return new Uint8Array(out);
}

function readTensor(b: Uint8Array): TensorProto {
  const m = parse(b);
  const t: TensorProto = { name: str(m, F.tensor.name), dims: ints(m, F.tensor.dims), dataType: num(m, F.tensor.dataType) };
  const raw = all(m, F.tensor.rawData)[0];
  if (raw?.bytes) t.raw = raw.bytes;
  if (num(m, F.tensor.dataLocation) === 1) {
    const kv: Record<string, string> = {};
    for (const e of all(m, F.tensor.externalData)) {
      const em = parse(e.bytes as Uint8Array);
      kv[str(em, F.entry.key)] = str(em, F.entry.value);
    }
    t.external = { location: kv.location ?? '', offset: Number(kv.offset ?? 0), length: Number(kv.length ?? 0) };
  }
  return t;
}

function readAttr(b: Uint8Array): [string, AttrValue] {
  const m = parse(b);
  const name = str(m, F.attr.name);
  const type = num(m, F.attr.type);
  switch (type) {
    case ATTR_TYPE.int: return [name, { kind: 'int', value: num(m, F.attr.i) }];
    case ATTR_TYPE.float: {
      const f = all(m, F.attr.f)[0]?.bytes;
      return [name, { kind: 'float', value: f ? new DataView(f.buffer, f.byteOffset, 4).getFloat32(0, true) : 0 }];
    }
    case ATTR_TYPE.string: return [name, { kind: 'string', value: str(m, F.attr.s) }];
    case ATTR_TYPE.ints: return [name, { kind: 'ints', value: ints(m, F.attr.ints) }];
    case ATTR_TYPE.floats: {
      const vals: number[] = [];
      for (const f of all(m, F.attr.floats)) {
        const bb = f.bytes as Uint8Array;
        const dv = new DataView(bb.buffer, bb.byteOffset, bb.length);
        for (let i = 0; i + 4 <= bb.length; i += 4) vals.push(dv.getFloat32(i, true));
      }
      return [name, { kind: 'floats', value: vals }];
    }
    case ATTR_TYPE.tensor: return [name, { kind: 'tensor', value: readTensor(all(m, F.attr.t)[0]?.bytes as Uint8Array) }];
    default: throw new Error(`ONNX reader: attribute "${name}" has unsupported type ${type}`);
  }
}

function readValueInfo(b: Uint8Array): ValueInfo {
  const m = parse(b);
  const type = parse(all(m, F.valueInfo.type)[0]?.bytes ?? new Uint8Array(0));
  const tt = parse(all(type, F.type.tensorType)[0]?.bytes ?? new Uint8Array(0));
  const shape = parse(all(tt, F.typeTensor.shape)[0]?.bytes ?? new Uint8Array(0));
  const dims = all(shape, F.shape.dim).map((d) => num(parse(d.bytes as Uint8Array), F.dim.value));
  return { name: str(m, F.valueInfo.name), elemType: num(tt, F.typeTensor.elemType), shape: dims };
}

export function decodeModel(bytes: Uint8Array): ModelProto {
  const m = parse(bytes);
  const g = parse(all(m, F.model.graph)[0]?.bytes ?? new Uint8Array(0));
  const graph: GraphProto = {
    name: str(g, F.graph.name),
    nodes: all(g, F.graph.node).map((f) => {
      const n = parse(f.bytes as Uint8Array);
      return {
        opType: str(n, F.node.opType),
        inputs: all(n, F.node.input).map((x) => utf8d.decode(x.bytes as Uint8Array)),
        outputs: all(n, F.node.output).map((x) => utf8d.decode(x.bytes as Uint8Array)),
        name: str(n, F.node.name),
        domain: str(n, F.node.domain),
        attrs: Object.fromEntries(all(n, F.node.attribute).map((a) => readAttr(a.bytes as Uint8Array))),
      };
    }),
    initializers: all(g, F.graph.initializer).map((f) => readTensor(f.bytes as Uint8Array)),
    inputs: all(g, F.graph.input).map((f) => readValueInfo(f.bytes as Uint8Array)),
    outputs: all(g, F.graph.output).map((f) => readValueInfo(f.bytes as Uint8Array)),
  };
  return {
    irVersion: num(m, F.model.irVersion),
    producerName: str(m, F.model.producerName),
    producerVersion: str(m, F.model.producerVersion),
    opsets: all(m, F.model.opsetImport).map((f) => {
      const o = parse(f.bytes as Uint8Array);
      return { domain: str(o, F.opset.domain), version: num(o, F.opset.version) };
    }),
    graph,
  };
}
