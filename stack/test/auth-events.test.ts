import { randomBytes } from 'node:crypto';
import { signUserToken } from '@socgraph/shared';
import { MemoryAuditSink, type AuthEventEntry } from '@socgraph/gateway';
import {
  createPrincipalResolver,
  type GatewayAuthEvent,
  type InternalPrincipal,
  type PrincipalLookup,
} from '@socgraph/gateway';
import { postGraphQL, startTestStack, type TestStack } from '../src/testing';
import { errorCodes } from './support';

/**
 * The gateway reports the auth events only it sees (refused tokens, expired sessions, API key
 * lookups) to the real audit subgraph, each once, with the end client's address and user agent
 * and never a token or key secret.
 */
let graph: TestStack;
let admin: Record<string, string>;
let adminId: string;
let anaId: string;
const PASSWORD = 'correct horse battery staple';
const ME = `query Me { me { username } }`;
// Every credential presented below: none may appear in a stored event.
const secrets: string[] = [];

beforeAll(async () => {
  graph = await startTestStack({
    // Long enough that three requests with one API key ask identity once.
    env: { ACCESS_LOG_FLUSH_MS: '50', PRINCIPAL_CACHE_SECONDS: '60' },
  });
  adminId = await graph.seedAdmin(PASSWORD);
  anaId = await graph.seedUser({ username: 'ana', password: PASSWORD, role: 'analyst' });
  const token = await graph.login('admin', PASSWORD);
  secrets.push(token);
  admin = { authorization: `Bearer ${token}` };
});
afterAll(async () => graph?.stop());

interface StoredEvent {
  id: string;
  eventType: string;
  status: string;
  userId: string | null;
  username: string | null;
  ipAddress: string | null;
  userAgent: string | null;
  sessionId: string | null;
  details: Record<string, string> | null;
  source: string;
}

const EVENT_FIELDS = 'id eventType status userId username ipAddress userAgent sessionId details source';

/** Auth events through the gateway, read as an admin. */
async function authEvents(filter: Record<string, string> = {}): Promise<StoredEvent[]> {
  const result = await graph.gql<{ authEvents: { edges: { node: StoredEvent }[] } }>(
    `query AuthEvents($filter: AuthEventFilter) { authEvents(first: 100, filter: $filter) { edges { node { ${EVENT_FIELDS} } } } }`,
    { filter },
    admin,
  );
  if (result.body.errors) throw new Error(JSON.stringify(result.body.errors));
  return result.body.data?.authEvents.edges.map((e) => e.node) ?? [];
}

/** Polls until `done` holds (delivery is asynchronous), then returns the last read. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting; last read: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Events of one type matching `match`, once at least `atLeast` have arrived and the reporter is drained. */
async function arrived(
  filter: Record<string, string>,
  match: (event: StoredEvent) => boolean,
  atLeast = 1,
): Promise<StoredEvent[]> {
  await until(
    async () => (await authEvents(filter)).filter(match),
    (found) => found.length >= atLeast,
  );
  // Everything was enqueued before its response was sent: after a flush, nothing is still on its way.
  await graph.stack.gateway.authEvents.flush();
  return (await authEvents(filter)).filter(match);
}

const claimsOf = (token: string): { sub: string; sid: string } =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub: string; sid: string };

