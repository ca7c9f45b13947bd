// The generate settings: model (only those that fit the editor's mode), seed with lock/randomize,
// temperature, top-k, top-p, output size, window stride (sliding window only), variations; Generate turns into
// Cancel while it runs.

import type { ModelSummary } from '../../preload/contract';
import type { StudioEditor } from './studio-editor';
import { randomSeed } from './generate-request';
import { outputSizes } from './output-sizes';
import { usesSlidingWindow, windowStrideChoices } from './window-stride';

export interface GeneratePanelProps {
  editor: StudioEditor;
  models: ModelSummary[];
  /** Whether the library has any model at all (the page then says where to put one). */
  anyModels: boolean;
  model: ModelSummary | null;
  onPickModel: (id: string) => void;
  busy: boolean;
  blocked: string | null;
  onGenerate: () => void;
  onCancel: () => void;
}

export function GeneratePanel({ editor, models, anyModels, model, onPickModel, busy, blocked, onGenerate, onCancel }: GeneratePanelProps) {
  const g = editor.doc.generation;
  const set = editor.setGeneration.bind(editor);
  const strides = model ? windowStrideChoices(model, g) : [];
  return (
    <div className="generate-panel">
      <label className="field-row">
        <span>Model</span>
        <select className="studio-input" value={model?.id ?? ''} onChange={(e) => onPickModel(e.target.value)} aria-label="Model" disabled={busy}>
          {models.length === 0 && <option value="">No model for this mode</option>}
          {models.map((m) => <option key={m.id} value={m.id}>{m.name}{m.source === 'zoo' ? ' (bundled)' : ''}</option>)}
        </select>
      </label>
      {!model && anyModels && <p className="hint small-text">No {editor.doc.mode} model in the library yet: import one on the Models page, or drop a bundle folder into the library's models folder.</p>}
      {model && <p className="model-meta">{model.mode} · {model.width}×{model.height} window · {model.factor} px/token{model.classes ? ` · ${model.classes.length} classes` : ''}</p>}

      {model && <>
      <div className="field-row">
        <span>Seed</span>
        <div className="seed-row">
          <input className="studio-input mono" type="number" min={0} max={4294967295} value={g.seed} aria-label="Seed" onChange={(e) => set({ seed: Math.max(0, Math.min(0xffffffff, Math.floor(Number(e.target.value) || 0))) })} />
          <button type="button" className={g.seedLocked ? 'icon-button text on' : 'icon-button text'} aria-pressed={g.seedLocked} aria-label="Lock seed" title={g.seedLocked ? 'Seed locked: reused on every run' : 'Seed unlocked: a new one each run'} onClick={() => set({ seedLocked: !g.seedLocked })}>
            {g.seedLocked ? 'Locked' : 'Lock'}
          </button>
          <button type="button" className="icon-button" title="New random seed" aria-label="Randomize seed" onClick={() => set({ seed: randomSeed() })}>⟳</button>
        </div>
      </div>

      <label className="slider-row">
        <span>Temperature</span>
        <input type="range" min={0.1} max={2} step={0.05} value={g.temperature} aria-label="Temperature" onChange={(e) => set({ temperature: Number(e.target.value) })} />
        <output>{g.temperature.toFixed(2)}</output>
      </label>
      <div className="field-grid">
        <label className="field-row">
          <span>Top-k</span>
          <input className="studio-input mono" type="number" min={0} placeholder="off" value={g.topK ?? ''} aria-label="Top-k" onChange={(e) => set({ topK: e.target.value === '' || Number(e.target.value) < 1 ? null : Math.floor(Number(e.target.value)) })} />
        </label>
        <label className="field-row">
          <span>Top-p</span>
          <input className="studio-input mono" type="number" min={0} max={1} step={0.05} placeholder="off" value={g.topP ?? ''} aria-label="Top-p" onChange={(e) => set({ topP: e.target.value === '' || Number(e.target.value) <= 0 ? null : Math.min(1, Number(e.target.value)) })} />
        </label>
        <label className="field-row">
          <span>Size</span>
          <select className="studio-input" value={g.outputWidth} aria-label="Output size" onChange={(e) => set({ outputWidth: Number(e.target.value), outputHeight: Number(e.target.value) })}>
            {!outputSizes(model).includes(g.outputWidth) && <option value={g.outputWidth}>{g.outputWidth}×{g.outputHeight}</option>}
            {outputSizes(model).map((s) => <option key={s} value={s}>{s}×{s}{s === model?.outputSize?.width ? ' (the model’s size)' : ''}</option>)}
          </select>
        </label>
        {usesSlidingWindow(model, g) && <label className="field-row" title="Sliding window: S × S tokens share one transformer window. 1 is taming's rule (a window per token, slowest); larger strides prefill far fewer windows with slightly less context. The model's own is the one its makers measured.">
          <span>Window stride</span>
          <select className="studio-input" value={g.windowStride ?? ''} aria-label="Window stride" onChange={(e) => set({ windowStride: e.target.value === '' ? null : Number(e.target.value) })}>
            <option value="">the model’s ({model.windowStride}×{model.windowStride})</option>
            {g.windowStride !== null && !strides.includes(g.windowStride) && <option value={g.windowStride}>{g.windowStride}×{g.windowStride}</option>}
            {strides.map((s) => <option key={s} value={s}>{s}×{s}{s === 1 ? ' (taming’s rule, slowest)' : ''}</option>)}
          </select>
        </label>}
        <label className="field-row" title="int8: the transformer's weights quantised to 8 bits (blocks of 32). Token steps of large models read a quarter of the bytes; the logits differ slightly, so the picture for a seed differs too.">
          <span>Weights</span>
          <select className="studio-input" value={g.gptWeights} aria-label="Transformer weights" onChange={(e) => set({ gptWeights: e.target.value === 'int8' ? 'int8' : 'float32' })}>
            <option value="float32">float32 (exact)</option>
            <option value="int8">int8 (faster on large models)</option>
          </select>
        </label>
        <label className="field-row">
          <span>Variations</span>
          <input className="studio-input mono" type="number" min={1} max={8} value={g.variations} aria-label="Variations" onChange={(e) => set({ variations: Math.max(1, Math.min(8, Math.floor(Number(e.target.value) || 1))) })} />
        </label>
      </div>

      </>}
      {busy
        ? <button type="button" className="button danger wide" onClick={onCancel}>Cancel <kbd>Esc</kbd></button>
        : <button type="button" className="button primary wide" disabled={!model || blocked !== null} onClick={onGenerate} title={blocked ?? undefined}>Generate <kbd>Ctrl+Enter</kbd></button>}
      {blocked && model && !busy && <p className="hint small-text">{blocked}</p>}
    </div>
  );
}
