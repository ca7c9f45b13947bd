// Keyboard shortcuts as a table (Excalidraw-style keyTest), not a switch inside a component. The tools' letters
// are in the tool table (renderer/editor/tools/tool-table.ts).

import { toolForKey, type ToolId } from '../editor/tools/tool-table';

export type StudioAction =
  | { kind: 'tool'; tool: ToolId }
  | { kind: 'undo' } | { kind: 'redo' }
  | { kind: 'generate' } | { kind: 'cancel' } | { kind: 'commit' }
  | { kind: 'size'; delta: number }
  | { kind: 'fit' };

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

/** The action for a key press, or null. `tools` = the tools the current mode offers. */
export function actionForKey(e: KeyLike, tools: readonly string[]): StudioAction | null {
  const mod = e.ctrlKey || e.metaKey;
  const key = e.key.toLowerCase();
  if (mod && key === 'z') return e.shiftKey ? { kind: 'redo' } : { kind: 'undo' };
  if (mod && key === 'y') return { kind: 'redo' };
  if (mod && e.key === 'Enter') return { kind: 'generate' };
  if (mod && key === '0') return { kind: 'fit' };
  if (mod || e.altKey) return null;
  if (e.key === 'Escape') return { kind: 'cancel' };
  if (e.key === 'Enter') return { kind: 'commit' };
  if (e.key === '[') return { kind: 'size', delta: -1 };
  if (e.key === ']') return { kind: 'size', delta: 1 };
  const tool = key.length === 1 ? toolForKey(key) : null;
  return tool && tools.includes(tool) ? { kind: 'tool', tool } : null;
}

/** `[` / `]` steps: finer for small brushes, coarser for big ones. */
export function stepBrushSize(size: number, direction: number, min = 1, max = 128): number {
  const step = size < 10 ? 1 : size < 32 ? 2 : size < 64 ? 4 : 8;
  return Math.min(max, Math.max(min, size + direction * step));
}
