// The latest sample previews of a job (fixed seed, every N steps) as a strip, newest first, each with its
// stage and step.

import type { FinetuneSample } from '../../preload/contract';

export function SamplePreviews({ samples, limit = 8 }: { samples: readonly FinetuneSample[]; limit?: number }) {
  const shown = [...samples].sort((a, b) => (a.stage === b.stage ? b.step - a.step : a.stage === 'transformer' ? -1 : 1)).slice(0, limit);
  return (
    <section className="ft-samples" aria-labelledby="ft-samples-heading">
      <h3 id="ft-samples-heading">Samples <span className="hint small-inline">fixed seed</span></h3>
      {shown.length === 0 ? (
        <p className="hint">The first preview appears after the first checkpoint interval.</p>
      ) : (
        <ol className="ft-sample-strip">
          {shown.map((s, i) => (
            <li key={`${s.stage}-${s.step}-${i}`} className="ft-sample" data-testid="sample-preview">
              <img src={s.dataUrl} alt={`${s.stage} sample at step ${s.step}`} />
              <span className="ft-sample-caption">{s.stage === 'vqgan' ? 'VQGAN' : 'GPT'} · step {s.step}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
