import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import { badUserInput, unauthenticated, withHttpStatus, type Principal } from '@socgraph/shared';
import {
  Kind,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { PrincipalEvictions } from './principal-resolver';

/** The part of the gateway context these plugins read. */
export interface PrincipalContext {
  principal: Principal;
}

/**
 * The operation's root fields, through fragments. `@skip`/`@include` are ignored on purpose:
 * a field that might run counts, which can only make the check stricter.
 */
export function rootFields(operation: OperationDefinitionNode, document: DocumentNode): FieldNode[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const fields: FieldNode[] = [];
  const seen = new Set<string>();
  const walk = (selectionSet: SelectionSetNode): void => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) fields.push(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) walk(fragment.selectionSet);
      }
    }
  };
  walk(operation.selectionSet);
  return fields;
}

const INTROSPECTION_FIELDS = new Set(['__schema', '__type']);

export interface AnonymousAccessOptions {
  /** Whether anonymous callers may introspect (Sandbox before signing in). */
  allowIntrospection: boolean;
}

/** Whether an anonymous caller may run this operation: `login` and (optionally) introspection only. */
export function anonymousMayRun(
  operation: OperationDefinitionNode,
  document: DocumentNode,
  options: AnonymousAccessOptions,
): boolean {
  if (operation.operation === 'subscription') return false;
  return rootFields(operation, document).every((field) => {
    const name = field.name.value;
    if (name === '__typename') return true;
    if (operation.operation === 'mutation') return name === 'login';
    return options.allowIntrospection && INTROSPECTION_FIELDS.has(name);
  });
}

/**
 * A document without the operation the request names (a manifest id sent with another
 * operation's `operationName`, a typo) is the caller's error, said before the gateway's
 * executor, which would throw an uncoded error (HTTP 500) for it.
 */
export function operationResolutionPlugin<TContext extends PrincipalContext>(): ApolloServerPlugin<TContext> {
  // One listener for every request (it keeps no per-request state): nothing allocated per request.
  const listener: GraphQLRequestListener<TContext> = {
    async didResolveOperation({ operation, request }) {
      if (operation) return;
      const message = request.operationName
        ? `The document has no operation named "${request.operationName.slice(0, 100)}"`
        : 'The document has several operations: name the one to run in operationName';
      throw withHttpStatus(badUserInput(message, 'operationName'), 400);
    },
  };
  return { requestDidStart: async () => listener };
}

/**
 * Refuses anonymous callers everything but `login` and introspection, before any subgraph is
 * called; subgraphs still check the principal themselves.
 */
export function anonymousAccessPlugin<TContext extends PrincipalContext>(
  options: AnonymousAccessOptions,
): ApolloServerPlugin<TContext> {
  const listener: GraphQLRequestListener<TContext> = {
    async didResolveOperation({ contextValue, operation, document }) {
      if (contextValue.principal.kind !== 'anonymous') return;
      if (!operation || !anonymousMayRun(operation, document, options)) throw withHttpStatus(unauthenticated(), 401);
    },
  };
  return { requestDidStart: async () => listener };
}

/**
 * Drops cached principals as soon as this gateway sees them end: after `logout` (the session)
 * and `revokeApiKey` (the key), so the old credential is refused on its very next request
 * instead of after the cache window; and the tag-access settings after `updateTagAccessSettings`.
 * Evicting after a failed mutation only costs a cache miss. With REDIS_URL, `principals` also
 * tells the other replicas (redis.ts `shareEvictions`).
 */
export function principalEvictionPlugin<TContext extends PrincipalContext>(
  principals: PrincipalEvictions,
): ApolloServerPlugin<TContext> {
  const listener: GraphQLRequestListener<TContext> = {
    async willSendResponse({ contextValue, operation, document, request }) {
      if (operation?.operation !== 'mutation' || !document) return;
      const { principal } = contextValue;
      for (const field of rootFields(operation, document)) {
        if (field.name.value === 'logout' && principal.sessionId) {
          await principals.evictSession(principal.sessionId);
        }
        if (field.name.value === 'updateTagAccessSettings') principals.evictTagAccessSettings();
        if (field.name.value === 'revokeApiKey') {
          const arg = field.arguments?.find((a) => a.name.value === 'id');
          const id = arg ? valueFromASTUntyped(arg.value, request.variables ?? {}) : undefined;
          if (typeof id === 'string' || typeof id === 'number') await principals.evictApiKey(String(id));
        }
      }
    },
  };
  return { requestDidStart: async () => listener };
}
