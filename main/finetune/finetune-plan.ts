/**
 * The app's side of a fine-tune plan. The plan itself (data mode, crop size, stages) is made once, by
 * native-models/training/finetune-plan.ts, from the base bundle's manifest; this adds the app's condition mode
 * and refuses a stage the bundle does not offer. scan, estimate, start and compare all plan through here.
 */
import { planFinetuneBundle, type FinetunePlan } from '../../native-models/training/finetune-plan';
import { conditionModeOfTrainingData } from '../../native-models/condition-modes';
import type { ConditionMode } from '../../preload/generation-record';
import type { FinetuneStage } from '../../preload/finetune-types';

export interface AppFinetunePlan extends FinetunePlan {
  /** The app's condition mode for the plan's data mode. */
  mode: ConditionMode;
}

/** The plan for `model`; with `stage`, refused unless the bundle offers that stage. */
export async function planForBundle(model: string, stage?: FinetuneStage): Promise<AppFinetunePlan> {
  const plan = await planFinetuneBundle(model);
  if (stage !== undefined && !plan.stages.includes(stage)) {
    throw new Error(`${plan.manifest.name} cannot fine-tune stage '${stage}' (it offers ${plan.stages.join(', ')}).`);
  }
  return { ...plan, mode: conditionModeOfTrainingData(plan.dataMode) };
}
