/**
 * `pnpm persisted`: writes gateway/persisted-queries.json (Apollo's persisted query manifest)
 * from the operations in gateway/operations/*.graphql, after validating each against the
 * supergraph. `pnpm persisted:check` (CI) fails when an operation is invalid or the committed
 * manifest is stale.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_MANIFEST_PATH, DEFAULT_SUPERGRAPH_PATH, OPERATIONS_DIR } from '../src/config';
import { buildManifest, manifestJson, validateManifest } from '../src/persisted';

const check = process.argv.includes('--check');
const operationsDir = OPERATIONS_DIR;
const shown = path.relative(process.cwd(), DEFAULT_MANIFEST_PATH);

const { manifest, errors } = buildManifest(operationsDir);
errors.push(...validateManifest(manifest, readFileSync(DEFAULT_SUPERGRAPH_PATH, 'utf8')));
if (errors.length) {
  console.error(`Persisted operations are invalid (${errors.length}):`);
  for (const error of errors) console.error(`  - ${error}`);
  process.exit(1);
}
console.log(`${manifest.operations.length} operations: ${manifest.operations.map((o) => o.name).join(', ')}`);

const text = manifestJson(manifest);
if (check) {
  const committed = existsSync(DEFAULT_MANIFEST_PATH) ? readFileSync(DEFAULT_MANIFEST_PATH, 'utf8') : null;
  if (committed !== text) {
    console.error(
      `${shown} is ${committed === null ? 'missing' : 'out of date'}: run \`pnpm persisted\` and commit it.`,
    );
    process.exit(1);
  }
  console.log(`${shown} is up to date.`);
} else {
  writeFileSync(DEFAULT_MANIFEST_PATH, text);
  console.log(`Wrote ${shown}.`);
}
