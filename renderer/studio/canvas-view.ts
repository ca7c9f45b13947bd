// The fabric.js adapter: draws the editor's document and forwards pointer input to it. It holds no
// state of its own beyond fabric objects rebuilt from the document. The condition raster is shown
// through an offscreen canvas of the document's exact size (one canvas pixel per label, smoothing
// off), so what is on screen is exactly what the model gets.

import { Canvas, Circle, FabricImage, Line, Polygon, Polyline, Rect } from 'fabric';
import type { FabricObject, TPointerEvent, TPointerEventInfo } from 'fabric';
import { EDGE_ON } from '../document/document';
import { LIMBS, OPENPOSE_COLORS, rgbToHex } from '../editor/pose/coco18';
import { personBounds } from '../editor/pose/pose-model';
import type { Viewport } from '../editor/view/viewport';
import { fitViewport, panBy, wheelZoomFactor, zoomAt } from '../editor/view/viewport';
import type { StudioEditor } from './studio-editor';

const UNKNOWN_CLASS: [number, number, number] = [255, 0, 255];

export interface CanvasViewOptions {
  /** Background reference image (pose / edge tracing) and its opacity. */
  reference: () => { dataUrl: string | null; opacity: number };
  onViewportChange?: (v: Viewport) => void;
}

export class StudioCanvasView {
  readonly canvas: Canvas;
  private viewport: Viewport = { zoom: 1, panX: 0, panY: 0 };
  private readonly raster = document.createElement('canvas');
  private readonly maskCanvas = document.createElement('canvas');
  private readonly rasterImage: FabricImage;
  private readonly maskImage: FabricImage;
  private readonly frame: Rect;
  private refImage: FabricImage | null = null;
  private refUrl: string | null = null;
  private condImage: FabricImage | null = null;
  private condUrl: string | null = null;
  private dynamic: FabricObject[] = [];
  private spaceDown = false;
  private panning: { x: number; y: number } | null = null;
  private cursor: { x: number; y: number } | null = null;
  private readonly unsubscribe: () => void;
  private readonly onKey: (e: KeyboardEvent) => void;

  constructor(el: HTMLCanvasElement, private readonly editor: StudioEditor, private readonly options: CanvasViewOptions) {
    this.canvas = new Canvas(el, {
      selection: false,
      skipTargetFind: true,
      fireRightClick: true,
      stopContextMenu: true,
      imageSmoothingEnabled: false,
      enableRetinaScaling: false,
      renderOnAddRemove: false,
      defaultCursor: 'crosshair',
      backgroundColor: '#0b0d10',
    });
    const flat = { selectable: false, evented: false, objectCaching: false, originX: 'left' as const, originY: 'top' as const };
    this.frame = new Rect({ ...flat, left: 0, top: 0, width: 1, height: 1, fill: '#000', stroke: '#3a404b', strokeWidth: 1, strokeUniform: true });
    this.rasterImage = new FabricImage(this.raster, { ...flat, left: 0, top: 0, imageSmoothing: false });
    this.maskImage = new FabricImage(this.maskCanvas, { ...flat, left: 0, top: 0, imageSmoothing: false, opacity: 0.5 });
    this.canvas.add(this.frame, this.rasterImage, this.maskImage);

    this.canvas.on('mouse:down', (o) => this.down(o));
    this.canvas.on('mouse:move', (o) => this.move(o));
    this.canvas.on('mouse:up', (o) => this.up(o));
    this.canvas.on('mouse:dblclick', () => this.editor.commitGesture(1 / this.viewport.zoom));
    this.canvas.on('mouse:wheel', (o) => this.wheel(o));
    this.canvas.on('mouse:out', () => {
      this.cursor = null;
      this.render();
    });
    this.onKey = (e) => {
      if (e.code !== 'Space' || isTyping(e)) return;
      this.spaceDown = e.type === 'keydown';
      this.canvas.defaultCursor = this.spaceDown ? 'grab' : 'crosshair';
      this.canvas.setCursor(this.canvas.defaultCursor);
      e.preventDefault(); // neither scroll nor "click" the focused button
    };
    window.addEventListener('keydown', this.onKey);
    window.addEventListener('keyup', this.onKey);
    this.unsubscribe = editor.subscribe(() => this.render());
  }

