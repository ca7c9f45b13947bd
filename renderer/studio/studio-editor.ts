// The studio's editor state outside React: the Tessera document (the truth), the undo history, the
// current tool of each mode and the brush. Input arrives here in canvas coordinates (from the fabric
// adapter); every change goes through a tool state machine and ends as an undoable command. React
// and the fabric view subscribe and re-read; neither owns state.

import type { EdgeStroke, EditorMode, PaletteEntry, PosePerson, TesseraDocument } from '../document/document-types';
import { EDGE_OFF, EDGE_ON, createDocument, rasterizeEdges } from '../document/document';
import { History, snapshotCommand } from '../editor/history';
import type { Command, HistoryState } from '../editor/history';
import { addPerson, applyToPerson, flipPerson, removePerson, transformPerson } from '../editor/pose/pose-model';
import type { LabelRaster } from '../editor/raster/label-raster';
import { createLabelRaster } from '../editor/raster/label-raster';
import { rasterEdit } from '../editor/raster/raster-edit';
import type { Point } from '../editor/raster/brush';
import { PoseTool } from '../editor/tools/pose-tool';
import type { ToolPreview } from '../editor/tools/raster-tool';
import { toolsOf, type EditSurface, type ToolId } from '../editor/tools/tool-table';
import { RasterTool } from '../editor/tools/raster-tool';
import { pushRecent } from './palette-search';
import { stepBrushSize } from './shortcuts';

/** Which surface a document mode edits. */
export function surfaceOf(mode: EditorMode): EditSurface | 'none' {
  if (mode === 'semantic' || mode === 'edge' || mode === 'pose') return mode;
  if (mode === 'completion') return 'mask';
  return 'none';
}

export interface PointerInfo {
  /** 0 = left, 2 = right. */
  button: number;
  /** Canvas units per screen pixel (1 / zoom), for hit radii. */
  unit: number;
}

export class StudioEditor {
  doc: TesseraDocument;
  readonly history = new History(100);
  tools: Record<EditSurface, ToolId> = { semantic: 'brush', edge: 'brush', pose: 'select', mask: 'brush' };
  brushSize = 12;
  classId = 0;
  recent: number[] = [];
  selectedPerson: string | null = null;
  /** A message for the person (eyedropper result, import notes, errors). */
  notice: string | null = null;
  /** Edge mode: the rasterised edges (base + strokes) shown and sent. */
  edgeRaster: LabelRaster;
  /** Bumped on every change (the canvas view repaints). */
  version = 0;
  /** Bumped on changes the panels show (not on live paint or previews, so React stays idle while drawing). */
  uiVersion = 0;

  private rasterTool: RasterTool | null = null;
  private readonly poseTool = new PoseTool();
  private edgePoints: Point[] | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(doc?: TesseraDocument) {
    this.doc = doc ?? createDocument({ width: 256, height: 256 });
    this.edgeRaster = rasterizeEdges(this.doc);
    this.history.subscribe(() => this.changed());
  }

  // ── subscription ──

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed(paintOnly = false): void {
    this.version++;
    if (!paintOnly) this.uiVersion++;
    for (const l of [...this.listeners]) l();
  }

  historyState(): HistoryState {
    return this.history.state();
  }

  // ── document ──

  /** Replace the whole document (recovery, Reuse): the history starts afresh. */
  load(doc: TesseraDocument): void {
    this.doc = doc;
    this.edgeRaster = rasterizeEdges(doc);
    this.rasterTool = null;
    this.selectedPerson = null;
    this.history.clear();
    const palette = doc.semantic.palette;
    if (palette && !palette.some((p) => p.id === this.classId)) this.classId = palette.find((p) => p.id !== doc.semantic.background)?.id ?? palette[0]?.id ?? 0;
    this.changed();
  }

  /** Switch the document's mode (one undo step; the layers of every mode are kept). */
  setMode(mode: EditorMode): void {
    if (this.doc.mode === mode) return;
    this.history.execute(snapshotCommand(`Switch to ${mode}`, {
      get: () => this.doc.mode,
      set: (m) => {
        this.cancelGesture();
        this.doc.mode = m;
      },
    }, mode));
  }

  /** Set the image of the depth / super-resolution / completion modes (a new image starts without a mask; undoable). */
  setImage(image: string | null, label = 'Import image'): void {
    this.history.execute(snapshotCommand(label, {
      get: () => this.doc.image,
      set: (v) => {
        this.doc.image = v;
      },
    }, { image, mask: null }));
  }

  /** A result becomes the image to complete: image and mode change as one undo step. */
  completeFrom(image: string): void {
    this.history.execute(snapshotCommand('Complete this result', {
      get: () => ({ mode: this.doc.mode, image: this.doc.image }),
      set: (v) => {
        this.cancelGesture();
        this.doc.mode = v.mode;
        this.doc.image = v.image;
      },
    }, { mode: 'completion' as EditorMode, image: { image, mask: null } }));
  }

