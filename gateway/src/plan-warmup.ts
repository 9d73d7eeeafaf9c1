import { createHash } from 'node:crypto';
import type { ApolloGateway } from '@apollo/gateway';
import { operationFromDocument, type Schema } from '@apollo/federation-internals';
import type { Logger } from '@socgraph/shared';
import { parse } from 'graphql';
import type { ManifestOperation } from './persisted';

/**
 * Plans the manifest's operations once the supergraph is loaded, into the gateway's own
 * query-plan cache, so that the first dashboard requests after a start or deploy do not each
 * pay for planning. @apollo/gateway has no public way to do this: the fields below are its
 * internals (2.14), read defensively; if they are not there, nothing is warmed and requests
 * plan as before. The cache key is the one the gateway's executor uses: the query's sha256
 * (Apollo Server's `queryHash`, which is also the manifest id), and with an operation name
 * sha256(queryHash + name); both are stored, since clients may or may not send the name.
 */
interface GatewayInternals {
  apiSchema?: Schema;
  queryPlanner?: { buildQueryPlan(operation: unknown, options?: Record<string, unknown>): unknown };
  queryPlanStore?: { set(key: string, value: unknown): Promise<void> | void };
  recursiveSelectionsLimitDisabled?: boolean;
  nonLocalSelectionsLimitDisabled?: boolean;
}

export async function warmQueryPlans(
  gateway: ApolloGateway,
  operations: readonly ManifestOperation[],
  logger: Logger,
): Promise<number> {
  const internals = gateway as unknown as GatewayInternals;
  const { apiSchema, queryPlanner, queryPlanStore } = internals;
  if (!apiSchema || !queryPlanner || typeof queryPlanStore?.set !== 'function') {
    if (operations.length) logger.warn('query plans not warmed: @apollo/gateway internals not found');
    return 0;
  }
  const started = performance.now();
  let planned = 0;
  for (const { body, name } of operations) {
    try {
      const operation = operationFromDocument(apiSchema, parse(body), { operationName: name });
      const plan = queryPlanner.buildQueryPlan(operation, {
        recursiveSelectionsLimitDisabled: internals.recursiveSelectionsLimitDisabled,
        nonLocalSelectionsLimitDisabled: internals.nonLocalSelectionsLimitDisabled,
      });
      const queryHash = createHash('sha256').update(body).digest('hex');
      await queryPlanStore.set(queryHash, plan);
      await queryPlanStore.set(createHash('sha256').update(queryHash).update(name).digest('hex'), plan);
      planned += 1;
    } catch (error) {
      // A manifest operation the supergraph no longer serves: the request will say so.
      logger.warn({ err: error, operationName: name }, 'could not plan a manifest operation at start');
    }
  }
  logger.info({ planned, ms: Math.round(performance.now() - started) }, 'manifest query plans warmed');
  return planned;
}