  dispose(): void {
    this.unsubscribe();
    window.removeEventListener('keydown', this.onKey);
    window.removeEventListener('keyup', this.onKey);
    void this.canvas.dispose();
  }

  resize(width: number, height: number): void {
    this.canvas.setDimensions({ width: Math.max(1, Math.floor(width)), height: Math.max(1, Math.floor(height)) });
    this.fit();
  }

  fit(): void {
    this.setViewport(fitViewport(this.editor.doc, { width: this.canvas.getWidth(), height: this.canvas.getHeight() }));
  }

  zoomBy(factor: number): void {
    this.setViewport(zoomAt(this.viewport, factor, { x: this.canvas.getWidth() / 2, y: this.canvas.getHeight() / 2 }));
  }

  getViewport(): Viewport {
    return this.viewport;
  }

  private setViewport(v: Viewport): void {
    this.viewport = v;
    this.canvas.setViewportTransform([v.zoom, 0, 0, v.zoom, v.panX, v.panY]);
    this.options.onViewportChange?.(v);
    this.render();
  }

  // ── input ──

  private info(o: TPointerEventInfo<TPointerEvent>) {
    const e = o.e as MouseEvent;
    return { button: e.button ?? 0, unit: 1 / this.viewport.zoom };
  }

  private down(o: TPointerEventInfo<TPointerEvent>): void {
    const e = o.e as MouseEvent;
    // Drawing takes the keyboard back from a focused field or button (tool keys, Space, Enter).
    if (document.activeElement instanceof HTMLElement && document.activeElement !== document.body) document.activeElement.blur();
    if (this.spaceDown || e.button === 1) {
      this.panning = { x: o.viewportPoint.x, y: o.viewportPoint.y };
      return;
    }
    this.editor.pointerDown({ x: o.scenePoint.x, y: o.scenePoint.y }, this.info(o));
  }

  private move(o: TPointerEventInfo<TPointerEvent>): void {
    this.cursor = { x: o.scenePoint.x, y: o.scenePoint.y };
    if (this.panning) {
      const dx = o.viewportPoint.x - this.panning.x;
      const dy = o.viewportPoint.y - this.panning.y;
      this.panning = { x: o.viewportPoint.x, y: o.viewportPoint.y };
      this.setViewport(panBy(this.viewport, dx, dy));
      return;
    }
    this.editor.pointerMove(this.cursor, this.info(o));
    this.render();
  }

  private up(o: TPointerEventInfo<TPointerEvent>): void {
    if (this.panning) {
      this.panning = null;
      return;
    }
    this.editor.pointerUp({ x: o.scenePoint.x, y: o.scenePoint.y }, this.info(o));
  }

  private wheel(o: TPointerEventInfo<WheelEvent>): void {
    const e = o.e;
    e.preventDefault();
    e.stopPropagation();
    if (e.ctrlKey || e.metaKey) {
      this.editor.stepBrush(e.deltaY < 0 ? 1 : -1);
      return;
    }
    this.setViewport(zoomAt(this.viewport, wheelZoomFactor(e.deltaY), { x: o.viewportPoint.x, y: o.viewportPoint.y }));
  }

  // ── drawing ──

