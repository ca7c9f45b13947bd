// The model manager: every bundle (bundled, imported, fine-tuned) with kind, condition, size, palette,
// provenance and hash; import by path or drag-and-drop with progress and the importer's own errors;
// rename, delete (confirmed; bundled models are read-only) and export for taming training.

import { useCallback, useEffect, useState } from 'react';
import type { ModelEntry, ModelRegistryResult } from '../../preload/contract';
import { api, errorMessage } from '../api/client';
import { selectedModelFromHash } from '../shell/hash-route';
import { ImportPanel } from './ImportPanel';
import { ModelDetails } from './ModelDetails';
import { ORIGIN_LABELS, describeKind, formatBytes } from './model-format';
import './models.css';

export function ModelsPage() {
  const [registry, setRegistry] = useState<ModelRegistryResult | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  // `#/models?select=<id>` (e.g. the fine-tune dashboard's "Open in Models") opens with that model selected.
  const [selected, setSelected] = useState<string | null>(() => selectedModelFromHash(window.location.hash));
  useEffect(() => {
    const onHash = () => {
      const id = selectedModelFromHash(window.location.hash);
      if (id) setSelected(id);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  const refresh = useCallback(async () => {
    try {
      const r = await api.models.registry();
      setRegistry(r);
      setLoadError(null);
    } catch (err) {
      setLoadError(errorMessage(err));
    }
  }, []);

  useEffect(() => {
    void refresh();
    const offModels = api.models.onDidModelsChange(() => void refresh());
    const offSettings = api.settings.onDidChange(() => void refresh());
    return () => {
      offModels();
      offSettings();
    };
  }, [refresh]);

  const models = registry?.models ?? [];
  const current: ModelEntry | null = models.find((m) => m.id === selected) ?? null;

  return (
    <div className="models-page">
      {loadError && <p className="banner banner-error" role="alert">{loadError}</p>}
      <ImportPanel onImported={(m) => {
        setSelected(m.id);
        void refresh();
      }} />
      <div className="models-layout">
        <section className="card models-list" aria-labelledby="models-heading">
          <div className="models-list-head">
            <h2 id="models-heading">Models</h2>
            <button type="button" className="button" onClick={() => void refresh()}>Refresh</button>
          </div>
          {registry === null ? <p className="hint">Loading…</p> : models.length === 0 ? (
            <p className="hint">No models yet. Import a taming checkpoint above, or copy a bundle folder into <code>{registry.libraryModelsFolder}</code>.</p>
          ) : (
            <table className="models-table">
              <thead>
                <tr><th>Name</th><th>Kind</th><th>Origin</th><th>Size</th><th>sha256</th></tr>
              </thead>
              <tbody>
                {models.map((m) => (
                  <tr
                    key={m.id}
                    className={m.id === selected ? 'selected' : undefined}
                    data-testid="model-row"
                    tabIndex={0}
                    aria-selected={m.id === selected}
                    onClick={() => setSelected(m.id)}
                    onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && setSelected(m.id)}
                  >
                    <td className="model-name">{m.name}</td>
                    <td>{describeKind(m)}</td>
                    <td><span className={`origin origin-${m.origin}`}>{ORIGIN_LABELS[m.origin]}</span></td>
                    <td className="num">{formatBytes(m.sizeOnDisk)}</td>
                    <td><code title={m.sha256}>{m.sha256.slice(0, 12)}</code></td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {registry && registry.problems.length > 0 && (
            <div className="models-problems" role="note">
              <h3>Folders that could not be read</h3>
              <ul>{registry.problems.map((p) => <li key={p.folder}><code>{p.folder}</code>: {p.reason}</li>)}</ul>
            </div>
          )}
          {registry && <p className="hint small">Library models folder: <code>{registry.libraryModelsFolder}</code></p>}
        </section>
        {current ? (
          <ModelDetails model={current} onDeleted={() => {
            setSelected(null);
            void refresh();
          }} />
        ) : (
          <section className="card model-details model-details-empty"><p className="hint">Select a model to see its details, rename, export or delete it.</p></section>
        )}
      </div>
    </div>
  );
}
