// Every fine-tune job (finetune.runs(), newest first) with status, base → output, provider, step and last
// update; choosing one opens its dashboard.

import type { FinetuneRunSummary } from '../../preload/contract';
import { STATUS_LABELS, formatWhen } from './finetune-format';

interface RunListProps {
  runs: readonly FinetuneRunSummary[] | null;
  selected: string | null;
  /** Newest live step of running jobs (from progress events), newer than the list. */
  live: ReadonlyMap<string, { step: number; totalSteps: number }>;
  error: string | null;
  onSelect(runId: string): void;
  onNew(): void;
}

export function RunList({ runs, selected, live, error, onSelect, onNew }: RunListProps) {
  return (
    <section className="card ft-runs" aria-labelledby="ft-runs-heading">
      <div className="ft-runs-head">
        <h2 id="ft-runs-heading">Runs</h2>
        <button type="button" className={selected === null ? 'button primary' : 'button'} onClick={onNew} aria-pressed={selected === null}>New fine-tune</button>
      </div>
      {error && <p className="status-error" role="alert">{error}</p>}
      {runs === null ? <p className="hint">Loading…</p> : runs.length === 0 ? (
        <p className="hint">No runs yet. Choose a model and a folder of pictures to start one.</p>
      ) : (
        <ul className="ft-run-list">
          {runs.map((r) => {
            const l = live.get(r.runId);
            const step = l?.step ?? r.step;
            const total = l?.totalSteps ?? r.totalSteps;
            return (
              <li key={r.runId}>
                <button
                  type="button"
                  className={r.runId === selected ? 'ft-run selected' : 'ft-run'}
                  aria-current={r.runId === selected ? 'true' : undefined}
                  data-testid="run-row"
                  data-run-id={r.runId}
                  title={r.error ?? undefined}
                  onClick={() => onSelect(r.runId)}
                >
                  <span className="ft-run-top">
                    <span className="ft-run-name">{r.outputName}</span>
                    <span className={`ft-status ft-status-${r.status}`} data-testid="run-status">{STATUS_LABELS[r.status]}</span>
                  </span>
                  <span className="ft-run-meta">from {r.baseName}</span>
                  <span className="ft-run-meta">
                    {r.currentStage ? `${r.currentStage} · ` : ''}step {step} / {total} · {r.provider} · {formatWhen(r.updatedAt)}
                  </span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
