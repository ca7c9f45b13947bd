import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { parseOpenPose } from '../../native-models/training/data/pose';
import { EXAMPLE_POSE, EXAMPLE_SIZE, exampleLayoutModule, exampleScene, runLengthLabels } from '../../recipes/make-examples';
import { LANDSCAPE_CLASSES } from '../../recipes/landscapes';

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));

describe('committed examples', () => {
  it('the layout PNG is the example scene\'s label map in palette colours', async () => {
    const { data, info } = await sharp(join(EXAMPLES, 'landscape-layout.png')).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([EXAMPLE_SIZE, EXAMPLE_SIZE, 3]);
    const s = exampleScene();
    let mismatches = 0;
    for (let i = 0; i < s.labels.length; i++) {
      const c = LANDSCAPE_CLASSES[s.labels[i]!]!.color;
      if (data[i * 3] !== c[0] || data[i * 3 + 1] !== c[1] || data[i * 3 + 2] !== c[2]) mismatches++;
    }
    expect(mismatches).toBe(0);
    expect(new Set(s.labels).size).toBeGreaterThanOrEqual(4);
  });

  it('the edge map is binary with some edges, the pose is valid COCO-18 OpenPose JSON', async () => {
    const { data, info } = await sharp(join(EXAMPLES, 'landscape-edges.png')).greyscale().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([EXAMPLE_SIZE, EXAMPLE_SIZE]);
    const on = data.filter((v) => v === 255).length;
    expect(data.every((v) => v === 0 || v === 255)).toBe(true);
    expect(on).toBeGreaterThan(200);
    expect(on).toBeLessThan(0.2 * data.length);
    const pose = parseOpenPose(JSON.parse(await readFile(join(EXAMPLES, 'figure-pose.json'), 'utf8')));
    expect(pose.people).toHaveLength(1);
    expect(pose.canvas).toEqual({ width: EXAMPLE_SIZE, height: EXAMPLE_SIZE });
    expect(Array.from(pose.people[0]!.filter((_, i) => i % 3 === 0))).toEqual(EXAMPLE_POSE.map((p) => p[0]));
  });

  it('the studio\'s embedded first-launch layout is the generated one (rerun make-examples.ts after changing the scene)', async () => {
    const committed = await readFile(fileURLToPath(new URL('../../renderer/studio/example-layout.ts', import.meta.url)), 'utf8');
    expect(committed).toBe(exampleLayoutModule());
    expect(runLengthLabels([3, 3, 0, 7, 7, 7])).toBe('3*2 0*1 7*3');
  });
});
