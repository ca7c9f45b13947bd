// The studio's side panels for each editing surface: class palette (semantic), photo → edges (edge),
// people (pose), condition image and mask (depth / super-resolution / completion). Thin React over
// the StudioEditor; the work is in the editor, the tools and the API.

import { useEffect, useRef, useState } from 'react';
import type { PaletteEntry } from '../document/document-types';
import { EDGE_ON } from '../document/document';
import { fromOpenPoseJson, rescalePeople, toOpenPoseJson } from '../editor/pose/openpose-json';
import { createLabelRaster } from '../editor/raster/label-raster';
import { api, errorMessage } from '../api/client';
import { canvasPngBase64, base64ToBytes, downloadText, drawScaled, loadImage, readFileAsDataUrl, rgbaOf } from './image-io';
import { labelsFromRgba } from './label-map-import';
import { cssColor, filterClasses, textOn } from './palette-search';
import type { StudioEditor } from './studio-editor';

// ───────────────────────────── semantic ─────────────────────────────

export function PalettePanel({ editor }: { editor: StudioEditor }) {
  const [query, setQuery] = useState('');
  const fileRef = useRef<HTMLInputElement>(null);
  const palette = editor.doc.semantic.palette;
  if (!palette) return <p className="hint">Pick a semantic model to get its classes.</p>;
  const shown = filterClasses(palette, query);
  const recent = editor.recent.map((id) => palette.find((p) => p.id === id)).filter((p): p is PaletteEntry => !!p);
  const current = palette.find((p) => p.id === editor.classId);

  async function importLabelMap(file: File) {
    try {
      const img = await loadImage(await readFileAsDataUrl(file));
      const canvas = drawScaled(img, editor.doc.width, editor.doc.height, { smooth: false, cover: false });
      editor.replaceLabels(labelsFromRgba(rgbaOf(canvas), canvas.width, canvas.height, palette!), 'Import label map');
      editor.notice = `Imported ${file.name} (${img.naturalWidth}×${img.naturalHeight}).`;
      editor.changed();
    } catch (err) {
      editor.notice = errorMessage(err);
      editor.changed();
    }
  }

  return (
    <div className="studio-palette">
      {current && (
        <div className="palette-current" data-testid="current-class">
          <span className="swatch large" style={{ background: cssColor(current.color) }} />
          <span><strong>{current.name}</strong><small>class {current.id}</small></span>
        </div>
      )}
      <input className="studio-input" type="search" placeholder="Search classes…" value={query} onChange={(e) => setQuery(e.target.value)} aria-label="Search classes" />
      {recent.length > 0 && !query && (
        <div className="palette-recent" aria-label="Recently used">
          {recent.map((p) => (
            <button key={p.id} type="button" className="chip-class" title={p.name} style={{ background: cssColor(p.color), color: textOn(p.color) }} onClick={() => editor.selectClass(p.id)}>{p.name}</button>
          ))}
        </div>
      )}
      <ul className="palette-list" role="listbox" aria-label="Classes">
        {shown.map((p) => (
          <li key={p.id}>
            <button type="button" role="option" aria-selected={p.id === editor.classId} className={p.id === editor.classId ? 'palette-item selected' : 'palette-item'} onClick={() => editor.selectClass(p.id)}>
              <span className="swatch" style={{ background: cssColor(p.color) }} />
              <span className="palette-name">{p.name}</span>
              {p.id === editor.doc.semantic.background && <span className="chip chip-muted">eraser</span>}
            </button>
          </li>
        ))}
        {shown.length === 0 && <li className="hint small">No class matches “{query}”.</li>}
      </ul>
      <div className="panel-actions">
        <button type="button" className="button small" onClick={() => fileRef.current?.click()}>Import label map…</button>
        <input ref={fileRef} type="file" accept="image/png" hidden data-testid="label-map-input" onChange={(e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (f) void importLabelMap(f);
        }} />
      </div>
    </div>
  );
}

// ───────────────────────────── edge ─────────────────────────────

