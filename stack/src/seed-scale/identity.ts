import { scrypt } from 'node:crypto';
import { hashApiKeySecret } from '@socgraph/identity';
import type { SeedDb } from './db';
import { DAY_MS, pad, type SeedPlan, type SeedUser, type SeedWorld, WINDOW_MS } from './plan';
import type { Rand } from './prng';

/**
 * identity's share: customers, the seeded logins and their customer and tag access, a credit
 * grant each (the ledger trigger adds it to the balance) and partner API keys. The rest of the
 * ledger follows the agents' executions (billing.ts).
 *
 * Logins: `seed_admin`, `seed_auditor`, `seed_analyst_0001`... and `seed_customer_0001`...,
 * all with the one password given to the seed. Every third analyst (0001, 0004, ...) has no
 * customer list (analysts without one see every customer); the others see two customers. Every
 * analyst has two or three tags; customer users see one customer each.
 */
export function buildWorld(plan: SeedPlan, rand: Rand, anchor: number): SeedWorld {
  const customerCodes = Array.from({ length: plan.customers }, (_, i) => `CUST${pad(i + 1)}`);
  const tagIds = Array.from({ length: plan.tags }, (_, i) => i + 1);
  const users: SeedUser[] = [];
  const add = (username: string, role: SeedUser['role'], customers: string[], tags: number[]) =>
    users.push({ id: users.length + 1, username, role, customerCodes: customers, tagIds: tags });
  add('seed_admin', 'admin', [], []);
  add('seed_auditor', 'auditor', [], []);
  for (let i = 0; i < plan.analysts; i++) {
    const customers = i % 3 === 0 ? [] : rand.pickDistinct(customerCodes, 2).sort();
    add(
      `seed_analyst_${pad(i + 1)}`,
      'analyst',
      customers,
      rand.pickDistinct(tagIds, rand.int(2, 3)).sort((a, b) => a - b),
    );
  }
  for (let i = 0; i < plan.customerUsers; i++) {
    add(`seed_customer_${pad(i + 1)}`, 'customer_user', [customerCodes[i % customerCodes.length]!], []);
  }
  return {
    plan,
    anchor,
    customerCodes,
    tagIds,
    users,
    analysts: users.filter((u) => u.role === 'analyst'),
    customerUsers: users.filter((u) => u.role === 'customer_user'),
  };
}

/**
 * identity's `scrypt$N$r$p$salt$hash` (subgraphs/identity/src/services/password.ts, which
 * verifies it at login), with a salt from the seed's stream so the row is the same every run.
 * One hash for every seeded login: they share the password anyway.
 */
function seededPasswordHash(password: string, cost: number, salt: Buffer): Promise<string> {
  const r = 8;
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, 64, { N: cost, r, p: 1, maxmem: 256 * cost * r }, (err, key) =>
      err
        ? reject(err)
        : resolve(['scrypt', cost, r, 1, salt.toString('base64url'), key.toString('base64url')].join('$')),
    ),
  );
}

const CUSTOMER_NAMES = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark', 'Wayne', 'Tyrell', 'Cyberdyne'];

/** A seeded partner key with its secret (the row keeps only the hash); printed only when asked. */
export interface SeededApiKey {
  id: string;
  owner: string;
  clientName: string;
  secret: string;
  persistedOnly: boolean;
  /** Revoked keys are refused by the gateway like any other. */
  revoked: boolean;
}

/** identity's key format (api-key.service.ts): `sgk_` and 256 random bits, the first 12 characters shown. */
const KEY_PREFIX_LENGTH = 12;
const CLIENTS = ['SIEM bridge', 'Ticketing sync', 'SOAR playbooks', 'Reporting export', 'Partner portal'];

