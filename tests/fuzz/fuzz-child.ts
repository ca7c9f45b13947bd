// One fuzz worker process: `node --import tsx tests/fuzz/fuzz-child.ts <group> <seed> <first-case> <dir>`.
// Builds the group's cases, runs them one after another from <first-case>, and reports each over IPC:
// {type:'start', index} before, {type:'done', index, outcome, message, rssMb} after. The parent
// kills it when a case overruns its time (a hang) and starts a new worker at the next case; a worker
// that dies mid-case is a crash.
import { classifyError } from './harness';
import type { FuzzGroup, Outcome } from './harness';

export interface ChildReport {
  type: 'cases' | 'start' | 'done';
  index?: number;
  total?: number;
  kind?: string;
  name?: string;
  outcome?: Outcome;
  message?: string;
  rssMb?: number;
}

const [group, seedText, firstText, dir] = process.argv.slice(2);
const send = (r: ChildReport): Promise<void> => new Promise((resolve) => process.send!(r, () => resolve()));

async function loadGroup(name: string): Promise<FuzzGroup> {
  switch (name) {
    case 'formats': return (await import('./groups/formats')).formatsGroup;
    case 'images': return (await import('./groups/images')).imagesGroup;
    case 'folders': return (await import('./groups/folders')).foldersGroup;
    case 'api': return (await import('./groups/api')).apiGroup;
    default: throw new Error(`unknown fuzz group ${name}`);
  }
}

async function main(): Promise<void> {
  const fuzz = await loadGroup(group!);
  const cases = await fuzz.cases(dir!, Number(seedText));
  await send({ type: 'cases', total: cases.length });
  for (let index = Number(firstText); index < cases.length; index++) {
    const c = cases[index]!;
    await send({ type: 'start', index, kind: c.kind, name: c.name });
    let outcome: Outcome;
    let message: string;
    try {
      const refusal = await c.run();
      outcome = refusal === undefined ? 'accepted' : 'clean';
      message = refusal ?? 'the bad input was accepted';
    } catch (err) {
      ({ outcome, message } = classifyError(err));
    }
    const rssMb = process.resourceUsage().maxRSS / 1024;
    await send({ type: 'done', index, kind: c.kind, name: c.name, outcome, message: message.slice(0, 400), rssMb });
  }
  await fuzz.close?.();
  process.disconnect();
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(3);
});
