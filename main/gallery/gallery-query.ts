// GalleryQuery → one parameterised SQL WHERE/ORDER BY. Every user value is a bound parameter;
// sort keys come from a fixed table.

import type { GalleryQuery, GallerySortKey } from '../../preload/gallery-types';

export interface CompiledQuery {
  where: string;
  params: (string | number)[];
  orderBy: string;
  limit: number;
  offset: number;
}

const SORT_COLUMNS: Record<GallerySortKey, string> = {
  created: 'created_ms',
  seed: 'seed',
  model: 'COALESCE(model_name, model_id) COLLATE NOCASE',
  mode: 'mode',
  duration: 'total_ms',
  starred: 'starred',
};

export const DEFAULT_PAGE = 200;
export const MAX_PAGE = 1000;

function escapeLike(term: string): string {
  return term.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function toEpochMs(value: string | number, field: string): number {
  const ms = typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) throw new Error(`Gallery query: ${field} must be an ISO date or epoch milliseconds, got ${JSON.stringify(value)}.`);
  return ms;
}

export function compileQuery(query: GalleryQuery): CompiledQuery {
  const clauses: string[] = [];
  const params: (string | number)[] = [];
  const terms = (query.text ?? '').trim().toLowerCase().split(/\s+/).filter(Boolean);
  for (const term of terms) {
    const like = `%${escapeLike(term)}%`;
    const fields = ['model_id', "COALESCE(model_name, '')", 'mode', 'notes', 'classes_used'];
    const ors = fields.map((f) => `LOWER(${f}) LIKE ? ESCAPE '\\'`);
    params.push(...fields.map(() => like));
    if (/^\d+$/.test(term)) {
      ors.push('seed = ?');
      params.push(Number(term));
    }
    clauses.push(`(${ors.join(' OR ')})`);
  }
  if (query.modes?.length) {
    clauses.push(`mode IN (${query.modes.map(() => '?').join(', ')})`);
    params.push(...query.modes);
  }
  if (query.modelIds?.length) {
    clauses.push(`model_id IN (${query.modelIds.map(() => '?').join(', ')})`);
    params.push(...query.modelIds);
  }
  if (query.from !== undefined) {
    clauses.push('created_ms >= ?');
    params.push(toEpochMs(query.from, 'from'));
  }
  if (query.to !== undefined) {
    clauses.push('created_ms <= ?');
    params.push(toEpochMs(query.to, 'to'));
  }
  if (query.starred !== undefined) {
    clauses.push('starred = ?');
    params.push(query.starred ? 1 : 0);
  }
  const sort = query.sort ?? 'created';
  const column = SORT_COLUMNS[sort];
  if (!column) throw new Error(`Gallery query: unknown sort "${String(sort)}"; use one of ${Object.keys(SORT_COLUMNS).join(', ')}.`);
  const dir = (query.order ?? 'desc') === 'asc' ? 'ASC' : 'DESC';
  const limit = Math.min(MAX_PAGE, Math.max(1, Math.floor(query.limit ?? DEFAULT_PAGE)));
  const offset = Math.max(0, Math.floor(query.offset ?? 0));
  return {
    where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '',
    params,
    orderBy: `ORDER BY ${column} ${dir}, created_ms ${dir}, id ${dir}`,
    limit,
    offset,
  };
}