export async function seedIdentity(
  db: SeedDb,
  world: SeedWorld,
  rand: Rand,
  options: { password: string; scryptCost: number },
): Promise<SeededApiKey[]> {
  const { anchor } = world;
  const createdAt = new Date(anchor - WINDOW_MS).toISOString();
  await db.insert(
    'identity.customers',
    [
      ['id', 'int'],
      ['customer_code', 'text'],
      ['customer_name', 'text'],
      ['contact_name', 'text'],
      ['phone', 'text'],
      ['address', 'text'],
      ['created_at', 'timestamptz'],
    ],
    world.customerCodes.length,
    (i) => [
      i + 1,
      world.customerCodes[i],
      `${CUSTOMER_NAMES[i % CUSTOMER_NAMES.length]} ${pad(i + 1)}`,
      `Contact ${pad(i + 1)}`,
      `+1 555 ${pad(i % 10000)}`,
      `${i + 1} Seed Street`,
      createdAt,
    ],
  );
  await db.syncSequence('identity.customers');

  const roles = new Map(
    (await db.query<{ id: number; name: string }>(`SELECT id, name FROM identity.roles`)).map((r) => [r.name, r.id]),
  );
  const hash = await seededPasswordHash(options.password, options.scryptCost, Buffer.from(rand.hex(32), 'hex'));
  await db.insert(
    'identity.users',
    [
      ['id', 'int'],
      ['username', 'text'],
      ['email', 'text'],
      ['password_hash', 'text'],
      ['role_id', 'int'],
      ['credit_balance_cents', 'int'],
      ['created_at', 'timestamptz'],
    ],
    world.users.length,
    (i) => {
      const u = world.users[i]!;
      const role = roles.get(u.role);
      if (role === undefined) throw new Error(`Role ${u.role} missing: run the identity migrations`);
      // Zero here, the grant below: the opening-entry trigger would give the ledger a random id.
      return [u.id, u.username, `${u.username}@seed.socgraph.local`, hash, role, 0, createdAt];
    },
  );
  await db.syncSequence('identity.users');

  const customerAccess = world.users.flatMap((u) => u.customerCodes.map((code) => [u.id, code] as const));
  await db.insert(
    'identity.user_customer_access',
    [
      ['id', 'int'],
      ['user_id', 'int'],
      ['customer_code', 'text'],
      ['created_at', 'timestamptz'],
    ],
    customerAccess.length,
    (i) => [i + 1, customerAccess[i]![0], customerAccess[i]![1], createdAt],
  );
  await db.syncSequence('identity.user_customer_access');
  const tagAccess = world.users.flatMap((u) => u.tagIds.map((tag) => [u.id, tag] as const));
  await db.insert(
    'identity.user_tag_access',
    [
      ['id', 'int'],
      ['user_id', 'int'],
      ['tag_id', 'int'],
      ['created_at', 'timestamptz'],
    ],
    tagAccess.length,
    (i) => [i + 1, tagAccess[i]![0], tagAccess[i]![1], createdAt],
  );
  await db.syncSequence('identity.user_tag_access');

  await db.insert(
    'identity.transactions',
    [
      ['id', 'text'],
      ['user_id', 'int'],
      ['type', 'text'],
      ['amount_cents', 'int'],
      ['status', 'text'],
      ['description', 'text'],
      ['created_by', 'text'],
      ['created_at', 'timestamptz'],
      ['updated_at', 'timestamptz'],
    ],
    world.users.length,
    (i) => [
      rand.uuid(),
      world.users[i]!.id,
      'grant',
      1_000_000,
      'completed',
      'Seed credit',
      'seed',
      createdAt,
      createdAt,
    ],
  );

  return seedApiKeys(db, world, rand.fork('api-keys'));
}

/**
 * Partner API keys of the key-holding roles (analysts and customer users; never the auditor),
 * round-robin so no owner comes near API_KEYS_PER_USER. Every key expires a year after it was
 * made (API_KEY_MAX_TTL_DAYS); every tenth (the third, 13th, ...) is revoked and every fifth
 * (the second, 7th, ...) may send any operation, the rest persisted ones only, so even the
 * smallest scale has each kind.
 */
async function seedApiKeys(db: SeedDb, world: SeedWorld, rand: Rand): Promise<SeededApiKey[]> {
  const owners = [...world.analysts, ...world.customerUsers];
  const admin = world.users.find((u) => u.role === 'admin')!.username;
  const start = world.anchor - WINDOW_MS;
  const keys: (SeededApiKey & { userId: number; created: number; revokedAt: number | null; used: number | null })[] =
    [];
  for (let i = 0; i < world.plan.apiKeys; i++) {
    const owner = owners[i % owners.length]!;
    const created = start + rand.int(0, WINDOW_MS - DAY_MS);
    const revoked = i % 10 === 2;
    const used = rand.chance(0.7) ? created + rand.int(60_000, world.anchor - created) : null;
    keys.push({
      id: rand.uuid(),
      userId: owner.id,
      owner: owner.username,
      clientName: `${rand.pick(CLIENTS)} ${pad(i + 1)}`,
      secret: `sgk_${Buffer.from(rand.hex(64), 'hex').toString('base64url')}`,
      persistedOnly: i % 5 !== 1,
      revoked,
      created,
      revokedAt: revoked ? created + rand.int(60_000, world.anchor - created) : null,
      used,
    });
  }
  await db.insert(
    'identity.api_keys',
    [
      ['id', 'uuid'],
      ['user_id', 'int'],
      ['client_name', 'text'],
      ['key_prefix', 'text'],
      ['secret_hash', 'text'],
      ['persisted_only', 'bool'],
      ['created_at', 'timestamptz'],
      ['last_used_at', 'timestamptz'],
      ['revoked_at', 'timestamptz'],
      ['revoked_by', 'text'],
      ['expires_at', 'timestamptz'],
    ],
    keys.length,
    (i) => {
      const k = keys[i]!;
      return [
        k.id,
        k.userId,
        k.clientName,
        k.secret.slice(0, KEY_PREFIX_LENGTH),
        hashApiKeySecret(k.secret),
        k.persistedOnly,
        new Date(k.created).toISOString(),
        k.used === null ? null : new Date(k.used).toISOString(),
        k.revokedAt === null ? null : new Date(k.revokedAt).toISOString(),
        k.revokedAt === null ? null : admin,
        new Date(k.created + 365 * DAY_MS).toISOString(),
      ];
    },
  );
  return keys.map(({ id, owner, clientName, secret, persistedOnly, revoked }) => ({
    id,
    owner,
    clientName,
    secret,
    persistedOnly,
    revoked,
  }));
}
