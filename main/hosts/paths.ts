// Paths of the source checkout, for the hosts that run from it (CLI, web host under tsx).

import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is main/hosts/paths.ts). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
