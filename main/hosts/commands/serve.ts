// `tessera serve`: the web host — the UI and the API on 127.0.0.1, for a browser.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { integerOption } from '../cli-command';
import type { CliCommand } from '../cli-command';
import { openBackend } from '../../services/backend';
import { startWebHost } from '../web-host';
import { REPO_ROOT } from '../paths';

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'Serve the Tessera UI and API on 127.0.0.1 (prints the URL with its access token)',
  usage: '[--port N] [--renderer DIR]',
  details: [
    '--port N        TCP port on 127.0.0.1 (default 0: a free port)',
    '--renderer DIR  built UI to serve (default dist/renderer; build it with `npx vite build`)',
  ],
  options: { port: { type: 'string' }, renderer: { type: 'string' } },
  async run({ values }, ctx) {
    const port = integerOption(values, 'port', 0, 65535, 0);
    const rendererDir = path.resolve(typeof values.renderer === 'string' ? values.renderer : path.join(REPO_ROOT, 'dist', 'renderer'));
    const backend = await openBackend({ host: 'web', userDataDir: ctx.userDataDir });
    const settings = await backend.api.settings.get();
    if (settings.recovered) ctx.err(`tessera: warning: ${settings.recovered.reason} (moved to ${settings.recovered.movedTo})`);
    if (!fs.existsSync(path.join(rendererDir, 'index.html'))) {
      ctx.err(`tessera: warning: no built UI in ${rendererDir}; the API works, but run \`npx vite build\` to serve the UI.`);
    }
    const host = await startWebHost({ api: backend.api, port, rendererDir }).catch(async (err: unknown) => {
      await backend.close();
      throw err;
    });
    ctx.out(`Tessera web host: ${host.url}`);
    ctx.out(`user data: ${ctx.userDataDir} — press Ctrl+C to stop.`);
    await ctx.stopRequested;
    await host.close();
    await backend.close();
    return 0;
  },
};
