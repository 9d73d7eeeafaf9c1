import { randomUUID } from 'node:crypto';
import { Headers } from '@socgraph/shared';

/** What a GraphQL POST answered: HTTP status, headers and the parsed body. */
export interface GraphQLResponse<TData = Record<string, unknown>> {
  status: number;
  headers: globalThis.Headers;
  body: {
    data?: TData | null;
    errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  };
}

type WithErrors = { body: { errors?: { extensions?: Record<string, unknown> }[] } };

/** `extensions.code` of every error, in order. */
export const errorCodes = (result: WithErrors): string[] =>
  (result.body.errors ?? []).map((e) => String(e.extensions?.code));

/** `extensions.field` of every error (the argument or input field a BAD_USER_INPUT names). */
export const errorFields = (result: WithErrors): string[] =>
  (result.body.errors ?? []).map((e) => String(e.extensions?.field));

/** POSTs an operation as JSON; a non-JSON answer becomes one error carrying its first bytes. */
export async function postGraphQL<TData = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<TData>> {
  return postJson<TData>(url, { query, variables }, headers);
}

/** POSTs a raw JSON body (APQ and persisted-operation bodies, malformed requests). */
export async function postJson<TData = Record<string, unknown>>(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<TData>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: GraphQLResponse<TData>['body'];
  try {
    parsed = JSON.parse(text) as GraphQLResponse<TData>['body'];
  } catch {
    parsed = { errors: [{ message: `non-JSON response: ${text.slice(0, 200)}` }] };
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/** A fresh request id header, so a test can find what one request did (statement counts, audit rows). */
export const requestIdHeader = (requestId: string = randomUUID()): Record<string, string> => ({
  [Headers.REQUEST_ID]: requestId,
});

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

/** Fails the test when an error body carries a stack trace, SQL or internal detail. */
export function expectNoLeaks(result: GraphQLResponse<unknown>): void {
  const text = JSON.stringify(result.body.errors ?? []);
  for (const pattern of LEAKS) expect(text).not.toMatch(pattern);
}
