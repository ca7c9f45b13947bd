// Adopting a trained VQGAN stage into a starter recipe's stage book (issue 14, --cond-from / edges' first stage):
// the weights come back unchanged from a bundle, the stage is recorded finished and reads back as such after
// reopening the book, and a stage of another architecture is refused with a message naming both.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adoptVqganStage, StageBook, vqganStageFrom, type StageState } from '../../recipes/starter-stages';
import { TINY_FIRST_STAGE, writeTinyBaseBundle } from '../native-models/training/fixtures/tiny-bundle';

type State = Partial<Record<'vqgan', StageState>>;
let root: string;
let bundle: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tessera-stages-'));
  bundle = await writeTinyBaseBundle(root);
});
afterAll(async () => { await rm(root, { recursive: true, force: true }); });

describe('adoptVqganStage', () => {
  it('records a bundle\'s first stage as a finished stage with the same weights', async () => {
    const quiet = (): void => {};
    const book = await StageBook.open<State>(join(root, 'work'), quiet);
    const from = await vqganStageFrom(bundle, 'first');
    const adopted = await adoptVqganStage(book, 'vqgan', 'tiny', bundle, 'first', TINY_FIRST_STAGE);
    expect(Object.keys(adopted).sort()).toEqual(Object.keys(from.weights).sort());
    expect(Array.from(adopted['encoder.conv_in.weight']!)).toEqual(Array.from(from.weights['encoder.conv_in.weight']!));
    const reopened = await StageBook.open<State>(join(root, 'work'), quiet);
    expect(reopened.stage('vqgan')?.done).toBe(true);
    const again = await reopened.finishedWeights('vqgan');
    expect(Array.from(again!['decoder.conv_out.weight']!)).toEqual(Array.from(from.weights['decoder.conv_out.weight']!));
  });

  it('refuses a stage whose architecture differs from the recipe\'s, naming both', async () => {
    const book = await StageBook.open<State>(join(root, 'other'), () => {});
    await expect(adoptVqganStage(book, 'vqgan', 'tiny', bundle, 'first', { ...TINY_FIRST_STAGE, n_embed: 64 })).rejects.toThrow(/"n_embed":32.*the recipe needs.*"n_embed":64/);
    await expect(vqganStageFrom(bundle, 'cond')).rejects.toThrow(/no VQGAN condition stage/);
  });
});