export function EdgePanel({ editor, reference, setReference }: { editor: StudioEditor; reference: ReferenceState; setReference: (r: ReferenceState) => void }) {
  const [photo, setPhoto] = useState<{ name: string; pngBase64: string; url: string } | null>(null);
  const [low, setLow] = useState(0.05);
  const [high, setHigh] = useState(0.1);
  const [invert, setInvert] = useState(false);
  const [passThrough, setPassThrough] = useState(false);
  const [preview, setPreview] = useState<{ url: string; edges: Uint8Array; width: number; height: number; count: number; ms: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const fileRef = useRef<HTMLInputElement>(null);

  async function choose(file: File) {
    try {
      const url = await readFileAsDataUrl(file);
      const img = await loadImage(url);
      const canvas = drawScaled(img, editor.doc.width, editor.doc.height, { smooth: true, cover: true });
      setPhoto({ name: file.name, pngBase64: canvasPngBase64(canvas), url: canvas.toDataURL('image/png') });
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  // Live preview: re-run the extraction (debounced) whenever a setting changes.
  useEffect(() => {
    if (!photo) return;
    let stale = false;
    const t = setTimeout(() => {
      api.conditions.edgesFromImage({ pngBase64: photo.pngBase64, low: Math.min(low, high), high: Math.max(low, high), passThrough, invert }).then((r) => {
        if (stale) return;
        const edges = base64ToBytes(r.edgesBase64);
        const canvas = document.createElement('canvas');
        canvas.width = r.width;
        canvas.height = r.height;
        const ctx = canvas.getContext('2d')!;
        const image = ctx.createImageData(r.width, r.height);
        edges.forEach((v, i) => image.data.set([v, v, v, 255], i * 4));
        ctx.putImageData(image, 0, 0);
        setPreview({ url: canvas.toDataURL(), edges, width: r.width, height: r.height, count: r.edgePixels, ms: r.durationMs });
        setError(null);
      }, (err: unknown) => !stale && setError(errorMessage(err)));
    }, 120);
    return () => {
      stale = true;
      clearTimeout(t);
    };
  }, [photo, low, high, invert, passThrough]);

  function use() {
    if (!preview) return;
    const base = createLabelRaster(preview.width, preview.height);
    preview.edges.forEach((v, i) => (base.data[i] = v ? EDGE_ON : 0));
    editor.setEdgeBase(base, `Edges from ${photo?.name ?? 'photo'}`);
    setReference({ ...reference, dataUrl: photo?.url ?? null });
    setPhoto(null);
    setPreview(null);
  }

  return (
    <div className="studio-edge">
      <p className="hint">Draw white edges on black, or extract them from a photo. What you see is what the model gets.</p>
      <div className="panel-actions">
        <button type="button" className="button small" onClick={() => fileRef.current?.click()}>Import photo…</button>
        <input ref={fileRef} type="file" accept="image/*" hidden data-testid="edge-photo-input" onChange={(e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (f) void choose(f);
        }} />
      </div>
      {photo && (
        <div className="edge-extract" data-testid="edge-extract">
          <div className="edge-previews">
            <figure><img src={photo.url} alt="Photo" /><figcaption>Photo</figcaption></figure>
            <figure>{preview ? <img src={preview.url} alt="Edge preview" data-testid="edge-preview" className="pixelated" /> : <div className="img-placeholder" />}<figcaption>{preview ? `${preview.count} edge px · ${preview.ms} ms` : 'Extracting…'}</figcaption></figure>
          </div>
          <label className="slider-row">
            <span>Low</span>
            <input type="range" min={0} max={0.5} step={0.005} value={low} disabled={passThrough} aria-label="Low threshold" onChange={(e) => {
              const v = Number(e.target.value);
              setLow(v);
              if (v > high) setHigh(v);
            }} />
            <output>{low.toFixed(3)}</output>
          </label>
          <label className="slider-row">
            <span>High</span>
            <input type="range" min={0} max={0.5} step={0.005} value={high} disabled={passThrough} aria-label="High threshold" onChange={(e) => {
              const v = Number(e.target.value);
              setHigh(v);
              if (v < low) setLow(v);
            }} />
            <output>{high.toFixed(3)}</output>
          </label>
          <label className="check-row"><input type="checkbox" checked={invert} onChange={(e) => setInvert(e.target.checked)} /> Invert (dark lines on light)</label>
          <label className="check-row"><input type="checkbox" checked={passThrough} onChange={(e) => setPassThrough(e.target.checked)} /> Already an edge map (no Canny)</label>
          <div className="panel-actions">
            <button type="button" className="button primary small" disabled={!preview} onClick={use}>Use these edges</button>
            <button type="button" className="button subtle small" onClick={() => { setPhoto(null); setPreview(null); }}>Discard</button>
          </div>
        </div>
      )}
      {error && <p className="status-error small-text">{error}</p>}
      <ReferenceControls reference={reference} setReference={setReference} />
    </div>
  );
}

// ───────────────────────────── pose ─────────────────────────────

export interface ReferenceState {
  dataUrl: string | null;
  opacity: number;
}

function ReferenceControls({ reference, setReference }: { reference: ReferenceState; setReference: (r: ReferenceState) => void }) {
  const fileRef = useRef<HTMLInputElement>(null);
  return (
    <div className="reference">
      <div className="panel-subhead">Reference image</div>
      <div className="panel-actions">
        <button type="button" className="button small" onClick={() => fileRef.current?.click()}>{reference.dataUrl ? 'Replace…' : 'Add…'}</button>
        {reference.dataUrl && <button type="button" className="button subtle small" onClick={() => setReference({ ...reference, dataUrl: null })}>Remove</button>}
        <input ref={fileRef} type="file" accept="image/*" hidden data-testid="reference-input" onChange={(e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (f) void readFileAsDataUrl(f).then((dataUrl) => setReference({ ...reference, dataUrl }));
        }} />
      </div>
      {reference.dataUrl && (
        <label className="slider-row">
          <span>Opacity</span>
          <input type="range" min={0} max={1} step={0.05} value={reference.opacity} aria-label="Reference opacity" onChange={(e) => setReference({ ...reference, opacity: Number(e.target.value) })} />
          <output>{Math.round(reference.opacity * 100)}%</output>
        </label>
      )}
    </div>
  );
}

export function PosePanel({ editor, reference, setReference }: { editor: StudioEditor; reference: ReferenceState; setReference: (r: ReferenceState) => void }) {
  const fileRef = useRef<HTMLInputElement>(null);
  const { people } = editor.doc.pose;
  const selected = editor.selectedPerson;

  async function importJson(file: File) {
    try {
      const imported = fromOpenPoseJson(await file.text(), editor.doc);
      const scaled = rescalePeople(imported.people, imported, editor.doc);
      editor.setPeople(scaled, 'Import OpenPose JSON');
      editor.notice = [`Imported ${scaled.length} ${scaled.length === 1 ? 'person' : 'people'} from ${file.name}.`, ...imported.notes].join(' ');
      editor.changed();
    } catch (err) {
      editor.notice = errorMessage(err);
      editor.changed();
    }
  }

  function exportJson() {
    downloadText('pose.json', `${JSON.stringify(toOpenPoseJson(editor.doc.pose.people, editor.doc), null, 2)}\n`);
  }

  return (
    <div className="studio-pose">
      <p className="hint">Drag a joint to move it, drag inside a person to move them, right-click a joint to hide or show it.</p>
      <ul className="people-list" aria-label="People">
        {people.map((p, i) => (
          <li key={p.id}>
            <button type="button" className={p.id === selected ? 'people-item selected' : 'people-item'} onClick={() => editor.selectPerson(p.id)}>
              Person {i + 1}<small>{p.keypoints.filter((k) => k.visible).length}/18 joints</small>
            </button>
          </li>
        ))}
        {people.length === 0 && <li className="hint small">No one yet.</li>}
      </ul>
      <div className="panel-actions">
        <button type="button" className="button small" onClick={() => editor.addPerson()}>Add person</button>
        <button type="button" className="button small" disabled={!selected} onClick={() => editor.removeSelectedPerson()}>Remove</button>
      </div>
      <div className="panel-actions" aria-label="Transform person">
        <button type="button" className="button small" disabled={!selected} onClick={() => editor.transformSelected('flip')} title="Mirror left/right">Flip</button>
        <button type="button" className="button small" disabled={!selected} onClick={() => editor.transformSelected('scale-down')} title="Smaller">−</button>
        <button type="button" className="button small" disabled={!selected} onClick={() => editor.transformSelected('scale-up')} title="Larger">+</button>
        <button type="button" className="button small" disabled={!selected} onClick={() => editor.transformSelected('rotate-left')} title="Rotate 15° left">⟲</button>
        <button type="button" className="button small" disabled={!selected} onClick={() => editor.transformSelected('rotate-right')} title="Rotate 15° right">⟳</button>
      </div>
      <div className="panel-subhead">OpenPose JSON</div>
      <div className="panel-actions">
        <button type="button" className="button small" onClick={() => fileRef.current?.click()}>Import…</button>
        <button type="button" className="button small" disabled={people.length === 0} onClick={exportJson}>Export</button>
        <input ref={fileRef} type="file" accept="application/json,.json" hidden data-testid="pose-json-input" onChange={(e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (f) void importJson(f);
        }} />
      </div>
      <ReferenceControls reference={reference} setReference={setReference} />
    </div>
  );
}

// ───────────────────────────── depth / super-resolution / completion ─────────────────────────────

export function ImagePanel({ editor }: { editor: StudioEditor }) {
  const fileRef = useRef<HTMLInputElement>(null);
  const { doc } = editor;

  async function choose(file: File) {
    try {
      const img = await loadImage(await readFileAsDataUrl(file));
      const canvas = drawScaled(img, doc.width, doc.height, { smooth: true, cover: true });
      editor.notice = `Imported ${file.name}.`;
      editor.setImage(canvas.toDataURL('image/png'), `Import ${file.name}`);
    } catch (err) {
      editor.notice = errorMessage(err);
      editor.changed();
    }
  }

  const what = doc.mode === 'depth' ? 'depth map' : doc.mode === 'superres' ? 'low-resolution image' : 'image to complete';
  return (
    <div className="studio-image">
      <p className="hint">{doc.mode === 'completion' ? 'Paint the area to regenerate over the image (red = regenerate).' : `Import the ${what} the model conditions on.`}</p>
      <div className="panel-actions">
        <button type="button" className="button small" onClick={() => fileRef.current?.click()}>{doc.image.image ? 'Replace' : 'Import'} {what}…</button>
        <input ref={fileRef} type="file" accept="image/*" hidden data-testid="condition-image-input" onChange={(e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (f) void choose(f);
        }} />
      </div>
    </div>
  );
}
