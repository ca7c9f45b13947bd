/**
 * Folder scan for fine-tuning: finds the usable training images under a folder (recursively) and lists every
 * other file with the reason it was skipped. Nothing in the folder can fail the scan; only a missing or
 * unreadable root folder throws.
 *
 * Accepted images: PNG, JPEG and WebP, recognised by their content (magic bytes), decoded via sharp.
 * Skip reasons (`SkipReason`):
 *  - `empty`        zero-byte file;
 *  - `not-an-image` content is not an image format (text, archives, …), whatever its extension;
 *  - `unsupported-format` an image format other than PNG/JPEG/WebP (GIF, TIFF, BMP, HEIC …): convert it;
 *  - `unreadable`   the file cannot be opened, or its header is corrupt;
 *  - `truncated`    the header is fine but the pixel data is cut short or corrupt (found by a full decode);
 *  - `too-small`    shorter side < `minSide` (the crop size; the image would have to be upscaled);
 *  - `too-large`    more than `maxPixels` pixels (default 50 megapixels, DEFAULT_MAX_PIXELS), checked from
 *                   the header before any decode, so a decompression bomb costs nothing.
 * Condition files beside an image — `<stem>.seg.png` (label map) and `<stem>.pose.json` (OpenPose JSON) — are
 * not training images; they are attached to their image and checked (a label map must have the image's size,
 * a pose file must parse). Hidden files and folders (name starting with '.') are ignored.
 */
import type { TrainingDataMode } from '../../condition-modes';
import { open, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, sep } from 'node:path';
import sharp from 'sharp';
import { parseOpenPose } from './pose';

/** Default pixel limit: 50 megapixels (e.g. 8660 × 5773). Larger images are skipped as `too-large`. */
export const DEFAULT_MAX_PIXELS = 50_000_000;
/** Default minimum shorter side: 256, the reference crop size. */
export const DEFAULT_MIN_SIDE = 256;

export type ImageFormat = 'png' | 'jpeg' | 'webp';
export type SkipReason = 'empty' | 'not-an-image' | 'unsupported-format' | 'unreadable' | 'truncated' | 'too-small' | 'too-large';
export type { TrainingDataMode };

export interface ScanOptions {
  /** Minimum shorter side in pixels (the crop size). Default 256. */
  minSide?: number;
  /** Maximum width × height. Default DEFAULT_MAX_PIXELS (50 MP). */
  maxPixels?: number;
  /** Fully decode every image to detect truncated/corrupt pixel data (default true; false = header only). */
  verifyPixels?: boolean;
  /** Images decoded in parallel (default 2). */
  concurrency?: number;
}

export interface ScannedImage {
  path: string;
  /** Path relative to the scanned root, with '/' separators (stable across machines). */
  relPath: string;
  format: ImageFormat;
  width: number;
  height: number;
  bytes: number;
  /** `<stem>.seg.png` beside the image, when present and valid. */
  segPath?: string;
  /** `<stem>.pose.json` beside the image, when present and valid. */
  posePath?: string;
}

export interface SkippedFile {
  path: string;
  relPath: string;
  reason: SkipReason;
  detail: string;
}

export interface InvalidCondition {
  relPath: string;
  kind: 'semantic' | 'pose';
  detail: string;
}

export interface ConditionSummary {
  /** Usable images that have this condition. */
  present: number;
  /** Usable images (relPaths) that lack it. */
  missing: string[];
}

export interface ScanReport {
  root: string;
  /** Files looked at (condition files and hidden files excluded). */
  found: number;
  usable: ScannedImage[];
  skipped: SkippedFile[];
  /** Condition files that exist but cannot be used (wrong size, unreadable, bad JSON). */
  invalidConditions: InvalidCondition[];
  /** Per mode: which usable images have the condition. Edges are derived (Canny), so always present. */
  conditions: Record<TrainingDataMode, ConditionSummary>;
  settings: { minSide: number; maxPixels: number; verifyPixels: boolean };
  elapsedMs: number;
}

const SEG_SUFFIX = '.seg.png';
const POSE_SUFFIX = '.pose.json';

/** Identify a file's format from its first bytes. */
export function sniffFormat(head: Uint8Array): ImageFormat | 'gif' | 'tiff' | 'bmp' | 'heif' | 'avif' | 'jxl' | null {
  const b = (i: number): number => head[i] ?? -1;
  if (b(0) === 0x89 && b(1) === 0x50 && b(2) === 0x4e && b(3) === 0x47) return 'png';
  if (b(0) === 0xff && b(1) === 0xd8 && b(2) === 0xff) return 'jpeg';
  const ascii = (from: number, to: number): string => String.fromCharCode(...head.subarray(from, to));
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  if (ascii(0, 4) === 'GIF8') return 'gif';
  if ((b(0) === 0x49 && b(1) === 0x49 && b(2) === 0x2a) || (b(0) === 0x4d && b(1) === 0x4d && b(3) === 0x2a)) return 'tiff';
  if (ascii(0, 2) === 'BM') return 'bmp';
  if (ascii(4, 8) === 'ftyp') {
    const brand = ascii(8, 12);
    return brand.startsWith('avi') ? 'avif' : 'heif';
  }
  if ((b(0) === 0xff && b(1) === 0x0a) || ascii(4, 8) === 'JXL ') return 'jxl';
  return null;
}

