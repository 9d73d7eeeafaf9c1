import {
  createServiceClient,
  signInternalToken,
  type InternalPrincipal,
  type Principal,
  type TagAccessSettings,
} from '@socgraph/shared';
import type { BenchRole } from './operations';

/**
 * The bench's credentials: bearer tokens and a partner API key for our gateway, and for the
 * reference gateway and the direct runs the internal token our gateway would sign for the same
 * caller (identity's principal plus incidents' tag-access settings, as the gateway builds it),
 * pre-signed with a long lifetime since nothing renews it during a run.
 */
export interface BenchCredentials {
  /** Headers our gateway authenticates: `authorization` or `x-api-key`. */
  gateway: Record<BenchRole, Record<string, string>>;
  /** `x-internal-token` of the same principal, for Hive (propagated) and the subgraphs directly. */
  internal: Record<BenchRole, string>;
}

const PRINCIPAL_FIELDS = 'userId username role customerCodes tagIds sessionId apiKeyId clientName persistedOnly';
/** A run is minutes long; a day leaves room for a long soak. */
const INTERNAL_TOKEN_TTL_SECONDS = 86_400;

async function post(url: string, query: string, variables: Record<string, unknown>, headers = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, unknown> | null; errors?: unknown[] };
  if (body.errors || !body.data) throw new Error(`${query.slice(0, 60)}...: ${JSON.stringify(body.errors ?? body)}`);
  return body.data;
}

async function login(gatewayUrl: string, username: string, password: string): Promise<string> {
  const data = await post(
    gatewayUrl,
    `mutation BenchLogin($u: String!, $p: String!) { login(username: $u, password: $p) { token } }`,
    { u: username, p: password },
  );
  return (data.login as { token: string }).token;
}

/** The session id inside a user token (its `sid` claim; the signature is the gateway's business). */
function sessionOf(token: string): string {
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sid?: string };
  if (!payload.sid) throw new Error('user token without a session');
  return payload.sid;
}

export interface CredentialOptions {
  gatewayUrl: string;
  password: string;
  /** Needed for internal tokens (Hive, direct); without them only `gateway` headers are made. */
  internal?: { secret: string; identityUrl: string; incidentsUrl: string };
}

export async function benchCredentials(options: CredentialOptions): Promise<BenchCredentials> {
  const tokens = {
    admin: await login(options.gatewayUrl, 'bench_admin', options.password),
    analyst: await login(options.gatewayUrl, 'bench_analyst', options.password),
    auditor: await login(options.gatewayUrl, 'bench_auditor', options.password),
  };
  const created = await post(
    options.gatewayUrl,
    `mutation BenchKey { createApiKey(input: { clientName: "bench partner", persistedOnly: true }) { secret } }`,
    {},
    { authorization: `Bearer ${tokens.analyst}` },
  );
  const partnerKey = (created.createApiKey as { secret: string }).secret;
  const gateway: BenchCredentials['gateway'] = {
    admin: { authorization: `Bearer ${tokens.admin}` },
    analyst: { authorization: `Bearer ${tokens.analyst}` },
    auditor: { authorization: `Bearer ${tokens.auditor}` },
    partner: { 'x-api-key': partnerKey },
  };
  const internal = { admin: '', analyst: '', auditor: '', partner: '' } as Record<BenchRole, string>;
  if (options.internal) {
    const { secret, identityUrl, incidentsUrl } = options.internal;
    const client = createServiceClient({ caller: 'gateway', internalTokenSecret: secret, tokenTtlSeconds: 60 });
    const settings = (
      await client.request<{ _tagAccessSettings: TagAccessSettings }>(
        incidentsUrl,
        `query { _tagAccessSettings { enabled untaggedAlertBehavior defaultTagId } }`,
      )
    )._tagAccessSettings;
    const sign = async (found: InternalPrincipal | null): Promise<string> => {
      if (!found) throw new Error('identity knows no principal for a bench credential');
      const principal: Principal = { kind: 'user', ...found, tagAccess: settings };
      return signInternalToken(principal, secret, INTERNAL_TOKEN_TTL_SECONDS);
    };
    for (const role of ['admin', 'analyst', 'auditor'] as const) {
      const data = await client.request<{ _principalForSession: InternalPrincipal | null }>(
        identityUrl,
        `query ($id: ID!) { _principalForSession(sessionId: $id) { ${PRINCIPAL_FIELDS} } }`,
        { id: sessionOf(tokens[role]) },
      );
      internal[role] = await sign(data._principalForSession);
    }
    const key = await client.request<{ _principalForApiKey: InternalPrincipal | null }>(
      identityUrl,
      `query ($secret: String!) { _principalForApiKey(secret: $secret) { ${PRINCIPAL_FIELDS} } }`,
      { secret: partnerKey },
    );
    internal.partner = await sign(key._principalForApiKey);
  }
  return { gateway, internal };
}
