/**
 * Progress events of one running fine-tune job, throttled. Every trainer step arrives here as a message; at most
 * one event per `intervalMs` goes out, except that the first step of a stage and a stage's last step always go
 * out at once, and a held-back step is emitted when the interval ends (so the newest step always arrives within
 * the interval). Sample previews arrive as their own messages (the trainer reports each preview it wrote, after
 * that step's progress): each goes out at once, on an event of the newest step, after any held-back one.
 */
import type { TrainProgress } from '../../native-models/training/progress';
import type { FinetuneProgressEvent, FinetuneStageName } from '../../preload/finetune-types';
import { pngDataUrl } from './finetune-store';

interface StageStep {
  stage: FinetuneStageName;
  p: TrainProgress;
}

export class JobProgress {
  /** The step the trainer reached (shown by runs/run while the job runs). */
  live: { stage: FinetuneStageName; step: number } | null = null;
  private last: StageStep | null = null;
  private lastEmit = 0;
  private pending: FinetuneProgressEvent | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly job: { runId: string; stages: readonly FinetuneStageName[] },
    private readonly intervalMs: number,
    private readonly emit: (e: FinetuneProgressEvent) => void,
  ) {}

  onStep(stage: FinetuneStageName, p: TrainProgress): void {
    const previous = this.last;
    const firstOfStage = !previous || previous.stage !== stage;
    if (firstOfStage && this.pending) this.send(this.pending); // the previous stage's last held-back step first
    this.last = { stage, p };
    this.live = { stage, step: p.step };
    const e = this.event(stage, p, null);
    const now = performance.now();
    if (firstOfStage || p.step >= p.totalSteps || now - this.lastEmit >= this.intervalMs) {
      this.send(e);
      return;
    }
    this.pending = e;
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        if (this.pending) this.send(this.pending);
      }, Math.max(1, this.intervalMs - (now - this.lastEmit)));
    }
  }

  /** The trainer wrote the preview of `step` at `path` (a PNG): sent at once, on an event of the newest step. */
  async onSample(stage: FinetuneStageName, step: number, path: string): Promise<void> {
    const dataUrl = await pngDataUrl(path);
    if (!dataUrl) return;
    if (this.pending) this.send(this.pending);
    const p = this.last && this.last.stage === stage ? this.last.p : null;
    if (!p) return; // a preview before any step of its stage: nothing to hang it on
    this.send(this.event(stage, p, { stage, step, dataUrl }));
  }

  /** The job ended: a held-back step goes out, the timer stops. */
  finish(): void {
    if (this.pending) this.send(this.pending);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private send(e: FinetuneProgressEvent): void {
    this.pending = null;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.lastEmit = performance.now();
    this.emit(e);
  }

  private event(stage: FinetuneStageName, p: TrainProgress, sample: FinetuneProgressEvent['sample']): FinetuneProgressEvent {
    return {
      runId: this.job.runId, stage, stageIndex: this.job.stages.indexOf(stage) + 1, stageCount: this.job.stages.length, step: p.step,
      totalSteps: p.totalSteps, losses: p.losses, lr: p.lr, imagesPerSec: p.imagesPerSec, etaSec: p.etaSec, elapsedSec: p.elapsedSec, sample,
    };
  }
}
