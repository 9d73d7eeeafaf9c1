import { encodeCursor } from '@socgraph/shared';
import {
  buildClientSchema,
  getIntrospectionQuery,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type IntrospectionQuery,
} from 'graphql';
import { SUBGRAPH_NAMES } from '../src/registry';
import { startTestStack, type TestStack } from '../src/testing';

/**
 * Issue #10 item 5: every Query and Mutation field of the live supergraph (read by
 * introspection through the gateway, so new fields are covered without touching this file),
 * called through the gateway as admin and as analyst with hostile values for each argument
 * and each input field: wrong types, bad scalars, NUL and unpaired surrogates, huge strings,
 * negative and huge numbers, malformed ids and cursors, deep and wide JSON. Fails on any
 * INTERNAL_SERVER_ERROR (or other uncoded error), 5xx, stack trace, SQL or internal name in an
 * answer, on any executed mutation that left no audit entry, and on any ERROR line logged.
 *
 * Values are few per type on purpose (one wrong type per leaf, a handful of hostile values of
 * the right type), so the whole graph runs in well under a minute.
 */

const PASSWORD = 'correct horse battery staple';

/** Codes a hostile request may get: every one of them the caller's fault, said as such. */
const CLIENT_CODES = new Set([
  'BAD_USER_INPUT',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'UNAUTHENTICATED',
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'BAD_REQUEST',
  'QUERY_LIMIT_EXCEEDED',
  'PAYLOAD_TOO_LARGE',
  'RATE_LIMITED',
]);

/** What must never reach a client: stack frames, SQL, driver, file-system or schema internals. */
const LEAKS = [
  /stacktrace/i,
  /\n\s+at /,
  /\bat .*\.(ts|js):\d+/,
  /\b(SELECT|INSERT|UPDATE|DELETE)\b.*\b(FROM|INTO|SET)\b/i,
  /QueryFailedError|TypeORMError|EntityNotFound/,
  /invalid input syntax|violates .* constraint|relation ".*" does not exist/i,
  // A schema-qualified table name of any registered subgraph (identity.users, agents.jobs, ...).
  new RegExp(`\\b(${SUBGRAPH_NAMES.join('|')})\\.[a-z_]+\\b`),
  /node_modules/,
  /ECONNREFUSED|ECONNRESET/,
];

// ---------------------------------------------------------------------------------------------
// Values

const HUGE = 'h'.repeat(20_000);
const deepJson = (depth: number): unknown => {
  let value: unknown = { leaf: true };
  for (let i = 0; i < depth; i += 1) value = { nested: value };
  return value;
};
const WIDE_JSON = Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`k${i}`, i]));

/** Hostile values the type accepts (they reach resolvers): what a subgraph must refuse or survive. */
const STRING_VALUES = ['bad\u0000nul', 'bad\ud800surrogate', HUGE, `' OR '1'='1 %_\\`, ''];
const CURSOR_VALUES = [
  '!!!not-base64',
  'A'.repeat(2_000),
  encodeCursor(['x', 'y']),
  encodeCursor([1e300, -1]),
  encodeCursor(['2026-01-01T00:00:00.000Z', 'x']),
  Buffer.from('{"a":1}').toString('base64url'),
  Buffer.from('null').toString('base64url'),
];
const ID_VALUES = ['-1', 'abc', '9'.repeat(40), '2147483648', 'bad\u0000id'];
const INT_VALUES = [-1, -2_147_483_648, 2_147_483_647];
const FLOAT_VALUES = [-1e308, 1e308, -0.5];
const SCALAR_VALUES: Record<string, unknown[]> = {
  DateTime: ['0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z'],
  EmailAddress: [`${'a'.repeat(64)}@${'b'.repeat(60)}.example.com`],
  JSON: [deepJson(500), WIDE_JSON, { 'key\u0000': 1 }, 'bad\u0000json', [deepJson(50)]],
  JSONObject: [deepJson(500), WIDE_JSON, { 'key\u0000': 1 }, { value: 'bad\u0000json' }],
};

