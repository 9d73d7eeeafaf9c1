import { createHash, randomUUID } from 'node:crypto';
import {
  buildClientSchema,
  getIntrospectionQuery,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
  type IntrospectionQuery,
} from 'graphql';
import { admits, anonymousPrincipal, Roles, SERVICE, type MutationRule } from '@socgraph/shared';
import { SUBGRAPHS } from '../src/registry';
import { startTestStack, type TestStack } from '../src/testing';
import { errorCodes } from './support';

/**
 * api.md's "Roles" as data, checked against the live graph: every public Mutation field of
 * the gateway's schema has a rule in its subgraph's `mutationAccess`, and for every mutation
 * and every role, a role the rule admits is never FORBIDDEN and any other role always is.
 * Arguments are generated from the types (required ones only, ids that do not exist), so an
 * admitted role may well get BAD_USER_INPUT or NOT_FOUND: only FORBIDDEN is judged.
 */
let graph: TestStack;
const PASSWORD = 'correct horse battery staple';
const ROLES = Object.values(Roles);
const tokens = new Map<string, string>();

beforeAll(async () => {
  graph = await startTestStack();
  // Fresh users without customers: an analyst then sees every customer, so scope never answers for the role.
  for (const role of ROLES) {
    await graph.seedUser({ username: `matrix_${role}`, password: PASSWORD, role });
    tokens.set(role, await graph.login(`matrix_${role}`, PASSWORD));
  }
});
afterAll(async () => graph?.stop());

const rules = new Map<string, MutationRule>(SUBGRAPHS.flatMap((s) => Object.entries(s.service.mutationAccess ?? {})));

async function publicMutations(): Promise<GraphQLField<unknown, unknown>[]> {
  const result = await graph.gql<IntrospectionQuery>(getIntrospectionQuery());
  expect(result.body.errors).toBeUndefined();
  const schema = buildClientSchema(result.body.data as IntrospectionQuery);
  return Object.values(schema.getMutationType()?.getFields() ?? {});
}

const SCALARS: Record<string, unknown> = {
  ID: '999999',
  String: 'x',
  Int: 1,
  Float: 1,
  Boolean: true,
  DateTime: '2026-01-01T00:00:00Z',
  JSON: {},
  JSONObject: {},
  UUID: randomUUID(),
  EmailAddress: 'matrix@example.com',
  IP: '192.0.2.1',
  HexColorCode: '#000000',
  NonNegativeInt: 0,
  PositiveInt: 1,
};

/** A value for a required input: lists empty, input objects with their required fields only. */
function sample(type: GraphQLInputType): unknown {
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) return [];
  if (isEnumType(inner)) return inner.getValues()[0]?.value;
  if (isScalarType(inner)) return SCALARS[inner.name] ?? 'x';
  if (isInputObjectType(inner)) {
    return Object.fromEntries(
      Object.values(inner.getFields())
        .filter((f) => isNonNullType(f.type) && f.defaultValue === undefined)
        .map((f) => [f.name, sample(f.type)]),
    );
  }
  return null;
}

function operationFor(field: GraphQLField<unknown, unknown>): { query: string; variables: Record<string, unknown> } {
  const required = field.args.filter((a) => isNonNullType(a.type) && a.defaultValue === undefined);
  const declarations = required.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
  const args = required.map((a) => `${a.name}: $${a.name}`).join(', ');
  const selection =
    isScalarType(getNamedType(field.type)) || isEnumType(getNamedType(field.type)) ? '' : ' { __typename }';
  return {
    query: `mutation Matrix${declarations ? `(${declarations})` : ''} { ${field.name}${args ? `(${args})` : ''}${selection} }`,
    variables: Object.fromEntries(required.map((a) => [a.name, sample(a.type)])),
  };
}

/** Whether the rule admits a signed-in user of this role (users are never the service principal). */
const admitsRole = (rule: MutationRule, role: string): boolean =>
  admits(rule, { ...anonymousPrincipal(), kind: 'user', role });

