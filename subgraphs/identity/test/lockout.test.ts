import type { TestSubgraph } from '@socgraph/testkit';
import { identityConfigFrom } from '../src/config';
import { LoginLockout } from '../src/services/lockout';
import { ADMIN, createUser, errorCodes, startIdentity, TEST_SECRETS_KEY, type CreatedUser } from './support';

/**
 * Account lockout (LOGIN_LOCKOUT_*): failed logins of an existing user are counted outside the
 * login's rolled-back transaction; reaching the threshold within the window locks the account,
 * and a locked account fails exactly like any other failed login.
 */

const PASSWORD = 'correct horse battery';
const LOGIN = `mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { token } }`;
const LOCKOUT = `query ($id: ID!) { user(id: $id) { failedLoginCount lockedUntil } }`;
const UNLOCK = `mutation ($id: ID!) { unlockUser(id: $id) { id failedLoginCount lockedUntil } }`;

interface LockoutRow {
  failed_login_count: number;
  last_failed_login_at: Date | null;
  locked_until: Date | null;
  locked: boolean;
}

async function lockoutRow(identity: TestSubgraph, userId: string): Promise<LockoutRow> {
  const [row] = (await identity.dataSource.query(
    `SELECT failed_login_count, last_failed_login_at, locked_until, coalesce(locked_until > now(), false) AS locked
       FROM identity.users WHERE id = $1`,
    [userId],
  )) as LockoutRow[];
  if (!row) throw new Error(`no user ${userId}`);
  return row;
}

const login = (identity: TestSubgraph, username: string, password: string) =>
  identity.query<{ login: { token: string } }>(LOGIN, { u: username, p: password });

async function failTimes(identity: TestSubgraph, username: string, times: number): Promise<void> {
  for (let i = 0; i < times; i += 1) {
    expect(errorCodes(await login(identity, username, `wrong-${i}`))).toEqual(['UNAUTHENTICATED']);
  }
}