  render(): void {
    const { doc } = this.editor;
    const surface = this.editor.surface();
    this.frame.set({ width: doc.width, height: doc.height, fill: doc.mode === 'pose' || doc.mode === 'edge' ? '#000' : '#15181d' });

    // Condition raster: semantic labels in palette colours, or the edge map; hidden otherwise.
    const showRaster = surface === 'semantic' || surface === 'edge';
    this.rasterImage.set({ visible: showRaster, opacity: 1 });
    if (showRaster) {
      paintRaster(this.raster, doc.width, doc.height, surface === 'semantic' ? this.semanticPixels() : this.edgePixels());
      this.rasterImage.set({ width: doc.width, height: doc.height, dirty: true });
    }

    // Completion mask over the image.
    const mask = doc.image.mask;
    this.maskImage.set({ visible: surface === 'mask' && mask !== null });
    if (surface === 'mask' && mask) {
      const px = new Uint8ClampedArray(doc.width * doc.height * 4);
      for (let i = 0; i < mask.data.length; i++) if (mask.data[i]) px.set([255, 64, 96, 255], i * 4);
      paintRaster(this.maskCanvas, doc.width, doc.height, px);
      this.maskImage.set({ width: doc.width, height: doc.height, dirty: true });
    }

    this.syncImageLayer();
    this.syncReference();
    this.drawDynamic();
    this.canvas.requestRenderAll();
  }

  private semanticPixels(): Uint8ClampedArray {
    const { labels, palette } = this.editor.doc.semantic;
    const lut = new Map<number, [number, number, number]>((palette ?? []).map((p) => [p.id, p.color]));
    const px = new Uint8ClampedArray(labels.data.length * 4);
    for (let i = 0; i < labels.data.length; i++) {
      const c = lut.get(labels.data[i]!) ?? (palette ? UNKNOWN_CLASS : grey(labels.data[i]!));
      px[i * 4] = c[0];
      px[i * 4 + 1] = c[1];
      px[i * 4 + 2] = c[2];
      px[i * 4 + 3] = 255;
    }
    return px;
  }

  private edgePixels(): Uint8ClampedArray {
    const r = this.editor.edgeRaster;
    const px = new Uint8ClampedArray(r.data.length * 4);
    for (let i = 0; i < r.data.length; i++) {
      const v = r.data[i] === EDGE_ON ? 255 : 0;
      px[i * 4] = v;
      px[i * 4 + 1] = v;
      px[i * 4 + 2] = v;
      px[i * 4 + 3] = r.data[i] === EDGE_ON ? 255 : 0; // transparent background shows the reference
    }
    return px;
  }

  /** depth / superres / completion: the condition image itself. */
  private syncImageLayer(): void {
    const { doc } = this.editor;
    const url = doc.mode === 'depth' || doc.mode === 'superres' || doc.mode === 'completion' ? doc.image.image : null;
    if (url === this.condUrl) return;
    this.condUrl = url;
    if (this.condImage) this.canvas.remove(this.condImage);
    this.condImage = null;
    if (!url) return;
    void FabricImage.fromURL(url).then((img) => {
      if (this.condUrl !== url) return;
      img.set({ selectable: false, evented: false, left: 0, top: 0, originX: 'left', originY: 'top', imageSmoothing: false, scaleX: doc.width / img.width, scaleY: doc.height / img.height });
      this.condImage = img;
      this.canvas.insertAt(1, img);
      this.canvas.requestRenderAll();
    });
  }

  private syncReference(): void {
    const ref = this.options.reference();
    const { doc } = this.editor;
    const url = doc.mode === 'pose' || doc.mode === 'edge' ? ref.dataUrl : null;
    if (this.refImage) this.refImage.set({ opacity: ref.opacity });
    if (url === this.refUrl) return;
    this.refUrl = url;
    if (this.refImage) this.canvas.remove(this.refImage);
    this.refImage = null;
    if (!url) return;
    void FabricImage.fromURL(url).then((img) => {
      if (this.refUrl !== url) return;
      img.set({ selectable: false, evented: false, left: 0, top: 0, originX: 'left', originY: 'top', opacity: this.options.reference().opacity, scaleX: doc.width / img.width, scaleY: doc.height / img.height });
      this.refImage = img;
      this.canvas.insertAt(1, img);
      this.canvas.requestRenderAll();
    });
  }

