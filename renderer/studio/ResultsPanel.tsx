// Condition and results side by side: while generating, token i/N with elapsed and ETA and the live
// previews filling in; afterwards each variation with its own seed.

import type { GenerationState } from './use-generation';
import { formatDuration } from './use-generation';

/** `onUseForCompletion`: null when no installed model can complete an image (the link is hidden). */
export function ResultsPanel({ state, onUseForCompletion }: { state: GenerationState; onUseForCompletion: ((dataUrl: string) => void) | null }) {
  if (state.status === 'idle') {
    return <div className="results empty"><p className="hint">Results appear here, beside the condition they came from. <kbd>Ctrl+Enter</kbd> generates.</p></div>;
  }
  const running = state.status === 'starting' || state.status === 'running';
  const pct = state.total ? Math.round((100 * state.done) / state.total) : 0;
  const slots = state.seeds.length || 1;
  return (
    <div className="results" data-testid="results">
      <div className="results-head">
        {running && (
          <>
            <span className="progress-text" data-testid="progress">Token {state.done} / {state.total || '…'}</span>
            <div className="progress-bar" aria-label="Progress"><div style={{ width: `${pct}%` }} /></div>
            <span className="progress-meta">{formatDuration(state.elapsedMs)} elapsed · ETA {formatDuration(state.etaMs)}</span>
          </>
        )}
        {state.status === 'done' && <span className="status-ok" data-testid="result-status">Done in {formatDuration(state.elapsedMs)} · saved to the gallery</span>}
        {state.status === 'cancelled' && <span className="progress-meta" data-testid="result-status">Cancelled at token {state.done} / {state.total}; nothing was saved.</span>}
        {state.status === 'failed' && <span className="status-error" data-testid="result-status">{state.error}</span>}
      </div>
      <div className="results-row">
        {state.conditionUrl && (
          <figure className="result-card condition">
            <img src={state.conditionUrl} alt="Condition" className="pixelated" />
            <figcaption>Condition</figcaption>
          </figure>
        )}
        {Array.from({ length: slots }, (_, k) => {
          const done = state.results[k];
          const url = done?.dataUrl ?? state.previews[k] ?? null;
          const seed = done?.seed ?? state.seeds[k];
          return (
            <figure key={k} className={done ? 'result-card' : 'result-card pending'} data-testid={done ? 'result-image' : 'result-preview'}>
              {url ? <img src={url} alt={`Variation ${k + 1}`} className="pixelated" /> : <div className="img-placeholder" />}
              <figcaption>
                <span>Seed <code>{seed ?? '…'}</code></span>
                {done?.dataUrl && onUseForCompletion && <button type="button" className="link-button" title="Paint a mask over this result and resample it" onClick={() => onUseForCompletion(done.dataUrl!)}>Complete…</button>}
              </figcaption>
            </figure>
          );
        })}
      </div>
    </div>
  );
}
