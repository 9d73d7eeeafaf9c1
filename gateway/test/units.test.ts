import { readFileSync } from 'node:fs';
import { ConfigError, TAG_RBAC_OFF, type Principal } from '@socgraph/shared';
import { parse, type OperationDefinitionNode } from 'graphql';
import { DEFAULT_SUPERGRAPH_PATH, gatewayConfigFrom } from '../src/config';
import { anonymousMayRun } from '../src/operation-access';
import { InMemoryPrincipalCache } from '../src/principal-cache';
import { createPrincipalResolver, type InternalPrincipal, type PrincipalLookup } from '../src/principal-resolver';
import { joinedSubgraphsOf } from '../src/supergraph';

const SECRET = 'x'.repeat(32);

describe('gatewayConfigFrom', () => {
  it('reports every problem at once', () => {
    expect.assertions(4);
    try {
      gatewayConfigFrom({ PORT: 'abc', JWT_SECRET: 'short', IDENTITY_URL: 'ftp://x' });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toMatch(/PORT/);
      expect(problems).toMatch(/JWT_SECRET/);
      expect(problems).toMatch(/INTERNAL_TOKEN_SECRET/);
    }
  });

  it('takes every <NAME>_URL as a subgraph URL, by name, and no other *_URL', () => {
    const config = gatewayConfigFrom({
      PORT: '5000',
      JWT_SECRET: SECRET,
      INTERNAL_TOKEN_SECRET: SECRET,
      AGENTS_URL: 'http://agents:8080/graphql',
      IDENTITY_URL: 'http://127.0.0.1:5001/graphql',
      REDIS_URL: 'redis://127.0.0.1:6379',
      DATABASE_URL: 'postgres://x@127.0.0.1/db',
      IDENTITY_DATABASE_URL: 'postgres://x@127.0.0.1/db',
    });
    expect(config.SUBGRAPH_URLS).toEqual({
      agents: 'http://agents:8080/graphql',
      identity: 'http://127.0.0.1:5001/graphql',
    });
    expect(config).toMatchObject({
      PORT: 5000,
      HOST: '127.0.0.1',
      PRINCIPAL_CACHE_SECONDS: 5,
      INTERNAL_TOKEN_TTL_SECONDS: 60,
      INTROSPECTION: true,
      ALLOW_ANONYMOUS_INTROSPECTION: true,
      SUPERGRAPH_PATH: DEFAULT_SUPERGRAPH_PATH,
    });
  });
});

describe('supergraph', () => {
  it('lists the subgraphs it joins with the URLs it was composed with', () => {
    const joined = joinedSubgraphsOf(readFileSync(DEFAULT_SUPERGRAPH_PATH, 'utf8'));
    expect(joined.length).toBeGreaterThan(0);
    for (const subgraph of joined) expect(subgraph.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/graphql$/);
  });
});

describe('anonymousMayRun', () => {
  const may = (source: string, allowIntrospection = true): boolean => {
    const document = parse(source);
    const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
    if (!operation) throw new Error('no operation');
    return anonymousMayRun(operation, document, { allowIntrospection });
  };
  it.each([
    ['mutation { login(username: "a", password: "b") { token } }', true],
    ['mutation { __typename login(username: "a", password: "b") { token } }', true],
    ['mutation { ...L } fragment L on Mutation { login(username: "a", password: "b") { token } }', true],
    ['{ __schema { types { name } } __type(name: "User") { name } }', true],
    ['{ __typename }', true],
    ['mutation { login(username: "a", password: "b") { token } logout }', false],
    ['{ me { id } }', false],
    ['{ ... on Query { me { id } } }', false],
    ['query { ...A } fragment A on Query { ...B } fragment B on Query { users { totalCount } }', false],
    ['query { login: me { id } }', false],
    ['subscription { __typename }', false],
  ])('%s → %s', (source, expected) => expect(may(source)).toBe(expected));

  it('refuses introspection when it is not allowed anonymously', () => {
    expect(may('{ __schema { types { name } } }', false)).toBe(false);
  });
});

describe('InMemoryPrincipalCache', () => {
  const principal = (userId: string): Principal => ({
    kind: 'user',
    userId,
    username: userId,
    role: 'analyst',
    customerCodes: [],
    tagIds: [],
    sessionId: null,
    apiKeyId: null,
    clientName: null,
    persistedOnly: false,
    tagAccess: TAG_RBAC_OFF,
  });

  it('expires entries and stays bounded', async () => {
    let now = 0;
    const cache = new InMemoryPrincipalCache(2, () => now);
    await cache.set('a', principal('a'), 5);
    await cache.set('b', principal('b'), 5);
    await cache.set('c', principal('c'), 5);
    expect(cache.size).toBe(2);
    expect(await cache.get('a')).toBeUndefined();
    expect((await cache.get('c'))?.userId).toBe('c');
    now = 5_000;
    expect(await cache.get('c')).toBeUndefined();
  });
});

describe('principal resolver', () => {
  const found: InternalPrincipal = {
    userId: '1',
    username: 'ana',
    role: 'analyst',
    customerCodes: ['ACME'],
    tagIds: ['3'],
    sessionId: null,
    apiKeyId: 'key-1',
    clientName: 'siem',
    persistedOnly: true,
  };

  it('caches lookups, shares concurrent ones, and evicts a revoked key', async () => {
    let calls = 0;
    const lookup: PrincipalLookup = {
      bySession: async () => null,
      byApiKey: async () => {
        calls += 1;
        await new Promise((resolve) => setTimeout(resolve, 10));
        return found;
      },
    };
    const resolver = createPrincipalResolver({ jwtSecret: SECRET, lookup, cacheSeconds: 60 });
    const headers = { 'x-api-key': 'sgk_secret' };
    const [a, b] = await Promise.all([resolver.resolve(headers), resolver.resolve(headers)]);
    expect(calls).toBe(1);
    expect(a).toEqual(b);
    expect(a).toMatchObject({
      kind: 'user',
      username: 'ana',
      apiKeyId: 'key-1',
      persistedOnly: true,
      tagAccess: TAG_RBAC_OFF,
    });
    await resolver.resolve(headers);
    expect(calls).toBe(1);
    await resolver.evictApiKey('key-1');
    await resolver.resolve(headers);
    expect(calls).toBe(2);
  });

  it('takes tag access settings from the settings source', async () => {
    const settings = { enabled: true, untaggedAlertBehavior: 'ADMIN_ONLY' as const, defaultTagId: null };
    const resolver = createPrincipalResolver({
      jwtSecret: SECRET,
      lookup: { bySession: async () => null, byApiKey: async () => found },
      settings: { current: async () => settings },
      cacheSeconds: 5,
    });
    expect((await resolver.resolve({ 'x-api-key': 'k' })).tagAccess).toEqual(settings);
    expect((await resolver.resolve({})).kind).toBe('anonymous');
  });
});
