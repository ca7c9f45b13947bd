// Fuzz cases for the API over the real web host: every method with payloads of the wrong type, unknown and
// prototype-reaching method names, malformed and oversized frames. Each must be answered with a typed error
// (bad-params / unknown-method) on a connection that keeps working.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { startWebHost } from '../../../main/hosts/web-host';
import type { WebHost } from '../../../main/hosts/web-host';
import { openBackend } from '../../../main/services/backend';
import type { Backend } from '../../../main/services/backend';
import { listMethodPaths } from '../../../preload/contract';
import { FuzzRng } from '../harness';
import type { FuzzCase, FuzzGroup } from '../harness';
import { bombPng } from './images';

interface Frame { id?: unknown; result?: unknown; error?: { code: string; message: string } }

/** One WebSocket client that sends raw text and waits for the answer with that id (or id null). */
class Client {
  private frames: Frame[] = [];
  private waiters: (() => void)[] = [];
  closeCode: number | null = null;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as Frame);
      for (const w of this.waiters.splice(0)) w();
    });
    ws.on('error', () => undefined); // a refused oversized frame closes the socket; 'close' reports it
    ws.on('close', (code) => {
      this.closeCode = code;
      for (const w of this.waiters.splice(0)) w();
    });
  }
  static async open(url: string): Promise<Client> {
    const ws = new WebSocket(url, { maxPayload: 64 * 1024 * 1024 });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new Client(ws);
  }
  async send(text: string | Buffer, id: unknown, binary = false): Promise<Frame | { closed: number }> {
    this.frames = [];
    this.ws.send(text, { binary });
    for (;;) {
      // Calls run one at a time, so the first answer (a frame with an id) is the answer to this one.
      const found = this.frames.find((f) => 'id' in f);
      void id;
      if (found) return found;
      if (this.closeCode !== null) return { closed: this.closeCode };
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
}

const BAD_PAYLOADS: readonly [string, unknown][] = [
  ['a number', 42], ['a string', 'text'], ['an array', [1, 2]], ['true', true], ['null', null],
  ['an unknown field', { bogus: 1 }], ['a __proto__ field', JSON.parse('{"__proto__": {"polluted": 1}}')],
  ['a NaN-like string', 'NaN'], ['a nested array', [[[[[]]]]]], ['a huge number', 1e308],
];

let backend: Backend | null = null;
let host: WebHost | null = null;

export const apiGroup: FuzzGroup = {
  async cases(dir, seed) {
    const rng = new FuzzRng(seed ^ 0x3333);
    mkdirSync(join(dir, 'renderer'), { recursive: true });
    backend = await openBackend({ host: 'web', userDataDir: join(dir, 'user-data') });
    host = await startWebHost({ api: backend.api, port: 0, rendererDir: join(dir, 'renderer') });
    let client = await Client.open(host.socketUrl);
    let nextId = 1;
    const cases: FuzzCase[] = [];

    /** Sends `frame` (text) and requires a typed refusal; reconnects if the host closed the socket. */
    const refused = (kind: string, name: string, frame: () => { text: string | Buffer; id: unknown; binary?: boolean }, codes: readonly string[]) => {
      cases.push({
        kind,
        name,
        run: async () => {
          if (client.closeCode !== null) client = await Client.open(host!.socketUrl);
          const { text, id, binary } = frame();
          const answer = await client.send(text, id, binary);
          if ('closed' in answer) {
            if (answer.closed === 1009) return `connection closed with 1009 (message too big)`;
            throw new TypeError(`the host dropped the connection (code ${answer.closed})`);
          }
          if (answer.error === undefined) return undefined;
          if (!codes.includes(answer.error.code)) throw new TypeError(`answered ${answer.error.code}: ${answer.error.message}`);
          if (answer.error.message.length < 16) throw new TypeError(`terse error: ${answer.error.message}`);
          return `${answer.error.code}: ${answer.error.message}`;
        },
      });
    };
    const call = (method: unknown, params: unknown) => () => {
      const id = nextId++;
      return { text: JSON.stringify({ id, method, params }), id };
    };

    for (const method of listMethodPaths()) {
      const picks = new Set<number>();
      while (picks.size < 3) picks.add(rng.int(BAD_PAYLOADS.length));
      for (const p of picks) {
        const [what, payload] = BAD_PAYLOADS[p]!;
        refused('api:params', `${method} with ${what}`, call(method, payload), ['bad-params']);
      }
    }
    for (const method of [
      '', 'app', 'app.', '.info', 'app.info.extra', '__proto__.toString', 'constructor.constructor', 'app.__proto__',
      'app.constructor', 'app.hasOwnProperty', 'app.toString', 'toString', 'settings.update.call', 'jobs.generate ', 'APP.INFO',
      'x'.repeat(100_000), 'gallery.drop',
    ]) refused('api:method', `method ${JSON.stringify(method.slice(0, 30))}${method.length > 30 ? '…' : ''}`, call(method, undefined), ['unknown-method']);
    for (const method of [42, null, ['app.info'], { name: 'app.info' }, true]) {
      refused('api:method', `method is ${JSON.stringify(method)}`, call(method, undefined), ['unknown-method']);
    }
    const frames: [string, string][] = [
      ['not JSON', 'not json'], ['truncated JSON', '{"id": 1, "method": "app.info"'], ['JSON null', 'null'], ['JSON number', '12'],
      ['JSON array', '[1, 2, 3]'], ['no id', '{"method": "app.info"}'], ['id is an object', '{"id": {}, "method": "app.info"}'],
      ['id is an array', '{"id": [1], "method": "app.info"}'], ['id is true', '{"id": true, "method": "app.info"}'],
      ['nested 100000 arrays deep', `{"id": 1, "method": "app.info", "params": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`],
      ['empty text', ''], ['a lone surrogate', '{"id": 1, "method": "\ud800"}'], ['a BOM before the JSON', '\ufeff{"id": 1, "method": "app.info"}'],
    ];
    for (const [name, text] of frames) refused('api:frame', name, () => ({ text, id: null }), ['bad-params', 'unknown-method']);
    refused('api:frame', 'a binary frame', () => ({ text: Buffer.from('{"id":1,"method":"app.info"}'), id: null, binary: true }), ['bad-params']);
    refused('api:frame', 'a 33 MB message', () => ({ text: `{"id": 1, "method": "settings.update", "params": {"libraryFolder": "${'a'.repeat(33 * 1024 * 1024)}"}}`, id: 1 }), []);
    refused('api:params', 'settings.update with a 2 MB folder name', call('settings.update', { libraryFolder: `/tmp/${'a'.repeat(2_000_000)}` }), ['bad-params']);
    refused('api:params', 'gallery.get with a traversal id', call('gallery.get', { id: '../../etc/passwd' }), ['bad-params']);
    refused('api:params', 'models.uploadChunk with an unknown upload', call('models.uploadChunk', { uploadId: 'upload:nope', offset: 0, base64: 'AAAA' }), ['bad-params', 'failed']);
    refused('api:params', 'models.uploadBegin of 10^15 bytes', call('models.uploadBegin', { fileName: 'x.ckpt', bytes: 1e15 }), ['bad-params']);
    refused('api:params', 'conditions.edgesFromImage with a 100000² bomb', call('conditions.edgesFromImage', {
      pngBase64: bombPng(100_000, 100_000).toString('base64'), low: 0.1, high: 0.2,
    }), ['failed']);
    cases.push({
      kind: 'api:frame',
      name: 'the host still answers after everything above',
      run: async () => {
        if (client.closeCode !== null) client = await Client.open(host!.socketUrl);
        const id = nextId++;
        const answer = await client.send(JSON.stringify({ id, method: 'app.info', params: 42 }), id);
        if ('closed' in answer || answer.error?.code !== 'bad-params') throw new TypeError(`the host no longer answers properly: ${JSON.stringify(answer).slice(0, 200)}`);
        const ok = nextId++;
        const info = await client.send(JSON.stringify({ id: ok, method: 'app.info' }), ok);
        if ('closed' in info || info.error) throw new TypeError('app.info failed after the fuzz');
        return 'refused the bad call and answered app.info';
      },
    });
    return cases;
  },
  async close() {
    await host?.close();
    await backend?.close();
  },
};
