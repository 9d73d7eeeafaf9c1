import { ApolloServer } from '@apollo/server';
import { createGraphQLHttpServer, listen } from '@socgraph/shared';
import { parse, type OperationDefinitionNode } from 'graphql';
import { DEFAULT_FIELD_COSTS, DEFAULT_LIST_SIZES, operationCost } from '@socgraph/gateway';
import type { RunningGateway } from '@socgraph/gateway';
import { startTestStack, type TestStack } from '../src/testing';
import { countRequests } from './probe';
import { errorCodes, postJson } from './support';

/**
 * Issue #16 item 4: plain lists that grow count what busy rows hold, nesting multiplies them,
 * an answer is bounded in bytes, and `verifyAuditChain` (a walk of the whole chain) is dear
 * and runs once per operation at most.
 */
let graph: TestStack;
let auth: Record<string, string>;
let alertId: string;
const PASSWORD = 'correct horse battery staple';
const COMMENTS = 30;

beforeAll(async () => {
  graph = await startTestStack({ env: { PRINCIPAL_CACHE_SECONDS: '300' } });
  await graph.seedAdmin(PASSWORD);
  auth = { authorization: `Bearer ${await graph.login('admin', PASSWORD)}` };
  await graph.gql(`mutation { createCustomer(input: { code: "ACME", name: "Acme" }) { code } }`, {}, auth);
  const alert = await graph.gql<{ createAlert: { id: string } }>(
    `mutation { createAlert(input: { name: "Busy", customerCode: "ACME", source: "siem" }) { id } }`,
    {},
    auth,
  );
  alertId = alert.body.data!.createAlert.id;
  // 30 comments of 10 KB: 300 KB per alert, 4.5 MB over 15 aliases.
  for (let i = 0; i < COMMENTS; i += 1) {
    const added = await graph.gql(
      `mutation ($id: ID!, $c: String!) { addAlertComment(alertId: $id, comment: $c) { id } }`,
      { id: alertId, c: `${i} ${'x'.repeat(10_000 - 8)}` },
      auth,
    );
    expect(added.body.errors).toBeUndefined();
  }
});
afterAll(async () => graph?.stop());

const aliases = (n: number, field: string): string => Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ');

function requestsTo(name: string): () => number {
  const started = graph.stack.subgraphs.get(name);
  if (!started) throw new Error(`${name} is not running`);
  return countRequests(started.server);
}

describe('the cost of plain lists', () => {
  it('refuses nested growing lists over 15 aliases before incidents is asked', async () => {
    const incidents = requestsTo('incidents');
    const before = incidents();
    const query = `query ($id: ID!) { ${aliases(15, 'alert(id: $id) { comments { comment } cases { alerts { comments { comment } } } }')} }`;
    const result = await graph.gql(query, { id: alertId }, auth);
    expect(incidents()).toBe(before);
    expect(result.status).toBe(400);
    expect(result.body.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'MAX_COST' });
    // 15 × (1 + 100 comments + 20 cases × (1 + 100 alerts × (1 + 100 comments)))
    expect(result.body.errors?.[0]?.extensions?.actual).toBe(15 * (1 + 100 + 20 * (1 + 100 * (1 + 100))));
  });

  it('serves one alert with its comments', async () => {
    const result = await graph.gql<{ alert: { comments: unknown[] } }>(
      `query ($id: ID!) { alert(id: $id) { comments { comment } } }`,
      { id: alertId },
      auth,
    );
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data?.alert.comments).toHaveLength(COMMENTS);
  });
});

