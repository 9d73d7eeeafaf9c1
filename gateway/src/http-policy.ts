import type { IncomingMessage, ServerResponse } from 'node:http';
import { EXPLORER_CSP, EXPLORER_PATH, EXPLORER_PREFIX, type LandingPageMode } from './landing-page';

/**
 * Response headers for browsers: CORS for the configured dashboard origins (with
 * credentials, so cookies or Authorization may be sent), and security headers on everything.
 * Set before the request is handled, so refusals (401, 413, 429) carry them too.
 */

export interface HttpPolicyOptions {
  /** Exact origins (`https://soc.example.com`); none: no cross-origin access. */
  corsOrigins: readonly string[];
  corsMaxAgeSeconds: number;
  landingPage: LandingPageMode;
}

const ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  'x-api-key',
  'x-request-id',
  'idempotency-key',
  'apollographql-client-name',
  'apollographql-client-version',
  'apollo-require-preflight',
].join(', ');

// What a dashboard may read from a response: the request id to quote, when to retry, and
// whether a keyed mutation's answer was the stored first outcome.
const EXPOSED_HEADERS = ['x-request-id', 'retry-after', 'idempotent-replay'].join(', ');

// JSON answers never need to load anything or be framed.
const API_CSP = "default-src 'none'; frame-ancestors 'none'";

const wantsHtml = (req: IncomingMessage): boolean =>
  req.method === 'GET' && String(req.headers.accept ?? '').includes('text/html');

export function httpPolicy(options: HttpPolicyOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const origins = new Set(options.corsOrigins);
  return (req, res) => {
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    res.setHeader('x-frame-options', 'DENY');
    res.setHeader('cross-origin-opener-policy', 'same-origin');
    // Browsers ignore HSTS over plain HTTP; behind TLS it pins HTTPS for a year.
    res.setHeader('strict-transport-security', 'max-age=31536000; includeSubDomains');
    const pathname = (req.url ?? '/').split('?')[0] ?? '/';
    const explorer = pathname === EXPLORER_PATH || pathname.startsWith(EXPLORER_PREFIX);
    if ((options.landingPage === 'offline' && wantsHtml(req)) || (options.landingPage !== 'off' && explorer)) {
      res.setHeader('content-security-policy', EXPLORER_CSP);
    } else if (!wantsHtml(req)) {
      // Sandbox's page loads Apollo's CDN: it brings its own (nonce) CSP; everything else gets the strictest.
      res.setHeader('content-security-policy', API_CSP);
    }

    const origin = req.headers.origin;
    if (origins.size === 0 || typeof origin !== 'string') return;
    res.setHeader('vary', 'Origin');
    if (!origins.has(origin)) return;
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('access-control-allow-credentials', 'true');
    res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
    if (req.method === 'OPTIONS') {
      res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
      res.setHeader('access-control-allow-headers', ALLOWED_HEADERS);
      res.setHeader('access-control-max-age', String(options.corsMaxAgeSeconds));
    }
  };
}
