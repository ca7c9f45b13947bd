// The fine-tune wizard: base model → folder → Scan (report) → preset (estimate on this device) →
// Advanced → Start. API errors are shown verbatim; field problems inline.

import { useEffect, useMemo, useState } from 'react';
import type { FormEvent } from 'react';
import type { FinetuneEstimate, FinetunePresetName, FinetuneScanReport, FinetuneStage, ModelEntry } from '../../preload/contract';
import { api, errorMessage } from '../api/client';
import { describeKind, formatBytes } from '../models/model-format';
import { AdvancedPanel } from './AdvancedPanel';
import type { AdvancedFields } from './finetune-format';
import { canFinetune, isAbsolutePath, parseAdvanced } from './finetune-format';
import { PresetPicker } from './PresetPicker';
import { ScanReport, trainableImages } from './ScanReport';

type Scan = { kind: 'idle' } | { kind: 'busy' } | { kind: 'done'; report: FinetuneScanReport; model: string; folder: string } | { kind: 'error'; message: string };
type Estimate = { kind: 'idle' } | { kind: 'busy' } | { kind: 'done'; value: FinetuneEstimate } | { kind: 'error'; message: string };

const EMPTY_FIELDS: AdvancedFields = { stage: 'transformer', steps: '', batch: '', lr: '', every: '', name: '' };

function defaultStage(stages: readonly FinetuneStage[]): FinetuneStage {
  return stages.includes('transformer') ? 'transformer' : (stages[0] ?? 'vqgan');
}

