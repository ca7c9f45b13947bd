// Display helpers for the gallery (pure, no React).

import type { ConditionMode, GallerySortKey } from '../../preload/contract';

export const MODE_LABELS: Record<ConditionMode, string> = {
  semantic: 'Semantic',
  edge: 'Edges',
  pose: 'Pose',
  depth: 'Depth',
  superres: 'Super-resolution',
  completion: 'Completion',
  class: 'Class',
  unconditional: 'Unconditional',
};

export const SORTS: { value: `${GallerySortKey}:${'asc' | 'desc'}`; label: string }[] = [
  { value: 'created:desc', label: 'Newest first' },
  { value: 'created:asc', label: 'Oldest first' },
  { value: 'starred:desc', label: 'Starred first' },
  { value: 'model:asc', label: 'Model A–Z' },
  { value: 'mode:asc', label: 'Mode A–Z' },
  { value: 'seed:asc', label: 'Seed ↑' },
  { value: 'duration:asc', label: 'Fastest first' },
  { value: 'duration:desc', label: 'Slowest first' },
];

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export function formatDate(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** `YYYY-MM-DD` from a date input → the ISO instant at the start (or end) of that local day. */
export function dayBound(day: string, end: boolean): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return undefined;
  const d = end ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 23, 59, 59, 999) : new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return d.toISOString();
}

export function base64ToBlob(base64: string, type: string): Blob {
  const bin = atob(base64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Blob([bytes], { type });
}
