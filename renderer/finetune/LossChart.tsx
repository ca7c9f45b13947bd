// Live loss curves of one stage in plain SVG: one line per loss name, a step axis from 0 to the planned
// steps, an optional log scale, and the VQGAN discriminator start as a dashed vertical line.

import type { FinetuneMetricPoint, FinetuneStageName } from '../../preload/contract';
import type { ChartBox } from './finetune-format';
import { chartScale, formatLoss, lossSeries, niceTicks, seriesPath, xOf, yOf } from './finetune-format';

const BOX: ChartBox = { width: 560, height: 220, left: 52, right: 14, top: 12, bottom: 28 };

interface LossChartProps {
  metrics: readonly FinetuneMetricPoint[];
  stage: FinetuneStageName;
  totalSteps: number;
  /** Step where the discriminator loss starts counting (VQGAN stage), else null. */
  discStart: number | null;
  log: boolean;
}

export function LossChart({ metrics, stage, totalSteps, discStart, log }: LossChartProps) {
  const series = lossSeries(metrics, stage);
  const scale = chartScale(series, log, 0, Math.max(totalSteps, 1));
  const label = series.length === 0
    ? `No losses logged yet for the ${stage} stage`
    : `Loss curves of the ${stage} stage: ${series.map((s) => `${s.name} ${formatLoss(s.points.at(-1)?.value)} at step ${s.points.at(-1)?.step ?? 0}`).join(', ')}`;
  if (!scale) {
    return (
      <figure className="ft-chart ft-chart-empty" data-testid="loss-chart" data-stage={stage}>
        <figcaption className="ft-chart-title">{stage === 'vqgan' ? 'VQGAN' : 'Transformer'} losses</figcaption>
        <p className="hint">Waiting for the first logged step…</p>
      </figure>
    );
  }
  const yTicks = log
    ? niceTicks(Math.floor(scale.y0), Math.ceil(scale.y1), Math.max(1, Math.ceil(scale.y1) - Math.floor(scale.y0))).filter((t) => t >= scale.y0 && t <= scale.y1).map((t) => 10 ** t)
    : niceTicks(scale.y0, scale.y1, 4);
  const xTicks = niceTicks(scale.x0, scale.x1, 5);
  const innerBottom = BOX.height - BOX.bottom;
  const showDisc = stage === 'vqgan' && discStart !== null && discStart >= scale.x0 && discStart <= scale.x1;
  return (
    <figure className="ft-chart" data-testid="loss-chart" data-stage={stage}>
      <figcaption className="ft-chart-title">
        {stage === 'vqgan' ? 'VQGAN' : 'Transformer'} losses
        <span className="ft-legend">
          {series.map((s, i) => (
            <span key={s.name} className={`ft-legend-item ft-series-${i % 6}`}>
              <i aria-hidden="true" />{s.name} {formatLoss(s.points.at(-1)?.value)}
            </span>
          ))}
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${BOX.width} ${BOX.height}`} className="ft-chart-svg" role="img" aria-label={label} preserveAspectRatio="none">
        {yTicks.map((t) => {
          const y = yOf(t, scale, BOX);
          return (
            <g key={`y${t}`} className="ft-grid">
              <line x1={BOX.left} x2={BOX.width - BOX.right} y1={y} y2={y} />
              <text x={BOX.left - 6} y={y + 4} textAnchor="end">{formatLoss(t)}</text>
            </g>
          );
        })}
        {xTicks.map((t) => {
          const x = xOf(t, scale, BOX);
          return (
            <g key={`x${t}`} className="ft-grid">
              <line x1={x} x2={x} y1={BOX.top} y2={innerBottom} />
              <text x={x} y={BOX.height - 8} textAnchor="middle">{t}</text>
            </g>
          );
        })}
        {showDisc && (
          <g className="ft-disc" data-testid="disc-start">
            <line x1={xOf(discStart, scale, BOX)} x2={xOf(discStart, scale, BOX)} y1={BOX.top} y2={innerBottom} />
            <text x={xOf(discStart, scale, BOX) + 4} y={BOX.top + 11}>discriminator starts</text>
          </g>
        )}
        {series.map((s, i) => {
          const last = s.points.filter((p) => !log || p.value > 0).at(-1);
          return (
            <g key={s.name} className={`ft-series ft-series-${i % 6}`}>
              <path d={seriesPath(s, scale, BOX)} data-loss={s.name} data-points={s.points.length} />
              {last && <circle cx={xOf(last.step, scale, BOX)} cy={yOf(last.value, scale, BOX)} r={3} />}
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
