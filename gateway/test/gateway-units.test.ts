import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { anonymousPrincipal, HttpError, operationLabeler } from '@socgraph/shared';
import { testPrincipal } from '@socgraph/testkit';
import { buildSchema, parse, type OperationDefinitionNode } from 'graphql';
import { gatewayConfigFrom } from '../src/config';
import { operationCost } from '../src/limits';
import { buildManifest, readManifest, safelistOf, sha256Hex } from '../src/persisted';
import { checkPersistedPolicy, operationRequestOf, type PersistedPolicyOptions } from '../src/persisted-policy';
import { clientIpOf } from '../src/request-context';

const SECRET = 'x'.repeat(32);

describe('operationCost', () => {
  const schema = buildSchema(`
    type Query { users(first: Int = 20): UserConnection! me: User }
    type UserConnection { edges: [UserEdge!]! nodes: [User!]! totalCount: Int! }
    type UserEdge { node: User! }
    type User { id: ID! tags: [Tag!]! transactions(first: Int = 20): UserConnection! }
    type Tag { id: ID! }
  `);
  const cost = (source: string, variables: Record<string, unknown> = {}) => {
    const document = parse(source);
    const operation = document.definitions[0] as OperationDefinitionNode;
    return operationCost(schema, document, operation, variables, 10);
  };

  it('multiplies by first on connections, not again on their edges', () => {
    expect(cost(`{ users(first: 100) { edges { node { id } } } }`).cost).toBe(300);
    expect(cost(`{ users(first: 100) { edges { node { transactions(first: 100) { totalCount } } } } }`).cost).toBe(
      100 * (1 + 1 * (1 + 1 * (1 + 100))),
    );
  });

  it("uses the argument's default, an assumed list size, and variables", () => {
    expect(cost(`{ users { nodes { id } } }`).cost).toBe(40);
    expect(cost(`{ me { tags { id } } }`).cost).toBe(1 + 10);
    expect(cost(`query ($n: Int) { users(first: $n) { totalCount } }`, { n: 7 })).toEqual({
      cost: 7,
      usedVariables: true,
    });
  });

  it('counts fragments once per spread, without walking them again', () => {
    const spread = (n: number) => Array.from({ length: n }, () => '...F').join(' ');
    expect(cost(`{ me { ${spread(3)} } } fragment F on User { tags { id } }`).cost).toBe(1 + 3 * 10);
  });
});

describe('persisted operations manifest', () => {
  it('has one entry per named operation, each body carrying the fragments it uses', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'socgraph-ops-'));
    writeFileSync(path.join(dir, 'a.graphql'), `query A { me { ...F } } fragment F on User { id }`);
    writeFileSync(path.join(dir, 'b.graphql'), `mutation B { logout } query { me { id } }`);
    const { manifest, errors } = buildManifest(dir);
    expect(errors).toEqual(['b.graphql: every persisted operation needs a name']);
    expect(manifest.operations.map((o) => [o.name, o.type])).toEqual([
      ['A', 'query'],
      ['B', 'mutation'],
    ]);
    const a = manifest.operations[0]!;
    expect(a.body).toMatch(/fragment F on User/);
    expect(a.id).toBe(sha256Hex(a.body));
  });

  it('refuses a manifest whose ids are not the hashes of their bodies', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'socgraph-manifest-')), 'm.json');
    const body = 'query A { me { id } }';
    const manifest = { format: 'apollo-persisted-query-manifest', version: 1, operations: [] as object[] };
    manifest.operations.push({ id: sha256Hex('something else'), name: 'A', type: 'query', body });
    writeFileSync(file, JSON.stringify(manifest));
    expect(() => readManifest(file)).toThrow(/not the sha256 of its body/);
  });
});