function isConditionFile(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.endsWith(SEG_SUFFIX) || lower.endsWith(POSE_SUFFIX);
}

/** The stem used to find condition files: file name without its last extension. */
export function imageStem(path: string): string {
  return join(dirname(path), basename(path, extname(path)));
}

async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const seen = new Set<string>();
  const walk = async (dir: string): Promise<void> => {
    let real: string;
    try {
      real = await realpath(dir);
    } catch {
      return;
    }
    if (seen.has(real)) return; // symlink loop
    seen.add(real);
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const full = join(dir, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        try {
          const st = await stat(full);
          isDir = st.isDirectory();
          isFile = st.isFile();
        } catch {
          isFile = true; // dangling link: reported as unreadable below
        }
      }
      if (isDir) await walk(full);
      else if (isFile) out.push(full);
    }
  };
  await walk(root);
  return out;
}

async function readHead(path: string, n: number): Promise<{ head: Uint8Array; size: number }> {
  const fh = await open(path, 'r');
  try {
    const st = await fh.stat();
    const buf = Buffer.alloc(Math.min(n, st.size));
    if (buf.length > 0) await fh.read(buf, 0, buf.length, 0);
    return { head: buf, size: st.size };
  } finally {
    await fh.close();
  }
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0]!.trim();
}

type Verdict = { ok: ScannedImage } | { skip: SkippedFile };

async function inspectImage(path: string, relPath: string, minSide: number, maxPixels: number, verify: boolean): Promise<Verdict> {
  const skip = (reason: SkipReason, detail: string): Verdict => ({ skip: { path, relPath, reason, detail } });
  let head: Uint8Array;
  let size: number;
  try {
    ({ head, size } = await readHead(path, 32));
  } catch (e) {
    return skip('unreadable', `cannot open the file: ${firstLine(e)}`);
  }
  if (size === 0) return skip('empty', 'the file is empty (0 bytes)');
  const fmt = sniffFormat(head);
  if (fmt === null) {
    const ext = extname(path).toLowerCase();
    const claimed = ['.png', '.jpg', '.jpeg', '.webp'].includes(ext) ? ` although its name ends in ${ext}` : '';
    return skip('not-an-image', `the content is not a PNG, JPEG or WebP image${claimed}`);
  }
  if (fmt !== 'png' && fmt !== 'jpeg' && fmt !== 'webp') {
    return skip('unsupported-format', `${fmt.toUpperCase()} images are not supported; convert it to PNG, JPEG or WebP`);
  }
  if (fmt === 'webp' && head.length >= 8) {
    const riffSize = (head[4]! | (head[5]! << 8) | (head[6]! << 16) | (head[7]! << 24)) >>> 0;
    if (riffSize + 8 > size) return skip('truncated', `the WebP file is cut short: ${size} of ${riffSize + 8} bytes present`);
  }
  let width: number;
  let height: number;
  try {
    const meta = await sharp(path, { limitInputPixels: false }).metadata();
    if (!meta.width || !meta.height) return skip('unreadable', 'the image header has no size');
    // EXIF orientations 5–8 swap width and height once the image is turned upright.
    const swap = (meta.orientation ?? 1) >= 5;
    width = swap ? meta.height : meta.width;
    height = swap ? meta.width : meta.height;
  } catch (e) {
    const msg = firstLine(e);
    if (/premature|truncat|unexpected end|end of (file|data)|short read/i.test(msg)) {
      return skip('truncated', `the ${fmt.toUpperCase()} file is cut short: ${msg}`);
    }
    return skip('unreadable', `corrupt ${fmt.toUpperCase()} header: ${msg}`);
  }
  if (width * height > maxPixels) {
    return skip('too-large', `${width}×${height} = ${(width * height / 1e6).toFixed(1)} MP exceeds the limit of ${(maxPixels / 1e6).toFixed(1)} MP; downscale it first`);
  }
  if (Math.min(width, height) < minSide) {
    return skip('too-small', `${width}×${height}: the shorter side is below the crop size ${minSide}`);
  }
  if (verify) {
    try {
      // Full decode with libvips' strictest setting that still accepts valid files: truncated or corrupt
      // pixel data throws here. The header has already been read, so any failure is the pixel data's — whatever
      // libvips' message says (under load it can be a bare "Unknown error").
      await sharp(path, { failOn: 'error', limitInputPixels: maxPixels }).raw().toBuffer();
    } catch (e) {
      return skip('truncated', `the pixel data is cut short or corrupt: ${firstLine(e)}`);
    }
  }
  return { ok: { path, relPath, format: fmt, width, height, bytes: size } };
}