describe('with a threshold of 3', () => {
  let identity: TestSubgraph;
  let analyst: CreatedUser;
  beforeAll(async () => {
    identity = await startIdentity({ LOGIN_LOCKOUT_THRESHOLD: '3' });
    analyst = await createUser(identity, { role: 'analyst' });
  });
  afterAll(async () => identity?.stop());

  it('locks after three failures; the right password is then refused exactly like a wrong one', async () => {
    const user = await createUser(identity, { role: 'analyst' });
    await failTimes(identity, user.username, 2);
    expect(await lockoutRow(identity, user.id)).toMatchObject({ failed_login_count: 2, locked: false });
    await failTimes(identity, user.username, 1);
    const locked = await lockoutRow(identity, user.id);
    expect(locked).toMatchObject({ failed_login_count: 3, locked: true });
    // LOGIN_LOCKOUT_SECONDS (default 900) from the third failure.
    const lockSeconds = (locked.locked_until!.getTime() - locked.last_failed_login_at!.getTime()) / 1000;
    expect(lockSeconds).toBe(900);

    const right = await login(identity, user.username, PASSWORD);
    const wrong = await login(identity, user.username, 'still not it');
    const unknown = await login(identity, 'nobody-by-this-name', PASSWORD);
    for (const refused of [right, wrong]) {
      expect(refused.status).toBe(unknown.status);
      expect(refused.body).toEqual(unknown.body);
      expect(errorCodes(refused)).toEqual(['UNAUTHENTICATED']);
    }
    // Attempts while locked neither count nor extend the lock.
    expect(await lockoutRow(identity, user.id)).toEqual(locked);
    const [{ sessions }] = await identity.dataSource.query(
      `SELECT count(*)::int AS sessions FROM identity.user_sessions WHERE user_id = $1`,
      [user.id],
    );
    expect(sessions).toBe(0);

    const read = await identity.query<{ user: { failedLoginCount: number; lockedUntil: string } }>(
      LOCKOUT,
      { id: user.id },
      ADMIN,
    );
    expect(read.body.data?.user).toEqual({ failedLoginCount: 3, lockedUntil: locked.locked_until!.toISOString() });
  });

  it('counts only failures within the window of the one before', async () => {
    const user = await createUser(identity, { role: 'analyst' });
    await failTimes(identity, user.username, 2);
    await identity.dataSource.query(
      `UPDATE identity.users SET last_failed_login_at = now() - interval '901 seconds' WHERE id = $1`,
      [user.id],
    );
    // The stale failures no longer count, for admins either.
    const stale = await identity.query<{ user: { failedLoginCount: number } }>(LOCKOUT, { id: user.id }, ADMIN);
    expect(stale.body.data?.user.failedLoginCount).toBe(0);
    await failTimes(identity, user.username, 2);
    expect(await lockoutRow(identity, user.id)).toMatchObject({ failed_login_count: 2, locked: false });
    expect(errorCodes(await login(identity, user.username, PASSWORD))).toEqual([]);
  });

  it('lets the user in once the lock has expired, and counts afresh after it', async () => {
    const user = await createUser(identity, { role: 'analyst' });
    await failTimes(identity, user.username, 3);
    expect((await lockoutRow(identity, user.id)).locked).toBe(true);
    await identity.dataSource.query(
      `UPDATE identity.users SET locked_until = now() - interval '1 second' WHERE id = $1`,
      [user.id],
    );
    const expired = await identity.query<{ user: { failedLoginCount: number; lockedUntil: string | null } }>(
      LOCKOUT,
      { id: user.id },
      ADMIN,
    );
    expect(expired.body.data?.user).toEqual({ failedLoginCount: 0, lockedUntil: null });
    // One failure after an expired lock is the first of a new count, not a fourth.
    await failTimes(identity, user.username, 1);
    expect(await lockoutRow(identity, user.id)).toMatchObject({
      failed_login_count: 1,
      locked: false,
      locked_until: null,
    });
    const ok = await login(identity, user.username, PASSWORD);
    expect(ok.body.errors).toBeUndefined();
    expect(ok.body.data?.login.token).toEqual(expect.any(String));
  });

  it('starts the count afresh after a successful login', async () => {
    const user = await createUser(identity, { role: 'analyst' });
    await failTimes(identity, user.username, 2);
    expect(errorCodes(await login(identity, user.username, PASSWORD))).toEqual([]);
    expect(await lockoutRow(identity, user.id)).toMatchObject({ failed_login_count: 0, locked: false });
    await failTimes(identity, user.username, 2);
    expect(errorCodes(await login(identity, user.username, PASSWORD))).toEqual([]);
  });

  it('leaves unknown usernames as they were: nothing counted, nothing locked', async () => {
    const before = await identity.dataSource.query(
      `SELECT id, failed_login_count, last_failed_login_at, locked_until FROM identity.users ORDER BY id`,
    );
    await failTimes(identity, 'ghost', 5);
    expect(
      await identity.dataSource.query(
        `SELECT id, failed_login_count, last_failed_login_at, locked_until FROM identity.users ORDER BY id`,
      ),
    ).toEqual(before);
  });

  it('counts concurrent failures exactly: the threshold locks once, and the rest are refused as locked', async () => {
    const user = await createUser(identity, { role: 'analyst' });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => login(identity, user.username, `parallel-${i}`)),
    );
    expect(results.map(errorCodes)).toEqual(results.map(() => ['UNAUTHENTICATED']));
    expect(await lockoutRow(identity, user.id)).toMatchObject({ failed_login_count: 3, locked: true });
    // Their auth events (waiting in the outbox: no audit subgraph here): counts 1 to 3, one of
    // them locking, and 17 refused as locked.
    const events = (await identity.dataSource.query(
      `SELECT payload->'details' AS details FROM identity.audit_outbox
        WHERE kind = 'AUTH_EVENT' AND payload->>'username' = $1`,
      [user.username],
    )) as { details: { reason: string; failedLoginCount: number; lockedUntil: string | null } }[];
    const counted = events.filter((e) => e.details.reason === 'wrong_password');
    expect(counted.map((e) => e.details.failedLoginCount).sort()).toEqual([1, 2, 3]);
    expect(counted.filter((e) => e.details.lockedUntil !== null)).toHaveLength(1);
    expect(events.filter((e) => e.details.reason === 'locked')).toHaveLength(17);
  });

  describe('unlockUser', () => {
    it('lifts a lock for admins, after which the user signs in', async () => {
      const user = await createUser(identity, { role: 'customer_user' });
      await failTimes(identity, user.username, 3);
      const unlocked = await identity.query<{ unlockUser: unknown }>(UNLOCK, { id: user.id }, ADMIN);
      expect(unlocked.body.errors).toBeUndefined();
      expect(unlocked.body.data?.unlockUser).toEqual({ id: user.id, failedLoginCount: 0, lockedUntil: null });
      expect(await lockoutRow(identity, user.id)).toMatchObject({ failed_login_count: 0, locked_until: null });
      expect(errorCodes(await login(identity, user.username, PASSWORD))).toEqual([]);
      // Unlocking an account that is not locked changes nothing and is no error.
      const again = await identity.query(UNLOCK, { id: user.id }, ADMIN);
      expect(again.body.errors).toBeUndefined();
    });

    it('is FORBIDDEN for an analyst (the lock stays), NOT_FOUND for an unknown id, BAD_USER_INPUT for a malformed one', async () => {
      const user = await createUser(identity, { role: 'analyst' });
      await failTimes(identity, user.username, 3);
      const byAnalyst = await identity.query(UNLOCK, { id: user.id }, analyst.principal);
      expect(errorCodes(byAnalyst)).toEqual(['FORBIDDEN']);
      expect((await lockoutRow(identity, user.id)).locked).toBe(true);
      const byUserItself = await identity.query(UNLOCK, { id: user.id }, user.principal);
      expect(errorCodes(byUserItself)).toEqual(['FORBIDDEN']);
      expect(errorCodes(await identity.query(UNLOCK, { id: user.id }))).toEqual(['UNAUTHENTICATED']);
      expect(errorCodes(await identity.query(UNLOCK, { id: '999999' }, ADMIN))).toEqual(['NOT_FOUND']);
      expect(errorCodes(await identity.query(UNLOCK, { id: 'abc' }, ADMIN))).toEqual(['BAD_USER_INPUT']);
      expect((await lockoutRow(identity, user.id)).locked).toBe(true);
    });
  });

  describe('who sees the lock', () => {
    let target: CreatedUser;
    let customerUser: CreatedUser;
    beforeAll(async () => {
      target = await createUser(identity, { role: 'analyst' });
      customerUser = await createUser(identity, { role: 'customer_user' });
      await failTimes(identity, target.username, 3);
    });

    const FIELDS = 'id failedLoginCount lockedUntil';
    const ENTITIES = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { ${FIELDS} } } }`;

    /** Every path to a User: me, users, user(id), and entity references by id and by username. */
    const paths = (user: CreatedUser) => [
      { name: 'me', query: `{ me { ${FIELDS} } }`, variables: {} },
      { name: 'users', query: `{ users(first: 100) { edges { node { ${FIELDS} } } } }`, variables: {} },
      { name: 'user', query: `query ($id: ID!) { user(id: $id) { ${FIELDS} } }`, variables: { id: user.id } },
      { name: '_entities by id', query: ENTITIES, variables: { r: [{ __typename: 'User', id: user.id }] } },
      {
        name: '_entities by username',
        query: ENTITIES,
        variables: { r: [{ __typename: 'User', username: user.username }] },
      },
    ];

    it('shows admins the count and the lock on every path', async () => {
      for (const { name, query, variables } of paths(target)) {
        const result = await identity.query(query, variables, ADMIN);
        expect({ name, errors: result.body.errors }).toEqual({ name, errors: undefined });
      }
      const read = await identity.query<{ user: { failedLoginCount: number; lockedUntil: string | null } }>(
        LOCKOUT,
        { id: target.id },
        ADMIN,
      );
      expect(read.body.data?.user).toEqual({ failedLoginCount: 3, lockedUntil: expect.any(String) });
    });

    it('hides them from everyone else on every path, the user itself included', async () => {
      let refusals = 0;
      for (const viewer of [analyst, customerUser]) {
        // The locked user cannot sign in, but a principal of it may still exist (a live session or key).
        for (const subject of [target, viewer]) {
          for (const { name, query, variables } of paths(subject)) {
            const result = await identity.query(query, variables, viewer.principal);
            const label = `${String(viewer.principal.role)} reading ${subject === viewer ? 'itself' : 'another'} via ${name}`;
            // Refused (users is admin-only as a whole, elsewhere the fields are), or the row is not
            // visible at all (a customer user sees no one else): never a value.
            const codes = errorCodes(result);
            expect({ label, codes: codes.filter((code) => code !== 'FORBIDDEN') }).toEqual({ label, codes: [] });
            expect({ label, data: JSON.stringify(result.body.data ?? null) }).toEqual({
              label,
              data: expect.not.stringMatching(/failedLoginCount|lockedUntil/),
            });
            if (codes.length) refusals += 1;
          }
        }
      }
      // Every read but the customer user's of another user (20 in all), which sees no row at all.
      expect(refusals).toBe(17);
    });
  });
});

describe('with a threshold above the burst', () => {
  let identity: TestSubgraph;
  beforeAll(async () => {
    identity = await startIdentity({ LOGIN_LOCKOUT_THRESHOLD: '50' });
  });
  afterAll(async () => identity?.stop());

  it('counts every one of 20 concurrent failures', async () => {
    const user = await createUser(identity, { role: 'analyst' });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => login(identity, user.username, `parallel-${i}`)),
    );
    expect(results.map(errorCodes)).toEqual(results.map(() => ['UNAUTHENTICATED']));
    expect(await lockoutRow(identity, user.id)).toMatchObject({ failed_login_count: 20, locked: false });
    // The subgraph still answers (counting never waits on the connections logins hold).
    expect(errorCodes(await login(identity, user.username, PASSWORD))).toEqual([]);
  });
});

describe('LoginLockout settings', () => {
  const settings = { LOGIN_LOCKOUT_WINDOW_SECONDS: 900, LOGIN_LOCKOUT_SECONDS: 900 };
  const lockedUser = {
    failedLoginCount: 10,
    lastFailedLoginAt: new Date(),
    lockedUntil: new Date(Date.now() + 60_000),
  };

  it('threshold 0 turns lockout off: nothing is counted and a stored lock is ignored', async () => {
    const lockout = new LoginLockout({ ...settings, LOGIN_LOCKOUT_THRESHOLD: 0 }, () => {
      throw new Error('no statement expected');
    });
    expect(lockout.enabled).toBe(false);
    await expect(lockout.recordFailure(1)).resolves.toBeNull();
    expect(lockout.isLocked(lockedUser)).toBe(false);
    expect(lockout.stateOf(lockedUser)).toEqual({ failedLoginCount: 0, lockedUntil: null });
  });

  it('reads the defaults: 10 failures within 900 seconds lock for 900 seconds', () => {
    const config = identityConfigFrom({
      INTERNAL_TOKEN_SECRET: 'x'.repeat(32),
      JWT_SECRET: 'y'.repeat(32),
      SECRETS_ENCRYPTION_KEY: TEST_SECRETS_KEY,
    });
    expect(config).toMatchObject({
      LOGIN_LOCKOUT_THRESHOLD: 10,
      LOGIN_LOCKOUT_WINDOW_SECONDS: 900,
      LOGIN_LOCKOUT_SECONDS: 900,
    });
  });
});
