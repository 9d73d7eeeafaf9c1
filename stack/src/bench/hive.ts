import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { freePort, startServiceProcess, type ProcessGraphOptions, type ServiceProcess } from '../processes';

/**
 * GraphQL Hive Gateway (`@graphql-hive/gateway`, its `hive-gateway supergraph` command) on the
 * committed supergraph, as the reference the bench compares ours with. The supergraph's subgraph
 * URLs are rewritten to where this run's subgraphs listen. Hive knows nothing of our
 * credentials: the bench sends each request with the internal token our gateway would sign
 * for the same caller (`x-internal-token`), which Hive passes on to every subgraph fetch
 * unchanged, the cheapest way to give a gateway a static per-caller header. One worker
 * (`--fork 1`), like ours; in-flight deduplication off or on.
 */
export interface HiveOptions {
  supergraphPath: string;
  /** `<name>` → the subgraph's /graphql URL. */
  subgraphUrls: Record<string, string>;
  dedup: boolean;
  workDir: string;
  output: ProcessGraphOptions['output'];
}

const requireHere = createRequire(__filename);

/** Hive's CLI script and version, from its package. */
export function hiveGatewayPackage(): { bin: string; version: string } {
  const manifestPath = requireHere.resolve('@graphql-hive/gateway/package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    version: string;
    bin: string | Record<string, string>;
  };
  const bin = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin['hive-gateway'];
  if (!bin) throw new Error('@graphql-hive/gateway has no hive-gateway bin');
  return { bin: path.join(path.dirname(manifestPath), bin), version: manifest.version };
}

export async function startHiveGateway(options: HiveOptions): Promise<ServiceProcess> {
  const name = options.dedup ? 'hive-dedup' : 'hive';
  let sdl = readFileSync(options.supergraphPath, 'utf8');
  for (const [subgraph, url] of Object.entries(options.subgraphUrls)) {
    sdl = sdl.replace(new RegExp(`(@join__graph\\(name: "${subgraph}", url: ")[^"]*(")`), `$1${url}$2`);
  }
  const supergraph = path.join(options.workDir, `${name}.supergraph.graphql`);
  writeFileSync(supergraph, sdl);
  const config = path.join(options.workDir, `${name}.config.mjs`);
  writeFileSync(
    config,
    `export const gatewayConfig = {
  propagateHeaders: {
    fromClientToSubgraphs({ request }) {
      const token = request.headers.get('x-internal-token');
      return token ? { 'x-internal-token': token } : {};
    },
  },
  transportEntries: { '*.http': { options: { deduplicateInflightRequests: ${options.dedup} } } },
};
`,
  );
  const port = await freePort();
  return startServiceProcess({
    name,
    args: [
      hiveGatewayPackage().bin,
      'supergraph',
      supergraph,
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
      '--fork',
      '1',
      '--config-path',
      config,
    ],
    port,
    env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'error' },
    healthPath: '/healthcheck',
    output: options.output,
  });
}
