import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { gql } from 'graphql-tag';
import {
  ANYONE,
  defineSubgraph,
  enforceMutationAccess,
  mutationAccessProblems,
  Roles,
  SERVICE,
  type GraphQLResolverMap,
  type MutationAccess,
  type SubgraphContext,
} from '../src';
import { anonymousPrincipal } from '../src/auth/principal';
import { testPrincipal } from '@socgraph/testkit';

const SDL = `
  type Query { ping: Int }
  type Mutation {
    publish(x: Int): Int
    _deliver(x: Int): Int @inaccessible
  }
  extend type Mutation { login: Int }
`;

describe('mutation access rules', () => {
  it('name every Mutation field without a rule, stale rules and internal fields open to users', () => {
    expect(
      mutationAccessProblems('demo', gql(SDL), { login: ANYONE, _deliver: [Roles.ADMIN], gone: [Roles.ADMIN] }),
    ).toEqual([
      'demo: Mutation.publish has no access rule',
      'demo: Mutation._deliver is internal (@inaccessible), its rule must be SERVICE',
      'demo: access rule for Mutation.gone, which the schema lacks',
    ]);
    expect(
      mutationAccessProblems('demo', gql(SDL), { publish: [Roles.ADMIN], _deliver: SERVICE, login: ANYONE }),
    ).toEqual([]);
  });

  it('keep a subgraph with a mutation nobody decided on from starting', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mutation-access-'));
    const schemaPath = path.join(dir, 'schema.graphql');
    writeFileSync(schemaPath, SDL.replace(' @inaccessible', ''));
    const subgraph = defineSubgraph({
      name: 'demo',
      defaultPort: 4999,
      schemaPaths: [schemaPath],
      resolvers: {},
      mutationAccess: { publish: [Roles.ADMIN], _deliver: SERVICE },
      entities: [],
      config: () => z.object({}).parse({}) as never,
      createContext: (_deps, base) => base,
    });
    await expect(
      subgraph.start({ databaseUrl: 'postgres://unused', port: 0, internalTokenSecret: 'x', jwtSecret: 'y' }),
    ).rejects.toThrow('demo: Mutation.login has no access rule');
  });

  it('refuse a caller the rule does not admit before the resolver runs', async () => {
    const ran: string[] = [];
    const access: MutationAccess = { publish: [Roles.ADMIN, Roles.ANALYST], _deliver: SERVICE, login: ANYONE };
    const resolvers = enforceMutationAccess<SubgraphContext>(
      {
        Mutation: Object.fromEntries(Object.keys(access).map((name) => [name, () => ran.push(name)])),
      } as GraphQLResolverMap<SubgraphContext>,
      access,
    );
    const call = (field: string, principal: SubgraphContext['principal']) => {
      const mutation = resolvers.Mutation as Record<string, (...args: unknown[]) => unknown>;
      try {
        mutation[field]!(null, {}, { principal, requestId: 'r', clientIp: null, userAgent: null }, {});
        return 'ran';
      } catch (error) {
        return String((error as { extensions?: { code?: string } }).extensions?.code);
      }
    };
    expect(call('publish', testPrincipal({ role: 'auditor' }))).toBe('FORBIDDEN');
    expect(call('publish', anonymousPrincipal())).toBe('UNAUTHENTICATED');
    expect(call('publish', testPrincipal({ role: 'analyst' }))).toBe('ran');
    expect(call('_deliver', testPrincipal({ role: 'scheduler' }))).toBe('FORBIDDEN');
    expect(call('_deliver', { ...testPrincipal({ role: 'scheduler' }), kind: 'service' })).toBe('ran');
    expect(call('login', anonymousPrincipal())).toBe('ran');
    expect(ran).toEqual(['publish', '_deliver', 'login']);
  });
});
