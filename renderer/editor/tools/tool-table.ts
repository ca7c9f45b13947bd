// The one table of editing tools: for each tool its label (toolbar, status line, undo step names), its shortcut
// letter (common paint apps: B brush, N pencil, E eraser, L line, R rectangle, P polygon, G fill, I eyedropper,
// V pose select/move), its toolbar icon and the surfaces that offer it. The toolbar order of a surface is the
// table's order.

export type RasterToolKind = 'brush' | 'pencil' | 'eraser' | 'line' | 'rect' | 'polygon' | 'fill' | 'eyedropper';
export type ToolId = RasterToolKind | 'select';
/** What a document mode edits: the label raster, edge strokes, poses, or a completion mask. */
export type EditSurface = 'semantic' | 'edge' | 'pose' | 'mask';

export interface ToolSpec {
  label: string;
  /** Shortcut letter (upper case, as shown). */
  key: string;
  icon: string;
  surfaces: readonly EditSurface[];
}

export const TOOLS: Readonly<Record<ToolId, ToolSpec>> = {
  brush: { label: 'Brush', key: 'B', icon: '●', surfaces: ['semantic', 'edge', 'mask'] },
  pencil: { label: 'Pencil', key: 'N', icon: '✎', surfaces: ['semantic'] },
  line: { label: 'Line', key: 'L', icon: '╱', surfaces: ['semantic'] },
  rect: { label: 'Rectangle', key: 'R', icon: '▭', surfaces: ['semantic', 'mask'] },
  polygon: { label: 'Polygon', key: 'P', icon: '⬠', surfaces: ['semantic'] },
  fill: { label: 'Fill', key: 'G', icon: '◧', surfaces: ['semantic', 'mask'] },
  eraser: { label: 'Eraser', key: 'E', icon: '⌫', surfaces: ['semantic', 'edge', 'mask'] },
  eyedropper: { label: 'Eyedropper', key: 'I', icon: '◉', surfaces: ['semantic'] },
  select: { label: 'Move joints and people', key: 'V', icon: '✥', surfaces: ['pose'] },
};

const TOOL_IDS = Object.keys(TOOLS) as ToolId[];

/** The tools a surface offers, in toolbar order. */
export function toolsOf(surface: EditSurface): ToolId[] {
  return TOOL_IDS.filter((t) => TOOLS[t].surfaces.includes(surface));
}

/** The tool whose shortcut is `letter` (any case), or null. */
export function toolForKey(letter: string): ToolId | null {
  return TOOL_IDS.find((t) => TOOLS[t].key === letter.toUpperCase()) ?? null;
}
