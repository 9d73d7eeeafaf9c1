/** @jest-config-loader esbuild-register */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from 'jest';
import { baseProjectConfig, type ProjectConfig } from './jest.base';

/**
 * One jest project per workspace package with a `test/` folder, derived from
 * pnpm-workspace.yaml (never listed here), each the base config spread with its own
 * `displayName` and `rootDir`. Every project shares one PostgreSQL started once per run by
 * the testkit's global setup.
 */
function workspacePackageDirs(root: string): string[] {
  const manifest = readFileSync(path.join(root, 'pnpm-workspace.yaml'), 'utf8');
  const block = /^packages:\n((?:\s+-\s+.+\n?)+)/m.exec(manifest)?.[1] ?? '';
  const patterns = [...block.matchAll(/-\s+['"]?([^'"\n]+)['"]?/g)].map((m) => m[1]!.trim());
  return patterns.flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [pattern];
    const parent = pattern.slice(0, -2);
    return readdirSync(path.join(root, parent), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `${parent}/${entry.name}`);
  });
}

const projects: ProjectConfig[] = workspacePackageDirs(__dirname)
  .filter((dir) => existsSync(path.join(__dirname, dir, 'test')))
  .map((dir) => ({ ...baseProjectConfig, displayName: path.basename(dir), rootDir: `<rootDir>/${dir}` }));

const config: Config = {
  projects,
  globalSetup: '<rootDir>/testkit/src/global-setup.ts',
  globalTeardown: '<rootDir>/testkit/src/global-teardown.ts',
  maxWorkers: 2,
  testTimeout: 60_000,
};

export default config;
