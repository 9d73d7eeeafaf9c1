import { isIP } from 'node:net';
import { badUserInput } from '@socgraph/shared';
import type { AgentsConfig } from '../config';

/**
 * An agent's run URL is called by the server with the caller's input: a server-side request
 * forgery risk. Only URLs on the configured origins are called (plus loopback outside
 * production, for development and tests); no credentials in URLs, http(s) only.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1';
  return false;
}

/** Why `raw` may not be called, or null when it may. */
export function runUrlProblem(raw: string, config: AgentsConfig): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be http or https';
  if (url.username || url.password) return 'must not hold credentials';
  if (config.AGENT_RUN_URL_ALLOWLIST.includes(url.origin)) return null;
  if (config.NODE_ENV !== 'production' && isLoopbackHost(url.hostname)) return null;
  return `is not on the allow-list (AGENT_RUN_URL_ALLOWLIST): ${url.origin}`;
}

/** BAD_USER_INPUT naming `field` when the URL may not be called. */
export function requireAllowedUrl(raw: string, field: string, config: AgentsConfig): string {
  const value = raw.trim();
  if (value.length > 2048) throw badUserInput(`${field} must be at most 2048 characters`, field);
  const problem = runUrlProblem(value, config);
  if (problem) throw badUserInput(`${field} ${problem}`, field);
  return value;
}
