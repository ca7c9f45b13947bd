// The one tool table: each surface's toolbar (in order), the shortcut letters, unique keys.
import { describe, expect, it } from 'vitest';
import { TOOLS, toolForKey, toolsOf, type ToolId } from '../../../renderer/editor/tools/tool-table';

describe('tool table', () => {
  it('gives each surface its toolbar in order', () => {
    expect(toolsOf('semantic')).toEqual(['brush', 'pencil', 'line', 'rect', 'polygon', 'fill', 'eraser', 'eyedropper']);
    expect(toolsOf('edge')).toEqual(['brush', 'eraser']);
    expect(toolsOf('pose')).toEqual(['select']);
    expect(toolsOf('mask')).toEqual(['brush', 'rect', 'fill', 'eraser']);
  });

  it('maps every shortcut letter to one tool, in either case', () => {
    const keys = Object.values(TOOLS).map((t) => t.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const [id, spec] of Object.entries(TOOLS) as [ToolId, (typeof TOOLS)[ToolId]][]) {
      expect(toolForKey(spec.key)).toBe(id);
      expect(toolForKey(spec.key.toLowerCase())).toBe(id);
    }
    expect(toolForKey('q')).toBeNull();
  });
});
