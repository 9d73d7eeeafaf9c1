import { servicePrincipal } from '../auth/principal';
import { Headers, signInternalToken } from '../auth/tokens';
import { requestScope } from '../request-scope';

/**
 * Service-to-service GraphQL calls (gateway → identity for principals, relays → audit, ...):
 * straight to the subgraph with a signed service principal, never with a user's token.
 */
export interface ServiceClientOptions {
  /** Name of the calling service, recorded as the principal's client name. */
  caller: string;
  internalTokenSecret: string;
  tokenTtlSeconds?: number;
  /** Longest wait for one call (SERVICE_TIMEOUT_MS); default 5 000 ms. */
  timeoutMs?: number;
}

/** Per call: a shorter budget (the caller's remaining deadline) and headers of its own. */
export interface ServiceCallOptions {
  /** Waits at most this long, or the client's timeout if that is shorter. */
  timeoutMs?: number;
  headers?: Record<string, string>;
}

/** The default of every service-to-service timeout (SERVICE_TIMEOUT_MS). */
export const DEFAULT_SERVICE_TIMEOUT_MS = 5_000;

export class ServiceCallError extends Error {
  constructor(
    message: string,
    readonly codes: string[] = [],
    /** The callee's errors as it sent them (e.g. a refusal's `extensions.reason`). */
    readonly errors: readonly { message: string; extensions?: Record<string, unknown> }[] = [],
  ) {
    super(message);
    this.name = 'ServiceCallError';
  }
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } & Record<string, unknown> }[];
}

export function createServiceClient(options: ServiceClientOptions) {
  const principal = servicePrincipal(options.caller);
  let cached: { token: string; renewAt: number } | null = null;
  const ttl = options.tokenTtlSeconds ?? 60;

  async function token(): Promise<string> {
    if (!cached || Date.now() >= cached.renewAt) {
      cached = {
        token: await signInternalToken(principal, options.internalTokenSecret, ttl),
        renewAt: Date.now() + (ttl * 1000) / 2,
      };
    }
    return cached.token;
  }

  return {
    async request<T>(
      url: string,
      query: string,
      variables: Record<string, unknown> = {},
      requestId?: string,
      call: ServiceCallOptions = {},
    ): Promise<T> {
      // Never longer than the request this call serves still has (its deadline).
      const remaining = requestScope.remainingMs();
      const timeoutMs = Math.max(
        1,
        Math.min(
          options.timeoutMs ?? DEFAULT_SERVICE_TIMEOUT_MS,
          call.timeoutMs ?? Number.POSITIVE_INFINITY,
          remaining ?? Number.POSITIVE_INFINITY,
        ),
      );
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [Headers.INTERNAL_TOKEN]: await token(),
          ...(requestId ? { [Headers.REQUEST_ID]: requestId } : {}),
          ...(remaining !== undefined ? { [Headers.DEADLINE]: String(timeoutMs) } : {}),
          ...call.headers,
        },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const body = (await response.json().catch(() => ({}))) as GraphQLResponse<T>;
      if (body.errors?.length) {
        throw new ServiceCallError(
          body.errors.map((e) => e.message).join('; '),
          body.errors.map((e) => String(e.extensions?.code ?? '')),
          body.errors,
        );
      }
      if (!response.ok || !body.data)
        throw new ServiceCallError(`Service call to ${url} failed with HTTP ${response.status}`);
      return body.data;
    },
  };
}
export type ServiceClient = ReturnType<typeof createServiceClient>;
