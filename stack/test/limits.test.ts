import { countRequests, startProbeGraph, type ProbeGraph } from './probe';
import { errorCodes } from './support';

/** Every limit refuses with its code, quickly, before any subgraph is asked anything. */
let probeGraph: ProbeGraph;
let auth: Record<string, string>;
let identityRequests: () => number;
const PASSWORD = 'correct horse battery staple';

beforeAll(async () => {
  // A long principal cache: after the warm-up, a refused request needs nothing from identity.
  probeGraph = await startProbeGraph({ env: { PRINCIPAL_CACHE_SECONDS: '300' } });
  await probeGraph.graph.seedAdmin(PASSWORD);
  auth = { authorization: `Bearer ${await probeGraph.graph.login('admin', PASSWORD)}` };
  expect((await probeGraph.graph.gql(`{ me { id } probeStatus { value } }`, {}, auth)).body.errors).toBeUndefined();
  const identity = probeGraph.graph.stack.subgraphs.get('identity');
  if (!identity) throw new Error('identity is not running');
  identityRequests = countRequests(identity.server);
});
afterAll(async () => probeGraph?.stop());

const repeat = (n: number, fn: (i: number) => string): string => Array.from({ length: n }, (_, i) => fn(i)).join(' ');
const nest = (depth: number): string => (depth === 0 ? 'id' : `apiKeys { owner { ${nest(depth - 1)} } }`);
const connections = (depth: number, first: string): string =>
  depth === 0 ? 'id' : `children(first: ${first}) { edges { node { ${connections(depth - 1, first)} } } }`;

/**
 * Runs a request that must be refused, checking that no subgraph heard of it: refusals cost
 * only the gateway's validation (speed itself is measured by `pnpm bench`, not by timed tests).
 */
async function refused(query: string, variables: Record<string, unknown> = {}) {
  const before = { identity: identityRequests(), probe: probeGraph.probe.requests() };
  const result = await probeGraph.graph.gql(query, variables, auth);
  expect({ identity: identityRequests(), probe: probeGraph.probe.requests() }).toEqual(before);
  return result;
}

describe('operation limits', () => {
  it.each([
    { name: 'a depth bomb', query: `{ me { ${nest(10)} } }`, limit: 'MAX_DEPTH' },
    { name: 'an alias flood', query: `{ me { ${repeat(200, (i) => `a${i}: id`)} } }`, limit: 'MAX_ALIASES' },
    {
      name: 'too many root fields',
      query: `{ ${repeat(16, (i) => `r${i}: probeStatus { value }`)} }`,
      limit: 'MAX_ROOT_FIELDS',
    },
    {
      name: 'a directive flood',
      query: `{ me { ${repeat(60, () => '__typename @skip(if: false)')} } }`,
      limit: 'MAX_DIRECTIVES',
    },
    { name: 'a token flood', query: `{ me { ${repeat(2_100, () => 'id')} } }`, limit: 'MAX_TOKENS' },
    { name: 'an oversized document', query: `{ me { id } } # ${'x'.repeat(25_000)}`, limit: 'MAX_DOCUMENT_SIZE' },
    {
      name: 'first: 100 nested three deep',
      query: `{ probeItems(first: 100) { edges { node { ${connections(2, '100')} } } } }`,
      limit: 'MAX_COST',
    },
  ])('refuses $name with QUERY_LIMIT_EXCEEDED ($limit)', async ({ query, limit }) => {
    const result = await refused(query);
    expect(result.status).toBe(400);
    expect(result.body.data ?? null).toBeNull();
    expect(errorCodes(result)).toContain('QUERY_LIMIT_EXCEEDED');
    expect(result.body.errors?.map((e) => e.extensions?.limit)).toContain(limit);
  });

  it('counts page sizes given in variables', async () => {
    const query = `query Deep($n: Int) { probeItems(first: $n) { edges { node { ${connections(2, '$n')} } } } }`;
    const over = await refused(query, { n: 100 });
    expect(over.body.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'MAX_COST' });
    expect((over.body.errors?.[0]?.extensions?.actual as number) > 1_000_000).toBe(true);
    // The same document with small pages is fine: costs with variables are not cached per document.
    const small = await probeGraph.graph.gql(query, { n: 3 }, auth);
    expect(small.body.errors).toBeUndefined();
  });

  it('refuses a 10 MB body with PAYLOAD_TOO_LARGE', async () => {
    const before = identityRequests();
    const response = await fetch(probeGraph.graph.stack.gateway.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({ query: `{ me { id } }`, variables: { pad: 'x'.repeat(10 * 1024 * 1024) } }),
    });
    expect(identityRequests()).toBe(before);
    expect(response.status).toBe(413);
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]?.extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses batched requests: one operation per request', async () => {
    const response = await fetch(probeGraph.graph.stack.gateway.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify([{ query: '{ me { id } }' }, { query: '{ me { id } }' }]),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/batching/i);
  });

  it('still serves queries within every limit', async () => {
    const result = await probeGraph.graph.gql(
      // Two levels of apiKeys → owner: a user's keys are assumed 50 (three levels would cost 125,000 objects).
      `{ me { ${nest(2)} } probeItems(first: 100) { edges { node { ${connections(1, '50')} } } } }`,
      {},
      auth,
    );
    expect(result.body.errors).toBeUndefined();
  });
});
