import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { BatchReporter, Logger } from '@socgraph/shared';
import type { GatewayAuthEvent } from '../principal-resolver';
import type { AuthEventEntry } from './sink';

/**
 * Turns the principal resolver's auth events into audit entries. The resolver knows nothing
 * of HTTP, so the request's facts travel beside it: `within` runs a request's context building
 * with them in async-local storage, and `record` (the resolver's callback) reads them there.
 */

export interface AuthEventRequest {
  requestId: string;
  clientIp: string | null;
  userAgent: string | null;
}

export interface AuthEventRecorder {
  within<T>(request: AuthEventRequest, fn: () => T): T;
  /** Enqueues one entry; never throws, never waits. */
  record(event: GatewayAuthEvent): void;
}

// The audit subgraph refuses a whole batch over one bad field: clip to its limits here.
const clip = (value: string | null | undefined, max: number): string | null => (value ? value.slice(0, max) : null);

export function authEventRecorder(options: {
  reporter: Pick<BatchReporter<AuthEventEntry>, 'add'>;
  logger?: Logger;
}): AuthEventRecorder {
  const requests = new AsyncLocalStorage<AuthEventRequest>();
  return {
    within: (request, fn) => requests.run(request, fn),
    record(event) {
      try {
        const request = requests.getStore();
        const details: Record<string, string> = {};
        for (const [key, value] of Object.entries(event.details)) if (value) details[key] = value.slice(0, 200);
        if (request) details.requestId = request.requestId;
        options.reporter.add({
          id: randomUUID(),
          occurredAt: event.occurredAt.toISOString(),
          eventType: event.eventType,
          status: event.status,
          userId: clip(event.userId, 64),
          username: clip(event.username, 150),
          ipAddress: request?.clientIp ?? null, // an address by construction (clientIpOf)
          userAgent: clip(request?.userAgent, 1000),
          sessionId: clip(event.sessionId, 255),
          details,
          source: 'gateway',
        });
      } catch (error) {
        options.logger?.warn({ err: error }, 'auth event not recorded');
      }
    },
  };
}
