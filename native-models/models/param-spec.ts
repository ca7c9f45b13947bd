/**
 * Parameter lists of the models: taming state_dict key → shape, in taming's registration order.
 * The model definitions read their weights by these names, so a published checkpoint loads with no mapping table.
 */

export interface ParamSpec {
  /** taming state_dict key, e.g. `encoder.down.0.block.1.conv1.weight`. */
  readonly name: string;
  readonly shape: readonly number[];
  /** Buffers (BatchNorm statistics, ActNorm's flag) are state, not trained parameters. */
  readonly buffer?: boolean;
  /** Integer buffers (BatchNorm num_batches_tracked, ActNorm initialized). */
  readonly dtype?: 'float32' | 'int64' | 'uint8';
}

/** A named float32 tensor (weights as they come from a checkpoint or bundle). */
export interface NamedTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export type WeightMap = ReadonlyMap<string, NamedTensor>;

export function conv(name: string, cout: number, cin: number, k: number, bias = true): ParamSpec[] {
  const out: ParamSpec[] = [{ name: `${name}.weight`, shape: [cout, cin, k, k] }];
  if (bias) out.push({ name: `${name}.bias`, shape: [cout] });
  return out;
}

export function affine(name: string, c: number): ParamSpec[] {
  return [{ name: `${name}.weight`, shape: [c] }, { name: `${name}.bias`, shape: [c] }];
}

export function linear(name: string, cout: number, cin: number, bias = true): ParamSpec[] {
  const out: ParamSpec[] = [{ name: `${name}.weight`, shape: [cout, cin] }];
  if (bias) out.push({ name: `${name}.bias`, shape: [cout] });
  return out;
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Checks that `weights` holds every parameter of `specs` (under `prefix`) with the right shape; the error lists what
 * is missing or mis-shaped so the user can tell a wrong config (e.g. n_head, ch_mult) from a damaged file.
 */
export function checkWeights(specs: readonly ParamSpec[], weights: WeightMap, what: string, prefix = ''): void {
  const missing: string[] = [];
  const misshaped: string[] = [];
  for (const s of specs) {
    if (s.buffer) continue;
    const t = weights.get(prefix + s.name);
    if (!t) missing.push(prefix + s.name);
    else if (t.shape.length !== s.shape.length || t.shape.some((d, k) => d !== s.shape[k])) {
      misshaped.push(`${prefix + s.name} is [${t.shape.join(', ')}], expected [${s.shape.join(', ')}]`);
    } else if (t.data.length !== numel(s.shape)) {
      misshaped.push(`${prefix + s.name} holds ${t.data.length} values, expected ${numel(s.shape)}`);
    }
  }
  if (missing.length === 0 && misshaped.length === 0) return;
  const parts: string[] = [];
  if (missing.length) parts.push(`${missing.length} missing (${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''})`);
  if (misshaped.length) parts.push(`${misshaped.length} mis-shaped (${misshaped.slice(0, 3).join('; ')}${misshaped.length > 3 ? '; …' : ''})`);
  throw new Error(`${what}: the weights do not match the architecture: ${parts.join('; ')}. ` +
    'Check the architecture config (or re-import the checkpoint so it is inferred from the shapes).');
}
