import { useEffect, useState } from 'react';
import type { GalleryItem } from '../../preload/contract';
import { InfoTable, type InfoRow } from '../shell/InfoTable';
import { ConditionPreview } from './ConditionPreview';
import { GalleryThumb } from './GalleryThumb';
import { formatBytes, formatDate, formatDuration, MODE_LABELS } from './gallery-format';

interface GalleryDetailsProps {
  item: GalleryItem;
  busy: boolean;
  onToggleStar: () => void;
  onSaveNotes: (notes: string) => Promise<void>;
  onDelete: () => void;
  onExport: (withMetadata: boolean) => void;
  onReuse: () => void;
  onClose: () => void;
}

/** Everything about one result: preview, every parameter of its record, star, notes, actions. */
export function GalleryDetails({ item, busy, onToggleStar, onSaveNotes, onDelete, onExport, onReuse, onClose }: GalleryDetailsProps) {
  const [notes, setNotes] = useState(item.notes);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    setSaved(false);
  }, [item.id]);
  useEffect(() => {
    setNotes(item.notes);
  }, [item.id, item.notes]);
  const r = item.record;
  const t = r.timings;
  const rows: InfoRow[] = [
    ['Created', formatDate(r.createdAt)],
    ['Mode', MODE_LABELS[r.mode]],
    ['Model', r.model.name ? `${r.model.name} (${r.model.id})` : r.model.id],
    ['Weights sha256', <code key="sha">{r.model.sha256}</code>],
    ['Seed', String(r.seed)],
    ['Sampling', r.sampler.greedy ? 'Greedy (argmax)' : `Temperature ${r.sampler.temperature}`],
    ['Top-k', r.sampler.topK === null ? 'off' : String(r.sampler.topK)],
    ['Top-p', r.sampler.topP === null ? 'off' : String(r.sampler.topP)],
    ['Size', `${r.size.width} × ${r.size.height}`],
    ['Execution provider', r.device ? `${r.executionProvider} · ${r.device}` : r.executionProvider],
    ['Time', [formatDuration(t.totalMs), t.encodeMs !== undefined ? `encode ${formatDuration(t.encodeMs)}` : '', t.sampleMs !== undefined ? `sample ${formatDuration(t.sampleMs)}` : '', t.decodeMs !== undefined ? `decode ${formatDuration(t.decodeMs)}` : ''].filter(Boolean).join(' · ')],
  ];
  if (r.variation) rows.push(['Variation', `${r.variation.index + 1} of ${r.variation.count}`]);
  if (r.classIndex !== undefined) rows.push(['Class index', String(r.classIndex)]);
  if (r.classesUsed?.length) rows.push(['Classes used', <span key="cls" className="chips">{r.classesUsed.map((c) => <span key={c} className="chip chip-muted">{c}</span>)}</span>]);
  if (r.gptWeights) rows.push(['Transformer weights', r.gptWeights]);
  rows.push(['App version', r.appVersion]);
  rows.push(['File', <code key="file">{item.filePath}</code>]);
  rows.push(['File size', formatBytes(item.fileSize)]);

  return (
    <aside className="gallery-details card" aria-label="Image details" data-testid="gallery-details">
      <div className="gallery-details-head">
        <h2>{r.model.name ?? r.model.id} · #{r.seed}</h2>
        <button type="button" className="button subtle" aria-label="Close details" onClick={onClose}>✕</button>
      </div>
      <div className={r.condition !== null ? 'gallery-pair' : undefined}>
        <GalleryThumb id={item.id} size={1024} alt={`Result ${item.id}`} className="gallery-preview" />
        {r.condition !== null && <ConditionPreview condition={r.condition} />}
      </div>
      <div className="form-row gallery-actions">
        <button type="button" className={item.starred ? 'button star on' : 'button star'} aria-pressed={item.starred} onClick={onToggleStar} disabled={busy}>
          {item.starred ? '★ Starred' : '☆ Star'}
        </button>
        <button type="button" className="button" onClick={onReuse} disabled={r.condition === null && r.mode !== 'unconditional' && r.mode !== 'class'}>Reuse</button>
        <button type="button" className="button" onClick={() => onExport(true)}>Export PNG</button>
        <button type="button" className="button" onClick={() => onExport(false)}>Export without metadata</button>
        <button type="button" className="button danger" onClick={onDelete} disabled={busy}>Delete…</button>
      </div>
      <label className="field gallery-notes">
        <span className="field-label">Notes</span>
        <textarea
          value={notes}
          rows={3}
          placeholder="What you liked, what to try next…"
          onChange={(e) => {
            setNotes(e.target.value);
            setSaved(false);
          }}
        />
      </label>
      <div className="form-row">
        <button type="button" className="button primary" disabled={notes === item.notes || busy} onClick={() => void onSaveNotes(notes).then(() => setSaved(true))}>
          Save notes
        </button>
        {saved && <span className="status-ok" role="status">Notes saved</span>}
      </div>
      <InfoTable rows={rows} className="gallery-params" testId="gallery-params" />
      {r.condition !== null && (
        <details className="gallery-condition">
          <summary>Condition document</summary>
          <pre>{JSON.stringify(r.condition, null, 1).slice(0, 20_000)}</pre>
        </details>
      )}
    </aside>
  );
}