async function checkSeg(segPath: string, img: ScannedImage): Promise<string | null> {
  try {
    const meta = await sharp(segPath).metadata();
    if (meta.format !== 'png') return `not a PNG (${String(meta.format)})`;
    if (meta.width !== img.width || meta.height !== img.height) {
      return `size ${meta.width}×${meta.height} differs from the image's ${img.width}×${img.height}`;
    }
    return null;
  } catch (e) {
    return `unreadable: ${firstLine(e)}`;
  }
}

async function checkPose(posePath: string): Promise<string | null> {
  try {
    parseOpenPose(JSON.parse(await readFile(posePath, 'utf8')) as unknown);
    return null;
  } catch (e) {
    return firstLine(e);
  }
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

/** Scan `root` recursively and classify every file. Throws only when `root` is not a readable folder. */
export async function scanFolder(root: string, options: ScanOptions = {}): Promise<ScanReport> {
  const t0 = performance.now();
  const minSide = options.minSide ?? DEFAULT_MIN_SIDE;
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const verifyPixels = options.verifyPixels ?? true;
  let st;
  try {
    st = await stat(root);
  } catch (e) {
    throw new Error(`Cannot scan ${root}: ${firstLine(e)}. Choose an existing folder of images.`, { cause: e });
  }
  if (!st.isDirectory()) throw new Error(`Cannot scan ${root}: it is not a folder. Choose a folder of images.`);

  const all = await listFiles(root);
  const names = new Set(all);
  const candidates = all.filter((p) => !isConditionFile(basename(p)));
  const rel = (p: string): string => relative(root, p).split(sep).join('/');

  const verdicts = await mapLimit(candidates, options.concurrency ?? 2, (p) => inspectImage(p, rel(p), minSide, maxPixels, verifyPixels));
  const usable: ScannedImage[] = [];
  const skipped: SkippedFile[] = [];
  for (const v of verdicts) {
    if ('ok' in v) usable.push(v.ok);
    else skipped.push(v.skip);
  }

  const invalidConditions: InvalidCondition[] = [];
  for (const img of usable) {
    const stem = imageStem(img.path);
    const seg = stem + SEG_SUFFIX;
    if (names.has(seg)) {
      const problem = await checkSeg(seg, img);
      if (problem === null) img.segPath = seg;
      else invalidConditions.push({ relPath: rel(seg), kind: 'semantic', detail: problem });
    }
    const pose = stem + POSE_SUFFIX;
    if (names.has(pose)) {
      const problem = await checkPose(pose);
      if (problem === null) img.posePath = pose;
      else invalidConditions.push({ relPath: rel(pose), kind: 'pose', detail: problem });
    }
  }

  const summary = (has: (i: ScannedImage) => boolean): ConditionSummary => ({
    present: usable.filter(has).length,
    missing: usable.filter((i) => !has(i)).map((i) => i.relPath),
  });
  const conditions: Record<TrainingDataMode, ConditionSummary> = {
    none: summary(() => true),
    edges: summary(() => true),
    semantic: summary((i) => i.segPath !== undefined),
    pose: summary((i) => i.posePath !== undefined),
  };
  return {
    root,
    found: candidates.length,
    usable,
    skipped,
    invalidConditions,
    conditions,
    settings: { minSide, maxPixels, verifyPixels },
    elapsedMs: performance.now() - t0,
  };
}

/** The usable images that can train in `mode` (semantic/pose need their condition file). */
export function imagesForMode(report: ScanReport, mode: TrainingDataMode): ScannedImage[] {
  if (mode === 'semantic') return report.usable.filter((i) => i.segPath !== undefined);
  if (mode === 'pose') return report.usable.filter((i) => i.posePath !== undefined);
  return report.usable;
}

/** A human-readable summary of a scan for logs and the CLI. */
export function formatScanReport(report: ScanReport, mode: TrainingDataMode = 'none'): string {
  const lines: string[] = [];
  lines.push(`Scanned ${report.root}: ${report.found} files, ${report.usable.length} usable, ${report.skipped.length} skipped (${report.elapsedMs.toFixed(0)} ms).`);
  const byReason = new Map<SkipReason, SkippedFile[]>();
  for (const s of report.skipped) byReason.set(s.reason, [...(byReason.get(s.reason) ?? []), s]);
  for (const [reason, files] of byReason) {
    lines.push(`  skipped (${reason}): ${files.length}`);
    for (const f of files.slice(0, 20)) lines.push(`    ${f.relPath}: ${f.detail}`);
    if (files.length > 20) lines.push(`    … and ${files.length - 20} more`);
  }
  for (const c of report.invalidConditions) lines.push(`  ignored ${c.kind} file ${c.relPath}: ${c.detail}`);
  if (mode === 'semantic' || mode === 'pose') {
    const s = report.conditions[mode];
    const file = mode === 'semantic' ? '<stem>.seg.png' : '<stem>.pose.json';
    lines.push(`  ${mode}: ${s.present} of ${report.usable.length} images have ${file}; ${s.missing.length} lack it and are left out.`);
    for (const m of s.missing.slice(0, 20)) lines.push(`    missing: ${m}`);
    if (s.missing.length > 20) lines.push(`    … and ${s.missing.length - 20} more`);
  }
  return lines.join('\n');
}
