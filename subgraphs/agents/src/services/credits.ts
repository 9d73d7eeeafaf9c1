import { createServiceClient, forbidden, ServiceCallError, type ServiceClient } from '@socgraph/shared';
import type { AgentsConfig } from '../config';

/**
 * Identity's credits, as agents uses them (billing's internal, service-only mutations): a
 * reservation (hold) of an execution's price before the agent runs, captured when it succeeded
 * and released otherwise. Agents never reads identity's tables.
 */
export interface CreditHold {
  id: string;
  /** HELD, CAPTURED or RELEASED. */
  status: string;
  /** The user's balance once this call's change is made, in cents. */
  balanceAfterCents: number | null;
}

export interface ReserveRequest {
  userId: string;
  amountCents: number;
  agentId: string;
  /** The same key always names the same hold: a retried reservation never holds twice. */
  idempotencyKey: string;
}

export interface CreditsClient {
  /** The hold; a refusal (no credits, a mandate's cap or expiry) is FORBIDDEN with `extensions.reason`. */
  reserve(request: ReserveRequest, requestId: string): Promise<CreditHold>;
  capture(holdId: string, requestId: string): Promise<CreditHold>;
  release(holdId: string, requestId: string): Promise<CreditHold>;
}

const RESERVE = `mutation ($input: ReserveCreditsInput!) { reserveCredits(input: $input) { id status balanceAfterCents } }`;
const CAPTURE = `mutation ($holdId: ID!) { captureCredits(holdId: $holdId) { id status balanceAfterCents } }`;
const RELEASE = `mutation ($holdId: ID!) { releaseCredits(holdId: $holdId) { id status balanceAfterCents } }`;

/** Identity's refusal passed on as it came: FORBIDDEN with its reason; anything else stays an internal failure. */
function refusalOf(error: unknown): never {
  if (error instanceof ServiceCallError && error.codes.includes('FORBIDDEN')) {
    const refusal = error.errors.find((e) => e.extensions?.code === 'FORBIDDEN');
    const reason = refusal?.extensions?.reason;
    throw forbidden(refusal?.message ?? 'Credits refused', typeof reason === 'string' ? { reason } : {});
  }
  throw error;
}

export function identityCreditsClient(config: AgentsConfig): CreditsClient {
  const client: ServiceClient = createServiceClient({
    caller: 'agents',
    internalTokenSecret: config.INTERNAL_TOKEN_SECRET,
    tokenTtlSeconds: config.INTERNAL_TOKEN_TTL_SECONDS,
  });
  const url = (): string => {
    // Fail closed: an execution that cannot be charged does not run.
    if (!config.IDENTITY_URL) throw new Error('IDENTITY_URL is not set: executions cannot be charged');
    return config.IDENTITY_URL;
  };
  return {
    async reserve(request, requestId) {
      try {
        const data = await client.request<{ reserveCredits: CreditHold }>(
          url(),
          RESERVE,
          { input: request },
          requestId,
        );
        return data.reserveCredits;
      } catch (error) {
        return refusalOf(error);
      }
    },
    async capture(holdId, requestId) {
      const data = await client.request<{ captureCredits: CreditHold }>(url(), CAPTURE, { holdId }, requestId);
      return data.captureCredits;
    },
    async release(holdId, requestId) {
      const data = await client.request<{ releaseCredits: CreditHold }>(url(), RELEASE, { holdId }, requestId);
      return data.releaseCredits;
    },
  };
}
