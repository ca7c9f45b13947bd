import { describe, expect, it } from 'vitest';
import { History } from '../../../renderer/editor/history';
import type { Command } from '../../../renderer/editor/history';

function counterCommand(state: { n: number }, delta: number, mergeKey?: string): Command & { delta: number } {
  const cmd = {
    label: `add ${delta}`,
    delta,
    mergeKey,
    apply: () => { state.n += cmd.delta; },
    revert: () => { state.n -= cmd.delta; },
    merge: (next: Command) => {
      cmd.delta += (next as typeof cmd).delta;
      return true;
    },
  };
  return cmd;
}

describe('History', () => {
  it('undoes and redoes in order, and a new command clears redo', () => {
    const s = { n: 0 };
    const h = new History();
    h.execute(counterCommand(s, 1));
    h.execute(counterCommand(s, 10));
    expect(s.n).toBe(11);
    expect(h.undo()).toBe(true);
    expect(s.n).toBe(1);
    expect(h.state()).toMatchObject({ canUndo: true, canRedo: true, undoLabel: 'add 1', redoLabel: 'add 10' });
    expect(h.redo()).toBe(true);
    expect(s.n).toBe(11);
    h.undo();
    h.execute(counterCommand(s, 100));
    expect(h.state().canRedo).toBe(false);
    expect(s.n).toBe(101);
    h.undo();
    h.undo();
    expect(s.n).toBe(0);
    expect(h.undo()).toBe(false);
  });

  it('is capped at 100 entries, dropping the oldest', () => {
    const s = { n: 0 };
    const h = new History();
    for (let i = 0; i < 150; i++) h.execute(counterCommand(s, 1));
    expect(h.state().size).toBe(100);
    while (h.undo());
    expect(s.n).toBe(50); // the first 50 can no longer be undone
  });

  it('merges consecutive commands with the same key until sealed', () => {
    const s = { n: 0 };
    const h = new History();
    for (let i = 0; i < 5; i++) h.execute(counterCommand(s, 2, 'drag joint 3'));
    h.sealMerge();
    h.execute(counterCommand(s, 2, 'drag joint 3'));
    expect(h.state().size).toBe(2);
    h.undo();
    expect(s.n).toBe(10);
    h.undo();
    expect(s.n).toBe(0);
  });

  it('notifies subscribers', () => {
    const h = new History(3);
    const sizes: number[] = [];
    h.subscribe((st) => sizes.push(st.size));
    const s = { n: 0 };
    h.execute(counterCommand(s, 1));
    h.undo();
    h.clear();
    expect(sizes).toEqual([1, 0, 0]);
    expect(() => new History(0)).toThrow(/positive integer/);
  });
});
