// Undoable raster edits that cost memory in proportion to what they touched: the command keeps
// only the dirty rectangle's pixels before and after the edit.

import type { Command } from '../history';
import type { LabelData, LabelRaster, PixelRect } from './label-raster';
import { clipRect, diffRect, isEmptyRect, readRegion, writeRegion } from './label-raster';

export interface RasterEditCommand extends Command {
  rect: PixelRect;
}

/**
 * Run `edit` on `raster` (it paints immediately) and return the command that undoes/redoes it,
 * or null when no pixel changed. `edit` returns the rect it claims to have touched; when it
 * returns null the whole raster is diffed.
 */
export function rasterEdit(raster: LabelRaster, label: string, edit: (r: LabelRaster) => PixelRect | null): RasterEditCommand | null {
  const before = raster.data.slice();
  const claimed = edit(raster);
  const rect = clipRect(claimed && !isEmptyRect(claimed) ? claimed : diffRect(before, raster.data, raster.width), raster);
  if (isEmptyRect(rect)) return null;
  return regionEdit(raster, before, rect, label);
}

function sameData(a: LabelData, b: LabelData): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export interface RasterStroke {
  /** Report the rect a live edit touched (returns it, for chaining with the ops). */
  touched(rect: PixelRect): PixelRect;
  /** End the stroke: the command for the whole stroke, or null when nothing changed. */
  finish(): RasterEditCommand | null;
}

/**
 * For live painting: snapshot at pointer-down, paint segment by segment as the pointer moves
 * (each op's dirty rect is reported with `touched`), and get one undo entry at pointer-up.
 */
export function beginRasterStroke(raster: LabelRaster, label: string): RasterStroke {
  const before = raster.data.slice();
  const union: PixelRect = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
  return {
    touched(rect) {
      if (!isEmptyRect(rect)) {
        union.x0 = Math.min(union.x0, rect.x0);
        union.y0 = Math.min(union.y0, rect.y0);
        union.x1 = Math.max(union.x1, rect.x1);
        union.y1 = Math.max(union.y1, rect.y1);
      }
      return rect;
    },
    finish() {
      if (isEmptyRect(union)) return null;
      const rect = clipRect(union, raster);
      return regionEdit(raster, before, rect, label);
    },
  };
}

/** The undoable command for `rect` of `raster`, given its data before the edit; null if nothing changed. */
function regionEdit(raster: LabelRaster, before: LabelData, rect: PixelRect, label: string): RasterEditCommand | null {
  const beforeRegion = readRegion({ width: raster.width, height: raster.height, data: before }, rect);
  const afterRegion = readRegion(raster, rect);
  if (sameData(beforeRegion, afterRegion)) return null;
  return {
    label,
    rect,
    apply: () => writeRegion(raster, rect, afterRegion),
    revert: () => writeRegion(raster, rect, beforeRegion),
  };
}
