import { createServiceClient, type Logger, type TagAccessSettings, type UntaggedAlertBehavior } from '@socgraph/shared';
import type { TagAccessSettingsSource } from './principal-resolver';

const SETTINGS_QUERY = `query TagAccessSettings { _tagAccessSettings { enabled untaggedAlertBehavior defaultTagId } }`;

/**
 * When the settings cannot be read and none were read before, fail closed: tag RBAC on and
 * untagged alerts for admins only, so an outage never widens what an analyst sees.
 */
export const FAIL_CLOSED_SETTINGS: TagAccessSettings = Object.freeze({
  enabled: true,
  untaggedAlertBehavior: 'ADMIN_ONLY',
  defaultTagId: null,
});

export interface CachedSettingsSource extends TagAccessSettingsSource {
  /** Refreshes the settings now (after updateTagAccessSettings through this or another gateway). */
  evict(): void;
  /** Whether the last refresh failed (incidents down or slow). */
  readonly unavailable: boolean;
}

export interface SettingsSourceOptions {
  incidentsUrl: string;
  internalTokenSecret: string;
  tokenTtlSeconds: number;
  /** How long a value counts as fresh; a request after that serves it and refreshes in the background. */
  cacheSeconds: number;
  /** Longest wait for incidents (SERVICE_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Waits this long at most for a value right after a change (evict); then the last known one. Default 1 000 ms. */
  changeWaitMs?: number;
  /** While unavailable, the reminder log line comes at most this often. Default 60 000 ms. */
  reminderMs?: number;
  logger?: Logger;
  /** Tests: the clock. */
  now?: () => number;
}

/**
 * The global tag-RBAC settings from incidents' internal field, asked with a service principal.
 * They are never on a request's path (stale-while-revalidate): a request gets the last known
 * value at once, and a value older than `cacheSeconds` is refreshed in the background, one
 * refresh at a time. Only before any value was ever read does a request wait (bounded by the
 * timeout), and when that fails it gets FAIL_CLOSED_SETTINGS. A failed refresh is remembered
 * too: the next one starts no sooner than `cacheSeconds` later, so a slow incidents costs one
 * call per period, not one per request. The outage is logged once when it starts, then as a
 * reminder at most every `reminderMs`, and once when it ends.
 */
export function incidentsSettingsSource(options: SettingsSourceOptions): CachedSettingsSource {
  const client = createServiceClient({
    caller: 'gateway',
    internalTokenSecret: options.internalTokenSecret,
    tokenTtlSeconds: options.tokenTtlSeconds,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
  const now = options.now ?? Date.now;
  const freshMs = Math.max(options.cacheSeconds, 1) * 1000;
  const reminderMs = options.reminderMs ?? 60_000;
  let lastGood: TagAccessSettings | null = null;
  // When the next refresh is due (success or failure alike).
  let refreshAt = 0;
  // Set by evict: the next request waits briefly for the new value.
  let changed = false;
  let inFlight: Promise<void> | null = null;
  let unavailable = false;
  let lastReminder = 0;
  let failures = 0;

  function failed(error: unknown, requestId?: string): void {
    failures += 1;
    const at = now();
    if (!unavailable) {
      unavailable = true;
      lastReminder = at;
      options.logger?.error(
        { err: error, requestId, known: lastGood !== null },
        'tag access settings unavailable; using the last known or fail-closed settings',
      );
    } else if (at - lastReminder >= reminderMs) {
      lastReminder = at;
      options.logger?.error(
        { err: error, requestId, failures, known: lastGood !== null },
        'tag access settings still unavailable; using the last known or fail-closed settings',
      );
    }
  }

  function refresh(requestId?: string): Promise<void> {
    inFlight ??= (async () => {
      try {
        const data = await client.request<{
          _tagAccessSettings: { enabled: boolean; untaggedAlertBehavior: string; defaultTagId: string | null };
        }>(options.incidentsUrl, SETTINGS_QUERY, {}, requestId);
        lastGood = {
          enabled: data._tagAccessSettings.enabled,
          untaggedAlertBehavior: data._tagAccessSettings.untaggedAlertBehavior as UntaggedAlertBehavior,
          defaultTagId: data._tagAccessSettings.defaultTagId,
        };
        if (unavailable) options.logger?.info({ failures }, 'tag access settings available again');
        unavailable = false;
        failures = 0;
      } catch (error) {
        failed(error, requestId);
      } finally {
        refreshAt = now() + freshMs;
        inFlight = null;
      }
    })();
    return inFlight;
  }

  const within = (promise: Promise<void>, ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      timer.unref();
      void promise.finally(() => {
        clearTimeout(timer);
        resolve();
      });
    });

  return {
    get unavailable() {
      return unavailable;
    },
    async current(requestId) {
      if (changed) {
        changed = false;
        await within(refresh(requestId), options.changeWaitMs ?? 1_000);
      } else if (lastGood === null && refreshAt === 0) {
        // Never asked yet: the first request waits for the first answer.
        await refresh(requestId);
      } else if (now() >= refreshAt) {
        void refresh(requestId);
      }
      return lastGood ?? FAIL_CLOSED_SETTINGS;
    },
    evict() {
      changed = true;
      refreshAt = 0;
    },
  };
}