/** Values the type refuses (the gateway answers before any subgraph): one or two per leaf. */
const WRONG_VALUES: Record<string, unknown[]> = {
  String: [12345],
  ID: [true],
  Int: ['abc', 2 ** 31],
  Float: ['abc'],
  Boolean: ['true'],
  DateTime: ['yesterday', '2024-02-30T00:00:00Z', 12345],
  EmailAddress: ['not-an-email', 42],
  JSONObject: ['str', [1, 2]],
};

/** A value of the type that passes coercion and names nothing that exists (ids far out of range). */
function baseline(type: GraphQLInputType, depth = 0): unknown {
  if (isNonNullType(type)) return baseline(type.ofType, depth);
  if (isListType(type)) return [];
  if (isInputObjectType(type)) {
    const value: Record<string, unknown> = {};
    for (const field of Object.values(type.getFields())) {
      if (isNonNullType(field.type) && field.defaultValue === undefined)
        value[field.name] = baseline(field.type, depth + 1);
    }
    return value;
  }
  if (isEnumType(type)) return type.getValues()[0]?.value;
  switch (type.name) {
    case 'String':
      return 'hostile-probe';
    case 'ID':
      return '999999';
    case 'Int':
    case 'Float':
    case 'NonNegativeInt':
      return 1;
    case 'PositiveInt':
      return 1;
    case 'Boolean':
      // Dry runs stay dry (`runRetention(dryRun:)`), and `false` is the cautious answer elsewhere.
      return true;
    case 'DateTime':
      return '2026-01-01T00:00:00Z';
    case 'EmailAddress':
      return 'hostile@example.com';
    case 'JSON':
    case 'JSONObject':
      return {};
    default:
      return 'hostile-probe';
  }
}

/** Hostile values of the right type for a leaf, by its type and the argument's name. */
function hostileValues(type: GraphQLInputType, name: string): unknown[] {
  const named = getNamedType(type);
  if (isEnumType(named))
    return named
      .getValues()
      .map((v) => v.value)
      .slice(-1);
  if (!isScalarType(named)) return [];
  if (named.name === 'String' && /^(after|before|cursor)$/.test(name)) return [...CURSOR_VALUES, 'bad\u0000cursor'];
  if (named.name === 'String') return STRING_VALUES;
  if (named.name === 'ID') return ID_VALUES;
  if (named.name === 'Int' || named.name === 'NonNegativeInt' || named.name === 'PositiveInt') return INT_VALUES;
  if (named.name === 'Float') return FLOAT_VALUES;
  if (named.name === 'Boolean') return [false];
  return SCALAR_VALUES[named.name] ?? ['bad\u0000value', HUGE];
}

function wrongValues(type: GraphQLInputType): unknown[] {
  const named = getNamedType(type);
  if (isEnumType(named)) return ['NOT_A_VALUE'];
  if (isInputObjectType(named)) return ['not an object'];
  return WRONG_VALUES[named.name] ?? [];
}

interface Variant {
  /** Where the hostile value sits: `input.iocs[0].value`. */
  path: string;
  value: unknown;
  /** The type refuses it: answered before any subgraph, by one role only. */
  wrongType: boolean;
}

/**
 * Every leaf under an argument (input fields to a small depth, lists by their first item), each
 * with its hostile and wrong values, the rest of the argument at its baseline. A list also gets
 * 1,001 items, and a required value a null.
 */
