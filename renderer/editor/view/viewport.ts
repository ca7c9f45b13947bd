// Zoom and pan as plain numbers: screen = canvas · zoom + pan. The fabric adapter turns a Viewport into
// its viewportTransform; everything here is pure so wheel zoom, Space-drag and "fit" are testable.

export interface Viewport {
  zoom: number;
  panX: number;
  panY: number;
}

export const MIN_ZOOM = 0.05;
export const MAX_ZOOM = 40;

export function clampZoom(z: number): number {
  return Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, z));
}

/** Zoom by `factor` keeping the canvas point under `screen` where it is. */
export function zoomAt(v: Viewport, factor: number, screen: { x: number; y: number }): Viewport {
  const zoom = clampZoom(v.zoom * factor);
  const k = zoom / v.zoom;
  return { zoom, panX: screen.x - (screen.x - v.panX) * k, panY: screen.y - (screen.y - v.panY) * k };
}

export function panBy(v: Viewport, dx: number, dy: number): Viewport {
  return { ...v, panX: v.panX + dx, panY: v.panY + dy };
}

/** The whole document centred in the view with a margin; above 1× the zoom snaps down to quarter steps. */
export function fitViewport(doc: { width: number; height: number }, view: { width: number; height: number }, margin = 24): Viewport {
  const raw = Math.min((view.width - 2 * margin) / doc.width, (view.height - 2 * margin) / doc.height);
  const zoom = clampZoom(raw >= 1 ? Math.floor(raw * 4) / 4 : raw);
  return { zoom, panX: (view.width - doc.width * zoom) / 2, panY: (view.height - doc.height * zoom) / 2 };
}

export function screenToCanvas(v: Viewport, screen: { x: number; y: number }): { x: number; y: number } {
  return { x: (screen.x - v.panX) / v.zoom, y: (screen.y - v.panY) / v.zoom };
}

/** A wheel notch (deltaY) as a zoom factor: 10% per 100 px of scroll. */
export function wheelZoomFactor(deltaY: number): number {
  return Math.pow(1.1, -deltaY / 100);
}
