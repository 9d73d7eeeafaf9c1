import type { ApolloServerPlugin } from '@apollo/server';
import { forbidden, withHttpStatus } from '@socgraph/shared';
import { rootFields, type PrincipalContext } from './operation-access';

const INTROSPECTION_FIELDS = new Set(['__schema', '__type']);

/**
 * Introspection for API keys: partners run fixed operations and need no schema browsing, so
 * in production (API_KEY_INTROSPECTION defaults to false there) a key's introspection is
 * FORBIDDEN. Anonymous introspection is decided by the anonymous-access plugin.
 */
export function apiKeyIntrospectionPlugin<TContext extends PrincipalContext>(options: {
  allowed: boolean;
}): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart({ contextValue }) {
      if (options.allowed || !contextValue.principal.apiKeyId) return;
      return {
        async didResolveOperation({ operation, document }) {
          if (!operation) return;
          if (rootFields(operation, document).some((field) => INTROSPECTION_FIELDS.has(field.name.value))) {
            throw withHttpStatus(forbidden('Introspection is not available to API keys'), 403);
          }
        },
      };
    },
  };
}
