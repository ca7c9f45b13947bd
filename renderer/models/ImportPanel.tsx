// Import a model: a path (checkpoint file or bundle folder, optional project.yaml) or a dropped file
// (uploaded in chunks — works in the browser and in Electron alike). Shows byte progress, Cancel, and
// on failure the importer's message verbatim with what would work instead.

import { useEffect, useRef, useState } from 'react';
import type { DragEvent, FormEvent } from 'react';
import type { ModelEntry, ModelImportProgress } from '../../preload/contract';
import { api, errorMessage } from '../api/client';
import { formatBytes, percent, pickDroppedFiles } from './model-format';
import { uploadFile } from './upload-file';

type ImportState =
  | { kind: 'idle' }
  | { kind: 'uploading'; name: string; sent: number; total: number }
  | { kind: 'importing'; importId: string; progress: ModelImportProgress | null; source: string }
  | { kind: 'failed'; source: string; error: string; hint: string | null }
  | { kind: 'cancelled'; source: string }
  | { kind: 'done'; model: ModelEntry; notes: string[] };

const PHASE_LABELS: Record<string, string> = { reading: 'Reading tensors', copying: 'Copying weights', verifying: 'Verifying sha256' };

export function ImportPanel({ onImported }: { onImported: (model: ModelEntry) => void }) {
  const [source, setSource] = useState('');
  const [config, setConfig] = useState('');
  const [name, setName] = useState('');
  const [state, setState] = useState<ImportState>({ kind: 'idle' });
  const [dragging, setDragging] = useState(false);
  const seen = useRef(new Map<string, ModelImportProgress>());
  const current = useRef<string | null>(null);
  const uploadAbort = useRef<AbortController | null>(null);

  useEffect(() => {
    return api.models.onDidImportProgress((p) => {
      seen.current.set(p.importId, p);
      if (p.importId === current.current) apply(p);
    });
  }, []);

  function apply(p: ModelImportProgress) {
    if (p.phase === 'done' && p.model) {
      current.current = null;
      setState({ kind: 'done', model: p.model, notes: p.notes });
      onImported(p.model);
    } else if (p.phase === 'failed') {
      current.current = null;
      setState({ kind: 'failed', source: p.source, error: p.error ?? 'The import failed.', hint: p.hint });
    } else if (p.phase === 'cancelled') {
      current.current = null;
      setState({ kind: 'cancelled', source: p.source });
    } else {
      setState({ kind: 'importing', importId: p.importId, progress: p, source: p.source });
    }
  }

  async function start(request: { source: string; config?: string; name?: string }, label: string) {
    try {
      const { importId } = await api.models.import(request);
      current.current = importId;
      const early = seen.current.get(importId);
      if (early) apply(early);
      else setState({ kind: 'importing', importId, progress: null, source: label });
    } catch (err) {
      setState({ kind: 'failed', source: label, error: errorMessage(err), hint: null });
    }
  }

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    const src = source.trim();
    if (!src) return;
    await start({ source: src, ...(config.trim() ? { config: config.trim() } : {}), ...(name.trim() ? { name: name.trim() } : {}) }, src.split(/[\\/]/).pop() ?? src);
  }

  async function onDrop(event: DragEvent) {
    event.preventDefault();
    setDragging(false);
    const { checkpoint, config: yaml } = pickDroppedFiles([...event.dataTransfer.files]);
    if (!checkpoint) {
      setState({ kind: 'failed', source: 'dropped files', error: 'Only a project.yaml was dropped.', hint: 'Drop the .ckpt/.pth checkpoint too (with its project.yaml if you have it).' });
      return;
    }
    const controller = new AbortController();
    uploadAbort.current = controller;
    try {
      const files = yaml ? [checkpoint, yaml] : [checkpoint];
      const total = files.reduce((n, f) => n + f.size, 0);
      let before = 0;
      const sources: string[] = [];
      for (const f of files) {
        sources.push(await uploadFile(api, f, (sent) => setState({ kind: 'uploading', name: checkpoint.name, sent: before + sent, total }), controller.signal));
        before += f.size;
      }
      uploadAbort.current = null;
      await start({ source: sources[0]!, ...(sources[1] ? { config: sources[1] } : {}), ...(name.trim() ? { name: name.trim() } : {}) }, checkpoint.name);
    } catch (err) {
      uploadAbort.current = null;
      if (controller.signal.aborted) setState({ kind: 'cancelled', source: checkpoint.name });
      else setState({ kind: 'failed', source: checkpoint.name, error: errorMessage(err), hint: null });
    }
  }

  async function cancel() {
    if (state.kind === 'uploading') uploadAbort.current?.abort();
    if (state.kind === 'importing') await api.models.cancelImport({ importId: state.importId }).catch(() => undefined);
  }

  const busy = state.kind === 'uploading' || state.kind === 'importing';
  const progress = state.kind === 'uploading'
    ? { label: `Uploading ${state.name}`, done: state.sent, total: state.total }
    : state.kind === 'importing'
      ? { label: `${PHASE_LABELS[state.progress?.phase ?? 'reading'] ?? 'Importing'} · ${state.source}`, done: state.progress?.bytesDone ?? 0, total: state.progress?.bytesTotal ?? 0 }
      : null;

  return (
    <section className="card model-import" aria-labelledby="import-heading">
      <h2 id="import-heading">Import a model</h2>
      <div
        className={dragging ? 'drop-zone drop-zone-active' : 'drop-zone'}
        data-testid="model-drop-zone"
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => void onDrop(e)}
      >
        <strong>Drop a taming checkpoint here</strong>
        <span className="hint">.ckpt / .pth, with its project.yaml if you have it — the file is copied into Tessera, then imported.</span>
      </div>
      <form className="import-form" onSubmit={(e) => void onSubmit(e)}>
        <label className="field">
          <span className="field-label">Checkpoint file or bundle folder (path)</span>
          <input type="text" value={source} spellCheck={false} placeholder="/path/to/last.ckpt or /path/to/bundle-folder" disabled={busy} onChange={(e) => setSource(e.target.value)} />
        </label>
        <div className="import-row">
          <label className="field">
            <span className="field-label">project.yaml (optional)</span>
            <input type="text" value={config} spellCheck={false} placeholder="/path/to/configs/…-project.yaml" disabled={busy} onChange={(e) => setConfig(e.target.value)} />
          </label>
          <label className="field">
            <span className="field-label">Name (optional)</span>
            <input type="text" value={name} placeholder="from the file name" disabled={busy} onChange={(e) => setName(e.target.value)} />
          </label>
        </div>
        <div className="form-row">
          <button type="submit" className="button primary" disabled={busy || !source.trim()}>Import</button>
          {busy && <button type="button" className="button" onClick={() => void cancel()}>Cancel</button>}
        </div>
      </form>

      {progress && (
        <div className="import-progress" role="status" aria-live="polite">
          <div className="import-progress-label">
            <span>{progress.label}</span>
            <span>{progress.total > 0 ? `${formatBytes(progress.done)} of ${formatBytes(progress.total)} · ${percent(progress.done, progress.total)}%` : 'Starting…'}</span>
          </div>
          <progress max={progress.total || 1} value={progress.total ? progress.done : 0} aria-label="Import progress" />
        </div>
      )}
      {state.kind === 'failed' && (
        <div className="import-error" role="alert" data-testid="import-error">
          <h3>Could not import {state.source}</h3>
          <pre>{state.error}</pre>
          {state.hint && <p><strong>What works:</strong> {state.hint}</p>}
        </div>
      )}
      {state.kind === 'cancelled' && <p className="hint" role="status">Import of {state.source} cancelled; nothing was kept.</p>}
      {state.kind === 'done' && (
        <div className="import-done" role="status">
          <span className="status-ok">Imported “{state.model.name}”</span> ({formatBytes(state.model.sizeOnDisk)}).
          {state.notes.length > 0 && (
            <details>
              <summary>{state.notes.length} note{state.notes.length === 1 ? '' : 's'} from the importer</summary>
              <ul>{state.notes.map((n) => <li key={n}>{n}</li>)}</ul>
            </details>
          )}
        </div>
      )}
    </section>
  );
}
