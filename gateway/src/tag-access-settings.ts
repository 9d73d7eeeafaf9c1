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
  /** Forgets the cached settings (after updateTagAccessSettings through this gateway). */
  evict(): void;
}

/**
 * The global tag-RBAC settings from incidents' internal field, asked with a service principal
 * and cached for a few seconds (they change rarely and every principal carries them). On a
 * failed refresh the last good value is kept.
 */
export function incidentsSettingsSource(options: {
  incidentsUrl: string;
  internalTokenSecret: string;
  tokenTtlSeconds: number;
  cacheSeconds: number;
  logger?: Logger;
}): CachedSettingsSource {
  const client = createServiceClient({
    caller: 'gateway',
    internalTokenSecret: options.internalTokenSecret,
    tokenTtlSeconds: options.tokenTtlSeconds,
  });
  let cached: { value: TagAccessSettings; expiresAt: number } | null = null;
  let lastGood: TagAccessSettings | null = null;
  let inFlight: Promise<TagAccessSettings> | null = null;

  async function load(requestId?: string): Promise<TagAccessSettings> {
    try {
      const data = await client.request<{
        _tagAccessSettings: { enabled: boolean; untaggedAlertBehavior: string; defaultTagId: string | null };
      }>(options.incidentsUrl, SETTINGS_QUERY, {}, requestId);
      const value: TagAccessSettings = {
        enabled: data._tagAccessSettings.enabled,
        untaggedAlertBehavior: data._tagAccessSettings.untaggedAlertBehavior as UntaggedAlertBehavior,
        defaultTagId: data._tagAccessSettings.defaultTagId,
      };
      lastGood = value;
      cached = { value, expiresAt: Date.now() + options.cacheSeconds * 1000 };
      return value;
    } catch (error) {
      options.logger?.error(
        { err: error, requestId },
        'tag access settings unavailable; using the last known or fail-closed settings',
      );
      return lastGood ?? FAIL_CLOSED_SETTINGS;
    }
  }

  return {
    async current(requestId) {
      if (cached && cached.expiresAt > Date.now()) return cached.value;
      inFlight ??= load(requestId).finally(() => (inFlight = null));
      return inFlight;
    },
    evict() {
      cached = null;
    },
  };
}
