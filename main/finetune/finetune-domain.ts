// The `finetune` domain of the API (preload/finetune-types.ts): the fine-tune wizard's scan and estimate,
// jobs run by FinetuneService in the fine-tune worker, and the dashboard's runs, run detail and compare;
// plus the run-time payload schemas of its methods (see main/services/api.ts).

import type { FinetuneApi } from '../../preload/finetune-types';
import { literal, none, number, object, optional, string } from '../services/validate';
import type { FinetuneService } from './finetune-service';
import { MAX_STEPS } from './finetune-service';

const folder = string({ minLength: 1, maxLength: 4096 });
const runId = string({ minLength: 1, maxLength: 128, check: (s) => (/^[\w][\w.-]*$/.test(s) ? null : 'a job id (letters, digits, ".", "_", "-")') });
const stage = literal('transformer', 'vqgan', 'both');
const batch = optional(number({ integer: true, min: 1, max: 1024 }));
const seed = optional(number({ integer: true, min: 0, max: 2 ** 32 - 1 }));

/** Payload schemas of the finetune domain. */
export const finetuneSchemas = {
  scan: object({ model: folder, images: folder, previews: optional(number({ integer: true, min: 0, max: 48 })) }),
  estimate: object({ model: folder, stage, images: number({ integer: true, min: 1, max: 100_000_000 }), batch }),
  start: object({
    model: folder,
    images: folder,
    stage,
    steps: number({ integer: true, min: 1, max: MAX_STEPS }),
    name: optional(string({ minLength: 1, maxLength: 200 })),
    batch,
    lr: optional(number({ min: 1e-9, max: 1 })),
    every: optional(number({ integer: true, min: 1, max: MAX_STEPS })),
    seed,
  }),
  stop: object({ runId }),
  resume: object({ runId }),
  runs: none(),
  run: object({ runId }),
  compare: object({ runId, seed }),
};

export function createFinetuneDomain(service: FinetuneService): FinetuneApi {
  return {
    scan: (req) => service.scan(req),
    estimate: (req) => service.estimate(req),
    start: (req) => service.start(req),
    stop: (params) => service.stop(params),
    resume: (params) => service.resume(params),
    runs: () => service.runs(),
    run: (params) => service.run(params),
    compare: (req) => service.compare(req),
    onDidFinetuneProgress: (listener) => service.onDidFinetuneProgress(listener),
    onDidFinetuneFinish: (listener) => service.onDidFinetuneFinish(listener),
  };
}