describe('refused bearer tokens', () => {
  it('report a garbage token once, as TOKEN_REFUSED with the caller’s address and user agent', async () => {
    const garbage = `garbage-${randomBytes(12).toString('hex')}`;
    secrets.push(garbage);
    const result = await graph.gql(ME, {}, { authorization: `Bearer ${garbage}`, 'user-agent': 'auth-events/garbage' });
    const requestId = result.headers.get('x-request-id');
    expect(result.status).toBe(401);
    expect(errorCodes(result)).toEqual(['UNAUTHENTICATED']);

    const events = await arrived({ eventType: 'TOKEN_REFUSED' }, (e) => e.userAgent === 'auth-events/garbage');
    expect(events).toEqual([
      expect.objectContaining({
        status: 'FAILURE',
        userId: null,
        ipAddress: '127.0.0.1',
        source: 'gateway',
        details: { reason: 'malformed_token', requestId },
      }),
    ]);
  });

  it('tell a forged signature from a malformed token', async () => {
    const live = claimsOf(await graph.login('ana', PASSWORD));
    const forged = await signUserToken(
      { userId: live.sub, sessionId: live.sid, expiresAt: new Date(Date.now() + 3_600_000) },
      randomBytes(32).toString('hex'),
    );
    secrets.push(forged);
    expect(
      (await graph.gql(ME, {}, { authorization: `Bearer ${forged}`, 'user-agent': 'auth-events/forged' })).status,
    ).toBe(401);
    const events = await arrived({ eventType: 'TOKEN_REFUSED' }, (e) => e.userAgent === 'auth-events/forged');
    // Claims under a bad signature are the caller's say-so: not reported as the user's.
    expect(events).toEqual([expect.objectContaining({ userId: null, sessionId: null })]);
    expect(events[0]?.details?.reason).toBe('invalid_signature');
  });

  it('report an expired token once as SESSION_EXPIRED, however often it is retried', async () => {
    const live = claimsOf(await graph.login('ana', PASSWORD));
    const expired = await signUserToken(
      { userId: live.sub, sessionId: live.sid, expiresAt: new Date(Date.now() - 60_000) },
      graph.jwtSecret,
    );
    secrets.push(expired);
    for (let i = 0; i < 3; i += 1) {
      const result = await graph.gql(
        ME,
        {},
        { authorization: `Bearer ${expired}`, 'user-agent': 'auth-events/expired' },
      );
      expect(result.status).toBe(401);
    }
    const events = await arrived({ eventType: 'SESSION_EXPIRED' }, (e) => e.sessionId === live.sid);
    expect(events).toEqual([
      expect.objectContaining({
        status: 'FAILURE',
        userId: anaId,
        sessionId: live.sid,
        userAgent: 'auth-events/expired',
        ipAddress: '127.0.0.1',
        source: 'gateway',
      }),
    ]);
  });

  it('report a token used after logout as TOKEN_REFUSED, reason session_ended', async () => {
    const token = await graph.login('ana', PASSWORD);
    secrets.push(token);
    const { sid } = claimsOf(token);
    const bearer = { authorization: `Bearer ${token}` };
    expect((await graph.gql(ME, {}, bearer)).body.data).toEqual({ me: { username: 'ana' } });
    expect((await graph.gql(`mutation { logout }`, {}, bearer)).body).toEqual({ data: { logout: true } });
    expect((await graph.gql(ME, {}, { ...bearer, 'user-agent': 'auth-events/logged-out' })).status).toBe(401);

    const events = await arrived({ eventType: 'TOKEN_REFUSED' }, (e) => e.sessionId === sid);
    expect(events).toEqual([
      expect.objectContaining({ userId: anaId, userAgent: 'auth-events/logged-out', status: 'FAILURE' }),
    ]);
    expect(events[0]?.details?.reason).toBe('session_ended');
  });
});

