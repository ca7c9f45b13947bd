/**
 * A training image set: the scan report's usable images for a mode, split into train / held-out (10% by
 * default, `heldOutSplit`), with prepared images cached on disk (content hash + settings) and in memory
 * (least-recently-used, bounded in bytes), served as NCHW batches of random crops.
 *
 * Batch contents by mode: `images` [B, 3, S, S] in [-1, 1]; semantic: `labels` [B, S, S] class ids;
 * edges: `edges` [B, S, S] 0/1; pose: `people[b]` COCO-18 keypoints in crop pixels. Crops and flips come from
 * the caller's RNG (train: random crop + flip; held-out: centre crop, no flip, so evaluation is stable).
 */
import { DataCache } from './cache';
import { cropSample, prepareImage, prepareImageCached, type PrepareOptions, type PreparedImage } from './crops';
import type { Keypoints } from './pose';
import { imagesForMode, scanFolder, type TrainingDataMode, type ScanOptions, type ScanReport, type ScannedImage } from './scan';
import { heldOutSplit } from '../run';
import type { TrainRng } from '../rng';

export interface DatasetOptions {
  folder: string;
  mode: TrainingDataMode;
  /** Crop size S (also the minimum shorter side accepted by the scan). */
  size: number;
  /** Shorter side after resizing (default = size, as in the reference's SmallestMaxSize(size)). */
  resize?: number;
  /** Disk cache folder for prepared images; none = no disk cache. */
  cacheDir?: string;
  palette?: PrepareOptions['palette'];
  canny?: PrepareOptions['canny'];
  /** Held-out fraction (default 0.1) and the seed of the split (default 0). */
  heldOut?: number;
  splitSeed?: number;
  /** In-memory cache budget in bytes (default 256 MiB). */
  memoryBytes?: number;
  scan?: Omit<ScanOptions, 'minSide'>;
}

export interface Batch {
  /** [B, 3, S, S] */
  images: Float32Array;
  /** [B, S, S] (semantic) */
  labels?: Uint8Array;
  /** [B, S, S] (edges) */
  edges?: Uint8Array;
  /** per item (pose) */
  people?: Keypoints[][];
  /** relPaths of the items, in batch order */
  items: string[];
  size: number;
}

export class ImageSet {
  private readonly memory = new Map<string, PreparedImage>();
  private memoryUsed = 0;

  private constructor(
    readonly report: ScanReport,
    readonly train: ScannedImage[],
    readonly heldOut: ScannedImage[],
    private readonly prep: PrepareOptions,
    readonly size: number,
    private readonly cache: DataCache | null,
    private readonly memoryBytes: number,
  ) {}

  /** Scan the folder and build the split. Throws when no image is usable for the mode, saying why. */
  static async open(opts: DatasetOptions): Promise<ImageSet> {
    const resize = opts.resize ?? opts.size;
    if (resize < opts.size) throw new Error(`ImageSet: resize ${resize} must be ≥ the crop size ${opts.size}.`);
    const report = await scanFolder(opts.folder, { ...opts.scan, minSide: resize });
    const usable = imagesForMode(report, opts.mode);
    if (usable.length === 0) {
      const why = report.usable.length === 0
        ? `none of its ${report.found} files is a usable image (${report.skipped.length} skipped)`
        : `none of its ${report.usable.length} usable images has the ${opts.mode === 'semantic' ? '<stem>.seg.png label map' : '<stem>.pose.json pose file'} this mode needs`;
      throw new Error(`No training images in ${opts.folder}: ${why}.`);
    }
    const { train, heldOut } = heldOutSplit(usable, (i) => i.relPath, opts.heldOut ?? 0.1, opts.splitSeed ?? 0);
    const prep: PrepareOptions = { resize, mode: opts.mode };
    if (opts.palette) prep.palette = opts.palette;
    if (opts.canny) prep.canny = opts.canny;
    return new ImageSet(report, train, heldOut, prep, opts.size, opts.cacheDir ? new DataCache(opts.cacheDir) : null, opts.memoryBytes ?? 256 * 1024 * 1024);
  }

  /** The condition mode the set was opened in. */
  get mode(): TrainingDataMode {
    return this.prep.mode;
  }

  /** Shorter side after resizing. */
  get resize(): number {
    return this.prep.resize;
  }

  get cacheStats(): { hits: number; misses: number; writes: number } | null {
    return this.cache ? { ...this.cache.stats } : null;
  }

  /** The prepared (resized, condition-derived) image, via the memory and disk caches. */
  async prepared(img: ScannedImage): Promise<PreparedImage> {
    const hit = this.memory.get(img.path);
    if (hit) {
      this.memory.delete(img.path); // refresh LRU position
      this.memory.set(img.path, hit);
      return hit;
    }
    const p = this.cache ? await prepareImageCached(img, this.prep, this.cache) : await prepareImage(img, this.prep);
    const bytes = p.rgb.byteLength + (p.labels?.byteLength ?? 0) + (p.edges?.byteLength ?? 0);
    this.memory.set(img.path, p);
    this.memoryUsed += bytes;
    for (const [k, v] of this.memory) {
      if (this.memoryUsed <= this.memoryBytes || this.memory.size <= 1) break;
      this.memory.delete(k);
      this.memoryUsed -= v.rgb.byteLength + (v.labels?.byteLength ?? 0) + (v.edges?.byteLength ?? 0);
    }
    return p;
  }

  /**
   * A batch of the given items (indices into `train` or `heldOut`). `augment` = random crop + flip from `rng`
   * in item order (default true); false = centre crops (no RNG draws).
   */
  async batch(split: 'train' | 'heldOut', indices: readonly number[], rng: TrainRng, augment = true): Promise<Batch> {
    const list = split === 'train' ? this.train : this.heldOut;
    const s = this.size;
    const plane = s * s;
    const images = new Float32Array(indices.length * 3 * plane); // [B, 3, S, S]
    const out: Batch = { images, items: [], size: s };
    if (this.prep.mode === 'semantic') out.labels = new Uint8Array(indices.length * plane); // [B, S, S]
    if (this.prep.mode === 'edges') out.edges = new Uint8Array(indices.length * plane); // [B, S, S]
    if (this.prep.mode === 'pose') out.people = [];
    // Prepare (I/O, decode) first, then crop in order so RNG draws do not depend on I/O timing.
    const prepared = await Promise.all(indices.map((i) => {
      const img = list[i];
      if (!img) throw new Error(`ImageSet.batch: index ${i} is outside the ${split} split (${list.length} images).`);
      return this.prepared(img);
    }));
    prepared.forEach((p, b) => {
      const c = cropSample(p, { size: s, random: augment, flip: augment }, rng);
      images.set(c.image, b * 3 * plane);
      if (out.labels && c.labels) out.labels.set(c.labels, b * plane);
      if (out.edges && c.edges) out.edges.set(c.edges, b * plane);
      if (out.people) out.people.push(c.people ?? []);
      out.items.push(list[indices[b]!]!.relPath);
    });
    return out;
  }
}
