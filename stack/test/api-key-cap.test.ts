import { startTestStack, type TestStack } from '../src/testing';
import { errorCodes } from './support';

/**
 * Each API key has its own rate-limit bucket, so keys are capped per owner (issue 16, item 3):
 * API_KEYS_PER_USER active keys, one more is CONFLICT until one is revoked.
 */
let graph: TestStack;
const PASSWORD = 'correct horse battery staple';
const CAP = 3;
const CREATE = `mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey { id } } }`;
const REVOKE = `mutation ($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }`;
let admin: Record<string, string>;

beforeAll(async () => {
  graph = await startTestStack({ env: { API_KEYS_PER_USER: String(CAP) } });
  await graph.seedAdmin(PASSWORD);
  admin = { authorization: `Bearer ${await graph.login('admin', PASSWORD)}` };
});
afterAll(async () => graph?.stop());

async function userWithToken(username: string): Promise<{ id: string; auth: Record<string, string> }> {
  const id = await graph.seedUser({ username, password: PASSWORD, role: 'customer_user', customerCodes: ['ACME'] });
  return { id, auth: { authorization: `Bearer ${await graph.login(username, PASSWORD)}` } };
}

const activeKeys = async (userId: string): Promise<number> => {
  const rows = (await graph
    .dataSource('identity')
    .query(`SELECT count(*)::int AS n FROM identity.api_keys WHERE user_id = $1 AND revoked_at IS NULL`, [userId])) as {
    n: number;
  }[];
  return rows[0]?.n ?? -1;
};

describe('API keys per owner', () => {
  it('are capped: one more is CONFLICT with a message saying what to do, until one is revoked', async () => {
    const { id, auth } = await userWithToken('partner_owner');
    const ids: string[] = [];
    for (let i = 0; i < CAP; i += 1) {
      const created = await graph.gql<{ createApiKey: { apiKey: { id: string } } }>(
        CREATE,
        { input: { clientName: `client-${i}` } },
        auth,
      );
      expect(created.body.errors).toBeUndefined();
      ids.push(created.body.data!.createApiKey.apiKey.id);
    }
    const refused = await graph.gql(CREATE, { input: { clientName: 'one-too-many' } }, auth);
    expect(errorCodes(refused)).toEqual(['CONFLICT']);
    expect(refused.body.errors?.[0]?.message).toMatch(/At most 3 active API keys.*revoke/);
    // An admin creating for the owner counts against the same cap.
    const byAdmin = await graph.gql(CREATE, { input: { clientName: 'for-owner', userId: id } }, admin);
    expect(errorCodes(byAdmin)).toEqual(['CONFLICT']);
    expect(await activeKeys(id)).toBe(CAP);

    const revoked = await graph.gql(REVOKE, { id: ids[0] }, auth);
    expect(revoked.body.errors).toBeUndefined();
    const again = await graph.gql(CREATE, { input: { clientName: 'replacement' } }, auth);
    expect(again.body.errors).toBeUndefined();
    expect(await activeKeys(id)).toBe(CAP);
  });

  it('hold under concurrent creates', async () => {
    const { id, auth } = await userWithToken('racing_owner');
    const results = await Promise.all(
      Array.from({ length: CAP + 4 }, (_, i) => graph.gql(CREATE, { input: { clientName: `race-${i}` } }, auth)),
    );
    const codes = results.map((r) => errorCodes(r).join(',') || 'ok');
    expect(codes.filter((c) => c === 'ok')).toHaveLength(CAP);
    expect(codes.filter((c) => c !== 'ok')).toEqual(Array(4).fill('CONFLICT'));
    expect(await activeKeys(id)).toBe(CAP);
  });
});

describe('API key expiry', () => {
  const CREATE_WITH_EXPIRY = `mutation ($input: CreateApiKeyInput!) {
    createApiKey(input: $input) { secret apiKey { id expiresAt } }
  }`;
  type Created = { createApiKey: { secret: string; apiKey: { id: string; expiresAt: string } } };
  const DAY_MS = 86_400_000;

  it('defaults to 90 days and takes an expiresAt within the maximum', async () => {
    const { auth } = await userWithToken('expiry_owner');
    const byDefault = await graph.gql<Created>(CREATE_WITH_EXPIRY, { input: { clientName: 'default-expiry' } }, auth);
    expect(byDefault.body.errors).toBeUndefined();
    const defaultExpiry = Date.parse(byDefault.body.data!.createApiKey.apiKey.expiresAt);
    expect(Math.abs(defaultExpiry - (Date.now() + 90 * DAY_MS))).toBeLessThan(60_000);

    const chosen = new Date(Date.now() + 7 * DAY_MS).toISOString();
    const named = await graph.gql<Created>(
      CREATE_WITH_EXPIRY,
      { input: { clientName: 'week-key', expiresAt: chosen } },
      auth,
    );
    expect(Date.parse(named.body.data!.createApiKey.apiKey.expiresAt)).toBe(Date.parse(chosen));
  });

  it('refuses an expiry in the past or beyond the maximum with BAD_USER_INPUT, writing nothing', async () => {
    const { id, auth } = await userWithToken('expiry_refused');
    for (const expiresAt of [new Date(Date.now() - 1_000), new Date(Date.now() + 366 * DAY_MS)]) {
      const refused = await graph.gql(
        CREATE_WITH_EXPIRY,
        { input: { clientName: 'bad-expiry', expiresAt: expiresAt.toISOString() } },
        auth,
      );
      expect(errorCodes(refused)).toEqual(['BAD_USER_INPUT']);
      expect(refused.body.errors?.[0]?.message).toMatch(/expiresAt/);
    }
    expect(await activeKeys(id)).toBe(0);
  });

  it('an expired key opens nothing through the gateway and no longer counts against the cap', async () => {
    const { id, auth } = await userWithToken('expiry_partner');
    const created = await graph.gql<Created>(CREATE_WITH_EXPIRY, { input: { clientName: 'soon-expired' } }, auth);
    const { secret, apiKey } = created.body.data!.createApiKey;
    // Never used before expiry, so no cached principal can answer for it.
    await graph
      .dataSource('identity')
      .query(
        `UPDATE identity.api_keys SET created_at = now() - interval '2 days', expires_at = now() - interval '1 day' WHERE id = $1`,
        [apiKey.id],
      );
    const refused = await graph.gql(`{ me { username } }`, {}, { 'x-api-key': secret });
    expect(errorCodes(refused)).toEqual(['UNAUTHENTICATED']);

    for (let i = 0; i < CAP; i += 1) {
      const more = await graph.gql(CREATE, { input: { clientName: `after-expiry-${i}` } }, auth);
      expect(more.body.errors).toBeUndefined();
    }
    expect(await activeKeys(id)).toBe(CAP + 1); // CAP live keys plus the expired, unrevoked one
  });
});
