// The latest sample previews of a job (fixed seed, every N steps): one strip per stage, newest first, each
// preview with its step, so the progression across steps is visible at a glance. VQGAN previews are
// input | reconstruction; transformer previews are samples of fixed seeds.

import type { FinetuneSample, FinetuneStageName } from '../../preload/contract';

const STAGE_TITLES: Record<FinetuneStageName, string> = { vqgan: 'VQGAN: input | reconstruction', transformer: 'Transformer: samples' };

/** The first preview of each step of `stage`, newest first (a step may write several files). */
function strip(samples: readonly FinetuneSample[], stage: FinetuneStageName, limit: number): FinetuneSample[] {
  const seen = new Set<number>();
  const out: FinetuneSample[] = [];
  for (const s of samples) {
    if (s.stage !== stage || seen.has(s.step)) continue;
    seen.add(s.step);
    out.push(s);
  }
  return out.sort((a, b) => b.step - a.step).slice(0, limit);
}

export function SamplePreviews({ samples, limit = 8 }: { samples: readonly FinetuneSample[]; limit?: number }) {
  const stages = (['transformer', 'vqgan'] as const).filter((st) => samples.some((s) => s.stage === st));
  return (
    <section className="ft-samples" aria-labelledby="ft-samples-heading">
      <h3 id="ft-samples-heading">Samples <span className="hint small-inline">fixed seed</span></h3>
      {stages.length === 0 && <p className="hint">The first preview appears after the first checkpoint interval.</p>}
      {stages.map((stage) => (
        <div key={stage} className="ft-sample-stage">
          {stages.length > 1 && <h4 className="ft-subheading">{STAGE_TITLES[stage]}</h4>}
          <ol className="ft-sample-strip" aria-label={STAGE_TITLES[stage]}>
            {strip(samples, stage, limit).map((s) => (
              <li key={s.step} className="ft-sample" data-testid="sample-preview">
                <img src={s.dataUrl} alt={`${s.stage} sample at step ${s.step}`} />
                <span className="ft-sample-caption">step {s.step}</span>
              </li>
            ))}
          </ol>
        </div>
      ))}
    </section>
  );
}