describe('response size', () => {
  let bounded: RunningGateway;
  beforeAll(async () => {
    bounded = await graph.startGateway({ MAX_RESPONSE_BYTES: '1000000' });
  });
  afterAll(async () => bounded?.stop());

  it("refuses a subgraph's answer over MAX_RESPONSE_BYTES with a coded error, and serves smaller ones", async () => {
    const token = await graph.login('admin', PASSWORD);
    const headers = { authorization: `Bearer ${token}` };
    const big = await postJson(
      bounded.graphqlUrl,
      {
        query: `query ($id: ID!) { ${aliases(15, 'alert(id: $id) { comments { comment } }')} }`,
        variables: { id: alertId },
      },
      headers,
    );
    // Refused at the incidents fetch (not only once the whole answer was built): its fields are null.
    expect(big.status).toBe(200);
    expect(big.body.data?.a0 ?? null).toBeNull();
    expect(JSON.stringify(big.body).length).toBeLessThan(100_000);
    expect(errorCodes(big)).toContain('QUERY_LIMIT_EXCEEDED');
    expect(big.body.errors?.map((e) => e.extensions?.limit)).toContain('MAX_RESPONSE_BYTES');
    expect(JSON.stringify(big.body)).not.toMatch(/127\.0\.0\.1|xxxxxxxxxx/);

    const small = await postJson(
      bounded.graphqlUrl,
      {
        query: `query ($id: ID!) { ${aliases(2, 'alert(id: $id) { comments { comment } }')} }`,
        variables: { id: alertId },
      },
      headers,
    );
    expect(small.body.errors).toBeUndefined();
  });
});

describe('the HTTP adapter', () => {
  it('replaces a whole response over maxResponseBytes with MAX_RESPONSE_BYTES', async () => {
    const apollo = new ApolloServer({
      typeDefs: `type Query { big(n: Int!): String }`,
      resolvers: { Query: { big: (_: unknown, args: { n: number }) => 'x'.repeat(args.n) } },
    });
    await apollo.start();
    const running = await listen(
      createGraphQLHttpServer({ apollo, context: async () => ({}), maxResponseBytes: 1_000 }),
      0,
    );
    try {
      const over = await postJson(`${running.url}/graphql`, { query: `{ big(n: 5000) }` });
      expect(over.status).toBe(400);
      expect(over.body.errors?.[0]?.extensions).toMatchObject({
        code: 'QUERY_LIMIT_EXCEEDED',
        limit: 'MAX_RESPONSE_BYTES',
        max: 1_000,
      });
      expect((await postJson(`${running.url}/graphql`, { query: `{ big(n: 500) }` })).body.data).toEqual({
        big: 'x'.repeat(500),
      });
    } finally {
      await apollo.stop();
      await running.stop();
    }
  });
});

describe('verifyAuditChain', () => {
  it('runs once per operation at most, refused before audit is asked', async () => {
    const audit = requestsTo('audit');
    const before = audit();
    const twice = await graph.gql(`{ a: verifyAuditChain { valid } b: verifyAuditChain { valid } }`, {}, auth);
    expect(audit()).toBe(before);
    expect(twice.status).toBe(400);
    expect(twice.body.errors?.[0]?.extensions).toMatchObject({
      code: 'QUERY_LIMIT_EXCEEDED',
      limit: 'MAX_FIELD_USES',
      max: 1,
      actual: 2,
    });
    const viaFragments = await graph.gql(
      `{ ...A ...B } fragment A on Query { a: verifyAuditChain { valid } } fragment B on Query { b: verifyAuditChain { checked } }`,
      {},
      auth,
    );
    expect(viaFragments.body.errors?.[0]?.extensions?.limit).toBe('MAX_FIELD_USES');

    const once = await graph.gql(`{ verifyAuditChain { valid } }`, {}, auth);
    expect(once.body.errors).toBeUndefined();
  });

  it('costs far more than its size', () => {
    const schema = graph.stack.gateway.gateway.schema;
    if (!schema) throw new Error('the gateway has no schema');
    const costOf = (source: string): number => {
      const document = parse(source);
      const operation = document.definitions[0] as OperationDefinitionNode;
      return operationCost(
        schema,
        document,
        operation,
        {},
        {
          defaultListSize: 10,
          listSizes: { ...DEFAULT_LIST_SIZES },
          fieldCosts: { ...DEFAULT_FIELD_COSTS },
        },
      ).cost;
    };
    expect(costOf(`{ verifyAuditChain { valid checked } }`)).toBe(10_000);
    // A page of alerts with their growing lists: 100 × (1 + edge (1 + node (1 + 100 + 100))).
    expect(costOf(`{ alerts(first: 100) { edges { node { comments { id } iocs { id } } } } }`)).toBe(
      100 * (1 + 1 + 1 + 100 + 100),
    );
  });
});
