// The gallery: every saved result, searchable, filterable, sortable; a details panel with every
// parameter of the generation record; star, notes, export, reuse, delete (with confirmation),
// rescan and open-folder. All data comes through the API (`api.gallery.*`), thumbnails included.

import { useCallback, useEffect, useRef, useState } from 'react';
import type { GalleryFacets, GalleryItem, GalleryQuery, GalleryQueryResult, GallerySummary } from '../../preload/contract';
import { api, errorMessage } from '../api/client';
import { stashReuse } from '../document/reuse';
import { ConfirmDialog } from './ConfirmDialog';
import { GalleryDetails } from './GalleryDetails';
import { GalleryGrid } from './GalleryGrid';
import { GalleryToolbar, NO_FILTERS } from './GalleryToolbar';
import type { GalleryFilters } from './GalleryToolbar';
import { base64ToBlob, dayBound } from './gallery-format';
import { forgetThumbnails } from './thumbnail-cache';
import './gallery.css';
import { downloadBlob } from '../shell/download';

const PAGE = 120;

type Notice = { kind: 'ok' | 'error' | 'warning'; text: string } | null;

function toQuery(f: GalleryFilters, limit: number): GalleryQuery {
  const [sort, order] = f.sort.split(':') as [GalleryQuery['sort'], GalleryQuery['order']];
  const q: GalleryQuery = { sort, order, limit };
  if (f.text.trim()) q.text = f.text.trim();
  if (f.mode) q.modes = [f.mode];
  if (f.modelId) q.modelIds = [f.modelId];
  const from = dayBound(f.fromDay, false);
  const to = dayBound(f.toDay, true);
  if (from) q.from = from;
  if (to) q.to = to;
  if (f.starredOnly) q.starred = true;
  return q;
}


