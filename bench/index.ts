// `npm run bench -- <name> [args…]`: dispatches to one benchmark. Benchmarks print numbers and ratios
// against the PyTorch reference; they never fail because a machine is slow (ARCHITECTURE.md, Tests, CI, benchmarks).
import { runEngineBench } from './engine';
import { runSamplingBench } from './sampling';
import { runModelsBench } from './models';
import { runTokenStepBench } from './token-step';
import { runTrainingBench } from './training';

const benches: Record<string, { describe: string; run: (args: string[]) => Promise<void> }> = {
  engine: {
    describe: 'VQGAN res-block and GPT block train step + forward vs PyTorch, at 1 and 2 threads',
    run: runEngineBench,
  },
  models: {
    describe: 'taming f16 VQGAN encode+decode at 256² and a scaled-down GPT forward vs PyTorch, same weights',
    run: runModelsBench,
  },
  sampling: {
    describe: 'KV-cache loop and sliding window vs PyTorch sample_with_past / sample() / window loop (same weights)',
    run: runSamplingBench,
  },
  'token-step': {
    describe: 'taming-size GPT (24 × 1024): KV-cache token step vs PyTorch and vs the memory-bandwidth bound; 256² and window images',
    run: runTokenStepBench,
  },
  training: {
    describe: 'steps/s of a small VQGAN + PatchGAN iteration and a small GPT step vs PyTorch (same configs)',
    run: runTrainingBench,
  },
};

async function main(): Promise<void> {
  const [name, ...rest] = process.argv.slice(2);
  const bench = name === undefined ? undefined : benches[name];
  if (!bench) {
    const list = Object.entries(benches).map(([k, b]) => `  ${k.padEnd(10)} ${b.describe}`).join('\n');
    console.error(`${name === undefined ? 'no benchmark named' : `unknown benchmark "${name}"`}; usage: npm run bench -- <name>\n${list}`);
    process.exitCode = 2;
    return;
  }
  await bench.run(rest);
}

await main();
