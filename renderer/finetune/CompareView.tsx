// Base vs fine-tuned on the same seed and condition (finetune.compare), side by side.

import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import type { FinetuneCompareResult } from '../../preload/contract';
import { api, errorMessage } from '../api/client';

type State = { kind: 'idle' } | { kind: 'busy' } | { kind: 'done'; result: FinetuneCompareResult } | { kind: 'error'; message: string };

export function CompareView({ runId, baseName, outputName }: { runId: string; baseName: string; outputName: string }) {
  const [seed, setSeed] = useState('1');
  const [state, setState] = useState<State>({ kind: 'idle' });
  useEffect(() => setState({ kind: 'idle' }), [runId]);

  const seedValue = /^\d+$/.test(seed.trim()) && Number(seed) <= 2 ** 32 - 1 ? Number(seed) : null;

  async function onCompare(e: FormEvent) {
    e.preventDefault();
    if (seedValue === null) return;
    setState({ kind: 'busy' });
    try {
      setState({ kind: 'done', result: await api.finetune.compare({ runId, seed: seedValue }) });
    } catch (err) {
      setState({ kind: 'error', message: errorMessage(err) });
    }
  }

  return (
    <section className="ft-compare" aria-labelledby="ft-compare-heading">
      <h3 id="ft-compare-heading">Base vs fine-tuned</h3>
      <form className="form-row ft-compare-form" onSubmit={(e) => void onCompare(e)}>
        <label className="field ft-seed">
          <span className="field-label">Seed</span>
          <input type="text" inputMode="numeric" value={seed} onChange={(e) => setSeed(e.target.value)} aria-invalid={seedValue === null} />
        </label>
        <button type="submit" className="button" disabled={state.kind === 'busy' || seedValue === null}>
          {state.kind === 'busy' ? 'Sampling both…' : 'Compare base vs tuned'}
        </button>
        {seedValue === null && <span className="ft-field-error">The seed is a whole number from 0 to 4294967295.</span>}
      </form>
      {state.kind === 'error' && <p className="banner banner-error" role="alert">{state.message}</p>}
      {state.kind === 'done' && (
        <div className="ft-compare-grid" data-testid="compare-result">
          {state.result.condition && (
            <figure>
              <img src={state.result.condition} alt="Condition given to both models" />
              <figcaption>Condition</figcaption>
            </figure>
          )}
          <figure>
            <img src={state.result.base} alt={`${baseName}, seed ${state.result.seed}`} />
            <figcaption>Base · {baseName}</figcaption>
          </figure>
          <figure>
            <img src={state.result.tuned} alt={`${outputName}, seed ${state.result.seed}`} />
            <figcaption>Fine-tuned · {outputName}</figcaption>
          </figure>
          <p className="hint small ft-compare-seed">Same seed ({state.result.seed}) for both.</p>
        </div>
      )}
    </section>
  );
}
