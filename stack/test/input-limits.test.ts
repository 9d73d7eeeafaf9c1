import { buildSchema, parse, type OperationDefinitionNode } from 'graphql';
import { checkInputSize } from '@socgraph/gateway';
import { startTestStack, type TestStack } from '../src/testing';
import { countRequests } from './probe';
import { errorCodes } from './support';

/**
 * Issue #16 item 2: every list argument and list input field is bounded, with the variables,
 * in the gateway: `alerts(filter: { status: $t })` with 120,000 statuses over 15 aliases took
 * seconds of every subgraph's and the gateway's time. Refusals reach no subgraph.
 */
let graph: TestStack;
let auth: Record<string, string>;
let incidentsRequests: () => number;
let identityRequests: () => number;
const PASSWORD = 'correct horse battery staple';

beforeAll(async () => {
  // A long principal cache: after the warm-up, a refused request needs nothing from identity.
  graph = await startTestStack({ env: { PRINCIPAL_CACHE_SECONDS: '300' } });
  await graph.seedAdmin(PASSWORD);
  auth = { authorization: `Bearer ${await graph.login('admin', PASSWORD)}` };
  expect((await graph.gql(`{ me { id } alerts(first: 1) { totalCount } }`, {}, auth)).body.errors).toBeUndefined();
  const server = (name: string) => {
    const started = graph.stack.subgraphs.get(name);
    if (!started) throw new Error(`${name} is not running`);
    return started.server;
  };
  incidentsRequests = countRequests(server('incidents'));
  identityRequests = countRequests(server('identity'));
});
afterAll(async () => graph?.stop());

const aliases = (n: number, field: (i: number) => string): string =>
  Array.from({ length: n }, (_, i) => `a${i}: ${field(i)}`).join(' ');
const statuses = (n: number): string[] => Array.from({ length: n }, () => 'OPEN');

/** Runs a request that must be refused with BAD_USER_INPUT, checking no subgraph heard of it. */
async function refused(query: string, variables: Record<string, unknown> = {}) {
  const before = { incidents: incidentsRequests(), identity: identityRequests() };
  const result = await graph.gql(query, variables, auth);
  expect({ incidents: incidentsRequests(), identity: identityRequests() }).toEqual(before);
  expect(result.status).toBe(400);
  expect(result.body.data ?? null).toBeNull();
  expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
  return result;
}

const ALERTS_BY_STATUS = `query ($t: [AlertStatus!]) { ${aliases(15, () => 'alerts(filter: { status: $t }) { totalCount }')} }`;

describe('list arguments', () => {
  it('refuses 120,000 statuses in a variable reused by 15 aliases, naming the variable', async () => {
    const result = await refused(ALERTS_BY_STATUS, { t: statuses(120_000) });
    expect(result.body.errors?.[0]?.extensions?.field).toBe('$t');
    expect(result.body.errors?.[0]?.message).toMatch(/120000 items, over the limit of 1000/);
  });

  it('refuses long literal lists and long lists inside input objects', async () => {
    const severities = Array.from({ length: 1_001 }, () => 'HIGH').join(', ');
    const literal = await refused(`{ alerts(filter: { severity: [${severities}] }) { totalCount } }`);
    expect(literal.body.errors?.[0]?.extensions?.field).toBe('alerts.filter.severity');

    const iocs = Array.from({ length: 1_001 }, (_, i) => ({ value: `10.0.0.${i % 250}`, type: 'ip' }));
    const nested = await refused(`mutation ($input: CreateAlertInput!) { createAlert(input: $input) { id } }`, {
      input: { name: 'n', customerCode: 'ACME', source: 's', iocs },
    });
    expect(nested.body.errors?.[0]?.extensions?.field).toBe('$input.iocs');
  });

  it('counts a variable at every use: 15 aliases of 1,000 statuses is over the input budget', async () => {
    const result = await refused(ALERTS_BY_STATUS, { t: statuses(1_000) });
    expect(result.body.errors?.[0]?.message).toMatch(/more than 10000 values/);
  });

  it('serves lists within the bounds', async () => {
    const one = await graph.gql(
      `query ($t: [AlertStatus!]) { alerts(filter: { status: $t, severity: [HIGH, LOW] }) { totalCount } }`,
      { t: statuses(1_000) },
      auth,
    );
    expect(one.body.errors).toBeUndefined();
    expect(one.body.data).toEqual({ alerts: { totalCount: 0 } });
    const many = await graph.gql(ALERTS_BY_STATUS, { t: ['OPEN', 'CLOSED'] }, auth);
    expect(many.body.errors).toBeUndefined();
  });

  it('keeps serving others while oversized lists are refused', async () => {
    const started = performance.now();
    const attacks = Array.from({ length: 8 }, () => graph.gql(ALERTS_BY_STATUS, { t: statuses(120_000) }, auth));
    const other = await graph.gql(`{ __typename }`, {}, auth);
    expect(other.body).toEqual({ data: { __typename: 'Query' } });
    for (const result of await Promise.all(attacks)) expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
    // A generous bound: unbounded, these eight took over 30 s here; refused, about half a second.
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});

describe('checkInputSize', () => {
  const schema = buildSchema(`
    scalar JSON
    input Filter { ids: [ID!]  nested: [Filter!] }
    type Query { items(filter: Filter, data: JSON): Int }
  `);
  const check = (query: string, variables: Record<string, unknown> = {}, max = { list: 3, values: 20 }) => {
    const document = parse(query);
    const operation = document.definitions.find((d) => d.kind === 'OperationDefinition') as OperationDefinitionNode;
    return checkInputSize(schema, document, operation, variables, {
      maxListLength: max.list,
      maxInputValues: max.values,
    });
  };
  const codeOf = (fn: () => unknown): unknown => {
    try {
      fn();
      return null;
    } catch (error) {
      return (error as { extensions?: { code?: unknown } }).extensions?.code;
    }
  };

  it('counts a fragment at every spread and a variable default like a given value', () => {
    const fragment = `fragment F on Query { items(filter: { ids: [1, 2] }) }`;
    expect(check(`{ ...F } ${fragment}`)).toBe(3);
    expect(check(`{ ...F a: items ...F } ${fragment}`)).toBe(6);
    expect(check(`query ($f: Filter = { ids: [1, 2, 3] }) { a: items(filter: $f) b: items(filter: $f) }`)).toBe(8);
    expect(codeOf(() => check(`query ($f: Filter = { ids: [1, 2, 3, 4] }) { items(filter: $f) }`))).toBe(
      'BAD_USER_INPUT',
    );
  });

  it('bounds lists in nested input objects and counts JSON values against the budget', () => {
    expect(
      codeOf(() => check(`query ($f: Filter) { items(filter: $f) }`, { f: { nested: [{ ids: [1, 2, 3, 4] }] } })),
    ).toBe('BAD_USER_INPUT');
    // JSON arrays are the scalar's own business, but their values count.
    expect(check(`query ($d: JSON) { items(data: $d) }`, { d: [1, 2, 3, 4, 5] })).toBe(6);
    expect(
      codeOf(() => check(`query ($d: JSON) { items(data: $d) }`, { d: Array.from({ length: 30 }, () => 1) })),
    ).toBe('BAD_USER_INPUT');
    let deep: unknown = 1;
    for (let i = 0; i < 100; i += 1) deep = [deep];
    expect(codeOf(() => check(`query ($d: JSON) { items(data: $d) }`, { d: deep }, { list: 3, values: 1_000 }))).toBe(
      'BAD_USER_INPUT',
    );
  });
});
