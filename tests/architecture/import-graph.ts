// The static import graph of the repository's TypeScript (relative imports only), read with the TypeScript
// compiler's parser, and its cycles (strongly connected components of more than one file, or a file importing
// itself). Used by import-cycles.test.ts; run directly (`npx tsx tests/architecture/import-graph.ts`) it prints
// every cycle.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { REPO_ROOT, sourceFiles } from './source-files';

export interface ImportEdge {
  from: string;
  to: string;
  /** `import type` / `export type … from`: erased at compile time, no load-order effect. */
  typeOnly: boolean;
}

const CANDIDATE_SUFFIXES = ['', '.ts', '.tsx', '.d.ts', '/index.ts', '/index.tsx'];

/** The repo file a relative specifier names (`./x`, `./x.js` written for `./x.ts`), or null when it is not ours. */
function resolveSpecifier(fromFile: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  const base = join(REPO_ROOT, dirname(fromFile), specifier);
  const stems = [base, base.replace(/\.(m?js|cjs)$/, '')];
  for (const stem of stems) {
    for (const suffix of CANDIDATE_SUFFIXES) {
      const candidate = stem + suffix;
      if (existsSync(candidate) && statSync(candidate).isFile()) return relative(REPO_ROOT, candidate).split('\\').join('/');
    }
  }
  return null;
}

/** Whether an import declaration brings in only types (`import type {…}` or every named binding `type`). */
function importIsTypeOnly(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (!clause) return false; // side-effect import
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const bindings = clause.namedBindings;
  return bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
}

/** Static imports and re-exports of one file (dynamic `import()` is lazy and is left out). */
export function importsOf(file: string): ImportEdge[] {
  const source = ts.createSourceFile(file, readFileSync(join(REPO_ROOT, file), 'utf8'), ts.ScriptTarget.Latest, false);
  const edges: ImportEdge[] = [];
  for (const statement of source.statements) {
    let specifier: ts.Expression | undefined;
    let typeOnly = false;
    if (ts.isImportDeclaration(statement)) {
      specifier = statement.moduleSpecifier;
      typeOnly = importIsTypeOnly(statement);
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier) {
      specifier = statement.moduleSpecifier;
      typeOnly = statement.isTypeOnly;
    }
    if (!specifier || !ts.isStringLiteral(specifier)) continue;
    const to = resolveSpecifier(file, specifier.text);
    if (to) edges.push({ from: file, to, typeOnly });
  }
  return edges;
}

export const TS_FOLDERS = ['native-models', 'main', 'preload', 'renderer', 'tests', 'bench', 'scripts'];

export function importGraph(folders: readonly string[] = TS_FOLDERS): ImportEdge[] {
  return sourceFiles(['.ts', '.tsx'], folders).filter((f) => !f.endsWith('.d.ts')).flatMap(importsOf);
}

/** Every cycle as the files of one strongly connected component (Tarjan), sorted; self-imports included. */
export function findCycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) {
    if (!next.has(from)) next.set(from, []);
    next.get(from)?.push(to);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let counter = 0;
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop();
        if (w === undefined) break;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (next.get(v) ?? []).includes(v)) cycles.push(component.sort());
    }
  };
  for (const v of next.keys()) if (!index.has(v)) visit(v);
  return cycles.sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));
}

if (process.argv[1] !== undefined && process.argv[1].endsWith('import-graph.ts')) {
  const edges = importGraph();
  const all = findCycles(edges);
  const runtime = findCycles(edges.filter((e) => !e.typeOnly));
  console.log(`${edges.length} imports; ${all.length} cycles (${runtime.length} through value imports)`);
  for (const cycle of all) console.log(`  ${cycle.join(' <-> ')}`);
}
