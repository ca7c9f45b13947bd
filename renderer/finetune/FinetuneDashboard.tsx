// One fine-tune job: its history (finetune.run) plus live progress events for a running job — loss
// curves per stage, step / stage / speed / ETA, sample previews, Stop-and-save, Resume, the held-out
// results, base-vs-tuned comparison and the way to the new model.

import { useCallback, useEffect, useRef, useState } from 'react';
import type { FinetuneProgressEvent, FinetuneRunDetail, FinetuneSample } from '../../preload/contract';
import { api, errorMessage } from '../api/client';
import { modelsHref } from '../shell/hash-route';
import { CompareView } from './CompareView';
import { STATUS_LABELS, appendProgress, formatDuration, formatLoss, formatLr, stagesOf } from './finetune-format';
import { LossChart } from './LossChart';
import { SamplePreviews } from './SamplePreviews';

/** Applies a progress event to a run detail (new metric point, new sample, step and stage). */
function applyProgress(d: FinetuneRunDetail, e: FinetuneProgressEvent): FinetuneRunDetail {
  let samples: FinetuneSample[] = d.samples;
  if (e.sample && !d.samples.some((s) => s.stage === e.sample!.stage && s.step === e.sample!.step)) samples = [...d.samples, e.sample];
  return { ...d, status: 'running', metrics: appendProgress(d.metrics, e), samples, currentStage: e.stage, step: e.step, totalSteps: e.totalSteps, resumable: false };
}

interface DashboardProps {
  runId: string;
  /** The list should refresh (started, stopped, finished). */
  onChanged(): void;
}

