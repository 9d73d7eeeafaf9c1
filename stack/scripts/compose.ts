/**
 * `pnpm compose`: writes gateway/supergraph.graphql from every registered subgraph's schema.
 * `pnpm compose:check`: fails when composition fails or the committed file is stale (CI).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { composeSupergraph } from '../src/compose';
import { REPO_ROOT, SUPERGRAPH_PATH } from '../src/paths';

const check = process.argv.includes('--check');
const target = SUPERGRAPH_PATH;
const shown = path.relative(REPO_ROOT, target);

const outcome = composeSupergraph();
console.log(`Subgraphs: ${outcome.subgraphs.join(', ') || '(none)'}`);

if (outcome.hints.length) {
  console.log(`\n${outcome.hints.length} composition hint(s):`);
  for (const hint of outcome.hints) console.log(`  - ${hint}`);
}

if (outcome.errors.length || !outcome.supergraphSdl) {
  console.error(`\nComposition failed with ${outcome.errors.length} error(s):`);
  for (const error of outcome.errors) console.error(`  - ${error}`);
  process.exit(1);
}

if (check) {
  const committed = existsSync(target) ? readFileSync(target, 'utf8') : null;
  if (committed !== outcome.supergraphSdl) {
    console.error(
      `\n${shown} is ${committed === null ? 'missing' : 'out of date'}: run \`pnpm compose\` and commit it.`,
    );
    process.exit(1);
  }
  console.log(`\n${shown} is up to date.`);
} else {
  writeFileSync(target, outcome.supergraphSdl);
  console.log(`\nWrote ${shown}.`);
}