export function GalleryPage() {
  const [filters, setFilters] = useState<GalleryFilters>(NO_FILTERS);
  const [limit, setLimit] = useState(PAGE);
  const [result, setResult] = useState<GalleryQueryResult | null>(null);
  const [facets, setFacets] = useState<GalleryFacets | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [selected, setSelected] = useState<GalleryItem | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<Notice>(null);
  const [libraryPath, setLibraryPath] = useState<string | null>(null);
  const generation = useRef(0);
  const selectedId = selected?.id ?? null;

  const refresh = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const [r, f] = await Promise.all([api.gallery.query(toQuery(filters, limit)), api.gallery.facets()]);
      if (mine !== generation.current) return;
      setResult(r);
      setFacets(f);
      setLoadError(null);
    } catch (err) {
      if (mine === generation.current) setLoadError(errorMessage(err));
    }
  }, [filters, limit]);

  // Query on every filter change (the search box is debounced).
  useEffect(() => {
    const timer = setTimeout(() => void refresh(), filters.text ? 180 : 0);
    return () => clearTimeout(timer);
  }, [refresh, filters.text]);

  const loadItem = useCallback(async (id: string) => {
    try {
      const item = await api.gallery.get({ id });
      setSelected(item);
      if (!item) setNotice({ kind: 'warning', text: 'That image is no longer in the library.' });
    } catch (err) {
      setNotice({ kind: 'error', text: errorMessage(err) });
    }
  }, []);

  // Changes from anywhere (another window, a finished generation, a rescan) refresh the view.
  const selectedRef = useRef<string | null>(null);
  selectedRef.current = selectedId;
  const refreshRef = useRef(refresh);
  refreshRef.current = refresh;
  useEffect(() => {
    return api.gallery.onDidGalleryChange((change) => {
      void refreshRef.current();
      const sel = selectedRef.current;
      if (!sel) return;
      if (change.kind === 'removed' && change.ids.includes(sel)) setSelected(null);
      if (change.kind === 'updated' && change.ids.includes(sel)) void loadItem(sel);
      if (change.kind === 'rescanned' && change.report.removed.includes(sel)) setSelected(null);
    });
  }, [loadItem]);

  // Keyboard: Delete asks to delete the selected image, Escape closes the details.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (confirmDelete || !selected || target?.closest('input, textarea, select')) return;
      if (e.key === 'Delete') {
        e.preventDefault();
        setConfirmDelete(true);
      } else if (e.key === 'Escape') {
        setSelected(null);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [confirmDelete, selected]);

  async function toggleStar(item: { id: string; starred: boolean }) {
    try {
      const updated = await api.gallery.setStar({ id: item.id, starred: !item.starred });
      setResult((r) => r && { ...r, items: r.items.map((i) => (i.id === updated.id ? updated : i)) });
      if (selectedRef.current === item.id) setSelected((s) => s && { ...s, starred: updated.starred });
    } catch (err) {
      setNotice({ kind: 'error', text: errorMessage(err) });
    }
  }

  async function saveNotes(notes: string) {
    if (!selected) return;
    setBusy(true);
    try {
      const updated = await api.gallery.setNotes({ id: selected.id, notes });
      setSelected((s) => s && { ...s, notes: updated.notes });
    } catch (err) {
      setNotice({ kind: 'error', text: errorMessage(err) });
      throw err;
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    if (!selected) return;
    setBusy(true);
    try {
      const { removed } = await api.gallery.remove({ id: selected.id });
      forgetThumbnails(selected.id);
      setResult((r) => r && { items: r.items.filter((i) => i.id !== selected.id), total: Math.max(0, r.total - 1) });
      setNotice({ kind: 'ok', text: removed ? `Deleted ${selected.fileName}.` : 'It was already gone.' });
      setSelected(null);
    } catch (err) {
      setNotice({ kind: 'error', text: errorMessage(err) });
    } finally {
      setBusy(false);
      setConfirmDelete(false);
    }
  }

  async function exportPng(withMetadata: boolean) {
    if (!selected) return;
    try {
      const out = await api.gallery.exportPng({ id: selected.id, withMetadata });
      const name = withMetadata ? out.fileName : out.fileName.replace(/\.png$/i, '-clean.png');
      downloadBlob(name, base64ToBlob(out.pngBase64, 'image/png'));
      setNotice({ kind: 'ok', text: withMetadata ? `Exported ${name} with its generation record.` : `Exported ${name} without metadata.` });
    } catch (err) {
      setNotice({ kind: 'error', text: errorMessage(err) });
    }
  }

  function reuse() {
    if (!selected) return;
    const r = selected.record;
    stashReuse({
      sourceId: selected.id, document: r.condition, modelId: r.model.id, seed: r.seed,
      temperature: r.sampler.temperature, topK: r.sampler.topK, topP: r.sampler.topP, greedy: r.sampler.greedy, gptWeights: r.gptWeights ?? 'float32',
      width: r.size.width, height: r.size.height,
    }, window.sessionStorage);
    window.location.hash = '#/studio';
  }

  async function rescan() {
    setBusy(true);
    try {
      const report = await api.gallery.rescan();
      const parts = [`${report.added.length} added`, `${report.removed.length} removed`, `${report.kept} unchanged`];
      if (report.skipped.length) parts.push(`${report.skipped.length} skipped (${report.skipped.slice(0, 3).map((s) => `${s.fileName}: ${s.reason}`).join('; ')})`);
      setNotice({ kind: report.skipped.length ? 'warning' : 'ok', text: `Rescan: ${parts.join(', ')}.` });
      await refresh();
    } catch (err) {
      setNotice({ kind: 'error', text: errorMessage(err) });
    } finally {
      setBusy(false);
    }
  }

  async function openFolder() {
    try {
      const r = await api.gallery.openFolder();
      setLibraryPath(r.path);
      if (!r.opened) setNotice({ kind: 'ok', text: `The images are in ${r.path}` });
    } catch (err) {
      setNotice({ kind: 'error', text: errorMessage(err) });
    }
  }

  const items: GallerySummary[] = result?.items ?? [];
  const empty = result !== null && result.total === 0;
  const filtered = JSON.stringify({ ...filters, sort: '' }) !== JSON.stringify({ ...NO_FILTERS, sort: '' });

  return (
    <div className="gallery">
      <GalleryToolbar
        filters={filters}
        facets={facets}
        onChange={(f) => { setFilters(f); setLimit(PAGE); }}
        actions={(
          <div className="gallery-head-actions">
            <button type="button" className="button" onClick={() => void rescan()} disabled={busy} title="Rebuild the index from the PNG files' own metadata">Rescan</button>
            <button type="button" className="button" onClick={() => void openFolder()} title={libraryPath ?? 'Show the library folder'}>Open folder</button>
          </div>
        )}
      />
      {loadError && <p className="banner banner-error" role="alert">{loadError}</p>}
      {notice && (
        <p className={`banner ${notice.kind === 'error' ? 'banner-error' : notice.kind === 'warning' ? 'banner-warning' : 'banner-ok'}`} role={notice.kind === 'error' ? 'alert' : 'status'}>
          {notice.text}
          <button type="button" className="banner-close" aria-label="Dismiss" onClick={() => setNotice(null)}>✕</button>
        </p>
      )}
      <p className="gallery-count" role="status" data-testid="gallery-count">
        {result === null ? 'Loading…' : `${result.total} ${result.total === 1 ? 'image' : 'images'}${filtered ? ' match' : ''}`}
      </p>
      <div className={selected ? 'gallery-body with-details' : 'gallery-body'}>
        <div className="gallery-results">
          {empty && (
            <div className="placeholder">
              <h2>{filtered ? 'Nothing matches' : 'No images yet'}</h2>
              <p>{filtered ? 'Try fewer words or clear the filters.' : 'Results you generate in the Studio are kept here. Images already in the library folder appear after a Rescan.'}</p>
            </div>
          )}
          <GalleryGrid items={items} selectedId={selectedId} onSelect={(id) => void loadItem(id)} onToggleStar={(i) => void toggleStar(i)} />
          {result && result.items.length < result.total && (
            <button type="button" className="button gallery-more" onClick={() => setLimit((l) => Math.min(1000, l + PAGE))}>
              Show more ({result.total - result.items.length} left)
            </button>
          )}
        </div>
        {selected && (
          <GalleryDetails
            item={selected}
            busy={busy}
            onToggleStar={() => void toggleStar(selected)}
            onSaveNotes={saveNotes}
            onDelete={() => setConfirmDelete(true)}
            onExport={(m) => void exportPng(m)}
            onReuse={reuse}
            onClose={() => setSelected(null)}
          />
        )}
      </div>
      {confirmDelete && selected && (
        <ConfirmDialog title="Delete this image?" confirmLabel="Delete" danger busy={busy} onConfirm={() => void remove()} onCancel={() => setConfirmDelete(false)}>
          <p>
            <code>{selected.fileName}</code> will be removed from the library folder and from the gallery. This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}
