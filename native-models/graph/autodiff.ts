// Reverse-mode autodiff over the op table (tinygrad's compute_gradient + tfjs tape.ts checks):
// a reverse topological walk limited to the path between the targets and the outputs, fan-out gradients
// summed, broadcasting undone centrally, StopGradient respected, every gradient's shape and dtype checked
// against its input with the op and input named in the error. Gradients are new graph tensors.
import type { Node, Tensor } from './graph';
import { GraphError } from './graph';
import { OPS, sumTo } from './ops';
import type { OpDef, OpType, Vjp } from './ops';
import { isFloat } from './dtype';
import { formatShape, sameShape } from './shape';

export interface GradOptions {
  /** Return zeros for targets the outputs do not depend on, instead of throwing. Default false. */
  allowUnused?: boolean;
}

function sumAll(parts: readonly Tensor[]): Tensor {
  return parts.slice(1).reduce((acc, p) => acc.add(p), parts[0] as Tensor);
}

/** Sum `g` back to `shape` after numpy broadcasting. */
export const unbroadcast = sumTo;

/**
 * Vector-Jacobian product: gradients of sum_i <outputs[i], cotangents[i]> with respect to `wrt`.
 * A missing cotangent for a one-element output means 1.
 */
export function vjp(outputs: readonly Tensor[], cotangents: readonly (Tensor | null | undefined)[], wrt: readonly Tensor[], opts: GradOptions = {}): Tensor[] {
  const first = outputs[0];
  if (!first) throw new GraphError('grad: no outputs given');
  const graph = first.graph;
  // forward set: float tensors that depend on a target
  const fwd = new Set<number>(wrt.map((t) => t.id));
  const last = Math.max(...outputs.map((o) => o.producer?.id ?? -1));
  for (const node of graph.nodes) {
    if (node.id > last) break;
    if ((OPS[node.op] as OpDef<OpType>).stopsGradient) continue;
    if (node.inputs.some((i) => fwd.has(i.id))) for (const o of node.outputs) if (isFloat(o.dtype)) fwd.add(o.id);
  }
  const grads = new Map<number, Tensor[]>();
  const push = (t: Tensor, g: Tensor): void => {
    const list = grads.get(t.id);
    if (list) list.push(g); else grads.set(t.id, [g]);
  };
  outputs.forEach((o, i) => {
    const c = cotangents[i];
    if (c) {
      if (!sameShape(c.shape, o.shape) || c.dtype !== o.dtype) {
        throw new GraphError(`grad: cotangent ${c} does not match output ${o}`);
      }
      push(o, c);
    } else if (o.size === 1) {
      if (!isFloat(o.dtype)) throw new GraphError(`grad: output ${o} is not a float tensor`);
      push(o, graph.full(o.shape, 1, o.dtype));
    } else {
      throw new GraphError(`grad: output ${o} is not a scalar; pass a cotangent of shape ${formatShape(o.shape)}`);
    }
  });

  for (let id = last; id >= 0; id--) {
    const node = graph.nodes[id] as Node;
    const outGrads = node.outputs.map((o) => grads.get(o.id));
    if (outGrads.every((g) => g === undefined)) continue;
    if (!node.inputs.some((i) => fwd.has(i.id))) continue;
    const def = OPS[node.op] as OpDef<OpType>;
    if (def.stopsGradient) continue;
    if (def.vjp === 'nonDifferentiable') {
      const on = node.inputs.filter((i) => fwd.has(i.id)).map((i) => i.toString()).join(', ');
      throw new GraphError(`${node.op}: has no gradient rule (declared nonDifferentiable) but lies on the gradient path through ${on}; ` +
        'wrap its input in stopGradient() if no gradient should flow, or add a vjp rule in graph/ops.ts');
    }
    const gs = node.outputs.map((o, i) => {
      const parts = outGrads[i];
      return parts ? sumAll(parts) : graph.zeros(o.shape, o.dtype);
    });
    const thunks = (def.vjp as Vjp<OpType>)({ node, attrs: node.attrs, x: node.inputs, y: node.outputs, g: gs[0] as Tensor, gs });
    if (thunks.length !== node.inputs.length) {
      throw new GraphError(`${node.op}: vjp rule returned ${thunks.length} gradients for ${node.inputs.length} inputs`);
    }
    node.inputs.forEach((input, i) => {
      const thunk = thunks[i];
      if (!fwd.has(input.id) || !thunk) return;
      let gi = thunk();
      try {
        gi = unbroadcast(gi, input.shape);
      } catch {
        // shape error reported below
      }
      if (!sameShape(gi.shape, input.shape) || gi.dtype !== input.dtype) {
        throw new GraphError(`${node.op}: gradient for input ${i} (${input}) came out ${formatShape(gi.shape)} ${gi.dtype}; ` +
          'the vjp rule in graph/ops.ts is wrong');
      }
      push(input, gi);
    });
  }

  return wrt.map((t) => {
    const parts = grads.get(t.id);
    if (parts) return sumAll(parts);
    if (!opts.allowUnused) {
      throw new GraphError(`grad: ${outputs.map(String).join(', ')} does not depend on ${t} (or only through stopGradient); pass { allowUnused: true } to get zeros`);
    }
    return graph.zeros(t.shape, t.dtype);
  });
}

/** Gradients of the scalar `loss` with respect to each tensor in `wrt`. */
export function grad(loss: Tensor, wrt: readonly Tensor[], opts: GradOptions = {}): Tensor[] {
  return vjp([loss], [null], wrt, opts);
}

/**
 * Gradients of several scalar losses, each separately, with respect to the same tensors:
 * result[i][j] = d losses[i] / d wrt[j]. (VQGAN's adaptive weight compares |d nll / d last| with
 * |d g_loss / d last|.) The forward graph is shared; each loss gets its own backward nodes.
 */
export function gradients(losses: readonly Tensor[], wrt: readonly Tensor[], opts: GradOptions = {}): Tensor[][] {
  return losses.map((l) => grad(l, wrt, opts));
}
