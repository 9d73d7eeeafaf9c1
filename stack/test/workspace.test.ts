import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { REPO_ROOT, SUBGRAPHS } from '../src';

/**
 * The workspace's shape, checked: dependencies point one way (shared <- gateway, subgraphs,
 * migrations <- stack; testkit dev-only), the subgraph list lives in the stack's registry only,
 * and the lint rule refuses an import against the flow.
 */

interface Manifest {
  name: string;
  dir: string;
  dependencies: string[];
  devDependencies: string[];
}

function workspaceManifests(): Manifest[] {
  const dirs = ['shared', 'testkit', 'gateway', 'migrations', 'stack'].concat(
    readdirSync(path.join(REPO_ROOT, 'subgraphs')).map((name) => `subgraphs/${name}`),
  );
  return dirs.map((dir) => {
    const json = JSON.parse(readFileSync(path.join(REPO_ROOT, dir, 'package.json'), 'utf8')) as {
      name: string;
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    const ours = (deps: Record<string, string> = {}) => Object.keys(deps).filter((d) => d.startsWith('@socgraph/'));
    return { name: json.name, dir, dependencies: ours(json.dependencies), devDependencies: ours(json.devDependencies) };
  });
}

describe('the workspace', () => {
  const manifests = workspaceManifests();
  const byName = new Map(manifests.map((m) => [m.name, m]));
  const subgraphPackages = manifests.filter((m) => m.dir.startsWith('subgraphs/')).map((m) => m.name);

  it('has no dependency cycle, dev dependencies included', () => {
    const visiting = new Set<string>();
    const done = new Set<string>();
    const cycles: string[] = [];
    const visit = (name: string, trail: string[]): void => {
      if (done.has(name)) return;
      if (visiting.has(name)) {
        cycles.push([...trail, name].join(' -> '));
        return;
      }
      visiting.add(name);
      const manifest = byName.get(name);
      for (const dep of [...(manifest?.dependencies ?? []), ...(manifest?.devDependencies ?? [])])
        visit(dep, [...trail, name]);
      visiting.delete(name);
      done.add(name);
    };
    for (const manifest of manifests) visit(manifest.name, []);
    expect(cycles).toEqual([]);
  });

  it('points one way: shared at the bottom, the gateway knowing no subgraph, the stack on top', () => {
    const deps = (name: string) => {
      const manifest = byName.get(name);
      return [...(manifest?.dependencies ?? []), ...(manifest?.devDependencies ?? [])];
    };
    expect(deps('@socgraph/shared')).toEqual([]);
    expect(byName.get('@socgraph/migrations')?.dependencies).toEqual(['@socgraph/shared']);
    expect(byName.get('@socgraph/gateway')?.dependencies).toEqual(['@socgraph/shared']);
    expect(deps('@socgraph/testkit').sort()).toEqual(['@socgraph/migrations', '@socgraph/shared']);
    for (const subgraph of subgraphPackages) {
      expect({ subgraph, runtime: byName.get(subgraph)?.dependencies }).toEqual({
        subgraph,
        runtime: ['@socgraph/shared'],
      });
      // Dev-only: the harness and the subgraph's migrations, never another subgraph, the gateway or the stack.
      for (const dep of byName.get(subgraph)?.devDependencies ?? [])
        expect(['@socgraph/migrations', '@socgraph/testkit']).toContain(dep);
    }
    // Nothing depends on the stack.
    for (const manifest of manifests) expect(deps(manifest.name)).not.toContain('@socgraph/stack');
  });

  it('registers every subgraph folder once, and only the stack depends on them all', () => {
    const registered = SUBGRAPHS.map((s) => `@socgraph/${s.service.name}`).sort();
    expect(registered).toEqual([...subgraphPackages].sort());
    const dependents = manifests.filter((m) => subgraphPackages.every((s) => m.dependencies.includes(s)));
    expect(dependents.map((m) => m.name)).toEqual(['@socgraph/stack']);
  });
});

/**
 * Lints snippets as if they were files at the given paths, with the repo's own ESLint config,
 * in one child process (ESLint loads its config by dynamic import, which jest's VM refuses).
 */
function lintRules(snippets: { file: string; code: string }[]): string[][] {
  const script = `
    const { ESLint } = await import('eslint');
    const eslint = new ESLint({ cwd: process.cwd() });
    const out = [];
    for (const { file, code } of JSON.parse(process.env.SNIPPETS)) {
      const [result] = await eslint.lintText(code, { filePath: file });
      out.push(result.messages.map((m) => String(m.ruleId)));
    }
    process.stdout.write(JSON.stringify(out));`;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      SNIPPETS: JSON.stringify(snippets.map((s) => ({ ...s, file: path.join(REPO_ROOT, s.file) }))),
    },
    encoding: 'utf8',
  });
  return JSON.parse(output) as string[][];
}

