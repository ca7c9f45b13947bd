// The label-raster tools as one small state machine (idle → drawing → idle; polygon: idle → placing
// → idle). Pointer input arrives in canvas coordinates; every edit goes through the raster ops, so
// painting is label-exact, and each finished gesture yields exactly one undoable command. The
// machine never touches the view: the adapter draws `preview()` and repaints from the raster.

import type { Point } from '../raster/brush';
import { brushStroke, drawLine } from '../raster/brush';
import { pencilLine } from '../raster/bresenham';
import { floodFill } from '../raster/flood-fill';
import type { LabelRaster } from '../raster/label-raster';
import { pickLabel } from '../raster/label-raster';
import type { RasterEditCommand, RasterStroke } from '../raster/raster-edit';
import { beginRasterStroke, rasterEdit } from '../raster/raster-edit';
import { fillPolygon, fillRect } from '../raster/shapes';
import { TOOLS, type RasterToolKind } from './tool-table';

export type { RasterToolKind };

export interface RasterToolContext {
  raster: LabelRaster;
  /** The class painted (brush, pencil, line, shapes, fill). */
  value: number;
  /** The eraser's class. */
  background: number;
  /** Brush / line diameter in pixels. */
  size: number;
  /** Polygon: a click this close (canvas units) to the first point closes it. */
  closeRadius: number;
}

export type ToolPreview =
  | { kind: 'line'; a: Point; b: Point; size: number }
  | { kind: 'rect'; a: Point; b: Point }
  | { kind: 'polygon'; points: Point[]; cursor: Point | null };

export interface ToolOutcome {
  /** A finished gesture, already applied to the raster: record it in the history. */
  command?: RasterEditCommand;
  /** Eyedropper: the class under the pointer. */
  picked?: number;
  /** The raster changed (repaint it). */
  painted?: boolean;
}

type State =
  | { name: 'idle' }
  | { name: 'stroking'; stroke: RasterStroke; last: Point }
  | { name: 'dragging'; a: Point; b: Point }
  | { name: 'placing'; points: Point[]; cursor: Point | null };

export class RasterTool {
  private state: State = { name: 'idle' };

  constructor(readonly kind: RasterToolKind) {}

  get busy(): boolean {
    return this.state.name !== 'idle';
  }

  down(p: Point, ctx: RasterToolContext): ToolOutcome {
    switch (this.kind) {
      case 'brush':
      case 'pencil':
      case 'eraser': {
        const stroke = beginRasterStroke(ctx.raster, TOOLS[this.kind].label);
        this.state = { name: 'stroking', stroke, last: p };
        stroke.touched(this.paint(ctx, [p]));
        return { painted: true };
      }
      case 'line':
      case 'rect':
        this.state = { name: 'dragging', a: p, b: p };
        return {};
      case 'fill': {
        const command = rasterEdit(ctx.raster, 'Fill', (r) => floodFill(r, p.x, p.y, ctx.value));
        return command ? { command, painted: true } : {};
      }
      case 'eyedropper': {
        const picked = pickLabel(ctx.raster, p.x, p.y);
        return picked === null ? {} : { picked };
      }
      case 'polygon': {
        if (this.state.name !== 'placing') {
          this.state = { name: 'placing', points: [p], cursor: p };
          return {};
        }
        const first = this.state.points[0]!;
        if (this.state.points.length >= 3 && Math.hypot(p.x - first.x, p.y - first.y) <= ctx.closeRadius) return this.commit(ctx);
        this.state.points.push(p);
        return {};
      }
    }
  }

  move(p: Point, ctx: RasterToolContext): ToolOutcome {
    const s = this.state;
    if (s.name === 'stroking') {
      s.stroke.touched(this.paint(ctx, [s.last, p]));
      s.last = p;
      return { painted: true };
    }
    if (s.name === 'dragging') s.b = p;
    if (s.name === 'placing') s.cursor = p;
    return {};
  }

  up(p: Point, ctx: RasterToolContext): ToolOutcome {
    const s = this.state;
    if (s.name === 'stroking') {
      this.state = { name: 'idle' };
      const command = s.stroke.finish();
      return command ? { command } : {};
    }
    if (s.name === 'dragging') {
      this.state = { name: 'idle' };
      const command = this.kind === 'line'
        ? rasterEdit(ctx.raster, 'Line', (r) => drawLine(r, s.a, p, ctx.size, ctx.value))
        : rasterEdit(ctx.raster, 'Rectangle', (r) => fillRect(r, s.a, p, ctx.value));
      return command ? { command, painted: true } : {};
    }
    return {};
  }

  /** Polygon: fill the points placed so far (Enter or double-click). */
  commit(ctx: RasterToolContext): ToolOutcome {
    const s = this.state;
    if (s.name !== 'placing') return {};
    this.state = { name: 'idle' };
    if (s.points.length < 3) return {};
    const command = rasterEdit(ctx.raster, 'Polygon', (r) => fillPolygon(r, s.points, ctx.value));
    return command ? { command, painted: true } : {};
  }

  /** Esc: drop a gesture in progress; a half-painted stroke is reverted. */
  cancel(): ToolOutcome {
    const s = this.state;
    this.state = { name: 'idle' };
    if (s.name === 'stroking') {
      const command = s.stroke.finish();
      if (command) {
        command.revert();
        return { painted: true };
      }
    }
    return {};
  }

  preview(ctx: Pick<RasterToolContext, 'size'>): ToolPreview | null {
    const s = this.state;
    if (s.name === 'dragging') return this.kind === 'line' ? { kind: 'line', a: s.a, b: s.b, size: ctx.size } : { kind: 'rect', a: s.a, b: s.b };
    if (s.name === 'placing') return { kind: 'polygon', points: [...s.points], cursor: s.cursor };
    return null;
  }

  private paint(ctx: RasterToolContext, points: Point[]) {
    if (this.kind === 'pencil') {
      const a = points[0]!;
      const b = points[points.length - 1]!;
      return pencilLine(ctx.raster, a.x, a.y, b.x, b.y, ctx.value);
    }
    return brushStroke(ctx.raster, points, ctx.size, this.kind === 'eraser' ? ctx.background : ctx.value);
  }
}
