// Where settings and the database live when no Electron `app.getPath('userData')` is at hand (CLI,
// web host, tests). Mirrors Electron's choice for productName "Tessera", so the desktop app and the
// CLI share one folder. TESSERA_USER_DATA overrides it.

import * as os from 'node:os';
import * as path from 'node:path';
import { APP_NAME } from './app-info';

export function defaultUserDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  if (env.TESSERA_USER_DATA) return path.resolve(env.TESSERA_USER_DATA);
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), APP_NAME);
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', APP_NAME);
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), APP_NAME);
}
