// The class palette's search and "recently used" list (NVIDIA Canvas-style material picker).

export interface PaletteClass {
  id: number;
  name: string;
  color: [number, number, number];
}

/** Classes whose name contains every word of `query` (case-insensitive), or whose id equals it. */
export function filterClasses<T extends PaletteClass>(classes: readonly T[], query: string): T[] {
  const q = query.trim().toLowerCase();
  if (!q) return [...classes];
  const words = q.split(/\s+/);
  return classes.filter((c) => String(c.id) === q || words.every((w) => c.name.toLowerCase().includes(w)));
}

export const RECENT_LIMIT = 8;

/** `id` moved to the front of the recent list (no duplicates, at most `limit`). */
export function pushRecent(recent: readonly number[], id: number, limit = RECENT_LIMIT): number[] {
  return [id, ...recent.filter((r) => r !== id)].slice(0, limit);
}

/** CSS colour of a class. */
export function cssColor([r, g, b]: readonly [number, number, number]): string {
  return `rgb(${r}, ${g}, ${b})`;
}

/** Black or white text, whichever reads better on the class colour. */
export function textOn([r, g, b]: readonly [number, number, number]): string {
  return 0.299 * r + 0.587 * g + 0.114 * b > 150 ? '#111' : '#fff';
}
