import type { TestSubgraph } from '@socgraph/testkit';
import { testPrincipal } from '@socgraph/testkit';
import { seedIdentityDemo } from '../src/seed';
import { startIdentity } from './support';

let identity: TestSubgraph;

beforeAll(async () => {
  identity = await startIdentity();
  await seedIdentityDemo(identity.dataSource, { password: 'demo password 1', env: { PASSWORD_SCRYPT_COST: '1024' } });
});
afterAll(async () => identity?.stop());

it('gives every demo user credits and a billing history whose ledger sums to the balance', async () => {
  const users = (await identity.dataSource.query(
    `SELECT u.id, u.username, u.credit_balance_cents AS balance,
            (SELECT sum(amount_cents)::int FROM identity.transactions t WHERE t.user_id = u.id) AS ledger
       FROM identity.users u ORDER BY u.id`,
  )) as { id: number; username: string; balance: number; ledger: number }[];
  expect(users.length).toBeGreaterThanOrEqual(4);
  for (const user of users) {
    expect(user.balance).toBe(6850);
    expect(user.ledger).toBe(user.balance);
    const result = await identity.query<{
      me: { creditBalance: number; transactions: { totalCount: number }; mandates: { history: unknown[] }[] };
    }>(
      `{ me { creditBalance transactions { totalCount } mandates { history { field } } } }`,
      {},
      testPrincipal({ userId: String(user.id), username: user.username, role: 'customer_user' }),
    );
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data?.me.creditBalance).toBe(6850);
    expect(result.body.data?.me.transactions.totalCount).toBe(6);
    expect(result.body.data?.me.mandates[0]?.history).toHaveLength(3);
  }
});
