// The studio: sketch a condition (semantic map, edges, pose, or an image + mask), pick a model and
// generate with a live preview. The editor state lives in StudioEditor; fabric.js only draws it
// (canvas-view.ts); this component wires panels, shortcuts, autosave and generation together.

import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { EditorMode } from '../document/document-types';
import { CONDITION_MODE_TABLE, CONDITION_MODES } from '../../native-models/condition-modes';
import { parseDocument } from '../document/document';
import { takeReuse } from '../document/reuse';
import type { ModelSummary } from '../../preload/contract';
import { api, errorMessage } from '../api/client';
import { TOOLS, toolsOf } from '../editor/tools/tool-table';
import { debouncer, recoverDocument, saveDocument } from './autosave';
import { StudioCanvasView } from './canvas-view';
import { conditionDataUrl } from './condition-image';
import { firstLaunchDocument } from './first-launch';
import { buildGenerateRequest, missingCondition, randomSeed } from './generate-request';
import { GeneratePanel } from './GeneratePanel';
import { encodeGreyPng } from './image-io';
import { actionForKey } from './shortcuts';
import { EdgePanel, ImagePanel, PalettePanel, PosePanel } from './StudioPanels';
import type { ReferenceState } from './StudioPanels';
import { StudioEditor } from './studio-editor';
import { ResultsPanel } from './ResultsPanel';
import { useGeneration } from './use-generation';
import { adoptModel, chosenModel, completes, fittingModels, settleModel } from './model-choice';
import './studio.css';

/** The modes drawn on a canvas (class and unconditional models need no sketch). */
const MODES: { id: EditorMode; label: string }[] = CONDITION_MODES
  .filter((id) => CONDITION_MODE_TABLE[id].condition !== 'class' && CONDITION_MODE_TABLE[id].condition !== 'none')
  .map((id) => ({ id, label: CONDITION_MODE_TABLE[id].label }));


/** The editor document to start from: a Reuse from the gallery, else the autosave, else the example layout (first launch). */
function initialEditor(): { editor: StudioEditor; notice: string | null } {
  const reuse = takeReuse(window.sessionStorage);
  if (reuse) {
    try {
      const { doc } = parseDocument(reuse.document);
      doc.generation = { ...doc.generation, modelId: reuse.modelId, seed: reuse.seed, seedLocked: true, temperature: reuse.temperature, topK: reuse.topK, topP: reuse.topP, greedy: reuse.greedy, outputWidth: reuse.width, outputHeight: reuse.height, gptWeights: reuse.gptWeights ?? 'float32' };
      return { editor: new StudioEditor(doc), notice: `Loaded the sketch and settings of ${reuse.sourceId} from the gallery.` };
    } catch (err) {
      return { editor: new StudioEditor(), notice: `Could not reuse that result: ${errorMessage(err)}` };
    }
  }
  const recovery = recoverDocument(window.localStorage);
  if (recovery.kind === 'recovered') return { editor: new StudioEditor(recovery.doc), notice: null };
  if (recovery.kind === 'unreadable') return { editor: new StudioEditor(), notice: `The autosaved sketch could not be read (${recovery.reason}); it was kept aside and a new one started.` };
  return { editor: new StudioEditor(firstLaunchDocument()), notice: null };
}

function useEditorVersion(editor: StudioEditor): number {
  return useSyncExternalStore(useCallback((f) => editor.subscribe(f), [editor]), () => editor.uiVersion);
}