  /** A semantic model was picked: adopt its palette (ids and the background class stay as painted). */
  setPalette(palette: PaletteEntry[], background?: number): void {
    this.doc.semantic.palette = palette;
    if (background !== undefined) this.doc.semantic.background = background;
    if (!palette.some((p) => p.id === this.classId)) this.classId = palette.find((p) => p.id !== this.doc.semantic.background)?.id ?? palette[0]?.id ?? 0;
    this.changed();
  }

  setGeneration(patch: Partial<TesseraDocument['generation']>): void {
    this.doc.generation = { ...this.doc.generation, ...patch };
    this.changed();
  }

  // ── tools and brush ──

  surface(): EditSurface | 'none' {
    return surfaceOf(this.doc.mode);
  }

  currentTool(): ToolId | null {
    const s = this.surface();
    return s === 'none' ? null : this.tools[s];
  }

  setTool(tool: ToolId): void {
    const s = this.surface();
    if (s === 'none' || !toolsOf(s).includes(tool)) return;
    this.cancelGesture();
    this.tools[s] = tool;
    this.changed();
  }

  setBrushSize(size: number): void {
    this.brushSize = Math.min(128, Math.max(1, Math.round(size)));
    this.changed();
  }

  stepBrush(direction: number): void {
    this.setBrushSize(stepBrushSize(this.brushSize, direction));
  }

  selectClass(id: number): void {
    this.classId = id;
    this.recent = pushRecent(this.recent, id);
    this.changed();
  }

  // ── pointer input (canvas coordinates) ──

  pointerDown(p: Point, info: PointerInfo): void {
    const s = this.surface();
    if (s === 'pose') return this.poseDown(p, info);
    if (s === 'none' || info.button !== 0) return;
    const tool = this.tools[s];
    if (tool === 'select') return;
    const ctx = this.rasterContext(info.unit);
    if (!ctx) return;
    if (!this.rasterTool || this.rasterTool.kind !== tool) this.rasterTool = new RasterTool(tool);
    if (s === 'edge') this.edgePoints = [p];
    this.handle(this.rasterTool.down(p, ctx));
  }

  pointerMove(p: Point, info: PointerInfo): void {
    const s = this.surface();
    if (s === 'pose') {
      if (this.poseTool.busy) this.applyPose(this.poseTool.move(this.doc.pose.people, p));
      return;
    }
    const ctx = this.rasterContext(info.unit);
    if (!this.rasterTool || !ctx) return;
    if (this.edgePoints) this.edgePoints.push(p);
    const out = this.rasterTool.move(p, ctx);
    this.handle(out);
    if (!out.painted && this.rasterTool.busy) this.changed(true); // preview moved
  }

  pointerUp(p: Point, info: PointerInfo): void {
    if (this.surface() === 'pose') {
      this.poseTool.up();
      this.history.sealMerge();
      return;
    }
    const ctx = this.rasterContext(info.unit);
    if (!this.rasterTool || !ctx) return;
    const out = this.rasterTool.up(p, ctx);
    if (this.surface() === 'edge' && this.edgePoints) {
      const points = this.edgePoints;
      this.edgePoints = null;
      if (out.command) this.recordEdgeStroke({ tool: this.rasterTool.kind === 'eraser' ? 'eraser' : 'pen', size: this.brushSize, points });
      return;
    }
    this.handle(out);
  }

  /** Enter / double-click: close the polygon. */
  commitGesture(unit = 1): void {
    const ctx = this.rasterContext(unit);
    if (this.rasterTool && ctx) this.handle(this.rasterTool.commit(ctx));
  }

  /** Esc: drop the gesture in progress. Returns whether there was one. */
  cancelGesture(): boolean {
    const busy = (this.rasterTool?.busy ?? false) || this.poseTool.busy;
    if (this.rasterTool) {
      const out = this.rasterTool.cancel();
      if (this.surface() === 'edge') this.edgeRaster = rasterizeEdges(this.doc);
      this.edgePoints = null;
      if (out.painted || busy) this.changed();
    }
    this.poseTool.cancel();
    return busy;
  }

  preview(): ToolPreview | null {
    return this.rasterTool?.preview({ size: this.brushSize }) ?? null;
  }

  private rasterContext(unit: number) {
    const s = this.surface();
    const closeRadius = 8 * unit;
    if (s === 'semantic') return { raster: this.doc.semantic.labels, value: this.classId, background: this.doc.semantic.background, size: this.brushSize, closeRadius };
    if (s === 'edge') return { raster: this.edgeRaster, value: EDGE_ON, background: EDGE_OFF, size: this.brushSize, closeRadius };
    if (s === 'mask') {
      if (!this.doc.image.mask) this.doc.image.mask = createLabelRaster(this.doc.width, this.doc.height, 0);
      return { raster: this.doc.image.mask, value: 1, background: 0, size: this.brushSize, closeRadius };
    }
    return null;
  }