export function FinetuneDashboard({ runId, onChanged }: DashboardProps) {
  const [detail, setDetail] = useState<FinetuneRunDetail | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [live, setLive] = useState<FinetuneProgressEvent | null>(null);
  const [stopping, setStopping] = useState(false);
  const [resuming, setResuming] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const [logScale, setLogScale] = useState(false);
  const [smooth, setSmooth] = useState(true);
  /** Progress events received while a reload is in flight (they may be newer than its answer). */
  const buffered = useRef<FinetuneProgressEvent[]>([]);
  const inFlight = useRef(0);
  /** Stages whose first live event already triggered a reload (for the stage's config, e.g. discStart). */
  const seenStages = useRef(new Set<string>());
  const current = useRef(runId);
  current.current = runId;

  const reload = useCallback(async () => {
    inFlight.current++;
    try {
      const d = await api.finetune.run({ runId });
      if (current.current !== runId) return;
      // Events that arrived while the detail was on its way are newer than parts of it.
      let merged = d;
      if (d.status === 'running') {
        const order = stagesOf(d.stage);
        const at = d.currentStage ? order.indexOf(d.currentStage) : -1;
        for (const e of buffered.current) {
          const i = order.indexOf(e.stage);
          if (i > at || (i === at && e.step > d.step)) merged = applyProgress(merged, e);
        }
      }
      if (merged.status !== 'running') setStopping(false);
      setDetail(merged);
      setLoadError(null);
    } catch (err) {
      if (current.current === runId) setLoadError(errorMessage(err));
    } finally {
      inFlight.current--;
      if (inFlight.current === 0) buffered.current = [];
    }
  }, [runId]);

  useEffect(() => {
    setDetail(null);
    setLive(null);
    setStopping(false);
    setResuming(false);
    setActionError(null);
    buffered.current = [];
    seenStages.current = new Set();
    const offProgress = api.finetune.onDidFinetuneProgress((e) => {
      if (e.runId !== runId) return;
      if (inFlight.current > 0) buffered.current.push(e);
      setLive(e);
      setDetail((d) => (d ? applyProgress(d, e) : d));
      // A stage's first event: read the run again for what only its folder knows (history, discStart).
      if (!seenStages.current.has(e.stage)) {
        seenStages.current.add(e.stage);
        void reload();
      }
    });
    const offFinish = api.finetune.onDidFinetuneFinish((e) => {
      if (e.runId !== runId) return;
      setStopping(false);
      setLive(null);
      if (e.status === 'failed' && e.error) setActionError(e.error);
      void reload();
      onChanged();
    });
    void reload();
    return () => {
      offProgress();
      offFinish();
    };
  }, [runId, reload, onChanged]);

  // A finish event lost with the connection must not leave "Stopping…" forever: look again while stopping.
  useEffect(() => {
    if (!stopping) return;
    const timer = setInterval(() => void reload(), 3000);
    return () => clearInterval(timer);
  }, [stopping, reload]);

  async function onStop() {
    setStopping(true);
    setActionError(null);
    try {
      const r = await api.finetune.stop({ runId });
      if (!r.stopped) {
        setStopping(false);
        void reload();
      }
    } catch (err) {
      setStopping(false);
      setActionError(errorMessage(err));
    }
  }

  async function onResume() {
    setResuming(true);
    setActionError(null);
    try {
      await api.finetune.resume({ runId });
      setDetail((d) => (d ? { ...d, status: 'running', resumable: false } : d));
      onChanged();
      await reload();
    } catch (err) {
      setActionError(errorMessage(err));
    } finally {
      setResuming(false);
    }
  }

  if (!detail) {
    return (
      <section className="card ft-dashboard" aria-label="Fine-tune run">
        {loadError ? <p className="banner banner-error" role="alert">{loadError}</p> : <p className="hint">Loading the run…</p>}
      </section>
    );
  }

  const stages = stagesOf(detail.stage);
  const stageName = live?.stage ?? detail.currentStage ?? stages[0]!;
  const stageIndex = live?.stageIndex ?? stages.indexOf(stageName) + 1;
  const stageCount = live?.stageCount ?? stages.length;
  const step = live?.step ?? detail.step;
  const total = live?.totalSteps ?? detail.totalSteps;
  const running = detail.status === 'running';
  const shownStages = stages.filter((s) => s === stageName || detail.metrics.some((m) => m.stage === s));
  const latestLosses = live?.losses ?? [...detail.metrics].reverse().find((m) => m.stage === stageName)?.losses ?? null;

  return (
    <section className="card ft-dashboard" aria-labelledby="ft-dash-heading" data-testid="finetune-dashboard">
      <header className="ft-dash-head">
        <div>
          <h2 id="ft-dash-heading">{detail.outputName}</h2>
          <p className="hint ft-dash-sub">
            {detail.baseName} → {detail.outputName} · {detail.provider} · <code>{detail.images}</code>
          </p>
        </div>
        <span className={`ft-status ft-status-${detail.status}`} data-testid="dashboard-status" role="status">{STATUS_LABELS[detail.status]}</span>
      </header>

      {loadError && <p className="banner banner-error" role="alert">{loadError}</p>}
      {detail.status === 'failed' && detail.error && <p className="banner banner-error" role="alert">{detail.error}</p>}
      {actionError && actionError !== detail.error && <p className="banner banner-error" role="alert">{actionError}</p>}

      <div className="ft-progress" data-testid="finetune-progress">
        <div className="ft-progress-line">
          <strong data-testid="step-counter">step {step} / {total}</strong>
          <span>stage {stageIndex} of {stageCount} · {stageName === 'vqgan' ? 'VQGAN' : 'transformer'}</span>
          {running && live?.imagesPerSec != null && <span>{live.imagesPerSec.toFixed(1)} images/s</span>}
          {running && live?.etaSec != null && <span>ETA {formatDuration(live.etaSec)}</span>}
          {running && live && <span>elapsed {formatDuration(live.elapsedSec)}</span>}
          {live && <span>lr {formatLr(live.lr)}</span>}
          {detail.checkpointStep !== null && !running && <span>checkpoint at step {detail.checkpointStep}</span>}
        </div>
        <progress max={Math.max(total, 1)} value={Math.min(step, total)} aria-label={`Step ${step} of ${total}`} />
        {running && !live && step === 0 && <p className="hint small-inline" role="status">Preparing: building the training programs for this device…</p>}
        {latestLosses && (
          <p className="hint small-inline ft-latest">
            {Object.entries(latestLosses).map(([k, v]) => `${k} ${formatLoss(v)}`).join(' · ')}
          </p>
        )}
      </div>

      <div className="form-row ft-actions">
        {running && (
          <button type="button" className="button" disabled={stopping} onClick={() => void onStop()}>
            {stopping ? 'Stopping…' : 'Stop and save'}
          </button>
        )}
        {!running && detail.resumable && (
          <button type="button" className="button primary" disabled={resuming} onClick={() => void onResume()}>
            {resuming ? 'Resuming…' : `Resume${detail.checkpointStep !== null ? ` from step ${detail.checkpointStep}` : ''}`}
          </button>
        )}
        {detail.status === 'finished' && detail.outputModel && (
          <a className="button" href={modelsHref(detail.outputModel)} data-testid="open-model">Open “{detail.outputName}” in Models</a>
        )}
        <span className="ft-toggles">
          <label className="ft-toggle">
            <input type="checkbox" checked={smooth} onChange={(e) => setSmooth(e.target.checked)} /> Smooth
          </label>
          <label className="ft-toggle">
            <input type="checkbox" checked={logScale} onChange={(e) => setLogScale(e.target.checked)} /> Log scale
          </label>
        </span>
      </div>

      <div className="ft-charts">
        {shownStages.map((s) => (
          <LossChart key={s} metrics={detail.metrics} stage={s} totalSteps={s === stageName ? total : detail.totalSteps} discStart={s === 'vqgan' ? detail.discStart : null} log={logScale} smooth={smooth} />
        ))}
      </div>

      <SamplePreviews samples={detail.samples} />

      {detail.results.length > 0 && (
        <section className="ft-results" aria-labelledby="ft-results-heading">
          <h3 id="ft-results-heading">Held-out loss</h3>
          <table className="ft-table" data-testid="results-table">
            <thead><tr><th>Stage</th><th>Metric</th><th>Before</th><th>After</th><th>Change</th></tr></thead>
            <tbody>
              {detail.results.map((r) => (
                <tr key={r.stage}>
                  <td>{r.stage}</td>
                  <td>{r.metric === 'heldOutNll' ? 'NLL (nats/token)' : r.metric === 'heldOutL1' ? 'L1 reconstruction' : r.metric}</td>
                  <td className="num">{formatLoss(r.before)}</td>
                  <td className="num">{formatLoss(r.after)}</td>
                  <td className="num">{r.before !== null && r.after !== null && r.before !== 0 ? `${(((r.after - r.before) / Math.abs(r.before)) * 100).toFixed(1)} %` : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}

      {detail.status === 'finished' && detail.stage !== 'vqgan' && (
        <CompareView runId={detail.runId} baseName={detail.baseName} outputName={detail.outputName} />
      )}

      {detail.logTail.length > 0 && (
        <details className="ft-log">
          <summary>Log ({detail.logTail.length} lines)</summary>
          <pre>{detail.logTail.join('\n')}</pre>
        </details>
      )}
    </section>
  );
}
