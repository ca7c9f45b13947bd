import type { ReactNode } from 'react';
import type { ConditionMode, GalleryFacets, GallerySortKey } from '../../preload/contract';
import { MODE_LABELS, SORTS } from './gallery-format';

export interface GalleryFilters {
  text: string;
  mode: ConditionMode | '';
  modelId: string;
  fromDay: string;
  toDay: string;
  starredOnly: boolean;
  sort: `${GallerySortKey}:${'asc' | 'desc'}`;
}

export const NO_FILTERS: GalleryFilters = { text: '', mode: '', modelId: '', fromDay: '', toDay: '', starredOnly: false, sort: 'created:desc' };

interface GalleryToolbarProps {
  filters: GalleryFilters;
  facets: GalleryFacets | null;
  onChange: (next: GalleryFilters) => void;
  /** Buttons shown at the end of the search row. */
  actions?: ReactNode;
}

/** Search box, filters and sort. Every control is labelled for screen readers and tests. */
export function GalleryToolbar({ filters, facets, onChange, actions }: GalleryToolbarProps) {
  const set = <K extends keyof GalleryFilters>(key: K, value: GalleryFilters[K]) => onChange({ ...filters, [key]: value });
  const active = JSON.stringify(filters) !== JSON.stringify({ ...NO_FILTERS, sort: filters.sort });
  return (
    <div className="gallery-toolbar" role="search">
      <div className="gallery-search-row">
      <input
        type="search"
        className="gallery-search"
        placeholder="Search model, mode, notes, classes, seed…"
        aria-label="Search the gallery"
        value={filters.text}
        onChange={(e) => set('text', e.target.value)}
      />
      {actions}
      </div>
      <div className="gallery-filters">
      <label className="gallery-filter">
        <span>Mode</span>
        <select aria-label="Mode filter" value={filters.mode} onChange={(e) => set('mode', e.target.value as ConditionMode | '')}>
          <option value="">All modes</option>
          {(facets?.modes ?? []).map((m) => <option key={m} value={m}>{MODE_LABELS[m]}</option>)}
        </select>
      </label>
      <label className="gallery-filter">
        <span>Model</span>
        <select aria-label="Model filter" value={filters.modelId} onChange={(e) => set('modelId', e.target.value)}>
          <option value="">All models</option>
          {(facets?.models ?? []).map((m) => <option key={m.id} value={m.id}>{m.name ?? m.id} ({m.count})</option>)}
        </select>
      </label>
      <label className="gallery-filter">
        <span>From</span>
        <input type="date" aria-label="From date" value={filters.fromDay} onChange={(e) => set('fromDay', e.target.value)} />
      </label>
      <label className="gallery-filter">
        <span>To</span>
        <input type="date" aria-label="To date" value={filters.toDay} onChange={(e) => set('toDay', e.target.value)} />
      </label>
      <label className="gallery-check">
        <input type="checkbox" checked={filters.starredOnly} onChange={(e) => set('starredOnly', e.target.checked)} />
        <span>Starred only</span>
      </label>
      <label className="gallery-filter">
        <span>Sort</span>
        <select aria-label="Sort order" value={filters.sort} onChange={(e) => set('sort', e.target.value as GalleryFilters['sort'])}>
          {SORTS.map((s) => <option key={s.value} value={s.value}>{s.label}</option>)}
        </select>
      </label>
      {active && (
        <button type="button" className="button subtle" onClick={() => onChange({ ...NO_FILTERS, sort: filters.sort })}>Clear filters</button>
      )}
      </div>
    </div>
  );
}
