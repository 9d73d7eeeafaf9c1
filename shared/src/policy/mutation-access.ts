import { Kind, type DocumentNode, type GraphQLFieldResolver } from 'graphql';
import { Roles, type KnownRole, type Principal } from '../auth/principal';
import { forbidden, unauthenticated } from '../errors';
import type { GraphQLResolverMap } from '../graphql/resolvers';

/**
 * Who may run which mutation: api.md's "Roles" (who may write what) as data. Each subgraph
 * declares one rule per Mutation field next to its resolvers; `defineSubgraph` refuses to start
 * a subgraph with a field that has no rule, and refuses a caller the rule does not admit before
 * the resolver runs. Finer rules (an analyst only touches rows it can see, a customer_user only
 * its customers) stay in the services.
 *
 * - a list of roles: signed-in callers with one of them (anonymous: UNAUTHENTICATED, others FORBIDDEN);
 * - `ANYONE`: no check at all (`login`, where the caller is anonymous by definition);
 * - `SERVICE`: the signed service principal only (internal `@inaccessible` fields).
 */
export const ANYONE = 'anyone';
export const SERVICE = 'service';
export type MutationRule = readonly KnownRole[] | typeof ANYONE | typeof SERVICE;
export type MutationAccess = Readonly<Record<string, MutationRule>>;

/** Every role a user can hold: for writes open to everyone signed in (logout). */
export const ALL_ROLES: readonly KnownRole[] = Object.values(Roles);

/** Whether the rule admits the principal (the check `enforceMutationAccess` makes). */
export function admits(rule: MutationRule, p: Principal): boolean {
  if (rule === ANYONE) return true;
  if (rule === SERVICE) return p.kind === 'service' && p.role === Roles.SCHEDULER;
  return p.kind !== 'anonymous' && p.role !== null && (rule as readonly string[]).includes(p.role);
}

/** Raises the shared error when the rule does not admit the principal. */
export function requireMutationAccess(field: string, rule: MutationRule, p: Principal): void {
  if (admits(rule, p)) return;
  if (rule === SERVICE) throw forbidden('Internal field');
  if (p.kind === 'anonymous') throw unauthenticated();
  throw forbidden(`Role ${p.role ?? 'none'} may not run ${field}`);
}

interface MutationField {
  name: string;
  internal: boolean;
}

/** The Mutation fields an SDL declares (`type Mutation` and `extend type Mutation`). */
export function mutationFieldsOf(typeDefs: DocumentNode): MutationField[] {
  const fields: MutationField[] = [];
  for (const definition of typeDefs.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    if (definition.name.value !== 'Mutation') continue;
    for (const field of definition.fields ?? []) {
      const internal = (field.directives ?? []).some((d) => d.name.value === 'inaccessible');
      fields.push({ name: field.name.value, internal });
    }
  }
  return fields;
}

/**
 * Problems of a subgraph's rules against its schema: a Mutation field without a rule, a rule
 * for no field, an internal field open to anyone but the service principal.
 */
export function mutationAccessProblems(subgraph: string, typeDefs: DocumentNode, access: MutationAccess): string[] {
  const problems: string[] = [];
  const fields = mutationFieldsOf(typeDefs);
  for (const field of fields) {
    const rule = access[field.name];
    if (rule === undefined) problems.push(`${subgraph}: Mutation.${field.name} has no access rule`);
    else if (field.internal && rule !== SERVICE)
      problems.push(`${subgraph}: Mutation.${field.name} is internal (@inaccessible), its rule must be SERVICE`);
    else if (Array.isArray(rule) && rule.length === 0)
      problems.push(`${subgraph}: Mutation.${field.name} admits no role`);
  }
  const declared = new Set(fields.map((f) => f.name));
  for (const name of Object.keys(access)) {
    if (!declared.has(name)) problems.push(`${subgraph}: access rule for Mutation.${name}, which the schema lacks`);
  }
  return problems;
}

/**
 * Wraps every Mutation resolver with its rule. Run inside the audit wrapper (defineSubgraph
 * does), so a refused call still leaves its failure entry in the trail.
 */
export function enforceMutationAccess<TContext extends { principal: Principal }>(
  resolvers: GraphQLResolverMap<TContext>,
  access: MutationAccess,
): GraphQLResolverMap<TContext> {
  const mutation = resolvers.Mutation as Record<string, unknown> | undefined;
  if (!mutation) return resolvers;
  const wrapped: Record<string, unknown> = {};
  for (const [field, resolver] of Object.entries(mutation)) {
    const rule = access[field];
    if (typeof resolver !== 'function') {
      wrapped[field] = resolver;
      continue;
    }
    if (rule === undefined) throw new Error(`Mutation.${field} has no access rule`);
    const inner = resolver as GraphQLFieldResolver<unknown, TContext>;
    const guarded: GraphQLFieldResolver<unknown, TContext> = (source, args, ctx, info) => {
      requireMutationAccess(field, rule, ctx.principal);
      return inner(source, args, ctx, info);
    };
    wrapped[field] = guarded;
  }
  return { ...resolvers, Mutation: wrapped } as GraphQLResolverMap<TContext>;
}
