// Starts the real web host on an ephemeral port and talks to it over real HTTP and a real WebSocket.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { WebSocket } from 'ws';
import { startWebHost } from '../../../main/hosts/web-host';
import type { WebHost } from '../../../main/hosts/web-host';
import { openBackend } from '../../../main/services/backend';
import { readGenerationRecord, writePngFileSync } from '../../../main/gallery/png-record';
import type { Backend } from '../../../main/services/backend';
import { listMethodPaths } from '../../../preload/contract';

let dir: string;
let rendererDir: string;
let backend: Backend;
let host: WebHost;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-webhost-'));
  rendererDir = path.join(dir, 'renderer');
  fs.mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>t</title>');
  fs.writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'do not serve');
  backend = await openBackend({ host: 'web', userDataDir: path.join(dir, 'user-data') });
  host = await startWebHost({ api: backend.api, port: 0, rendererDir });
});
afterAll(async () => {
  await host.close();
  await backend.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Frame { id?: number | string | null; result?: unknown; error?: { code: string; message: string }; event?: string; payload?: unknown }

/** A minimal client: open, send requests, collect frames. */
async function connect(url = host.socketUrl, headers: Record<string, string> = {}) {
  const ws = new WebSocket(url, { headers });
  const frames: Frame[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (data) => {
    frames.push(JSON.parse(String(data)) as Frame);
    for (const w of waiters.splice(0)) w();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const waitFor = async (pred: (f: Frame) => boolean): Promise<Frame> => {
    for (;;) {
      const found = frames.find(pred);
      if (found) return found;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  let next = 1;
  const call = async (method: string, params?: unknown): Promise<Frame> => {
    const id = next++;
    ws.send(JSON.stringify({ id, method, params }));
    return waitFor((f) => f.id === id);
  };
  return { ws, frames, call, waitFor };
}

/** Resolves with the HTTP status a refused upgrade gets. */
function refusedUpgrade(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => reject(new Error('the upgrade was accepted')));
    ws.on('error', () => undefined);
  });
}

function rawGet(pathAndQuery: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: host.port, path: pathAndQuery, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += String(c)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('web host', () => {
  it('listens on 127.0.0.1 with a random 64-hex token in its URLs', () => {
    expect(host.port).toBeGreaterThan(0);
    expect(host.token).toMatch(/^[0-9a-f]{64}$/);
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/?token=${host.token}`);
  });

  it('round-trips every v0 method over the WebSocket and pushes settings.onDidChange', async () => {
    const client = await connect();
    const tested = new Set<string>();

    const info = await client.call('app.info');
    tested.add('app.info');
    expect(info.result).toMatchObject({ name: 'Tessera', host: 'web', platform: process.platform, versions: { node: process.versions.node } });
    expect((info.result as { executionProviders: { name: string }[] }).executionProviders.map((p) => p.name)).toContain('cpu');

    const before = await client.call('settings.get');
    tested.add('settings.get');
    expect(before.result).toMatchObject({ values: { libraryFolder: path.join(dir, 'user-data', 'library') }, recovered: null });

    const folder = path.join(dir, 'chosen library');
    const updated = await client.call('settings.update', { libraryFolder: folder });
    tested.add('settings.update');
    expect(updated.result).toMatchObject({ values: { libraryFolder: folder } });
    const pushed = await client.waitFor((f) => f.event === 'settings.onDidChange');
    expect(pushed.payload).toEqual(updated.result);
    expect((await client.call('settings.get')).result).toEqual(updated.result);

    // jobs (issue 5): a job for a missing bundle is accepted, then finishes as failed with the reason.
    const job = await client.call('jobs.generate', { model: path.join(dir, 'no-such-bundle') });
    tested.add('jobs.generate');
    const jobId = (job.result as { jobId: string }).jobId;
    expect(jobId).toMatch(/^[0-9a-f-]{36}$/);
    const finished = await client.waitFor((f) => f.event === 'jobs.onDidJobFinish');
    expect(finished.payload).toMatchObject({ jobId, status: 'failed', error: expect.stringMatching(/not found/) });
    const cancel = await client.call('jobs.cancel', { jobId });
    tested.add('jobs.cancel');
    expect(cancel.result).toEqual({ cancelled: false });
    const bad = await client.call('jobs.generate', { model: 'x', n: 0 });
    expect(bad.error).toMatchObject({ code: 'bad-params' });
    const int4 = await client.call('jobs.generate', { model: 'x', gptWeights: 'int4' });
    expect(int4.error).toMatchObject({ code: 'bad-params' });
    expect(JSON.stringify(int4.error)).toMatch(/gptWeights/);
    const stride0 = await client.call('jobs.generate', { model: 'x', windowStride: 0 });
    expect(stride0.error).toMatchObject({ code: 'bad-params' });
    expect(JSON.stringify(stride0.error)).toMatch(/windowStride/);

    // gallery (issue 7): a PNG written with its record into the chosen library is adopted by rescan,
    // then found, starred, annotated, thumbnailed, exported and deleted over the socket.
    const call = async (method: string, params?: unknown) => {
      tested.add(method);
      const f = await client.call(method, params);
      expect(f.error).toBeUndefined();
      return f.result as Record<string, unknown>;
    };
    expect(await call('gallery.query')).toEqual({ items: [], total: 0 });
    const pixels = Uint8Array.from({ length: 8 * 4 * 3 }, (_, i) => (i * 29) & 0xff);
    writePngFileSync(path.join(folder, 'images', 'seeded.png'), { width: 8, height: 4, channels: 3, data: pixels }, {
      format: 'tessera.generation', version: 1, appVersion: '0.1.0', createdAt: '2026-11-28T12:00:00.000Z',
      model: { id: 'sflckr-tiny', sha256: 'ab'.repeat(32) }, mode: 'semantic', seed: 77,
      sampler: { temperature: 1, topK: 100, topP: null, greedy: false }, size: { width: 8, height: 4 },
      executionProvider: 'cpu', timings: { totalMs: 10 }, classesUsed: ['sea'], condition: null,
    });
    expect(await call('gallery.rescan')).toMatchObject({ added: ['seeded'], removed: [] });
    expect((await client.waitFor((f) => f.event === 'gallery.onDidGalleryChange')).payload).toMatchObject({ kind: 'rescanned' });
    expect(await call('gallery.query', { text: 'sea', modes: ['semantic'] })).toMatchObject({ total: 1, items: [{ id: 'seeded', seed: 77 }] });
    expect(await call('gallery.facets')).toMatchObject({ total: 1, modes: ['semantic'] });
    expect(await call('gallery.get', { id: 'seeded' })).toMatchObject({ record: { seed: 77 }, filePath: path.join(folder, 'images', 'seeded.png') });
    expect((await call('gallery.thumbnail', { id: 'seeded', size: 64 })).dataUrl).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);
    expect(await call('gallery.setStar', { id: 'seeded', starred: true })).toMatchObject({ starred: true });
    expect(await call('gallery.setNotes', { id: 'seeded', notes: 'keeper' })).toMatchObject({ notes: 'keeper' });
    const exported = await call('gallery.exportPng', { id: 'seeded', withMetadata: false });
    expect(readGenerationRecord(Buffer.from(exported.pngBase64 as string, 'base64'))).toBeNull();
    expect(await call('gallery.openFolder')).toEqual({ path: path.join(folder, 'images'), opened: false });
    expect(await call('gallery.remove', { id: 'seeded' })).toEqual({ removed: true });
    expect(fs.existsSync(path.join(folder, 'images', 'seeded.png'))).toBe(false);
    expect((await client.call('gallery.get', { id: '../secret' })).error).toMatchObject({ code: 'bad-params' });

    // models + conditions (issue 7, studio): the chosen library has no models folder yet, so only the bundled
    // starter models are listed; a 4×4 PNG with a bright 2×2 block passes through as an edge map.
    const listed = await call('models.list');
    expect(listed).toMatchObject({ libraryModelsFolder: path.join(folder, 'models') });
    const starters = listed.models as { name: string; source: string }[];
    expect(starters.map((m) => m.source)).toEqual(starters.map(() => 'zoo'));
    expect(starters.map((m) => m.name)).toContain('starter-landscapes');
    const block = new PNG({ width: 4, height: 4 });
    for (let i = 0; i < 16; i++) block.data.set(i === 5 || i === 6 || i === 9 || i === 10 ? [255, 255, 255, 255] : [0, 0, 0, 255], i * 4);
    const edges = await call('conditions.edgesFromImage', { pngBase64: PNG.sync.write(block).toString('base64'), low: 0.1, high: 0.2, passThrough: true });
    expect(edges).toMatchObject({ width: 4, height: 4, edgePixels: 4 });
    expect((await client.call('conditions.edgesFromImage', { pngBase64: 'AAAA', low: 0.5, high: 0.1 })).error).toMatchObject({ code: 'bad-params' });

    // model manager + device (issue 8): upload a fixture checkpoint in chunks, import it, rename, export, delete.
    const ckpt = fs.readFileSync(path.join(import.meta.dirname, '../../fixtures/taming/vqgan-f4-attn.ckpt'));
    const up = await call('models.uploadBegin', { fileName: 'vqgan-f4-attn.ckpt', bytes: ckpt.length });
    const half = Math.floor(ckpt.length / 2);
    await call('models.uploadChunk', { uploadId: up.uploadId, offset: 0, base64: ckpt.subarray(0, half).toString('base64') });
    await call('models.uploadChunk', { uploadId: up.uploadId, offset: half, base64: ckpt.subarray(half).toString('base64') });
    const { source } = await call('models.uploadFinish', { uploadId: up.uploadId });
    const started = await call('models.import', { source });
    const doneFrame = await client.waitFor((f) => f.event === 'models.onDidImportProgress' && (f.payload as { phase: string; importId: string }).importId === started.importId && ['done', 'failed'].includes((f.payload as { phase: string }).phase));
    const imported = (doneFrame.payload as { phase: string; model: { id: string; kind: string } | null; error: string | null });
    expect(imported).toMatchObject({ phase: 'done', error: null, model: { kind: 'vqgan', name: 'vqgan-f4-attn' } });
    expect((await client.waitFor((f) => f.event === 'models.onDidModelsChange')).payload).toMatchObject({ reason: 'imported' });
    const registry = await call('models.registry');
    const entries = registry.models as { id: string; origin: string }[];
    expect(entries.filter((m) => m.origin !== 'bundled').map((m) => m.id)).toEqual([imported.model!.id]);
    expect(await call('models.rename', { id: imported.model!.id, name: 'Renamed VQGAN' })).toMatchObject({ name: 'Renamed VQGAN' });
    expect(await call('models.exportTaming', { id: imported.model!.id, outDir: path.join(dir, 'exported') })).toMatchObject({ checkpoint: path.join(dir, 'exported', 'last.ckpt') });
    expect(await call('models.cancelImport', { importId: started.importId })).toEqual({ cancelled: false });
    const spare = await call('models.uploadBegin', { fileName: 'x.ckpt', bytes: 4 });
    expect(await call('models.uploadAbort', { uploadId: spare.uploadId })).toEqual({ aborted: true });
    expect(await call('models.remove', { id: imported.model!.id })).toEqual({ removed: imported.model!.id });
    expect((await client.call('models.remove', { id: `${folder}/models/../settings.json` })).error?.message).toMatch(/contains "\.\."/);
    const device = await call('device.list');
    expect((device.providers as { name: string; selfTest: { ok: boolean } }[]).find((p) => p.name === 'cpu')?.selfTest.ok).toBe(true);

    // finetune (issues 6, 8): the job list is empty; every other method answers with a clear refusal here
    // (training itself is tested in tests/main/finetune).
    expect(await call('finetune.runs')).toEqual([]);
    const refused = async (method: string, params: unknown, message: RegExp) => {
      tested.add(method);
      expect((await client.call(method, params)).error?.message).toMatch(message);
    };
    const notBundle = path.join(dir, 'renderer');
    await refused('finetune.scan', { model: notBundle, images: dir }, /is not a readable model bundle/);
    await refused('finetune.estimate', { model: notBundle, stage: 'vqgan', images: 3 }, /is not a readable model bundle/);
    await refused('finetune.start', { model: notBundle, images: dir, stage: 'transformer', steps: 0 }, /params\.steps must be an integer >= 1/);
    for (const method of ['finetune.stop', 'finetune.resume', 'finetune.run', 'finetune.compare']) await refused(method, { runId: 'no-such-job' }, /Unknown fine-tune job "no-such-job"/);

    expect([...tested].sort()).toEqual(listMethodPaths().sort());
    client.ws.close();
  });

  it('pushes events to every connected client', async () => {
    const a = await connect();
    const b = await connect();
    await a.call('settings.update', { libraryFolder: path.join(dir, 'shared') });
    const seen = await b.waitFor((f) => f.event === 'settings.onDidChange');
    expect(seen.payload).toMatchObject({ values: { libraryFolder: path.join(dir, 'shared') } });
    a.ws.close();
    b.ws.close();
  });

  it('answers bad requests with errors, not by dropping the connection', async () => {
    const client = await connect();
    expect((await client.call('settings.update', { libraryFolder: 5 })).error)
      .toEqual({ code: 'bad-params', message: 'settings.update: params.libraryFolder must be a non-empty string, got number 5.' });
    expect((await client.call('gallery.drop')).error?.code).toBe('unknown-method');
    client.ws.send('not json');
    expect((await client.waitFor((f) => f.id === null)).error?.message).toMatch(/must be JSON/);
    expect((await client.call('app.info')).result).toBeTruthy();
    client.ws.close();
  });

  it('refuses the WebSocket without the right token, from a foreign origin, or on another path', async () => {
    const base = `ws://127.0.0.1:${host.port}/api`;
    expect(await refusedUpgrade(base)).toBe(401);
    expect(await refusedUpgrade(`${base}?token=${'0'.repeat(64)}`)).toBe(401);
    expect(await refusedUpgrade(`${base}?token=${host.token.slice(1)}`)).toBe(401);
    expect(await refusedUpgrade(host.socketUrl, { Origin: 'http://evil.example' })).toBe(403);
    expect(await refusedUpgrade(`ws://127.0.0.1:${host.port}/other?token=${host.token}`)).toBe(404);
  });

  it('refuses HTTP without the token and serves the UI with it (then by cookie)', async () => {
    const base = `http://127.0.0.1:${host.port}`;
    const bare = await fetch(`${base}/`);
    expect(bare.status).toBe(401);
    expect(await bare.text()).toMatch(/needs its access token/);
    expect((await fetch(`${base}/assets/app.js`)).status).toBe(401);

    const page = await fetch(host.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const cookie = page.headers.get('set-cookie')?.split(';')[0] ?? '';
    expect(cookie).toBe(`tessera-token-${host.port}=${host.token}`);
    const asset = await fetch(`${base}/assets/app.js`, { headers: { cookie } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await asset.text()).toBe('console.log(1)');

    // The cookie also authorises the WebSocket (what the browser client relies on after a reload).
    const viaCookie = await connect(`ws://127.0.0.1:${host.port}/api`, { cookie });
    expect((await viaCookie.call('settings.get')).result).toBeTruthy();
    viaCookie.ws.close();
  });

  it('never serves files outside the renderer folder and refuses foreign Host headers', async () => {
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/../../secret.txt', '/%2e%2e%2fsecret.txt']) {
      const res = await rawGet(`${p}?token=${host.token}`, { host: `127.0.0.1:${host.port}` });
      expect(res.status).toBe(404);
      expect(res.body).not.toContain('do not serve');
    }
    const rebinding = await rawGet(`/?token=${host.token}`, { host: `evil.example:${host.port}` });
    expect(rebinding.status).toBe(403);
  });
});
