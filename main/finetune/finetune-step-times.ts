/**
 * Measured seconds per fine-tune step, keyed `<sha256 of the weights>|<stage>|<batch>|<provider>`, kept in
 * `<userData>/finetune-step-times.json` across restarts (an unreadable or unsaved file only means measuring again).
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../services/atomic-write';

export class StepTimes {
  private times: Map<string, number> | null = null;

  constructor(private readonly userDataDir: string) {}

  private get file(): string {
    return join(this.userDataDir, 'finetune-step-times.json');
  }

  static key(weightsSha256: string, stage: string, batch: number, provider: string): string {
    return `${weightsSha256}|${stage}|${batch}|${provider}`;
  }

  async get(key: string): Promise<number | undefined> {
    return (await this.load()).get(key);
  }

  async set(key: string, seconds: number): Promise<void> {
    const times = await this.load();
    times.set(key, seconds);
    await mkdir(this.userDataDir, { recursive: true })
      .then(() => writeFileAtomic(this.file, JSON.stringify(Object.fromEntries(times), null, 2) + '\n'))
      .catch(() => undefined); // not saved: measured again after a restart
  }

  private async load(): Promise<Map<string, number>> {
    if (!this.times) {
      this.times = new Map();
      try {
        const saved = JSON.parse(await readFile(this.file, 'utf8')) as Record<string, unknown>;
        for (const [k, v] of Object.entries(saved)) if (typeof v === 'number' && v > 0) this.times.set(k, v);
      } catch {
        // none yet, or unreadable: measure again
      }
    }
    return this.times;
  }
}