function variantsOf(type: GraphQLInputType, name: string, path: string, depth = 0): Variant[] {
  const out: Variant[] = [];
  if (isNonNullType(type)) {
    out.push({ path, value: null, wrongType: true });
    type = type.ofType;
  }
  if (isListType(type)) {
    const item = type.ofType as GraphQLInputType;
    out.push({ path, value: Array.from({ length: 1_001 }, () => baseline(item)), wrongType: false });
    for (const variant of variantsOf(item, name, `${path}[0]`, depth)) {
      if (variant.value !== null) out.push({ ...variant, value: [variant.value] });
    }
    return out;
  }
  out.push(...wrongValues(type).map((value) => ({ path, value, wrongType: true })));
  if (isInputObjectType(type)) {
    if (depth > 3) return out;
    const base = baseline(type) as Record<string, unknown>;
    for (const field of Object.values(type.getFields())) {
      for (const variant of variantsOf(field.type, field.name, `${path}.${field.name}`, depth + 1)) {
        out.push({ ...variant, value: { ...base, [field.name]: variant.value } });
      }
    }
    return out;
  }
  out.push(...hostileValues(type, name).map((value) => ({ path, value, wrongType: false })));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Requests

interface Probe {
  label: string;
  query: string;
  variables: Record<string, unknown>;
  mutation: boolean;
  headers: Record<string, string>;
}

const printType = (type: GraphQLInputType): string => String(type);

function selectionOf(field: GraphQLField<unknown, unknown>): string {
  return isLeafType(getNamedType(field.type)) ? '' : ' { __typename }';
}

/** One request per variant: a field called with every argument at its baseline but one. */
function probesOf(schema: GraphQLSchema, roles: Record<string, Record<string, string>>): Probe[] {
  const probes: Probe[] = [];
  const roots: [GraphQLObjectType | null | undefined, boolean][] = [
    [schema.getQueryType(), false],
    [schema.getMutationType(), true],
  ];
  for (const [root, mutation] of roots) {
    if (!root) continue;
    for (const field of Object.values(root.getFields())) {
      // Ending the session the probes run on would only turn the rest into UNAUTHENTICATED.
      if (field.name === 'logout') continue;
      const args: readonly GraphQLArgument[] = field.args;
      const keyword = mutation ? 'mutation' : 'query';
      const declared = args.map((a) => `$${a.name}: ${printType(a.type)}`).join(', ');
      const passed = args.map((a) => `${a.name}: $${a.name}`).join(', ');
      const query =
        `${keyword} Hostile${args.length ? `(${declared})` : ''} ` +
        `{ ${field.name}${args.length ? `(${passed})` : ''}${selectionOf(field)} }`;
      const base = Object.fromEntries(args.filter((a) => isNonNullType(a.type)).map((a) => [a.name, baseline(a.type)]));
      const variants: (Variant | null)[] = [null];
      for (const arg of args) variants.push(...variantsOf(arg.type, arg.name, arg.name));
      const seenPaths = new Set<string>();
      for (const variant of variants) {
        // The analyst's mutations are mostly refused by role: its first hostile value per input suffices.
        const firstAtPath = variant !== null && !variant.wrongType && !seenPaths.has(variant.path);
        if (variant && !variant.wrongType) seenPaths.add(variant.path);
        for (const [role, headers] of Object.entries(roles)) {
          if (variant?.wrongType && role !== 'admin') continue;
          if (mutation && role !== 'admin' && variant && !firstAtPath) continue;
          const variables = variant ? { ...base, [variant.path.split(/[.[]/)[0] ?? '']: variant.value } : base;
          probes.push({
            label: `${role} ${field.name} ${variant ? variant.path : '(baseline)'}`,
            query,
            variables,
            mutation,
            headers,
          });
        }
      }
    }
  }
  return probes;
}

async function inPool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: concurrency }, async () => {
    while (next < items.length) {
      const item = items[next];
      next += 1;
      if (item !== undefined) await work(item);
    }
  });
  await Promise.all(runners);
}

const short = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
};

