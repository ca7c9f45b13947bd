// Parameters and buffers of nn layers. Both are graph params named by their full dotted path (the
// PyTorch state_dict key); buffers (BatchNorm running statistics) are marked so optimizers skip them.
import type { Scope, Tensor } from '../graph/graph';
import type { DType } from '../graph/dtype';
import { formatShape } from '../graph/shape';

const buffers = new WeakSet<Tensor>();

/**
 * The parameter `name` under scope `s`, created on first use; a second call with the same path returns
 * the same tensor (weight sharing inside one graph) and must agree on the shape.
 */
export function param(s: Scope, name: string, shape: readonly number[], dtype: DType = 'float32'): Tensor {
  const path = s.path(name);
  const existing = s.graph.get(path);
  if (!existing) return s.param(name, shape, dtype);
  if (existing.kind !== 'param' || existing.shape.length !== shape.length || existing.shape.some((d, i) => d !== shape[i])) {
    throw new Error(`param "${path}": already defined as ${existing.kind} ${formatShape(existing.shape)}, now requested as ${formatShape(shape)}`);
  }
  return existing;
}

/** A non-trainable state tensor (PyTorch buffer), e.g. BatchNorm's running_mean. */
export function buffer(s: Scope, name: string, shape: readonly number[], dtype: DType = 'float32'): Tensor {
  const t = param(s, name, shape, dtype);
  buffers.add(t);
  return t;
}

/** True for tensors made by `buffer()`: optimizers never update them. */
export function isBuffer(t: Tensor): boolean {
  return buffers.has(t);
}