export function StudioPage() {
  const [{ editor, notice: startNotice }] = useState(initialEditor);
  useEditorVersion(editor);
  const [reference, setReference] = useState<ReferenceState>({ dataUrl: null, opacity: 0.5 });
  const referenceRef = useRef(reference);
  referenceRef.current = reference;
  const [models, setModels] = useState<ModelSummary[] | null>(null);
  const [modelsError, setModelsError] = useState<string | null>(null);
  const [zoom, setZoom] = useState(1);
  const canvasEl = useRef<HTMLCanvasElement>(null);
  const stageEl = useRef<HTMLDivElement>(null);
  const viewRef = useRef<StudioCanvasView | null>(null);
  const generation = useGeneration();
  const { doc } = editor;

  useEffect(() => {
    if (startNotice) {
      editor.notice = startNotice;
      editor.changed();
    }
  }, [editor, startNotice]);

  // fabric view: created once, sized to the stage.
  useEffect(() => {
    const view = new StudioCanvasView(canvasEl.current!, editor, { reference: () => referenceRef.current, onViewportChange: (v) => setZoom(v.zoom) });
    viewRef.current = view;
    const stage = stageEl.current!;
    const observer = new ResizeObserver(() => view.resize(stage.clientWidth, stage.clientHeight));
    observer.observe(stage);
    view.resize(stage.clientWidth, stage.clientHeight);
    return () => {
      observer.disconnect();
      view.dispose();
      viewRef.current = null;
    };
  }, [editor]);

  useEffect(() => {
    viewRef.current?.render();
  }, [reference]);

  // Autosave shortly after every change; flush when leaving the page.
  useEffect(() => {
    const saver = debouncer(() => saveDocument(window.localStorage, editor.doc), 300);
    const off = editor.subscribe(() => saver.schedule());
    const flush = () => saver.flush();
    window.addEventListener('beforeunload', flush);
    return () => {
      off();
      saver.flush();
      window.removeEventListener('beforeunload', flush);
    };
  }, [editor]);

  const loadModels = useCallback(() => {
    api.models.list().then((r) => {
      setModels(r.models);
      setModelsError(r.models.length === 0 ? `No models found. Put a model bundle folder into ${r.libraryModelsFolder}.` : null);
    }, (err: unknown) => setModelsError(errorMessage(err)));
  }, []);
  useEffect(loadModels, [loadModels]);

  const fitting = useMemo(() => fittingModels(models ?? [], doc.mode), [models, doc.mode]);
  const canComplete = (models ?? []).some(completes);
  const model = chosenModel(models ?? [], doc);

  // Settle the choice (id, output size, palette) whenever the list, the mode, the choice or the size changes.
  // settleModel reads the live document, so a pick made while the list loaded is kept (model-choice.ts).
  useEffect(() => {
    if (models) settleModel(editor, models);
  }, [editor, models, doc.mode, doc.generation.modelId, doc.generation.outputWidth]);
  const pickModel = useCallback((id: string) => {
    const picked = (models ?? []).find((m) => m.id === id);
    if (picked) adoptModel(editor, picked);
  }, [editor, models]);

  const blocked = model ? missingCondition(doc, model) : 'No model fits this mode.';

  const generate = useCallback(() => {
    if (!model || generation.busy || missingCondition(editor.doc, model)) return;
    const seed = editor.doc.generation.seedLocked ? editor.doc.generation.seed : randomSeed();
    editor.setGeneration({ seed });
    try {
      const request = buildGenerateRequest(editor.doc, model, { seed, encodeGrey: encodeGreyPng });
      void generation.start(request, conditionDataUrl(editor.doc));
    } catch (err) {
      editor.notice = errorMessage(err);
      editor.changed();
    }
  }, [editor, model, generation]);

  // Keyboard shortcuts.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      const typing = !!t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT');
      const surface = editor.surface();
      const action = actionForKey(e, surface === 'none' ? [] : toolsOf(surface));
      if (!action || (typing && action.kind !== 'generate' && action.kind !== 'cancel')) return;
      e.preventDefault();
      switch (action.kind) {
        case 'tool': editor.setTool(action.tool); break;
        case 'undo': editor.undo(); break;
        case 'redo': editor.redo(); break;
        case 'generate': generate(); break;
        case 'cancel':
          if (generation.busy) void generation.cancel();
          else editor.cancelGesture();
          break;
        case 'commit': editor.commitGesture(1 / (viewRef.current?.getViewport().zoom ?? 1)); break;
        case 'size': editor.stepBrush(action.delta); break;
        case 'fit': viewRef.current?.fit(); break;
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [editor, generate, generation]);

  const surface = editor.surface();
  const tool = editor.currentTool();
  const history = editor.historyState();
  const sized = tool === 'brush' || tool === 'eraser' || tool === 'line';


  return (
    <div className="studio">
      <div className="studio-topbar">
        <div className="mode-tabs" role="tablist" aria-label="Condition">
          {MODES.map((m) => (
            <button key={m.id} type="button" role="tab" aria-selected={doc.mode === m.id} className={doc.mode === m.id ? 'mode-tab active' : 'mode-tab'} onClick={() => editor.setMode(m.id)}>{m.label}</button>
          ))}
        </div>
        <div className="topbar-actions">
          <button type="button" className="icon-button" disabled={!history.canUndo} onClick={() => editor.undo()} title={`Undo ${history.undoLabel ?? ''} (Ctrl+Z)`} aria-label="Undo">↶</button>
          <button type="button" className="icon-button" disabled={!history.canRedo} onClick={() => editor.redo()} title={`Redo ${history.redoLabel ?? ''} (Ctrl+Shift+Z)`} aria-label="Redo">↷</button>
          <span className="divider" />
          <button type="button" className="icon-button" onClick={() => viewRef.current?.zoomBy(1 / 1.25)} aria-label="Zoom out">−</button>
          <button type="button" className="zoom-readout" onClick={() => viewRef.current?.fit()} title="Fit (Ctrl+0)">{Math.round(zoom * 100)}%</button>
          <button type="button" className="icon-button" onClick={() => viewRef.current?.zoomBy(1.25)} aria-label="Zoom in">+</button>
          <span className="divider" />
          <button type="button" className="button subtle small" disabled={surface === 'none'} onClick={() => editor.clearSurface()}>Clear</button>
        </div>
      </div>

      <div className="studio-main">
        <div className="tool-rail" role="toolbar" aria-label="Tools">
          {surface !== 'none' && toolsOf(surface).map((t) => (
            <button key={t} type="button" className={t === tool ? 'tool active' : 'tool'} aria-pressed={t === tool} aria-label={TOOLS[t].label} title={`${TOOLS[t].label} (${TOOLS[t].key})`} onClick={() => editor.setTool(t)}>
              <span aria-hidden="true">{TOOLS[t].icon}</span>
            </button>
          ))}
        </div>

        <div className="studio-center">
          <div className="canvas-stage" ref={stageEl} data-testid="studio-canvas">
            <canvas ref={canvasEl} />
            {sized && (
              <label className="brush-size">
                <span>Size</span>
                <input type="range" min={1} max={128} value={editor.brushSize} aria-label="Brush size" onChange={(e) => editor.setBrushSize(Number(e.target.value))} />
                <output data-testid="brush-size">{editor.brushSize}px</output>
              </label>
            )}
            {editor.notice && (
              <p className="studio-notice" role="status" data-testid="studio-notice">
                {editor.notice}
                <button type="button" className="banner-close" aria-label="Dismiss" onClick={() => { editor.notice = null; editor.changed(); }}>✕</button>
              </p>
            )}
            <div className="canvas-status">{doc.width}×{doc.height} · {tool ? TOOLS[tool].label : doc.mode}{history.size ? ` · ${history.size} step${history.size === 1 ? '' : 's'}` : ''}</div>
          </div>
          <ResultsPanel state={generation.state} onUseForCompletion={canComplete ? (dataUrl: string) => editor.completeFrom(dataUrl) : null} />
        </div>

        <aside className="studio-side">
          <section className="side-card">
            <h2>{MODES.find((m) => m.id === doc.mode)?.label ?? doc.mode}</h2>
            {surface === 'semantic' && <PalettePanel editor={editor} />}
            {surface === 'edge' && <EdgePanel editor={editor} reference={reference} setReference={setReference} />}
            {surface === 'pose' && <PosePanel editor={editor} reference={reference} setReference={setReference} />}
            {(doc.mode === 'depth' || doc.mode === 'superres' || doc.mode === 'completion') && <ImagePanel editor={editor} />}
          </section>
          <section className="side-card">
            <h2>Generate</h2>
            {modelsError && <p className="banner banner-warning small-text">{modelsError}</p>}
            <GeneratePanel editor={editor} models={fitting} anyModels={(models ?? []).length > 0} model={model} onPickModel={pickModel} busy={generation.busy} blocked={blocked} onGenerate={generate} onCancel={() => void generation.cancel()} />
          </section>
        </aside>
      </div>
    </div>
  );
}
