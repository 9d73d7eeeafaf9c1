import { badUserInput, createServiceClient, type ServiceClient } from '@socgraph/shared';
import type { IncidentsConfig } from '../config';

/**
 * Identity's users, as incidents may know them: whether a username exists, asked over HTTP
 * with the service principal (architecture.md, service-to-service calls). Incidents stores
 * assignees by username and never reads identity's tables.
 */
export interface UserDirectory {
  /** BAD_USER_INPUT naming `field` when identity has no user of that name. */
  requireExisting(username: string, field: string, requestId: string): Promise<void>;
}

const EXISTS = `query ($username: String!) { _userExists(username: $username) }`;

function directoryFor(config: IncidentsConfig): UserDirectory {
  const url = config.IDENTITY_URL;
  const client: ServiceClient = createServiceClient({
    caller: 'incidents',
    internalTokenSecret: config.INTERNAL_TOKEN_SECRET,
    tokenTtlSeconds: config.INTERNAL_TOKEN_TTL_SECONDS,
    timeoutMs: config.SERVICE_TIMEOUT_MS,
  });
  return {
    async requireExisting(username, field, requestId) {
      // Fail closed: an unchecked assignee is exactly what this prevents.
      if (!url) throw new Error('IDENTITY_URL is not set: assignees cannot be checked');
      const data = await client.request<{ _userExists: boolean }>(url, EXISTS, { username }, requestId);
      if (!data._userExists) throw badUserInput(`No user named ${username}`, field);
    },
  };
}

// One client per configuration (it caches its signed token), not one per request.
const directories = new WeakMap<IncidentsConfig, UserDirectory>();

export function userDirectoryFor(config: IncidentsConfig): UserDirectory {
  let directory = directories.get(config);
  if (!directory) {
    directory = directoryFor(config);
    directories.set(config, directory);
  }
  return directory;
}