export function FinetuneWizard({ onStarted }: { onStarted(runId: string): void }) {
  const [models, setModels] = useState<ModelEntry[] | null>(null);
  const [modelsError, setModelsError] = useState<string | null>(null);
  const [modelId, setModelId] = useState('');
  const [folder, setFolder] = useState('');
  const [folderError, setFolderError] = useState<string | null>(null);
  const [scan, setScan] = useState<Scan>({ kind: 'idle' });
  const [estimate, setEstimate] = useState<Estimate>({ kind: 'idle' });
  const [preset, setPreset] = useState<FinetunePresetName>('balanced');
  const [fields, setFields] = useState<AdvancedFields>(EMPTY_FIELDS);
  const [starting, setStarting] = useState(false);
  const [startError, setStartError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    const load = () => api.models.registry().then(
      (r) => live && (setModels(r.models), setModelsError(null)),
      (err: unknown) => live && setModelsError(errorMessage(err)),
    );
    void load();
    const off = api.models.onDidModelsChange(() => void load());
    return () => {
      live = false;
      off();
    };
  }, []);

  const tunable = useMemo(() => (models ?? []).filter(canFinetune), [models]);
  const excluded = (models?.length ?? 0) - tunable.length;
  // Keep a valid selection: the first tunable model until the person picks one.
  useEffect(() => {
    if (tunable.length > 0 && !tunable.some((m) => m.id === modelId)) setModelId(tunable[0]!.id);
  }, [tunable, modelId]);
  const model = tunable.find((m) => m.id === modelId) ?? null;

  const report = scan.kind === 'done' && scan.model === modelId && scan.folder === folder.trim() ? scan.report : null;
  const stale = scan.kind === 'done' && report === null;
  const trainable = report ? trainableImages(report) : 0;
  const parsed = parseAdvanced(fields);
  const batchForEstimate = parsed.errors.batch ? null : parsed.batch;

  // Presets follow the report, stage and batch (the first estimate times real steps: debounce typing).
  useEffect(() => {
    if (!report || trainable === 0 || parsed.errors.batch) {
      setEstimate({ kind: 'idle' });
      return;
    }
    let live = true;
    setEstimate({ kind: 'busy' });
    const timer = setTimeout(() => {
      api.finetune.estimate({ model: modelId, stage: fields.stage, images: trainable, ...(batchForEstimate !== null ? { batch: batchForEstimate } : {}) }).then(
        (value) => live && setEstimate({ kind: 'done', value }),
        (err: unknown) => live && setEstimate({ kind: 'error', message: errorMessage(err) }),
      );
    }, 300);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [report, trainable, modelId, fields.stage, batchForEstimate, parsed.errors.batch]);

  async function onScan(e: FormEvent) {
    e.preventDefault();
    const path = folder.trim();
    if (!model) return;
    if (!path) return setFolderError('Enter the folder that holds your pictures.');
    if (!isAbsolutePath(path)) return setFolderError('Enter the full path of the folder (it starts with / or a drive letter such as C:\\).');
    setFolderError(null);
    setStartError(null);
    setScan({ kind: 'busy' });
    try {
      const r = await api.finetune.scan({ model: model.id, images: path });
      setScan({ kind: 'done', report: r, model: model.id, folder: path });
      setFields((f) => (r.stages.includes(f.stage) ? f : { ...f, stage: defaultStage(r.stages) }));
    } catch (err) {
      setScan({ kind: 'error', message: errorMessage(err) });
    }
  }

  const presetInfo = estimate.kind === 'done' ? estimate.value.presets.find((p) => p.name === preset) ?? null : null;
  const steps = parsed.steps ?? presetInfo?.steps ?? null;
  const fieldErrors = Object.values(parsed.errors);
  const blocker = !report ? null
    : trainable === 0 ? 'Nothing to train on: fix the folder (see the report above) and scan again.'
    : fieldErrors.length > 0 ? `Fix the advanced settings: ${fieldErrors.join(' ')}`
    : steps === null ? (estimate.kind === 'busy' ? 'Waiting for the presets…' : 'Choose a preset or enter the steps under Advanced.')
    : null;

  async function onStart() {
    if (!report || !model || steps === null || blocker) return;
    setStarting(true);
    setStartError(null);
    try {
      const { runId } = await api.finetune.start({
        model: model.id, images: report.root, stage: fields.stage, steps,
        ...(parsed.name !== null ? { name: parsed.name } : {}),
        ...(parsed.batch !== null ? { batch: parsed.batch } : {}),
        ...(parsed.lr !== null ? { lr: parsed.lr } : {}),
        ...(parsed.every !== null ? { every: parsed.every } : {}),
      });
      onStarted(runId);
    } catch (err) {
      setStartError(errorMessage(err));
    } finally {
      setStarting(false);
    }
  }

  return (
    <section className="card ft-wizard" aria-labelledby="ft-wizard-heading">
      <h2 id="ft-wizard-heading">New fine-tune</h2>
      <p className="hint">Pick a base model and a folder of your pictures. Tessera checks every file first, then trains a <em>new</em> model beside the base (the base is never changed).</p>
      {modelsError && <p className="banner banner-error" role="alert">{modelsError}</p>}

      <form className="ft-step" onSubmit={(e) => void onScan(e)}>
        <div className="ft-source-grid">
          <div className="field">
            <label className="field-label" htmlFor="ft-model">Base model</label>
            <select id="ft-model" value={modelId} disabled={tunable.length === 0 || scan.kind === 'busy'} onChange={(e) => setModelId(e.target.value)}>
              {tunable.length === 0 && <option value="">{models === null ? 'Loading…' : 'No model can be fine-tuned'}</option>}
              {tunable.map((m) => (
                <option key={m.id} value={m.id}>{m.name} — {describeKind(m)} · {m.resolution} px · {formatBytes(m.sizeOnDisk)}</option>
              ))}
            </select>
            {models !== null && tunable.length === 0 ? (
              <span className="hint small-inline">Import or add a model on the Models page first (VQGANs and unconditional, semantic, edge or pose transformers can be fine-tuned).</span>
            ) : excluded > 0 ? (
              <span className="hint small-inline">{excluded} other model{excluded === 1 ? '' : 's'} (class, depth…) cannot learn from a folder of pictures and {excluded === 1 ? 'is' : 'are'} not listed.</span>
            ) : null}
          </div>
          <div className="field">
            <label className="field-label" htmlFor="ft-folder">Folder of pictures (full path)</label>
            <input
              id="ft-folder"
              type="text"
              value={folder}
              spellCheck={false}
              placeholder="/home/you/Pictures/my-landscapes"
              aria-invalid={folderError ? true : undefined}
              aria-describedby="ft-folder-help"
              onChange={(e) => {
                setFolder(e.target.value);
                setFolderError(null);
              }}
            />
            <span id="ft-folder-help" className={folderError ? 'ft-field-error' : 'hint small-inline'}>
              {folderError ?? 'Paste the folder’s path (searched recursively). PNG, JPEG and WebP; label maps as <name>.seg.png, poses as <name>.pose.json.'}
            </span>
          </div>
        </div>
        <div className="form-row">
          <button type="submit" className="button" disabled={!model || scan.kind === 'busy'}>{scan.kind === 'busy' ? 'Scanning…' : report ? 'Scan again' : 'Scan'}</button>
          {stale && <span className="hint small-inline">The model or folder changed: scan again.</span>}
        </div>
      </form>

      {scan.kind === 'error' && <p className="banner banner-error" role="alert" data-testid="scan-error">{scan.message}</p>}
      {report && <ScanReport report={report} />}

      {report && (
        <div className="ft-step">
          <PresetPicker estimate={estimate} preset={preset} overridden={parsed.steps !== null} onPreset={setPreset} />
          <AdvancedPanel
            fields={fields}
            parsed={parsed}
            stages={report.stages}
            defaults={estimate.kind === 'done' ? estimate.value.defaults : null}
            presetSteps={presetInfo?.steps ?? null}
            defaultName={model ? `${model.name} (fine-tuned)` : ''}
            disabled={starting}
            onChange={setFields}
          />
          {startError && <p className="banner banner-error" role="alert" data-testid="start-error">{startError}</p>}
          <div className="form-row">
            <button type="button" className="button primary" disabled={starting || blocker !== null} onClick={() => void onStart()}>
              {starting ? 'Starting…' : 'Start fine-tuning'}
            </button>
            {blocker ? <span className="hint small-inline" role="status">{blocker}</span> : steps !== null && (
              <span className="hint small-inline">{steps.toLocaleString('en-US')} steps{fields.stage === 'both' ? ' per stage' : ''} on {trainable} picture{trainable === 1 ? '' : 's'}</span>
            )}
          </div>
        </div>
      )}
    </section>
  );
}