describe('the role matrix', () => {
  it('has a rule for every public mutation of the supergraph, and none for a mutation that is not there', async () => {
    const fields = (await publicMutations()).map((f) => f.name);
    expect(fields.length).toBeGreaterThan(50);
    expect(fields.filter((name) => !rules.has(name))).toEqual([]);
    // Internal deliveries are in the rules as SERVICE and are not public; nothing else may be missing from the graph.
    const publicNames = new Set(fields);
    expect([...rules].filter(([name, rule]) => rule !== SERVICE && !publicNames.has(name)).map(([n]) => n)).toEqual([]);
  });

  it('refuses exactly the roles each rule does not admit, before anything else', async () => {
    const mismatches: string[] = [];
    // logout ends the session it runs in: last, each role on a session of its own.
    const fields = (await publicMutations()).sort((a, b) => Number(a.name === 'logout') - Number(b.name === 'logout'));
    for (const field of fields) {
      const rule = rules.get(field.name);
      if (!rule) {
        mismatches.push(`${field.name}: no rule`);
        continue;
      }
      const { query, variables } = operationFor(field);
      for (const role of ROLES) {
        const token = field.name === 'logout' ? await graph.login(`matrix_${role}`, PASSWORD) : tokens.get(role)!;
        const result = await graph.gql(query, variables, { authorization: `Bearer ${token}` });
        const codes = errorCodes(result);
        const allowed = admitsRole(rule, role);
        const forbidden = codes.includes('FORBIDDEN');
        if (allowed === forbidden) {
          mismatches.push(
            `${field.name} as ${role}: ${allowed ? 'admitted' : 'refused'} by the rule, got ${codes.join(',') || 'success'}`,
          );
        }
        if (!allowed) expect(result.body.data?.[field.name] ?? null).toBeNull();
      }
    }
    expect(mismatches).toEqual([]);
  });
});

describe('writes that leaked or outlived their role (issue 16, item 5)', () => {
  const as = (role: string) => ({ authorization: `Bearer ${tokens.get(role)!}` });

  it('an auditor makes no API key (it writes nothing, and a key would outlive its session)', async () => {
    const created = await graph.gql(
      `mutation { createApiKey(input: { clientName: "auditor-tool" }) { secret apiKey { id } } }`,
      {},
      as(Roles.AUDITOR),
    );
    expect(errorCodes(created)).toEqual(['FORBIDDEN']);
    expect(created.body.data ?? null).toBeNull();
    const rows = (await graph
      .dataSource('identity')
      .query(`SELECT count(*)::int AS n FROM identity.api_keys WHERE client_name = 'auditor-tool'`)) as { n: number }[];
    expect(rows[0]?.n).toBe(0);
    const revoked = await graph.gql(`mutation { revokeApiKey(id: "1") { id } }`, {}, as(Roles.AUDITOR));
    expect(errorCodes(revoked)).toEqual(['FORBIDDEN']);
  });

  it("an auditor's key made before that rule opens nothing", async () => {
    const secret = `sgk_${randomUUID()}`;
    await graph.dataSource('identity').query(
      `INSERT INTO identity.api_keys (user_id, client_name, key_prefix, secret_hash, persisted_only)
       SELECT id, 'legacy-auditor-tool', $1, $2, false FROM identity.users WHERE username = 'matrix_auditor'`,
      [secret.slice(0, 12), createHash('sha256').update(secret, 'utf8').digest('hex')],
    );
    const result = await graph.gql(`{ auditLog { totalCount } }`, {}, { 'x-api-key': secret });
    expect(errorCodes(result)).toEqual(['UNAUTHENTICATED']);
    expect(result.body.data ?? null).toBeNull();
  });

  it('an analyst, who may not read security events, neither resolves them nor reads them through an incident', async () => {
    const [event] = (await graph.dataSource('audit').query(
      `INSERT INTO audit.security_events (username, event_category, severity_level, threat_type, source_ip, target_resource)
       VALUES ('victim', 'AUTHENTICATION', 'HIGH', 'BRUTE_FORCE', '203.0.113.9', 'login') RETURNING id::text AS id`,
    )) as { id: string }[];
    const resolved = await graph.gql(
      `mutation ($id: ID!) { resolveSecurityEvent(input: { id: $id, falsePositive: true }) { threatType username sourceIp } }`,
      { id: event!.id },
      as(Roles.ANALYST),
    );
    expect(errorCodes(resolved)).toEqual(['FORBIDDEN']);
    expect(JSON.stringify(resolved.body)).not.toContain('203.0.113.9');
    const incident = await graph.gql(
      `mutation ($ids: [ID!]) { createSecurityIncident(input: { title: "t", severity: "HIGH", securityEventIds: $ids }) { affectedResources { kind value } } }`,
      { ids: [event!.id] },
      as(Roles.ANALYST),
    );
    expect(errorCodes(incident)).toEqual(['FORBIDDEN']);
    expect(JSON.stringify(incident.body)).not.toContain('victim');
    const [row] = (await graph
      .dataSource('audit')
      .query(`SELECT is_resolved FROM audit.security_events WHERE id = $1`, [event!.id])) as { is_resolved: boolean }[];
    expect(row?.is_resolved).toBe(false);
  });
});