const use = (names: string) => `\nexport const used = [${names}];\n`;

/** [what, file it pretends to be, import line, names it uses, the rule that must refuse it (null: allowed)] */
const SNIPPETS: [string, string, string, string, string | null][] = [
  [
    'a subgraph importing another subgraph',
    'subgraphs/identity/src/x.ts',
    "import { incidentsSubgraph } from '@socgraph/incidents';",
    'incidentsSubgraph',
    'import-x/no-restricted-paths',
  ],
  [
    'a subgraph importing the gateway',
    'subgraphs/audit/src/x.ts',
    "import { startGateway } from '@socgraph/gateway';",
    'startGateway',
    'import-x/no-restricted-paths',
  ],
  [
    'the gateway importing a subgraph',
    'gateway/src/x.ts',
    "import { identitySubgraph } from '@socgraph/identity';",
    'identitySubgraph',
    'import-x/no-restricted-paths',
  ],
  [
    'the gateway importing the stack',
    'gateway/src/x.ts',
    "import { SUBGRAPHS } from '@socgraph/stack';",
    'SUBGRAPHS',
    'import-x/no-restricted-paths',
  ],
  [
    'shared importing the gateway',
    'shared/src/x.ts',
    "import { startGateway } from '@socgraph/gateway';",
    'startGateway',
    'import-x/no-restricted-paths',
  ],
  [
    'runtime code importing the testkit',
    'subgraphs/incidents/src/x.ts',
    "import { ADMIN } from '@socgraph/testkit';",
    'ADMIN',
    'import-x/no-restricted-paths',
  ],
  [
    "a relative import into another package's src/",
    'subgraphs/identity/src/x.ts',
    "import { ConfigError } from '../../../shared/src/config';",
    'ConfigError',
    'import-x/no-relative-packages',
  ],
  [
    'a subgraph importing shared',
    'subgraphs/identity/src/x.ts',
    "import { ConfigError } from '@socgraph/shared';",
    'ConfigError',
    null,
  ],
  [
    "a subgraph's test importing the testkit",
    'subgraphs/identity/test/x.ts',
    "import { ADMIN } from '@socgraph/testkit';",
    'ADMIN',
    null,
  ],
  [
    'the stack importing a subgraph',
    'stack/src/x.ts',
    "import { identitySubgraph } from '@socgraph/identity';",
    'identitySubgraph',
    null,
  ],
];

describe('the import-boundary lint rule', () => {
  let rules: string[][] = [];
  beforeAll(() => {
    rules = lintRules(SNIPPETS.map(([, file, line, names]) => ({ file, code: line + use(names) })));
  });

  it.each(SNIPPETS.map((snippet, index) => [snippet[0], snippet[4], index] as const))(
    '%s: %s',
    (_what, rule, index) => {
      if (rule) expect(rules[index]).toContain(rule);
      else expect(rules[index]).toEqual([]);
    },
  );
});
