// External data: protobuf messages cannot exceed 2 GiB, so big models keep their large tensors in a
// side file next to the .onnx (TensorProto.data_location = EXTERNAL with location/offset/length).
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { ModelProto, TensorProto } from './proto';
import { encodeModelChunks } from './proto';

/** protobuf's hard limit; models whose initializers exceed it must use external data. */
export const PROTOBUF_LIMIT = 2 ** 31 - 1;
const ALIGN = 64;

export interface ExternalSplit {
  /** The model with big initializers replaced by external references. */
  model: ModelProto;
  /** Side-file content as chunks (with alignment padding), in file order. */
  data: Uint8Array[];
  dataLength: number;
}

/** Move every initializer of at least `threshold` bytes to the side file `location`. */
export function splitExternalData(model: ModelProto, location: string, threshold = 1024): ExternalSplit {
  const data: Uint8Array[] = [];
  let offset = 0;
  const initializers = model.graph.initializers.map((t): TensorProto => {
    if (!t.raw || t.raw.length < threshold) return t;
    const pad = (ALIGN - (offset % ALIGN)) % ALIGN;
    if (pad) data.push(new Uint8Array(pad));
    offset += pad;
    data.push(t.raw);
    const ext = { location, offset, length: t.raw.length };
    offset += t.raw.length;
    return { name: t.name, dims: t.dims, dataType: t.dataType, external: ext };
  });
  return { model: { ...model, graph: { ...model.graph, initializers } }, data, dataLength: offset };
}

function writeChunks(path: string, chunks: readonly Uint8Array[]): void {
  const fd = openSync(path, 'w');
  try {
    for (const c of chunks) {
      let done = 0;
      while (done < c.length) done += writeSync(fd, c, done, c.length - done);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Write `model` to `path`; initializers of at least `threshold` bytes go to `<path>.data` when
 * `external` is true or when the model would not fit in one protobuf message. `location` names the side
 * file (relative to the model's folder).
 */
export function saveModel(path: string, model: ModelProto, opts: { external?: boolean; threshold?: number; location?: string } = {}): { external: boolean } {
  const total = model.graph.initializers.reduce((n, t) => n + (t.raw?.length ?? 0), 0);
  const external = opts.external ?? total > PROTOBUF_LIMIT - (64 << 20);
  if (!external) {
    writeChunks(path, encodeModelChunks(model));
    return { external };
  }
  const location = opts.location ?? `${basename(path)}.data`;
  const split = splitExternalData(model, location, opts.threshold ?? 1024);
  writeChunks(join(dirname(path), location), split.data);
  writeChunks(path, encodeModelChunks(split.model));
  return { external };
}

/** Fill in the raw bytes of external initializers from their side files (relative to `dir`). */
export function resolveExternalData(model: ModelProto, dir: string): ModelProto {
  const files = new Map<string, Uint8Array>();
  const initializers = model.graph.initializers.map((t) => {
    if (!t.external) return t;
    let file = files.get(t.external.location);
    if (!file) {
      file = new Uint8Array(readFileSync(join(dir, t.external.location)));
      files.set(t.external.location, file);
    }
    if (t.external.offset + t.external.length > file.length) {
      throw new Error(`external data for "${t.name}" runs past the end of ${t.external.location}`);
    }
    return { name: t.name, dims: t.dims, dataType: t.dataType, raw: file.subarray(t.external.offset, t.external.offset + t.external.length) };
  });
  return { ...model, graph: { ...model.graph, initializers } };
}