  private handle(out: { command?: Command; picked?: number; painted?: boolean }): void {
    if (out.picked !== undefined) {
      const name = this.doc.semantic.palette?.find((p) => p.id === out.picked)?.name ?? `class ${out.picked}`;
      this.notice = `Picked ${name}`;
      this.tools.semantic = 'brush';
      this.selectClass(out.picked);
      return;
    }
    if (out.command) this.history.record(out.command);
    else if (out.painted) this.changed(true);
  }

  // ── edges ──

  private recordEdgeStroke(stroke: EdgeStroke): void {
    const refresh = () => {
      this.edgeRaster = rasterizeEdges(this.doc);
    };
    this.doc.edge.strokes.push(stroke);
    this.history.record({
      label: stroke.tool === 'pen' ? 'Pen stroke' : 'Erase stroke',
      apply: () => {
        this.doc.edge.strokes.push(stroke);
        refresh();
      },
      revert: () => {
        this.doc.edge.strokes.pop();
        refresh();
      },
    });
  }

  /** Replace the edge layer with an imported map (strokes are cleared; undoable). */
  setEdgeBase(base: LabelRaster | null, label = 'Import edges'): void {
    const after = { base, strokes: [] as EdgeStroke[] };
    this.history.execute(snapshotCommand(label, {
      get: () => ({ base: this.doc.edge.base, strokes: this.doc.edge.strokes }),
      set: (v) => {
        this.doc.edge = { base: v.base, strokes: [...v.strokes] };
        this.edgeRaster = rasterizeEdges(this.doc);
      },
    }, after));
  }

  // ── semantic ──

  /** Replace all labels (import a label map, clear); one undo step. */
  replaceLabels(data: ArrayLike<number>, label: string): void {
    const command = rasterEdit(this.doc.semantic.labels, label, (r) => {
      for (let i = 0; i < r.data.length; i++) r.data[i] = data[i]!;
      return null;
    });
    if (command) this.history.record(command);
  }

  clearSurface(): void {
    const s = this.surface();
    if (s === 'semantic') this.replaceLabels(new Uint8Array(this.doc.semantic.labels.data.length).fill(this.doc.semantic.background), 'Clear');
    else if (s === 'edge') this.setEdgeBase(null, 'Clear');
    else if (s === 'pose') this.setPeople([], 'Remove everyone');
    else if (s === 'mask' && this.doc.image.mask) {
      const command = rasterEdit(this.doc.image.mask, 'Clear mask', (r) => {
        r.data.fill(0);
        return null;
      });
      if (command) this.history.record(command);
    }
  }

  // ── pose ──

  setPeople(people: PosePerson[], label: string, mergeKey?: string): void {
    this.history.execute(snapshotCommand(label, {
      get: () => this.doc.pose.people,
      set: (v) => {
        this.doc.pose = { people: v };
        if (this.selectedPerson && !v.some((p) => p.id === this.selectedPerson)) this.selectedPerson = null;
      },
    }, people, mergeKey));
  }

  addPerson(): void {
    const people = addPerson(this.doc.pose.people, this.doc);
    this.selectedPerson = people[people.length - 1]!.id;
    this.setPeople(people, 'Add person');
  }

  removeSelectedPerson(): void {
    if (this.selectedPerson) this.setPeople(removePerson(this.doc.pose.people, this.selectedPerson), 'Remove person');
  }

  transformSelected(kind: 'flip' | 'scale-up' | 'scale-down' | 'rotate-left' | 'rotate-right'): void {
    const id = this.selectedPerson;
    if (!id) return;
    const f = kind === 'flip' ? flipPerson
      : (p: PosePerson) => transformPerson(p, kind === 'scale-up' ? { scale: 1.1 } : kind === 'scale-down' ? { scale: 1 / 1.1 } : { rotate: (kind === 'rotate-left' ? -15 : 15) * (Math.PI / 180) });
    const labels = { 'flip': 'Flip person', 'scale-up': 'Scale person', 'scale-down': 'Scale person', 'rotate-left': 'Rotate person', 'rotate-right': 'Rotate person' };
    this.setPeople(applyToPerson(this.doc.pose.people, id, f), labels[kind], kind === 'flip' ? undefined : `${kind}-${id}`);
    if (kind === 'flip') this.history.sealMerge();
  }

  selectPerson(id: string | null): void {
    this.selectedPerson = id;
    this.changed();
  }

  private poseDown(p: Point, info: PointerInfo): void {
    const out = this.poseTool.down(this.doc.pose.people, p, info.button, 10 * info.unit);
    if (out.selected !== undefined) this.selectedPerson = out.selected;
    if (out.people) {
      this.history.sealMerge();
      this.setPeople(out.people, out.label ?? 'Edit pose');
      this.history.sealMerge();
    } else this.changed();
  }

  private applyPose(out: { people?: PosePerson[]; label?: string; gesture?: string }): void {
    if (out.people) this.setPeople(out.people, out.label ?? 'Edit pose', out.gesture);
  }

  // ── undo ──

  undo(): void {
    this.cancelGesture();
    this.history.undo();
  }

  redo(): void {
    this.cancelGesture();
    this.history.redo();
  }
}
