// Where models live: the bundled zoo and the library's own models folder.

import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The bundled zoo: in the packaged app electron-builder's extraResources put native-models/zoo at
 * `<process.resourcesPath>/zoo` (the bundled main script's own folder has no zoo); from the sources
 * (web host, CLI, tests, unpackaged Electron) it is native-models/zoo, found from this module's folder upwards
 * (the same from main/models/ in the sources and from dist/electron/ in the unpackaged bundle).
 */
export const DEFAULT_ZOO_DIR = packagedZoo() ?? sourceZoo(path.dirname(fileURLToPath(import.meta.url)));

function packagedZoo(): string | null {
  const resources = (process as { resourcesPath?: string }).resourcesPath;
  const zoo = resources ? path.join(resources, 'zoo') : null;
  return zoo && existsSync(zoo) ? zoo : null;
}

/** `<library>/models`: where the studio looks for the person's own bundles. */
export function libraryModelsFolder(libraryFolder: string): string {
  return path.join(libraryFolder, 'models');
}


function sourceZoo(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const zoo = path.join(dir, 'native-models', 'zoo');
    if (existsSync(zoo)) return zoo;
    if (path.dirname(dir) === dir) return path.resolve(from, '..', '..', '..', 'native-models', 'zoo');
  }
}