  /** Pose skeletons, tool previews and the brush outline: rebuilt each render (a few dozen objects). */
  private drawDynamic(): void {
    for (const o of this.dynamic) this.canvas.remove(o);
    this.dynamic = [];
    const { doc } = this.editor;
    const unit = 1 / this.viewport.zoom;
    const flat = { selectable: false, evented: false, objectCaching: false };
    const box = { ...flat, originX: 'left' as const, originY: 'top' as const };
    const add = (o: FabricObject) => {
      this.dynamic.push(o);
      this.canvas.add(o);
    };
    const surface = this.editor.surface();

    if (surface === 'pose') {
      const limbWidth = Math.max(2, doc.width / 64);
      for (const person of doc.pose.people) {
        const k = person.keypoints;
        LIMBS.forEach(([a, b], i) => {
          if (!k[a]!.visible || !k[b]!.visible) return;
          add(new Line([k[a]!.x, k[a]!.y, k[b]!.x, k[b]!.y], { ...flat, stroke: rgbToHex(OPENPOSE_COLORS[i]!), strokeWidth: limbWidth, opacity: 0.75, strokeLineCap: 'round' }));
        });
        k.forEach((p, i) => {
          const r = 5 * unit;
          add(new Circle({
            ...flat, left: p.x, top: p.y, radius: r, originX: 'center', originY: 'center',
            fill: p.visible ? rgbToHex(OPENPOSE_COLORS[i]!) : 'transparent',
            stroke: p.visible ? '#0b0d10' : '#8a93a3', strokeWidth: 1.5 * unit, strokeDashArray: p.visible ? undefined : [2 * unit, 2 * unit],
          }));
        });
        if (person.id === this.editor.selectedPerson) {
          const b = personBounds(person);
          const pad = 10 * unit;
          add(new Rect({ ...box, left: b.x0 - pad, top: b.y0 - pad, width: b.x1 - b.x0 + 2 * pad, height: b.y1 - b.y0 + 2 * pad, fill: 'transparent', stroke: '#7aa7ff', strokeWidth: unit, strokeDashArray: [4 * unit, 3 * unit] }));
        }
      }
    }

    const preview = this.editor.preview();
    const stroke = { ...box, stroke: '#ffffff', strokeWidth: unit, strokeDashArray: [4 * unit, 3 * unit], fill: 'transparent' };
    if (preview?.kind === 'line') add(new Line([preview.a.x, preview.a.y, preview.b.x, preview.b.y], { ...stroke, strokeWidth: Math.max(unit, preview.size), strokeDashArray: undefined, stroke: 'rgba(255,255,255,0.55)' }));
    if (preview?.kind === 'rect') {
      const x0 = Math.floor(Math.min(preview.a.x, preview.b.x));
      const y0 = Math.floor(Math.min(preview.a.y, preview.b.y));
      add(new Rect({ ...stroke, left: x0, top: y0, width: Math.floor(Math.max(preview.a.x, preview.b.x)) + 1 - x0, height: Math.floor(Math.max(preview.a.y, preview.b.y)) + 1 - y0 }));
    }
    if (preview?.kind === 'polygon') {
      const pts = preview.cursor ? [...preview.points, preview.cursor] : preview.points;
      add(pts.length >= 3 ? new Polygon(pts, { ...stroke }) : new Polyline(pts, { ...stroke }));
      add(new Circle({ ...flat, left: preview.points[0]!.x, top: preview.points[0]!.y, radius: 6 * unit, originX: 'center', originY: 'center', fill: 'transparent', stroke: '#7aa7ff', strokeWidth: 1.5 * unit }));
    }

    const tool = this.editor.currentTool();
    if (this.cursor && !this.panning && (tool === 'brush' || tool === 'eraser' || tool === 'line')) {
      add(new Circle({ ...flat, left: this.cursor.x, top: this.cursor.y, radius: this.editor.brushSize / 2, originX: 'center', originY: 'center', fill: 'transparent', stroke: 'rgba(255,255,255,0.8)', strokeWidth: unit }));
    }
  }
}

function grey(v: number): [number, number, number] {
  return [v, v, v];
}

function paintRaster(canvas: HTMLCanvasElement, width: number, height: number, pixels: Uint8ClampedArray): void {
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
  const ctx = canvas.getContext('2d')!;
  const image = ctx.createImageData(width, height);
  image.data.set(pixels);
  ctx.putImageData(image, 0, 0);
}

function isTyping(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  return !!t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);
}
