// One model in full: what it is, where it came from, its palette and hash; rename, export for taming
// training, and delete (with confirmation; bundled models are read-only).

import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import type { ModelEntry } from '../../preload/contract';
import { api, errorMessage } from '../api/client';
import { ORIGIN_LABELS, describeKind, formatBytes } from './model-format';

type Action = { kind: 'idle' } | { kind: 'busy' } | { kind: 'ok'; message: string } | { kind: 'error'; message: string };

export function ModelDetails({ model, onDeleted }: { model: ModelEntry; onDeleted: () => void }) {
  const [name, setName] = useState(model.name);
  const [outDir, setOutDir] = useState('');
  const [action, setAction] = useState<Action>({ kind: 'idle' });
  const [confirming, setConfirming] = useState(false);

  // Another model selected: start afresh. The same model renamed (the list refreshes on the change
  // event, often after the rename's own reply): take the new name but keep the status message.
  useEffect(() => {
    setAction({ kind: 'idle' });
    setConfirming(false);
  }, [model.id]);
  useEffect(() => setName(model.name), [model.name]);

  async function run(work: () => Promise<string>) {
    setAction({ kind: 'busy' });
    try {
      setAction({ kind: 'ok', message: await work() });
    } catch (err) {
      setAction({ kind: 'error', message: errorMessage(err) });
    }
  }

  function onRename(e: FormEvent) {
    e.preventDefault();
    void run(async () => `Renamed to “${(await api.models.rename({ id: model.id, name: name.trim() })).name}”.`);
  }

  function onExport(e: FormEvent) {
    e.preventDefault();
    void run(async () => {
      const r = await api.models.exportTaming({ id: model.id, outDir: outDir.trim() });
      return `Wrote ${r.checkpoint} (${r.tensors} tensors, ${formatBytes(r.bytes)}) and ${r.config}.`;
    });
  }

  async function onDelete() {
    setAction({ kind: 'busy' });
    try {
      await api.models.remove({ id: model.id });
      setConfirming(false);
      onDeleted();
    } catch (err) {
      setConfirming(false);
      setAction({ kind: 'error', message: errorMessage(err) });
    }
  }

  const pv = model.provenance;
  const rows: [string, string][] = [
    ['Kind', describeKind(model)],
    ['Origin', ORIGIN_LABELS[model.origin]],
    ['Resolution', `${model.resolution} px`],
    ['Codebook', `${model.codebookSize} codes`],
    ...(model.transformer ? [['Transformer', `${model.transformer.layers} layers × ${model.transformer.width} wide, ${model.transformer.heads} heads, ${model.transformer.blockSize} tokens`] as [string, string]] : []),
    ['Size on disk', formatBytes(model.sizeOnDisk)],
    ['Source', `${pv.source}${pv.sourceBytes !== null ? ` (${formatBytes(pv.sourceBytes)})` : ''}`],
    ['Imported', `${new Date(pv.importedAt).toLocaleString()} by ${pv.tool}`],
    ...(pv.globalStep !== null ? [['Training step', String(pv.globalStep)] as [string, string]] : []),
    ['Folder', model.id],
    ['Weights sha256', model.sha256],
  ];
  const busy = action.kind === 'busy';

  return (
    <section className="card model-details" aria-label={`Details of ${model.name}`} data-testid="model-details">
      <h2>{model.name}</h2>
      <dl className="info-table">
        {rows.map(([label, value]) => (
          <div className="info-row" key={label}>
            <dt>{label}</dt>
            <dd>{label === 'Folder' || label === 'Weights sha256' ? <code>{value}</code> : value}</dd>
          </div>
        ))}
      </dl>
      {model.palette && (
        <div className="model-palette">
          <span className="field-label">Palette · {model.palette.count} classes</span>
          <div className="swatches">
            {model.palette.sample.map((c) => (
              <span key={c.id} className="swatch" title={`${c.id}: ${c.name}`} style={{ background: `rgb(${c.color.join(',')})` }} />
            ))}
            {model.palette.count > model.palette.sample.length && <span className="hint small">+{model.palette.count - model.palette.sample.length} more</span>}
          </div>
        </div>
      )}
      {pv.notes.length > 0 && (
        <details className="model-notes">
          <summary>{pv.notes.length} import note{pv.notes.length === 1 ? '' : 's'}</summary>
          <ul>{pv.notes.map((n) => <li key={n}>{n}</li>)}</ul>
        </details>
      )}

      {model.editable ? (
        <form className="form-row model-action" onSubmit={onRename}>
          <label className="field grow">
            <span className="field-label">Display name</span>
            <input type="text" value={name} disabled={busy} onChange={(e) => setName(e.target.value)} />
          </label>
          <button type="submit" className="button" disabled={busy || !name.trim() || name.trim() === model.name}>Rename</button>
        </form>
      ) : (
        <p className="hint">Bundled with Tessera: read-only. Export it to train a copy.</p>
      )}
      <form className="form-row model-action" onSubmit={onExport}>
        <label className="field grow">
          <span className="field-label">Export for taming training to folder</span>
          <input type="text" value={outDir} spellCheck={false} placeholder="/path/to/taming-run" disabled={busy} onChange={(e) => setOutDir(e.target.value)} />
        </label>
        <button type="submit" className="button" disabled={busy || !outDir.trim()}>Export</button>
      </form>
      {model.editable && (
        <div className="form-row">
          <button type="button" className="button model-delete" disabled={busy} onClick={() => setConfirming(true)}>Delete model…</button>
        </div>
      )}
      {action.kind === 'ok' && <p className="status-ok" role="status">{action.message}</p>}
      {action.kind === 'error' && <p className="status-error" role="alert">{action.message}</p>}

      {confirming && (
        <div className="model-modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && setConfirming(false)}>
          <div className="card model-modal" role="dialog" aria-modal="true" aria-labelledby="delete-model-title">
            <h2 id="delete-model-title">Delete “{model.name}”?</h2>
            <p className="hint">The bundle folder <code>{model.id}</code> ({formatBytes(model.sizeOnDisk)}) is removed from disk. Images made with it stay in the gallery.</p>
            <div className="form-row model-modal-actions">
              <button type="button" className="button" autoFocus onClick={() => setConfirming(false)} disabled={busy}>Cancel</button>
              <button type="button" className="button model-delete" onClick={() => void onDelete()} disabled={busy}>{busy ? 'Deleting…' : 'Delete'}</button>
            </div>
          </div>
        </div>
      )}
    </section>
  );
}
