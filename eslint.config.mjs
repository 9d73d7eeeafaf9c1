// Flat config: typescript-eslint's recommended rules for every package; Prettier owns layout;
// eslint-plugin-import-x keeps the workspace's dependencies pointing one way.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import js from '@eslint/js';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const subgraphs = readdirSync(path.join(import.meta.dirname, 'subgraphs'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

/**
 * shared <- (gateway, subgraphs/*, migrations) <- stack, with testkit dev-only (tests and the
 * stack's dev commands). Each zone: files under `target` may not import from `from`.
 * Imports by package name are resolved to their files, so `@socgraph/gateway` counts as ./gateway.
 */
const boundaryZones = [
  {
    target: './shared',
    from: ['./gateway', './subgraphs', './migrations', './stack'],
    message: 'shared is the bottom of the workspace: it imports no other package.',
  },
  {
    // shared's own tests may use the testkit (a root dev dependency: declaring it in shared would be a cycle).
    target: './shared/src',
    from: ['./testkit'],
    message: 'shared is the bottom of the workspace: it imports no other package.',
  },
  {
    target: './migrations',
    from: ['./testkit', './gateway', './subgraphs', './stack'],
    message: 'migrations depend on shared only.',
  },
  {
    target: './gateway',
    from: ['./subgraphs', './migrations', './stack'],
    message: 'The gateway knows no subgraph: it learns the graphs from the supergraph and <NAME>_URL.',
  },
  {
    target: './testkit',
    from: ['./gateway', './subgraphs', './stack'],
    message: 'testkit serves every package, so it depends on shared and migrations only.',
  },
  ...subgraphs.map((name) => ({
    target: `./subgraphs/${name}`,
    from: ['./gateway', './stack', './subgraphs'],
    except: [`./${name}`],
    message: 'A subgraph imports no other subgraph, the gateway or the stack (a foreign row is an entity reference).',
  })),
  {
    // Runtime code never loads the dev-only kit (tens of MB of Postgres binaries) or migrations.
    target: ['./shared/src', './gateway/src', ...subgraphs.map((name) => `./subgraphs/${name}/src`)],
    from: ['./testkit', './migrations'],
    message: 'Runtime code may not depend on testkit or migrations (dev-only / the stack runs migrations).',
  },
];

export default tseslint.config(
  { ignores: ['**/node_modules/**', '.data/**', 'coverage/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', __dirname: 'readonly' },
    },
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'] })] },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': ['error', { allow: ['error', 'warn'] }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // Another package is imported by its name (@socgraph/x), never by a relative path into its src/.
      'import-x/no-relative-packages': 'error',
      'import-x/no-restricted-paths': ['error', { zones: boundaryZones }],
    },
  },
  {
    // Scripts and CLIs print to the terminal on purpose.
    files: ['stack/scripts/**', 'gateway/scripts/**', '**/main.ts'],
    rules: { 'no-console': 'off' },
  },
);
