// Undo/redo for the editor: a capped stack of commands (InvokeAI settled on 100 after uncapped
// history stuttered). Generic: a command knows how to apply and revert itself; the history only
// orders them. Consecutive commands with the same `mergeKey` (e.g. one joint drag sending many
// moves) can merge into one entry.

export interface Command {
  /** Shown in menus: "Undo Brush", "Redo Move joint". */
  label: string;
  apply(): void;
  revert(): void;
  /** Commands with equal keys, pushed back to back, may merge via `merge`. */
  mergeKey?: string;
  /** Absorb `next` (already applied) into this command; return false to refuse. */
  merge?(next: Command): boolean;
}

export interface HistoryState {
  canUndo: boolean;
  canRedo: boolean;
  undoLabel: string | null;
  redoLabel: string | null;
  size: number;
}

export const DEFAULT_HISTORY_LIMIT = 100;

export class History {
  private done: Command[] = [];
  private undone: Command[] = [];
  private readonly listeners = new Set<(state: HistoryState) => void>();
  private mergeOpen = true;

  constructor(readonly limit = DEFAULT_HISTORY_LIMIT) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`History limit must be a positive integer, got ${limit}.`);
  }

  /** Apply `command` and record it. */
  execute(command: Command): void {
    command.apply();
    this.record(command);
  }

  /** Record a command whose effect has already happened (e.g. a stroke painted live). */
  record(command: Command): void {
    this.undone = [];
    const top = this.done[this.done.length - 1];
    if (this.mergeOpen && top && command.mergeKey !== undefined && top.mergeKey === command.mergeKey && top.merge?.(command)) {
      this.emit();
      return;
    }
    this.mergeOpen = true;
    this.done.push(command);
    if (this.done.length > this.limit) this.done.splice(0, this.done.length - this.limit);
    this.emit();
  }

  /** Stop the next command from merging into the current top (e.g. on pointer up). */
  sealMerge(): void {
    this.mergeOpen = false;
  }

  undo(): boolean {
    const command = this.done.pop();
    if (!command) return false;
    command.revert();
    this.undone.push(command);
    this.mergeOpen = false;
    this.emit();
    return true;
  }

  redo(): boolean {
    const command = this.undone.pop();
    if (!command) return false;
    command.apply();
    this.done.push(command);
    this.mergeOpen = false;
    this.emit();
    return true;
  }

  clear(): void {
    this.done = [];
    this.undone = [];
    this.emit();
  }

  state(): HistoryState {
    return {
      canUndo: this.done.length > 0,
      canRedo: this.undone.length > 0,
      undoLabel: this.done[this.done.length - 1]?.label ?? null,
      redoLabel: this.undone[this.undone.length - 1]?.label ?? null,
      size: this.done.length,
    };
  }

  subscribe(listener: (state: HistoryState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    const s = this.state();
    for (const l of this.listeners) l(s);
  }
}

/**
 * A command that swaps whole immutable snapshots (pose people, settings): cheap for small state.
 * Merging keeps the first `before` and the latest `after`, so a drag is one undo step.
 */
export function snapshotCommand<T>(label: string, store: { get(): T; set(value: T): void }, next: T, mergeKey?: string): Command {
  const before = store.get();
  let after = next;
  const cmd: Command = {
    label,
    mergeKey,
    apply: () => store.set(after),
    revert: () => store.set(before),
    merge: (other) => {
      if (!('snapshotAfter' in other)) return false;
      after = (other as Command & { snapshotAfter: () => T }).snapshotAfter();
      return true;
    },
  };
  return Object.assign(cmd, { snapshotAfter: () => after });
}
