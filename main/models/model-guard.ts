// Which bundle folders the model manager may change. A model id is the absolute folder of a bundle;
// rename and delete accept only a direct, real (not symbolic-link) sub-folder of `<library>/models`
// that holds a manifest. Everything else is refused with the reason: the bundled zoo, the models
// folder itself, `..` tricks, relative paths, links that point elsewhere, staging folders.

import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { MANIFEST_FILE } from '../../native-models/formats/bundle';
import { DEFAULT_ZOO_DIR, libraryModelsFolder } from './model-folders';
import { STAGING_PREFIX } from './model-registry';

export class ModelAccessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelAccessError';
  }
}

function inside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Resolves `id` to a library bundle folder this app may rename or delete, or throws ModelAccessError. */
export async function editableModelFolder(id: string, options: { libraryFolder: string; zooDir?: string }, action: string): Promise<string> {
  if (!path.isAbsolute(id)) throw new ModelAccessError(`Cannot ${action} "${id}": a model id is the bundle's absolute folder path, as models.registry lists it.`);
  if (id.split(/[\\/]/).includes('..')) throw new ModelAccessError(`Cannot ${action} "${id}": the path contains "..". Use the id exactly as models.registry lists it.`);
  const zoo = path.resolve(options.zooDir ?? DEFAULT_ZOO_DIR);
  const folder = path.resolve(id);
  if (inside(zoo, folder)) throw new ModelAccessError(`Cannot ${action} "${path.basename(folder)}": it is a bundled model that ships with Tessera. Bundled models are read-only; export or import a copy to change it.`);
  const modelsDir = path.resolve(libraryModelsFolder(options.libraryFolder));
  if (path.dirname(folder) !== modelsDir) {
    throw new ModelAccessError(`Cannot ${action} ${folder}: only bundle folders directly inside the library's models folder (${modelsDir}) can be changed here.`);
  }
  if (path.basename(folder).startsWith(STAGING_PREFIX)) throw new ModelAccessError(`Cannot ${action} ${folder}: it is an import in progress; cancel the import instead.`);
  let stat;
  try {
    stat = await fs.lstat(folder);
  } catch {
    throw new ModelAccessError(`Cannot ${action} ${folder}: no such model folder (it may have been removed already). Refresh the model list.`);
  }
  if (stat.isSymbolicLink()) throw new ModelAccessError(`Cannot ${action} ${folder}: it is a symbolic link, not a bundle folder; remove the link in your file manager.`);
  if (!stat.isDirectory()) throw new ModelAccessError(`Cannot ${action} ${folder}: it is a file, not a bundle folder.`);
  const realModels = await fs.realpath(modelsDir);
  const realFolder = await fs.realpath(folder);
  if (path.dirname(realFolder) !== realModels) throw new ModelAccessError(`Cannot ${action} ${folder}: it resolves to ${realFolder}, outside the library's models folder.`);
  if (!(await fs.access(path.join(folder, MANIFEST_FILE)).then(() => true, () => false))) {
    throw new ModelAccessError(`Cannot ${action} ${folder}: it has no ${MANIFEST_FILE}, so it is not a Tessera bundle.`);
  }
  const manifestStat = await fs.lstat(path.join(folder, MANIFEST_FILE));
  if (!manifestStat.isFile()) throw new ModelAccessError(`Cannot ${action} ${folder}: its ${MANIFEST_FILE} is not a regular file.`);
  return folder;
}