describe('API keys', () => {
  it('report API_KEY_USED SUCCESS once per cache period, with the key id and client', async () => {
    const created = await graph.gql<{ createApiKey: { secret: string; apiKey: { id: string } } }>(
      `mutation { createApiKey(input: { clientName: "partner-siem", persistedOnly: false }) { secret apiKey { id } } }`,
      {},
      admin,
    );
    expect(created.body.errors).toBeUndefined();
    const { secret, apiKey } = created.body.data!.createApiKey;
    secrets.push(secret);
    for (let i = 0; i < 3; i += 1) {
      const me = await graph.gql(ME, {}, { 'x-api-key': secret, 'user-agent': 'auth-events/partner' });
      expect(me.body).toEqual({ data: { me: { username: 'admin' } } });
    }

    const events = await arrived(
      { eventType: 'API_KEY_USED', status: 'SUCCESS' },
      (e) => e.details?.apiKeyId === apiKey.id,
    );
    expect(events).toEqual([
      expect.objectContaining({
        userId: adminId,
        username: 'admin',
        userAgent: 'auth-events/partner',
        ipAddress: '127.0.0.1',
        source: 'gateway',
      }),
    ]);
    expect(events[0]?.details).toMatchObject({ apiKeyId: apiKey.id, clientName: 'partner-siem' });
  });

  it('report unknown keys as API_KEY_USED FAILURE, naming only a public prefix', async () => {
    const wellFormed = `sgk_${randomBytes(32).toString('base64url')}`;
    const odd = `not-a-key-${randomBytes(12).toString('hex')}`;
    const tooLong = `sgk_${'x'.repeat(300)}`;
    secrets.push(wellFormed, odd, tooLong);
    // The gateway's request id of each attempt, in order.
    const sent: string[] = [];
    for (const key of [wellFormed, odd, tooLong]) {
      const result = await graph.gql(ME, {}, { 'x-api-key': key });
      expect(result.status).toBe(401);
      sent.push(String(result.headers.get('x-request-id')));
    }
    const [bogus1, bogus2, bogus3] = sent;

    const failures = await arrived(
      { eventType: 'API_KEY_USED', status: 'FAILURE' },
      (e) => sent.includes(e.details?.requestId ?? ''),
      2,
    );
    const byRequest = new Map(failures.map((e) => [e.details?.requestId, e]));
    expect(failures).toHaveLength(2);
    expect(byRequest.get(bogus1)?.details).toEqual({
      reason: 'unknown_or_revoked',
      keyPrefix: wellFormed.slice(0, 12),
      requestId: bogus1,
    });
    expect(byRequest.get(bogus2)?.details).toEqual({ reason: 'unknown_or_revoked', requestId: bogus2 });
    // Refused before identity is asked: a refused credential, not a key lookup.
    const refused = await arrived({ eventType: 'TOKEN_REFUSED' }, (e) => e.details?.requestId === bogus3);
    expect(refused.map((e) => e.details?.reason)).toEqual(['api_key_too_long']);
  });
});

describe('secrets', () => {
  it('appear in no stored event', async () => {
    await graph.stack.gateway.authEvents.flush();
    const rows = (await graph.dataSource('audit').query(`SELECT * FROM audit.auth_audit_log`)) as unknown[];
    const stored = JSON.stringify(rows) + JSON.stringify(await authEvents());
    expect(rows.length).toBeGreaterThanOrEqual(8);
    expect(secrets.length).toBeGreaterThanOrEqual(8);
    for (const secret of secrets) expect(stored).not.toContain(secret);
  });
});

describe('delivery', () => {
  it('retries failed deliveries, so the events still arrive once', async () => {
    const sink = new MemoryAuditSink();
    const gateway = await graph.startGateway({ ACCESS_LOG_FLUSH_MS: '50' }, { defaultMetrics: false, auditSink: sink });
    try {
      // Auth events are enqueued before the access log entry, so their batch meets the first failure.
      sink.failNext = 3;
      const refused = await postGraphQL(
        gateway.graphqlUrl,
        ME,
        {},
        {
          authorization: 'Bearer nonsense',
          'user-agent': 'auth-events/retry',
        },
      );
      expect(refused.status).toBe(401);
      const events = await until(
        async () => sink.authEvents.filter((e: AuthEventEntry) => e.userAgent === 'auth-events/retry'),
        (found) => found.length > 0,
      );
      await gateway.authEvents.flush();
      expect(events).toHaveLength(1);
      expect(sink.failNext).toBe(0);
      expect(gateway.authEvents.dropped).toBe(0);
      expect(gateway.authEvents.delivered).toBe(1);
    } finally {
      await gateway.stop();
    }
  });
});

