/**
 * Data order: a fresh seeded permutation of the dataset every epoch, consumed in batches. Its state (seed,
 * epoch, position) goes into each checkpoint, so a resumed run sees exactly the batches the uninterrupted run
 * would have seen. Epoch e's permutation is a Fisher–Yates shuffle drawn from TrainRng(mix(seed, e)); it does
 * not depend on anything that happened before, so restoring needs no replay.
 */
import { TrainRng } from '../rng';

export interface DataOrderState {
  seed: number;
  /** Number of items being ordered (a resume checks it is unchanged). */
  size: number;
  epoch: number;
  /** Index into the epoch's permutation of the next item to hand out. */
  position: number;
}

function epochSeed(seed: number, epoch: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(Math.floor(seed / 4294967296) >>> 0, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 15) ^ Math.imul(epoch >>> 0, 0x27d4eb2f), 0x165667b1);
  return (h ^ (h >>> 13)) >>> 0;
}

/** The permutation used in `epoch` for `size` items. */
export function epochPermutation(size: number, seed: number, epoch: number): number[] {
  return new TrainRng(epochSeed(seed, epoch)).shuffle(Array.from({ length: size }, (_, i) => i));
}

export class DataOrder {
  private perm: number[];
  private constructor(private st: DataOrderState) {
    this.perm = epochPermutation(st.size, st.seed, st.epoch);
  }

  static create(size: number, seed: number): DataOrder {
    if (!Number.isInteger(size) || size <= 0) throw new Error(`DataOrder: the dataset is empty (size ${size}); add usable images.`);
    if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`DataOrder: seed ${seed} must be a non-negative integer.`);
    return new DataOrder({ seed, size, epoch: 0, position: 0 });
  }

  /** Restore from a checkpoint. `size` is the current dataset size; it must match the saved one. */
  static fromState(state: DataOrderState, size: number): DataOrder {
    if (state.size !== size) {
      throw new Error(`DataOrder: the run was started on ${state.size} images but ${size} are usable now; resume needs the same image set.`);
    }
    if (state.position < 0 || state.position > state.size) throw new Error(`DataOrder: position ${state.position} out of range.`);
    return new DataOrder({ ...state });
  }

  state(): DataOrderState {
    return { ...this.st };
  }

  /** The next `count` item indices, moving into the next epoch (new permutation) when one ends. */
  next(count: number): number[] {
    const out: number[] = [];
    while (out.length < count) {
      if (this.st.position >= this.st.size) {
        this.st.epoch += 1;
        this.st.position = 0;
        this.perm = epochPermutation(this.st.size, this.st.seed, this.st.epoch);
      }
      out.push(this.perm[this.st.position++]!);
    }
    return out;
  }
}
