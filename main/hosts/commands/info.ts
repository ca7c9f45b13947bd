// `tessera info`: what this installation is and what it can run on (the same data as app.info()).

import type { CliCommand } from '../cli-command';
import { openBackend } from '../../services/backend';

export const infoCommand: CliCommand = {
  name: 'info',
  summary: 'Show the version, runtimes, execution providers and settings',
  usage: '[--json]',
  options: { json: { type: 'boolean' } },
  async run({ values }, ctx) {
    const backend = await openBackend({ host: 'cli', userDataDir: ctx.userDataDir });
    try {
      const info = await backend.api.app.info();
      const settings = await backend.api.settings.get();
      if (values.json) {
        ctx.out(JSON.stringify({ info, settings }, null, 2));
        return 0;
      }
      const providers = info.executionProviders
        .map((p) => (p.bundled ? p.name : `${p.name} (not bundled)`))
        .join(', ');
      ctx.out(`${info.name} ${info.version} on ${info.platform} ${info.arch}, Node ${info.versions.node}` +
        (info.versions.electron ? `, Electron ${info.versions.electron}` : ''));
      ctx.out(info.versions.onnxruntime
        ? `onnxruntime-node ${info.versions.onnxruntime}; execution providers: ${providers || 'none'}`
        : `onnxruntime-node: unavailable — ${info.onnxruntimeError}`);
      ctx.out(info.sqlite.available ? `SQLite ${info.sqlite.version} (better-sqlite3)` : `SQLite: unavailable — ${info.sqlite.error}`);
      ctx.out(`user data: ${info.userDataDir}`);
      ctx.out(`settings: ${settings.file}`);
      ctx.out(`library folder: ${settings.values.libraryFolder}`);
      if (settings.recovered) ctx.err(`tessera: warning: ${settings.recovered.reason} (moved to ${settings.recovered.movedTo})`);
      return 0;
    } finally {
      await backend.close();
    }
  },
};
