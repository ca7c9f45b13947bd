// ESLint flat config: strict TypeScript, no `any`, no focused/skipped tests, and the import
// rules of ARCHITECTURE.md enforced per folder.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const restrict = (patterns) => ({
  'no-restricted-imports': ['error', { patterns }],
});
const banFolder = (folder, why) => ({ group: [`**/${folder}/**`, `**/${folder}`], message: why });
// The one vocabulary of condition modes (native-models/condition-modes.ts, data only, no imports) is shared by the
// contract and the renderer too: the only native-models file they may import.
const banLibrary = (why) => ({ regex: '(^|/)native-models(/(?!condition-modes$).*)?$', message: why });
// Training recipes, procedural data and evaluators of the starters are not app runtime code.
const noRecipes = { group: ['**/recipes/**', '**/recipes'], message: 'the app and the library never import the starter recipes (recipes/ at the top level: training, procedural data, evaluators).' };
const onlyRuntimeImportsOrt = { group: ['onnxruntime-node', 'onnxruntime-*'], message: 'Only native-models/runtime imports onnxruntime-node.' };
// native-models: a library without the app, Electron or the recipes.
const libraryBans = [
  banFolder('main', 'native-models imports nothing of the app.'),
  banFolder('renderer', 'native-models imports nothing of the app.'),
  banFolder('preload', 'native-models imports nothing of the app.'),
  { group: ['electron'], message: 'native-models must not depend on Electron.' },
  noRecipes,
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'release/**', 'test-results/**', 'playwright-report/**', '.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-properties': ['error',
        { object: 'it', property: 'only', message: 'Focused tests (.only) must not be committed.' },
        { object: 'it', property: 'skip', message: 'Skipped tests (.skip) must not be committed.' },
        { object: 'describe', property: 'only', message: 'Focused tests (.only) must not be committed.' },
        { object: 'describe', property: 'skip', message: 'Skipped tests (.skip) must not be committed.' },
        { object: 'test', property: 'only', message: 'Focused tests (.only) must not be committed.' },
        { object: 'test', property: 'skip', message: 'Skipped tests (.skip) must not be committed.' },
      ],
    },
  },
  {
    files: ['native-models/**/*.ts'],
    rules: restrict(libraryBans),
  },
  {
    files: ['native-models/**/*.ts'],
    ignores: ['native-models/runtime/**'],
    rules: restrict([...libraryBans, onlyRuntimeImportsOrt]),
  },
  {
    files: ['main/services/**/*.ts', 'main/generation/**/*.ts', 'main/finetune/**/*.ts', 'main/gallery/**/*.ts', 'main/models/**/*.ts'],
    rules: restrict([
      banFolder('renderer', 'services never import the renderer.'),
      banFolder('electron', 'services are plain TypeScript: no main/electron imports.'),
      banFolder('hosts', 'services do not import hosts; hosts import services.'),
      { group: ['electron'], message: 'services run under Electron, the web host, the CLI and tests unchanged: no electron import.' },
      noRecipes,
      { group: ['**/preload/index', '**/preload/index.ts'], message: 'Only preload/contract may be imported from preload.' },
      onlyRuntimeImportsOrt,
    ]),
  },
  {
    files: ['main/electron/**/*.ts', 'main/hosts/**/*.ts'],
    rules: restrict([
      banFolder('renderer', 'main never imports the renderer.'),
      noRecipes,
      { group: ['**/preload/index', '**/preload/index.ts'], message: 'Only preload/contract may be imported from preload.' },
      onlyRuntimeImportsOrt,
    ]),
  },
  {
    // The starter recipes train and evaluate with the library, like any user of it: never the app.
    files: ['recipes/**/*.ts'],
    rules: restrict([
      banFolder('main', 'recipes use the library (native-models), never the app.'),
      banFolder('renderer', 'recipes use the library (native-models), never the app.'),
      banFolder('preload', 'recipes use the library (native-models), never the app.'),
      { group: ['electron'], message: 'recipes run under Node, not Electron.' },
      onlyRuntimeImportsOrt,
    ]),
  },
  {
    files: ['preload/**/*.ts'],
    rules: restrict([
      banFolder('main', 'preload imports only its contract and electron.'),
      banFolder('renderer', 'preload imports only its contract and electron.'),
      banLibrary('preload imports only its contract, the condition modes and electron.'),
      noRecipes,
    ]),
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          banFolder('main', 'the renderer talks to main only through the API contract.'),
          banLibrary('the renderer never runs models; it calls the API.'),
          { group: ['electron', 'node:*', 'fs', 'path', 'child_process'], message: 'the renderer has no Node or Electron access.' },
          { group: ['**/preload/index', '**/preload/index.ts'], message: 'the renderer imports only types from preload/contract.' },
          noRecipes,
        ],
      }],
    },
  },
);
