// Shape helpers shared by the op table, the builder and autodiff. Errors thrown here carry plain
// messages; Graph.apply prefixes the op name and input shapes.

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Numpy broadcasting of two shapes; throws when a dim pair is neither equal nor 1. */
export function broadcastShapes(a: readonly number[], b: readonly number[], op = ''): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`${op ? op + ': ' : ''}shapes ${formatShape(a)} and ${formatShape(b)} do not broadcast (dim ${i - n}: ${da} vs ${db})`);
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function normAxis(axis: number, rank: number, op: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new Error(`${op}: axis ${axis} is out of range for rank ${rank}`);
  return a;
}

export function normAxes(axes: readonly number[], rank: number, op: string): number[] {
  const out = [...new Set(axes.map((a) => normAxis(a, rank, op)))].sort((x, y) => x - y);
  return out;
}

/** Axes along which `from` (broadcast result) must be summed to get back to `to` (keepdims on aligned dims). */
export function unbroadcastAxes(from: readonly number[], to: readonly number[]): { lead: number; axes: number[] } {
  const lead = from.length - to.length;
  if (lead < 0) throw new Error(`cannot reduce ${formatShape(from)} to the larger rank of ${formatShape(to)}`);
  const axes: number[] = [];
  for (let i = 0; i < from.length; i++) {
    if (i < lead) axes.push(i);
    else if (to[i - lead] === 1 && from[i] !== 1) axes.push(i);
    else if (to[i - lead] !== from[i]) throw new Error(`cannot reduce ${formatShape(from)} to ${formatShape(to)}`);
  }
  return { lead, axes };
}

/** Output length of a conv/pool along one axis. */
export function convOut(size: number, k: number, stride: number, dil: number, padBegin: number, padEnd: number): number {
  return Math.floor((size + padBegin + padEnd - dil * (k - 1) - 1) / stride) + 1;
}
