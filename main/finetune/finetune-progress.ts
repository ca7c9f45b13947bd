/**
 * Progress events of one running fine-tune job, throttled: every trainer step arrives here; at most one event per
 * `intervalMs` goes out, except that the first step of a stage, a stage's last step and events carrying a new
 * preview always go out at once, and a held-back step is emitted when the interval ends (so the newest step
 * always arrives within the interval). Previews are written by the trainer after the step's progress callback,
 * so a preview of step k rides on the first event after it was written (usually step k + 1; the last one on an
 * extra event for the stage's last step, sent by `finish`).
 */
import type { TrainProgress } from '../../native-models/training/progress';
import type { FinetuneProgressEvent, FinetuneStageName } from '../../preload/finetune-types';
import { pngDataUrl, sampleFiles, stageRuns } from './finetune-store';

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
  /** Newest preview step already sent, per stage. */
  private readonly sentSample = new Map<FinetuneStageName, number>();
  private readonly runDirs = new Map<FinetuneStageName, string>();

  constructor(
    private readonly job: { runId: string; dir: string; stages: readonly FinetuneStageName[] },
    private readonly intervalMs: number,
    private readonly emit: (e: FinetuneProgressEvent) => void,
  ) {}

  /** Previews already on disk (a resumed job) are not news. */
  async skipExistingSamples(): Promise<void> {
    for (const run of await stageRuns(this.job.dir)) {
      const files = await sampleFiles(run.dir);
      const newest = files.at(-1);
      if (newest) this.sentSample.set(run.config.stage as FinetuneStageName, newest.step);
    }
  }

  async onStep(stage: FinetuneStageName, p: TrainProgress): Promise<void> {
    const previous = this.last;
    // The previous stage's last preview (written after its last step) goes out before this stage's steps.
    if (previous && previous.stage !== stage) await this.flushSample(previous);
    const firstOfStage = !previous || previous.stage !== stage;
    this.last = { stage, p };
    this.live = { stage, step: p.step };
    const sample = await this.newSample(stage, p.step);
    const e = this.event(stage, p, sample);
    const now = performance.now();
    if (firstOfStage || sample || p.step >= p.totalSteps || now - this.lastEmit >= this.intervalMs) {
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

  /**
   * The job ended: a held-back step goes out; `withLastSample` (a finished or stopped job) also sends a preview
   * written after the last event — after a crash it may be half written, so then it is not sent.
   */
  async finish(withLastSample: boolean): Promise<void> {
    if (withLastSample && this.last) await this.flushSample(this.last).catch(() => undefined);
    else if (this.pending) this.send(this.pending);
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

  /** A preview written after the last progress event goes out on a repeat of that event. */
  private async flushSample(last: StageStep): Promise<void> {
    const sample = await this.newSample(last.stage);
    if (this.pending) this.send(this.pending);
    if (sample) this.send(this.event(last.stage, last.p, sample));
  }

  private async runDirFor(stage: FinetuneStageName): Promise<string | null> {
    const known = this.runDirs.get(stage);
    if (known) return known;
    const run = (await stageRuns(this.job.dir)).filter((r) => r.config.stage === stage).at(-1);
    if (run) this.runDirs.set(stage, run.dir);
    return run?.dir ?? null;
  }

  /**
   * The newest preview of `stage` not sent yet. `before`: only previews of earlier steps — the trainer writes
   * step k's preview after posting step k, so while step `before` is handled a newer file may still be written.
   */
  private async newSample(stage: FinetuneStageName, before = Infinity): Promise<FinetuneProgressEvent['sample']> {
    const runDir = await this.runDirFor(stage);
    if (!runDir) return null;
    const files = (await sampleFiles(runDir)).filter((f) => f.step < before);
    const newest = files.at(-1);
    if (!newest || newest.step <= (this.sentSample.get(stage) ?? -1)) return null;
    const first = files.find((f) => f.step === newest.step) ?? newest;
    const dataUrl = await pngDataUrl(first.path);
    this.sentSample.set(stage, newest.step);
    return dataUrl ? { stage, step: newest.step, dataUrl } : null;
  }
}