describe('the principal resolver', () => {
  const SECRET = 'resolver-test-secret-resolver-test-secret';
  const principal: InternalPrincipal = {
    userId: '7',
    username: 'ana',
    role: 'analyst',
    customerCodes: [],
    tagIds: [],
    sessionId: null,
    apiKeyId: 'key-7',
    clientName: 'siem',
    persistedOnly: false,
  };
  const lookup = (found: InternalPrincipal | null): PrincipalLookup => ({
    bySession: async (sessionId) => (found ? { ...found, sessionId, apiKeyId: null, clientName: null } : null),
    byApiKey: async () => found,
  });
  const expiredToken = (sessionId: string) =>
    signUserToken({ userId: '7', sessionId, expiresAt: new Date(Date.now() - 1_000) }, SECRET);
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it('reports each expired session once, within a bounded memory', async () => {
    const events: GatewayAuthEvent[] = [];
    const resolver = createPrincipalResolver({
      jwtSecret: SECRET,
      lookup: lookup(principal),
      cacheSeconds: 0,
      expiredSessionMemory: 1,
      onAuthEvent: (event) => events.push(event),
    });
    const [a, b] = [await expiredToken('s-a'), await expiredToken('s-b')];
    for (const token of [a, a, a, b, a]) await expect(resolver.resolve(bearer(token))).rejects.toThrow('Token expired');
    // s-b pushed s-a out of a one-entry memory, so s-a is reported again.
    expect(events.map((e) => [e.eventType, e.sessionId, e.userId])).toEqual([
      ['SESSION_EXPIRED', 's-a', '7'],
      ['SESSION_EXPIRED', 's-b', '7'],
      ['SESSION_EXPIRED', 's-a', '7'],
    ]);
  });

  it("reports a token whose subject is not the session's owner", async () => {
    const events: GatewayAuthEvent[] = [];
    const resolver = createPrincipalResolver({
      jwtSecret: SECRET,
      lookup: lookup({ ...principal, userId: '8' }),
      cacheSeconds: 0,
      onAuthEvent: (event) => events.push(event),
    });
    const token = await signUserToken(
      { userId: '7', sessionId: 's-1', expiresAt: new Date(Date.now() + 60_000) },
      SECRET,
    );
    await expect(resolver.resolve(bearer(token))).rejects.toThrow('Session ended or expired');
    expect(events).toEqual([
      expect.objectContaining({
        eventType: 'TOKEN_REFUSED',
        userId: '7',
        sessionId: 's-1',
        details: { reason: 'subject_mismatch' },
      }),
    ]);
  });

  it('reports an API key once per identity lookup, and survives a throwing callback', async () => {
    const events: GatewayAuthEvent[] = [];
    const cached = createPrincipalResolver({
      jwtSecret: SECRET,
      lookup: lookup(principal),
      cacheSeconds: 60,
      onAuthEvent: (event) => events.push(event),
    });
    const key = { 'x-api-key': 'sgk_some-key' };
    await Promise.all([cached.resolve(key), cached.resolve(key)]);
    await cached.resolve(key);
    expect(events).toEqual([
      expect.objectContaining({
        eventType: 'API_KEY_USED',
        status: 'SUCCESS',
        username: 'ana',
        details: { apiKeyId: 'key-7', clientName: 'siem' },
      }),
    ]);

    const throwing = createPrincipalResolver({
      jwtSecret: SECRET,
      lookup: lookup(principal),
      cacheSeconds: 0,
      onAuthEvent: () => {
        throw new Error('reporting is down');
      },
    });
    expect((await throwing.resolve(key)).username).toBe('ana');
    await expect(throwing.resolve(bearer('nonsense'))).rejects.toThrow('Invalid token');
  });
});
