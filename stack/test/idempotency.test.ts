import { randomBytes, randomUUID } from 'node:crypto';
import { startTestStack, type GraphQLResponse, type TestStack } from '../src/testing';

/**
 * Idempotency keys through the gateway (issue 17 item 5): a mutation sent with an
 * `Idempotency-Key` is applied at most once per caller and key; a repeat answers the first
 * outcome without running again (no second row, no second audit entry).
 */

const PASSWORD = 'correct horse battery staple';
const ADD_COMMENT = `mutation AddComment($alertId: ID!, $comment: String!) {
  addAlertComment(alertId: $alertId, comment: $comment) { id comment userName }
}`;

// Named, so that a test can rotate to another key with this one as the previous.
const K1 = randomBytes(32).toString('base64');
let stack: TestStack;
let admin: string;
let alertId: string;

interface CommentAnswer {
  addAlertComment: { id: string; comment: string; userName: string } | null;
}

const keyed = <T = Record<string, unknown>>(
  token: string,
  key: string | null,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GraphQLResponse<T>> =>
  stack.gql<T>(query, variables, {
    authorization: `Bearer ${token}`,
    ...(key !== null ? { 'idempotency-key': key } : {}),
  });

const codes = (response: GraphQLResponse<unknown>) => (response.body.errors ?? []).map((e) => e.extensions?.code);

async function commentRows(text: string): Promise<{ id: number }[]> {
  return (await stack
    .dataSource('incidents')
    .query(`SELECT id FROM incidents.incident_management_comment WHERE comment = $1`, [text])) as { id: number }[];
}

/** The audit entries of `action` (optionally by status); `comment` is the text of the comment row it wrote. */
async function auditEntries(action: string, status?: string): Promise<{ comment: string | null }[]> {
  await stack.flushAudit();
  return (await stack.dataSource('audit').query(
    `SELECT after->>'comment' AS comment FROM audit.audit_logs
        WHERE action = $1 AND ($2::text IS NULL OR status = $2) ORDER BY seq`,
    [action, status ?? null],
  )) as { comment: string | null }[];
}

async function keyRows(schema: string, key: string): Promise<{ subject: string; fingerprint: string }[]> {
  return (await stack
    .dataSource(schema)
    .query(`SELECT subject, fingerprint FROM ${schema}.idempotency_keys WHERE key = $1`, [key])) as {
    subject: string;
    fingerprint: string;
  }[];
}

beforeAll(async () => {
  // A purge every second, so the expiry test sees the job run.
  stack = await startTestStack({
    env: {
      IDEMPOTENCY_PURGE_INTERVAL_SECONDS: '1',
      AUDIT_RELAY_INTERVAL_MS: '50',
      SECRETS_KEY_ID: 'k1',
      SECRETS_ENCRYPTION_KEY: K1,
    },
  });
  await stack.seedAdmin(PASSWORD);
  await stack.seedUser({ username: 'second_admin', password: PASSWORD, role: 'admin' });
  admin = await stack.login('admin', PASSWORD);
  const customer = await keyed(
    admin,
    null,
    `mutation { createCustomer(input: { code: "ACME", name: "Acme" }) { code } }`,
  );
  expect(customer.body.errors).toBeUndefined();
  const alert = await keyed<{ createAlert: { id: string } }>(
    admin,
    null,
    `mutation { createAlert(input: { name: "Beacon", customerCode: "ACME", source: "edr" }) { id } }`,
  );
  expect(alert.body.errors).toBeUndefined();
  alertId = alert.body.data!.createAlert.id;
});
afterAll(async () => stack?.stop());

describe('Idempotency-Key on mutations', () => {
  it('answers a repeat with the first outcome: one row, one audit entry, the same response', async () => {
    const key = randomUUID();
    const text = `once ${key}`;
    const first = await keyed<CommentAnswer>(admin, key, ADD_COMMENT, { alertId, comment: text });
    expect(first.body.errors).toBeUndefined();
    const second = await keyed<CommentAnswer>(admin, key, ADD_COMMENT, { alertId, comment: text });
    expect(second.body).toEqual(first.body);
    // The client can tell a stored answer from a run.
    expect(first.headers.get('idempotent-replay')).toBeNull();
    expect(second.headers.get('idempotent-replay')).toBe('true');
    expect(await commentRows(text)).toHaveLength(1);
    const entries = await auditEntries('addAlertComment');
    expect(entries.filter((e) => e.comment === text)).toHaveLength(1);
    expect(await keyRows('incidents', key)).toHaveLength(1);
  });

  it('the same variables in another order are the same request', async () => {
    const key = randomUUID();
    const text = `order ${key}`;
    const first = await keyed<CommentAnswer>(admin, key, ADD_COMMENT, { alertId, comment: text });
    const second = await keyed<CommentAnswer>(admin, key, ADD_COMMENT, { comment: text, alertId });
    expect(second.body).toEqual(first.body);
    expect(await commentRows(text)).toHaveLength(1);
  });

  it('runs parallel repeats once: the later ones wait for the first and answer its outcome', async () => {
    const key = randomUUID();
    const text = `parallel ${key}`;
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => keyed<CommentAnswer>(admin, key, ADD_COMMENT, { alertId, comment: text })),
    );
    for (const answer of answers) expect(answer.body.errors).toBeUndefined();
    const ids = new Set(answers.map((a) => a.body.data?.addAlertComment?.id));
    expect(ids.size).toBe(1);
    expect(await commentRows(text)).toHaveLength(1);
    expect(await keyRows('incidents', key)).toHaveLength(1);
    expect((await auditEntries('addAlertComment')).filter((e) => e.comment === text)).toHaveLength(1);
  });

  it('refuses the same key with other variables as CONFLICT, and writes nothing', async () => {
    const key = randomUUID();
    const first = await keyed<CommentAnswer>(admin, key, ADD_COMMENT, { alertId, comment: `first ${key}` });
    expect(first.body.errors).toBeUndefined();
    const other = await keyed<CommentAnswer>(admin, key, ADD_COMMENT, { alertId, comment: `other ${key}` });
    expect(codes(other)).toEqual(['CONFLICT']);
    expect(other.body.errors?.[0]?.message).toMatch(/Idempotency-Key/);
    expect(await commentRows(`other ${key}`)).toHaveLength(0);
    // Another document under the key is a conflict too.
    const tag = await keyed(admin, key, `mutation { createTag(name: "conflicting ${key.slice(0, 8)}") { id } }`);
    expect(codes(tag)).toEqual(['CONFLICT']);
  });

  it('stores nothing for a failed mutation, so a retry with the key runs again', async () => {
    const key = randomUUID();
    const missing = { alertId: '987654321', comment: `failed ${key}` };
    const before = (await auditEntries('addAlertComment', 'failure')).length;
    const first = await keyed<CommentAnswer>(admin, key, ADD_COMMENT, missing);
    expect(codes(first)).toEqual(['NOT_FOUND']);
    expect(await keyRows('incidents', key)).toHaveLength(0);
    const retry = await keyed<CommentAnswer>(admin, key, ADD_COMMENT, missing);
    expect(codes(retry)).toEqual(['NOT_FOUND']);
    // Both attempts ran: each left its failure entry.
    expect((await auditEntries('addAlertComment', 'failure')).length).toBe(before + 2);
    // The key was never used for a change: corrected input under it runs, and is then kept.
    const fixed = await keyed<CommentAnswer>(admin, key, ADD_COMMENT, { alertId, comment: `fixed ${key}` });
    expect(fixed.body.errors).toBeUndefined();
    expect(await commentRows(`fixed ${key}`)).toHaveLength(1);
    expect(await keyRows('incidents', key)).toHaveLength(1);
  });

  it("keeps each caller's keys apart", async () => {
    const key = randomUUID();
    const other = await stack.login('second_admin', PASSWORD);
    const mine = await keyed<CommentAnswer>(admin, key, ADD_COMMENT, { alertId, comment: `mine ${key}` });
    const theirs = await keyed<CommentAnswer>(other, key, ADD_COMMENT, { alertId, comment: `theirs ${key}` });
    expect(mine.body.errors).toBeUndefined();
    expect(theirs.body.errors).toBeUndefined();
    expect(theirs.body.data?.addAlertComment?.userName).toBe('second_admin');
    expect(await commentRows(`mine ${key}`)).toHaveLength(1);
    expect(await commentRows(`theirs ${key}`)).toHaveLength(1);
    expect((await keyRows('incidents', key)).map((r) => r.subject).sort()).toHaveLength(2);
  });

  it('covers a mutation spanning two subgraphs: both fetches are applied once', async () => {
    const key = randomUUID();
    const code = `C${key.slice(0, 8).toUpperCase()}`;
    const query = `mutation Both($code: String!, $tag: String!) {
      createCustomer(input: { code: $code, name: "Twice" }) { code }
      createTag(name: $tag) { id name }
    }`;
    const variables = { code, tag: `tag ${key.slice(0, 8)}` };
    const first = await keyed(admin, key, query, variables);
    expect(first.body.errors).toBeUndefined();
    const again = await keyed(admin, key, query, variables);
    expect(again.body).toEqual(first.body);
    const customers = (await stack
      .dataSource('identity')
      .query(`SELECT 1 FROM identity.customers WHERE customer_code = $1`, [code])) as unknown[];
    expect(customers).toHaveLength(1);
    const tags = (await stack
      .dataSource('incidents')
      .query(`SELECT 1 FROM incidents.incident_management_alerttag WHERE tag = $1`, [variables.tag])) as unknown[];
    expect(tags).toHaveLength(1);
    expect(await keyRows('identity', key)).toHaveLength(1);
    expect(await keyRows('incidents', key)).toHaveLength(1);
    // Both subgraphs were told the same client operation.
    expect((await keyRows('identity', key))[0]?.fingerprint).toBe((await keyRows('incidents', key))[0]?.fingerprint);
    await stack.flushAudit();
    const created = (await stack
      .dataSource('audit')
      .query(`SELECT 1 FROM audit.audit_logs WHERE action = 'createCustomer' AND resource_id = $1`, [
        code,
      ])) as unknown[];
    expect(created).toHaveLength(1);
  });

  it('forgets a key past its retention: the purge job deletes it, and the key runs again', async () => {
    const key = randomUUID();
    const text = `expiring ${key}`;
    await keyed<CommentAnswer>(admin, key, ADD_COMMENT, { alertId, comment: text });
    await stack
      .dataSource('incidents')
      .query(`UPDATE incidents.idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = $1`, [key]);
    const deadline = Date.now() + 20_000;
    while ((await keyRows('incidents', key)).length > 0) {
      if (Date.now() > deadline) throw new Error('the expired key was not purged');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const again = await keyed<CommentAnswer>(admin, key, ADD_COMMENT, { alertId, comment: text });
    expect(again.body.errors).toBeUndefined();
    expect(await commentRows(text)).toHaveLength(2);
  });

  it('refuses a malformed key, ignores a key on a query, and never stores a secret', async () => {
    for (const bad of ['', 'x'.repeat(256), 'caf\u00e9', 'tab\tinside']) {
      const response = await fetch(stack.stack.gateway.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}`, 'idempotency-key': bad },
        body: JSON.stringify({ query: '{ me { username } }' }),
      }).catch(() => null);
      // An empty header is no header to some clients; a non-Latin-1 value never leaves fetch.
      if (!response) continue;
      const body = (await response.json()) as { errors?: { extensions?: { code?: string; field?: string } }[] };
      if (bad === '') continue;
      expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'Idempotency-Key' });
    }
    const query = await keyed<{ me: { username: string } }>(admin, randomUUID(), `{ me { username } }`);
    expect(query.body.data?.me.username).toBe('admin');
    const apiKey = await keyed(
      admin,
      randomUUID(),
      `mutation { createApiKey(input: { clientName: "partner", persistedOnly: false }) { secret } }`,
    );
    expect(codes(apiKey)).toEqual(['BAD_USER_INPUT']);
    expect(apiKey.body.errors?.[0]?.message).toMatch(/shown only once/);
  });
});

describe('stored answers at rest', () => {
  // Personal data in a comment; each part holds a character base64url lacks, so a ciphertext cannot contain it.
  const personal = (key: string) => `Call Jane Doe on +44 20 7946 0958 or jane.doe@example.com (${key})`;
  const storedRow = async (key: string) => {
    const [row] = (await stack
      .dataSource('incidents')
      .query(`SELECT t::text AS whole, response_body FROM incidents.idempotency_keys t WHERE key = $1`, [key])) as {
      whole: string;
      response_body: string;
    }[];
    if (!row) throw new Error(`no stored answer for ${key}`);
    return row;
  };

  it('are sealed: no personal data in the table in clear, and the replay is the identical answer', async () => {
    const key = randomUUID();
    const first = await keyed<CommentAnswer>(admin, key, ADD_COMMENT, { alertId, comment: personal(key) });
    expect(first.body.errors).toBeUndefined();
    const row = await storedRow(key);
    expect(row.response_body).toMatch(/^v1:k1:[\w-]+:[\w-]+:[\w-]+$/);
    for (const part of ['Jane Doe', '+44 20', 'jane.doe@example.com', '"userName":"admin"', '"addAlertComment"']) {
      expect(row.whole).not.toContain(part);
    }
    const again = await keyed<CommentAnswer>(admin, key, ADD_COMMENT, { alertId, comment: personal(key) });
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replay')).toBe('true');
    expect(await commentRows(personal(key))).toHaveLength(1);
  });

  it('a tampered stored answer is CONFLICT, and the mutation is not run again', async () => {
    const key = randomUUID();
    const text = personal(key);
    const first = await keyed<CommentAnswer>(admin, key, ADD_COMMENT, { alertId, comment: text });
    expect(first.body.errors).toBeUndefined();
    // One character of the ciphertext changed (the last part of v1:<keyId>:<iv>:<tag>:<ciphertext>).
    const sealed = (await storedRow(key)).response_body;
    const at = sealed.lastIndexOf(':') + 2;
    const altered = `${sealed.slice(0, at)}${sealed[at] === 'A' ? 'B' : 'A'}${sealed.slice(at + 1)}`;
    await stack
      .dataSource('incidents')
      .query(`UPDATE incidents.idempotency_keys SET response_body = $1 WHERE key = $2`, [altered, key]);
    const again = await keyed<CommentAnswer>(admin, key, ADD_COMMENT, { alertId, comment: text });
    expect(codes(again)).toEqual(['CONFLICT']);
    expect(again.body.errors?.[0]?.message).toMatch(/applied.*not run again/);
    expect(again.body.errors?.[0]?.extensions).toMatchObject({ reason: 'ANSWER_UNREADABLE' });
    expect(await commentRows(text)).toHaveLength(1);
    expect((await auditEntries('addAlertComment')).filter((e) => e.comment === text)).toHaveLength(1);
  });

  // Last: it leaves incidents on the new key.
  it('replay after SECRETS_ENCRYPTION_KEY is rotated, with the previous key in SECRETS_PREVIOUS_KEYS', async () => {
    const key = randomUUID();
    const text = personal(key);
    const first = await keyed<CommentAnswer>(admin, key, ADD_COMMENT, { alertId, comment: text });
    expect(first.body.errors).toBeUndefined();
    await stack.stack.stopSubgraph('incidents');
    await stack.stack.startSubgraph('incidents', {
      SECRETS_KEY_ID: 'k2',
      SECRETS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      SECRETS_PREVIOUS_KEYS: `k1:${K1}`,
    });
    const again = await keyed<CommentAnswer>(admin, key, ADD_COMMENT, { alertId, comment: text });
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replay')).toBe('true');
    expect(await commentRows(text)).toHaveLength(1);
    // New answers are sealed with the new key.
    const next = randomUUID();
    await keyed<CommentAnswer>(admin, next, ADD_COMMENT, { alertId, comment: personal(next) });
    expect((await storedRow(next)).response_body).toMatch(/^v1:k2:/);
  });
});
