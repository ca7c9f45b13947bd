// Live loss curves of one stage in plain SVG: one line per loss name, a step axis from 0 to the planned
// steps, an optional log scale, and the VQGAN discriminator start as a dashed vertical line.

import { useEffect, useRef, useState } from 'react';
import type { RefObject } from 'react';
import type { FinetuneMetricPoint, FinetuneStageName } from '../../preload/contract';
import type { ChartBox } from './finetune-format';
import { chartScale, formatLoss, formatTick, logTicks, lossSeries, niceTicks, seriesPath, smoothSeries, xOf, yOf } from './finetune-format';

const HEIGHT = 220;

/** The element's content width in CSS pixels, following resizes (so the SVG is drawn 1:1 and text is never stretched). */
function useWidth<T extends HTMLElement>(fallback: number): [RefObject<T | null>, number] {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setWidth(Math.max(240, Math.floor(el.clientWidth)));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

interface LossChartProps {
  metrics: readonly FinetuneMetricPoint[];
  stage: FinetuneStageName;
  totalSteps: number;
  /** Step where the discriminator loss starts counting (VQGAN stage), else null. */
  discStart: number | null;
  log: boolean;
  /** Draw a moving average over the faint raw line. */
  smooth: boolean;
}

const SMOOTHING = 0.6;

export function LossChart({ metrics, stage, totalSteps, discStart, log, smooth }: LossChartProps) {
  const [svgBox, width] = useWidth<HTMLDivElement>(560);
  const BOX: ChartBox = { width, height: HEIGHT, left: 52, right: 14, top: 12, bottom: 28 };
  const series = lossSeries(metrics, stage);
  const scale = chartScale(series, log, 0, Math.max(totalSteps, 1));
  const label = series.length === 0
    ? `No losses logged yet for the ${stage} stage`
    : `Loss curves of the ${stage} stage: ${series.map((s) => `${s.name} ${formatLoss(s.points.at(-1)?.value)} at step ${s.points.at(-1)?.step ?? 0}`).join(', ')}`;
  if (!scale) {
    return (
      <figure className="ft-chart ft-chart-empty" data-testid="loss-chart" data-stage={stage}>
        <figcaption className="ft-chart-title">{stage === 'vqgan' ? 'VQGAN' : 'Transformer'} losses</figcaption>
        <div ref={svgBox}><p className="hint">Waiting for the first logged step…</p></div>
      </figure>
    );
  }
  const yTicks = log ? logTicks(scale.y0, scale.y1) : niceTicks(scale.y0, scale.y1, 4);
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
      <div ref={svgBox} className="ft-chart-box">
      <svg viewBox={`0 0 ${BOX.width} ${BOX.height}`} width={BOX.width} height={BOX.height} className="ft-chart-svg" role="img" aria-label={label}>
        {yTicks.map((t) => {
          const y = yOf(t, scale, BOX);
          return (
            <g key={`y${t}`} className="ft-grid">
              <line x1={BOX.left} x2={BOX.width - BOX.right} y1={y} y2={y} />
              <text x={BOX.left - 6} y={y + 4} textAnchor="end">{formatTick(t)}</text>
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
            <title>disc_start: from this step the generator's adversarial (discriminator) term counts</title>
            <text x={xOf(discStart, scale, BOX) + 4} y={BOX.top + 11}>disc start</text>
          </g>
        )}
        {series.map((s, i) => {
          const last = s.points.filter((p) => !log || p.value > 0).at(-1);
          const shown = smooth && s.points.length > 2 ? smoothSeries(s, SMOOTHING) : null;
          return (
            <g key={s.name} className={`ft-series ft-series-${i % 6}`}>
              {shown && <path className="ft-raw" d={seriesPath(s, scale, BOX)} />}
              <path d={seriesPath(shown ?? s, scale, BOX)} data-loss={s.name} data-points={s.points.length} />
              {last && <circle cx={xOf(last.step, scale, BOX)} cy={yOf(last.value, scale, BOX)} r={3} />}
            </g>
          );
        })}
      </svg>
      </div>
    </figure>
  );
}
