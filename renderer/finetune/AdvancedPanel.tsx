// Advanced settings of a fine-tune job: which stage trains, steps, batch, learning rate, checkpoint /
// preview interval and the new model's name. Empty fields keep the shown defaults.

import type { FinetuneEstimate, FinetuneStage } from '../../preload/contract';
import type { AdvancedFields, ParsedAdvanced } from './finetune-format';
import { STAGE_LABELS, formatLr } from './finetune-format';

interface AdvancedPanelProps {
  fields: AdvancedFields;
  parsed: ParsedAdvanced;
  stages: readonly FinetuneStage[];
  defaults: FinetuneEstimate['defaults'] | null;
  presetSteps: number | null;
  defaultName: string;
  disabled: boolean;
  onChange(next: AdvancedFields): void;
}

function Field({ id, label, value, placeholder, error, disabled, onChange, hint }: {
  id: string; label: string; value: string; placeholder: string; error: string | undefined; disabled: boolean; onChange(v: string): void; hint?: string;
}) {
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>{label}</label>
      <input
        id={id}
        type="text"
        value={value}
        placeholder={placeholder}
        disabled={disabled}
        spellCheck={false}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : hint ? `${id}-hint` : undefined}
        onChange={(e) => onChange(e.target.value)}
      />
      {error ? <span id={`${id}-error`} className="ft-field-error">{error}</span> : hint ? <span id={`${id}-hint`} className="hint small-inline">{hint}</span> : null}
    </div>
  );
}

export function AdvancedPanel({ fields, parsed, stages, defaults, presetSteps, defaultName, disabled, onChange }: AdvancedPanelProps) {
  const set = (patch: Partial<AdvancedFields>) => onChange({ ...fields, ...patch });
  return (
    <details className="ft-advanced">
      <summary>Advanced</summary>
      <div className="ft-advanced-grid">
        <div className="field">
          <label className="field-label" htmlFor="ft-stage">Stage</label>
          <select id="ft-stage" value={fields.stage} disabled={disabled} onChange={(e) => set({ stage: e.target.value as FinetuneStage })}>
            {stages.map((s) => <option key={s} value={s}>{STAGE_LABELS[s]}</option>)}
          </select>
        </div>
        <Field id="ft-steps" label="Steps" value={fields.steps} disabled={disabled} error={parsed.errors.steps}
          placeholder={presetSteps !== null ? String(presetSteps) : 'from the preset'} hint="per stage; empty: the preset's" onChange={(v) => set({ steps: v })} />
        <Field id="ft-batch" label="Batch size" value={fields.batch} disabled={disabled} error={parsed.errors.batch}
          placeholder={defaults ? String(defaults.batch) : '4'} onChange={(v) => set({ batch: v })} />
        <Field id="ft-lr" label="Learning rate" value={fields.lr} disabled={disabled} error={parsed.errors.lr}
          placeholder={defaults ? formatLr(defaults.lr) : 'scaled by batch'} onChange={(v) => set({ lr: v })} />
        <Field id="ft-every" label="Save every N steps" value={fields.every} disabled={disabled} error={parsed.errors.every}
          placeholder={defaults ? String(defaults.every) : '50'} hint="checkpoint, metrics and a sample preview" onChange={(v) => set({ every: v })} />
        <Field id="ft-name" label="New model name" value={fields.name} disabled={disabled} error={parsed.errors.name}
          placeholder={defaultName} onChange={(v) => set({ name: v })} />
      </div>
    </details>
  );
}