describe('hostile input over the whole graph', () => {
  let stack: TestStack;
  let schema: GraphQLSchema;
  let roles: Record<string, Record<string, string>>;

  beforeAll(async () => {
    // Error lines ship to audit, where the test looks for them at the end.
    stack = await startTestStack({ env: { LOG_SHIP_LEVEL: 'error', LOG_SHIP_FLUSH_MS: '100' } });
    await stack.seedAdmin(PASSWORD);
    await stack.seedUser({ username: 'ana', password: PASSWORD, role: 'analyst' });
    roles = {
      admin: { authorization: `Bearer ${await stack.login('admin', PASSWORD)}` },
      analyst: { authorization: `Bearer ${await stack.login('ana', PASSWORD)}` },
    };
    const introspection = await stack.gql<IntrospectionQuery>(getIntrospectionQuery(), {}, roles.admin);
    if (!introspection.body.data) throw new Error(`introspection failed: ${JSON.stringify(introspection.body.errors)}`);
    schema = buildClientSchema(introspection.body.data);
  });
  afterAll(() => stack?.stop());

  it('answers every field, every argument, every hostile value with a coded client error or data', async () => {
    const probes = probesOf(schema, roles);
    const fields = new Set(probes.map((p) => p.label.split(' ')[1]));
    const publicFields = [schema.getQueryType(), schema.getMutationType()].flatMap((t) =>
      Object.keys(t?.getFields() ?? {}),
    );
    expect(fields.size).toBe(publicFields.length - 1); // all but logout
    const problems: string[] = [];
    const answered = new Map<string, number>();
    const executedMutations: { label: string; requestId: string; fields: number }[] = [];

    await inPool(probes, 6, async (probe) => {
      const result = await stack.gql(probe.query, probe.variables, probe.headers);
      for (const error of result.body.errors ?? []) {
        const code = String(error.extensions?.code);
        answered.set(code, (answered.get(code) ?? 0) + 1);
      }
      const where = `${probe.label} = ${short(probe.variables)}`;
      if (result.status >= 500) problems.push(`HTTP ${result.status}: ${where}`);
      for (const error of result.body.errors ?? []) {
        const code = String(error.extensions?.code);
        if (!CLIENT_CODES.has(code)) problems.push(`${code} "${error.message.slice(0, 160)}": ${where}`);
      }
      const text = JSON.stringify(result.body.errors ?? []);
      for (const pattern of LEAKS) {
        if (pattern.test(text)) problems.push(`leak ${pattern}: ${text.slice(0, 200)}: ${where}`);
      }
      // Executed (not refused as a request): the mutation ran, and its attempt is on the record.
      if (probe.mutation && result.body.data !== undefined) {
        executedMutations.push({ label: where, requestId: result.headers.get('x-request-id') ?? '', fields: 1 });
      }
    });

    await stack.flushAudit();
    const rows = (await stack
      .dataSource('audit')
      .query(
        `SELECT request_id, count(*)::int AS n FROM audit.audit_logs WHERE request_id = ANY($1) GROUP BY request_id`,
        [executedMutations.map((m) => m.requestId)],
      )) as { request_id: string; n: number }[];
    const entries = new Map(rows.map((r) => [r.request_id, r.n]));
    for (const mutation of executedMutations) {
      const n = entries.get(mutation.requestId) ?? 0;
      if (n !== mutation.fields) problems.push(`${n} audit entries (want ${mutation.fields}): ${mutation.label}`);
    }

    // Nothing hostile is an unexpected error in any service's log either.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await stack.flushAudit();
    const logged = (await stack
      .dataSource('audit')
      .query(
        `SELECT component, left(message, 200) AS message FROM audit.logs WHERE level IN ('ERROR', 'CRITICAL')`,
      )) as {
      component: string;
      message: string;
    }[];
    for (const line of logged.slice(0, 20)) problems.push(`ERROR line from ${line.component}: ${line.message}`);

    // The probes reached resolvers, not only the gateway's checks: mutations ran, services refused.
    expect(executedMutations.length).toBeGreaterThan(100);
    expect(answered.get('NOT_FOUND')).toBeGreaterThan(100);
    expect(answered.get('FORBIDDEN')).toBeGreaterThan(100);
    expect(problems.slice(0, 60)).toEqual([]);
  }, 600_000); // ~3,500+ probes; 150 s alone on a loaded 2-core machine, more beside other suites
});
