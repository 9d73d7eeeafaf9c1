import type { GraphQLResponse } from '../src/testing';

export const errorCodes = (result: GraphQLResponse<unknown>): string[] =>
  (result.body.errors ?? []).map((e) => String(e.extensions?.code));

/** Patterns that must never reach a client: stack frames, SQL, driver or file-system internals. */
const LEAKS = [
  /stacktrace/i,
  /\n\s+at /,
  /\bat .*\.(ts|js):\d+/,
  /\b(SELECT|INSERT|UPDATE|DELETE)\b.*\b(FROM|INTO|SET)\b/i,
  /QueryFailedError/,
  /\bidentity\.\w+/,
  /node_modules/,
  /ECONNREFUSED/,
];

/** Fails when an error body carries a stack trace, SQL or internal detail. */
export function expectNoLeaks(result: GraphQLResponse<unknown>): void {
  const text = JSON.stringify(result.body.errors ?? []);
  for (const pattern of LEAKS) expect(text).not.toMatch(pattern);
}
