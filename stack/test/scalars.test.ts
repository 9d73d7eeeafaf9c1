import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types';
import { servicePrincipal, signInternalToken } from '@socgraph/shared';
import { GraphQLError } from 'graphql';
import { Histogram, Registry } from 'prom-client';
import { createSubgraphAgent, SubgraphDataSource } from '@socgraph/gateway';
import { startTestStack, type GraphQLResponse, type TestStack } from '../src/testing';
import { errorCodes, expectNoLeaks } from './support';

/**
 * Issue #10 item 1: custom scalars (EmailAddress, DateTime, JSONObject, ...) given bad values
 * through the gateway are the caller's fault: BAD_USER_INPUT (or a validation failure for an
 * inline literal) naming the input, never INTERNAL_SERVER_ERROR, whether the value comes as a
 * variable or inline, and whichever subgraph owns the field.
 */

const PASSWORD = 'correct horse battery staple';

/** A client error, coded, with no internals: what every bad scalar must come back as. */
function expectClientError(result: GraphQLResponse<unknown>, mentions: RegExp): void {
  expect(result.status).toBeLessThan(500);
  const codes = errorCodes(result);
  expect(codes.length).toBeGreaterThan(0);
  for (const code of codes) expect(['BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED']).toContain(code);
  expect(JSON.stringify(result.body.errors)).toMatch(mentions);
  expectNoLeaks(result);
}

describe('custom scalars through the gateway', () => {
  let stack: TestStack;
  let admin: Record<string, string>;

  beforeAll(async () => {
    stack = await startTestStack();
    await stack.seedAdmin(PASSWORD);
    admin = { authorization: `Bearer ${await stack.login('admin', PASSWORD)}` };
  });
  afterAll(() => stack?.stop());

  const createUser = `mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }`;
  const userInput = (email: unknown) => ({ username: 'scalar-user', email, password: PASSWORD, role: 'analyst' });

  it.each([['not-an-email'], [42], ['a@'], ['']])('refuses email %p given as a variable', async (email) => {
    const result = await stack.gql(createUser, { input: userInput(email) }, admin);
    expectClientError(result, /email/);
    expect(result.body.errors?.[0]?.extensions?.field).toBe('input.email');
  });

  it('refuses a bad email given inline, and a number inline', async () => {
    for (const literal of ['"not-an-email"', '42']) {
      const result = await stack.gql(
        `mutation { createUser(input: { username: "x", email: ${literal}, password: "${PASSWORD}", role: "analyst" }) { id } }`,
        {},
        admin,
      );
      expectClientError(result, /EmailAddress.*email/);
    }
  });

  const alerts = `query ($after: DateTime) { alerts(filter: { createdAfter: $after }) { totalCount } }`;
  it.each([['yesterday'], ['2026-13-45T00:00:00Z'], ['2024-02-30T00:00:00Z'], ['2026-01-01'], [12345]])(
    'refuses createdAfter %p (variable and inline)',
    async (value) => {
      expectClientError(await stack.gql(alerts, { after: value }, admin), /createdAfter|DateTime/);
      const inline = await stack.gql(
        `{ alerts(filter: { createdAfter: ${JSON.stringify(value)} }) { totalCount } }`,
        {},
        admin,
      );
      expectClientError(inline, /DateTime/);
    },
  );

  it('accepts good values of the same scalars', async () => {
    const good = await stack.gql<{ alerts: { totalCount: number } }>(alerts, { after: '2026-01-01T00:00:00Z' }, admin);
    expect(good.body.errors).toBeUndefined();
    expect(good.body.data?.alerts.totalCount).toBe(0);
    const user = await stack.gql<{ createUser: { id: string } }>(
      createUser,
      { input: userInput('good@example.com') },
      admin,
    );
    expect(user.body.errors).toBeUndefined();
    expect(user.body.data?.createUser.id).toBeTruthy();
  });

  it('refuses bad DateTimes on audit fields', async () => {
    expectClientError(
      await stack.gql(
        `query ($f: AuditFilter) { auditLog(filter: $f) { totalCount } }`,
        { f: { from: 'yesterday' } },
        admin,
      ),
      /from|DateTime/,
    );
    expectClientError(
      await stack.gql(
        `query ($f: RateLimitViolationFilter) { rateLimitViolations(filter: $f) { totalCount } }`,
        { f: { from: 'not-a-date' } },
        admin,
      ),
      /from|DateTime/,
    );
    expectClientError(
      await stack.gql(
        `mutation ($i: GenerateComplianceReportInput!) { generateComplianceReport(input: $i) { id } }`,
        { i: { reportType: 'SOC2', from: 'last week', to: '2026-01-01T00:00:00Z' } },
        admin,
      ),
      /from|DateTime/,
    );
  });

  it.each([['"str"'], ['[1, 2]'], ['3']])('refuses JSONObject %s', async (json) => {
    const value: unknown = JSON.parse(json);
    expectClientError(
      await stack.gql(
        `mutation ($i: AlertCreationSettingsInput!) { upsertAlertCreationSettings(input: $i) { customerCode } }`,
        { i: { customerCode: 'ACME', customIntegrationUrls: value } },
        admin,
      ),
      /customIntegrationUrls|JSONObject/,
    );
    expectClientError(
      await stack.gql(
        `mutation ($i: AssetInput!) { addAlertAsset(alertId: "1", input: $i) { name } }`,
        { i: { name: 'host-1', context: value } },
        admin,
      ),
      /context|JSONObject/,
    );
  });

  // The gateway checks scalars itself now, so a subgraph's own refusal of variables takes a
  // disagreement between the two to happen: sent here straight from the gateway's data source.
  it("passes a subgraph's refusal of variables (HTTP 400) on as BAD_USER_INPUT, not masked", async () => {
    const agent = createSubgraphAgent({ maxSockets: 2 });
    const source = new SubgraphDataSource({
      name: 'identity',
      url: stack.subgraphUrl('identity'),
      timeoutMs: 5_000,
      agent,
      fetchDuration: new Histogram({
        name: 'test_fetch_seconds',
        help: 'test',
        labelNames: ['subgraph', 'outcome'],
        registers: [new Registry()],
      }),
      gatewayToken: () => signInternalToken(servicePrincipal('gateway'), stack.internalTokenSecret, 60),
    });
    try {
      const refused = await source
        .process({
          kind: GraphQLDataSourceRequestKind.HEALTH_CHECK,
          context: {},
          request: { query: createUser, variables: { input: userInput('not-an-email') } },
        })
        .then(
          () => null,
          (error: unknown) => error,
        );
      expect(refused).toBeInstanceOf(GraphQLError);
      const error = refused as GraphQLError;
      expect(error.extensions.code).toBe('BAD_USER_INPUT');
      expect(error.extensions.field).toBe('input.email');
      expect(error.message).toMatch(/email/);
    } finally {
      await agent.close();
    }
  });
});