describe('checkPersistedPolicy', () => {
  const body = 'query Me { me { id } }';
  const id = sha256Hex(body);
  const options = (mode: PersistedPolicyOptions['mode']): PersistedPolicyOptions => ({
    safelist: safelistOf({
      format: 'apollo-persisted-query-manifest',
      version: 1,
      operations: [{ id, name: 'Me', type: 'query', body }],
    }),
    mode,
    maxDocumentSize: 1_000,
  });
  const codeOf = (fn: () => void): string | null => {
    try {
      fn();
      return null;
    } catch (error) {
      return error instanceof HttpError ? error.code : String(error);
    }
  };
  const byQuery = operationRequestOf({ query: '{ me { id } }' }, '');
  const byId = (hash: string) =>
    operationRequestOf({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }, '');
  const partner = testPrincipal({ role: 'analyst', apiKeyId: '1', persistedOnly: true });
  const customer = testPrincipal({ role: 'customer_user', sessionId: 's' });

  it('holds persisted-only keys to the manifest in every mode', () => {
    expect(codeOf(() => checkPersistedPolicy(partner, byQuery, options('off')))).toBe('PERSISTED_QUERY_REQUIRED');
    expect(codeOf(() => checkPersistedPolicy(partner, byId(sha256Hex('x')), options('off')))).toBe(
      'PERSISTED_QUERY_NOT_FOUND',
    );
    expect(codeOf(() => checkPersistedPolicy(partner, byId(id), options('off')))).toBeNull();
  });

  it('enforce exempts admins and analysts with a session; log only reports', () => {
    expect(codeOf(() => checkPersistedPolicy(customer, byQuery, options('enforce')))).toBe('PERSISTED_QUERY_REQUIRED');
    expect(codeOf(() => checkPersistedPolicy(anonymousPrincipal(), byQuery, options('enforce')))).toBe(
      'PERSISTED_QUERY_REQUIRED',
    );
    expect(codeOf(() => checkPersistedPolicy(testPrincipal(), byQuery, options('enforce')))).toBeNull();
    const analyst = testPrincipal({ role: 'analyst', sessionId: 's' });
    expect(codeOf(() => checkPersistedPolicy(analyst, byQuery, options('enforce')))).toBeNull();
    const reported: string[] = [];
    const log = { ...options('log'), onWouldRefuse: (_p: unknown, _r: unknown, code: string) => reported.push(code) };
    expect(codeOf(() => checkPersistedPolicy(customer, byQuery, log))).toBeNull();
    expect(reported).toEqual(['PERSISTED_QUERY_REQUIRED']);
  });

  it('reads GET requests, and refuses malformed hashes and oversized documents', () => {
    const search = `?query=${encodeURIComponent('{ me { id } }')}&extensions=${encodeURIComponent(
      JSON.stringify({ persistedQuery: { version: 1, sha256Hash: id } }),
    )}`;
    expect(operationRequestOf(undefined, search)).toMatchObject({ query: '{ me { id } }', persistedHash: id });
    expect(codeOf(() => checkPersistedPolicy(customer, byId('ABC'), options('off')))).toBe('BAD_USER_INPUT');
    const big = operationRequestOf({ query: `{ me { id } } #${'x'.repeat(2_000)}` }, '');
    expect(codeOf(() => checkPersistedPolicy(customer, big, options('off')))).toBe('QUERY_LIMIT_EXCEEDED');
  });
});

describe('operation-name metric labels', () => {
  it('stay bounded whatever names clients send', () => {
    const label = operationLabeler(2, ['Me']);
    expect(['Me', 'A', 'B', 'C', null, 'bad name'].map((name) => label(name, true))).toEqual([
      'Me',
      'A',
      'B',
      '__other',
      '__anonymous',
      '__other',
    ]);
  });

  it('take no slot for a name only anonymous callers sent', () => {
    const label = operationLabeler(2, ['Login']);
    expect(label('Login', false)).toBe('Login');
    expect(label('Flood1', false)).toBe('__other');
    expect(label('Flood2', false)).toBe('__other');
    expect(label('Dashboard', true)).toBe('Dashboard');
    // Seen from an authenticated caller: anyone's use of it is told apart from then on.
    expect(label('Dashboard', false)).toBe('Dashboard');
    expect(label('Other', true)).toBe('Other');
  });
});

describe('gateway config', () => {
  it('parses rate limits and per-subgraph timeouts, and defaults introspection by environment', () => {
    const config = gatewayConfigFrom({
      JWT_SECRET: SECRET,
      INTERNAL_TOKEN_SECRET: SECRET,
      RATE_LIMITS: 'analyst=2.5/10, default=1/5',
      SUBGRAPH_TIMEOUTS: 'identity=2000',
      NODE_ENV: 'production',
    });
    expect(config.RATE_LIMITS).toEqual({ analyst: { rate: 2.5, burst: 10 }, default: { rate: 1, burst: 5 } });
    expect(config.SUBGRAPH_TIMEOUTS).toEqual({ identity: 2000 });
    expect(config.ALLOW_ANONYMOUS_INTROSPECTION).toBe(false);
    expect(config.API_KEY_INTROSPECTION).toBe(false);
    expect(() =>
      gatewayConfigFrom({ JWT_SECRET: SECRET, INTERNAL_TOKEN_SECRET: SECRET, RATE_LIMITS: 'x=fast' }),
    ).toThrow(/RATE_LIMITS/);
  });
});

describe('clientIpOf', () => {
  const request = (peer: string, forwarded?: string) =>
    ({
      socket: { remoteAddress: peer },
      headers: forwarded ? { 'x-forwarded-for': forwarded } : {},
    }) as unknown as IncomingMessage;

  it('is the socket peer unless proxies are trusted, and never a client-written entry', () => {
    expect(clientIpOf(request('::ffff:10.0.0.9', '1.2.3.4'))).toBe('10.0.0.9');
    // One load balancer: it appended the address it saw; whatever the client sent before is ignored.
    expect(clientIpOf(request('10.0.0.9', 'spoofed, 203.0.113.7'), 1)).toBe('203.0.113.7');
    expect(clientIpOf(request('10.0.0.9', '203.0.113.7, 10.0.0.5'), 2)).toBe('203.0.113.7');
    expect(clientIpOf(request('10.0.0.9'), 1)).toBe('10.0.0.9');
  });

  it('is always an address: a garbled forwarded entry falls back to the peer', () => {
    expect(clientIpOf(request('10.0.0.9', 'not-an-ip'), 1)).toBe('10.0.0.9');
    expect(clientIpOf(request('10.0.0.9', `${'9'.repeat(80)}`), 1)).toBe('10.0.0.9');
  });
});
