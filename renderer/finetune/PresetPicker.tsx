// The three presets (quick / balanced / thorough) from finetune.estimate: optimizer steps, time on this
// device and disk use, plus the execution provider the job would use.

import type { FinetuneEstimate, FinetunePresetName } from '../../preload/contract';
import { formatBytes } from '../models/model-format';
import { formatDuration, formatStepTime } from './finetune-format';

const PRESET_LABELS: Record<FinetunePresetName, { title: string; note: string }> = {
  quick: { title: 'Quick', note: 'A first look: a few passes over your pictures.' },
  balanced: { title: 'Balanced', note: 'A good default for a small folder.' },
  thorough: { title: 'Thorough', note: 'Longest; for a folder you care about.' },
};

interface PresetPickerProps {
  estimate: { kind: 'idle' } | { kind: 'busy' } | { kind: 'done'; value: FinetuneEstimate } | { kind: 'error'; message: string };
  preset: FinetunePresetName;
  /** Steps typed in the advanced panel override the preset's. */
  overridden: boolean;
  onPreset(name: FinetunePresetName): void;
}

export function PresetPicker({ estimate, preset, overridden, onPreset }: PresetPickerProps) {
  if (estimate.kind === 'idle') return null;
  if (estimate.kind === 'busy') return <p className="hint ft-estimating" role="status">Timing a few training steps on this device…</p>;
  if (estimate.kind === 'error') return <p className="banner banner-error" role="alert">{estimate.message}</p>;
  const e = estimate.value;
  const perStep = Object.entries(e.stepSeconds).map(([stage, s]) => `${stage} ${formatStepTime(s ?? 0)}`).join(', ');
  return (
    <section className="ft-presets" aria-labelledby="ft-presets-heading">
      <h3 id="ft-presets-heading">Preset</h3>
      <div className="ft-preset-grid" role="radiogroup" aria-labelledby="ft-presets-heading">
        {e.presets.map((p) => {
          const checked = p.name === preset;
          return (
            <label key={p.name} className={checked ? 'ft-preset selected' : 'ft-preset'} data-testid={`preset-${p.name}`}>
              <input type="radio" name="ft-preset" value={p.name} checked={checked} onChange={() => onPreset(p.name)} />
              <span className="ft-preset-title">{PRESET_LABELS[p.name].title}</span>
              <span className="ft-preset-steps">{p.steps.toLocaleString('en-US')} steps</span>
              <span className="ft-preset-row">≈ {formatDuration(p.seconds)} on this device</span>
              <span className="ft-preset-row">{formatBytes(p.diskBytes)} on disk</span>
              <span className="hint small-inline">{PRESET_LABELS[p.name].note}</span>
            </label>
          );
        })}
      </div>
      <p className="hint small">
        Runs on <strong data-testid="estimate-provider">{e.provider}</strong> (Settings → Device) · {perStep} per step
        {overridden && ' · the steps you entered under Advanced replace the preset’s'}
      </p>
    </section>
  );
}
