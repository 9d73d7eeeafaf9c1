import { canonicalJson, chainHash, CHAINS, sign, type ChainName } from '@socgraph/audit';
import type { ColumnSpec, SeedDb } from './db';
import { pad, type SeedWorld, WINDOW_MS } from './plan';
import type { Rand } from './prng';

/**
 * audit's share: the audit trail and the auth events, each hash-chained exactly as the audit
 * subgraph chains them (its own canonical form, hash and signature, over CHAINS' payload
 * columns, so `verifyAuditChain` accepts them), plus API access-log lines.
 *
 * The chains are extended from their current head inside one transaction that holds the head
 * row FOR UPDATE (the caller's, see seedAudit), like every append: a running stack's appends wait, and nothing forks. Rows
 * are hashed here as they are generated, from the values verification reads back (timestamps
 * in milliseconds, inet as its text form, jsonb of strings, integers and booleans only, which
 * round-trip unchanged), and written with explicit seq values.
 */
// Resource types are the GraphQL type names the subgraphs record (their audit resource maps).
const ACTIONS: [action: string, resourceType: string, source: string][] = [
  ['updateAlert', 'Alert', 'incidents'],
  ['assignAlert', 'Alert', 'incidents'],
  ['addAlertComment', 'Alert', 'incidents'],
  ['createCase', 'Case', 'incidents'],
  ['linkAlertToCase', 'Case', 'incidents'],
  ['createTag', 'Tag', 'incidents'],
  ['updateCamera', 'Camera', 'surveillance'],
  ['reviewEvent', 'Event', 'surveillance'],
  ['executeAgent', 'AgentExecution', 'agents'],
  ['updateUser', 'User', 'identity'],
];
const STATUSES = ['OPEN', 'IN_PROGRESS', 'CLOSED'];
const AGENTS = [
  'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0',
  'Mozilla/5.0 (Macintosh) Safari/17.4',
  'socgraph-bench/1',
];

const iso = (ms: number): string => new Date(ms).toISOString();
const ip = (rand: Rand): string => `10.${rand.int(0, 255)}.${rand.int(0, 255)}.${rand.int(1, 254)}`;

/** One chain's rows: payload values as verification reads them, keyed by column. */
type Payload = Record<string, string | number | boolean | null | Record<string, unknown>>;

interface ChainWrite {
  chain: ChainName;
  /** Column types for the payload columns (and extra non-hashed columns). */
  types: Record<string, string>;
  /** Columns written but not hashed (auth events' processed_at). */
  extra: readonly string[];
  count: number;
  row: (i: number) => Payload;
}

async function writeChain(db: SeedDb, signingKey: string, write: ChainWrite): Promise<void> {
  const spec = CHAINS[write.chain];
  const [head] = await db.query<{ last_seq: string; last_hash: string }>(
    `SELECT last_seq::text AS last_seq, last_hash FROM audit.audit_chain_heads WHERE chain = $1 FOR UPDATE`,
    [write.chain],
  );
  if (!head) throw new Error(`Chain head ${write.chain} is missing: run the audit migrations`);
  const [stored] = await db.query<{ max: string }>(`SELECT coalesce(max(seq), 0)::text AS max FROM ${spec.table}`);
  // Past the head and past any row (a rolled-back append may have used a seq); seq stays under 2^53 here.
  const first = Math.max(Number(head.last_seq), Number(stored?.max ?? 0)) + 1;
  const columns = [...spec.payloadColumns, ...write.extra];
  const specs: ColumnSpec[] = [
    ...columns.map((c): ColumnSpec => {
      const type = write.types[c];
      if (!type) throw new Error(`seed: no type for ${spec.table}.${c} (a new chain column?)`);
      return [c, type];
    }),
    ['seq', 'bigint'],
    ['previous_hash', 'text'],
    [spec.hashColumn, 'text'],
    ['signature', 'text'],
  ];
  let previous = head.last_hash;
  await db.insert(spec.table, specs, write.count, (i) => {
    const row = write.row(i);
    const payload: Record<string, unknown> = {};
    for (const column of spec.payloadColumns) {
      if (!(column in row)) throw new Error(`seed: ${spec.table} row lacks ${column}`);
      payload[column] = row[column];
    }
    const linked = previous;
    previous = chainHash(linked, canonicalJson(payload));
    return [
      ...columns.map((c) => {
        const value = row[c];
        return value !== null && typeof value === 'object' ? JSON.stringify(value) : value;
      }),
      first + i,
      linked,
      previous,
      sign(signingKey, previous),
    ];
  });
  const last = first + write.count - 1;
  await db.query(`UPDATE audit.audit_chain_heads SET last_seq = $2, last_hash = $3 WHERE chain = $1`, [
    write.chain,
    last,
    previous,
  ]);
  await db.query(`SELECT setval(pg_get_serial_sequence($1, 'seq'), $2)`, [spec.table, last]);
}

/** Runs inside the caller's transaction (index.ts), which holds the chain heads' row locks until it commits. */
export async function seedAudit(db: SeedDb, world: SeedWorld, rand: Rand, signingKey: string): Promise<void> {
  const { plan, anchor } = world;
  const start = anchor - WINDOW_MS;
  const people = world.users;
  const staff = world.users.filter((u) => u.role === 'admin' || u.role === 'analyst');

  const entryStep = WINDOW_MS / plan.auditEntries;
  await writeChain(db, signingKey, {
    chain: 'AUDIT_LOG',
    types: {
      id: 'uuid',
      created_at: 'timestamptz',
      actor: 'text',
      action: 'text',
      resource_type: 'text',
      resource_id: 'text',
      status: 'text',
      before: 'jsonb',
      after: 'jsonb',
      details: 'jsonb',
      ip_address: 'inet',
      user_agent: 'text',
      request_id: 'text',
      source: 'text',
    },
    extra: [],
    count: plan.auditEntries,
    row: (i) => {
      const [action, resourceType, source] = rand.pick(ACTIONS);
      const from = rand.pick(STATUSES);
      const to = rand.pick(STATUSES);
      const failed = rand.chance(0.03);
      return {
        id: rand.uuid(),
        // Chronological in seq order, millisecond precision (what timestamptz(3) keeps).
        created_at: iso(Math.floor(start + (i + rand.float()) * entryStep)),
        actor: rand.pick(staff).username,
        action,
        resource_type: resourceType,
        resource_id: String(rand.int(1, Math.max(plan.alerts, plan.detections))),
        status: failed ? 'failure' : 'success',
        before: failed ? null : { status: from },
        after: failed ? null : { status: to },
        details: { operation: action, rows: 1, seeded: true },
        ip_address: ip(rand),
        user_agent: rand.pick(AGENTS),
        request_id: rand.hex(32),
        source,
      };
    },
  });

  const authStep = WINDOW_MS / plan.authEvents;
  await writeChain(db, signingKey, {
    chain: 'AUTH_EVENTS',
    types: {
      id: 'uuid',
      created_at: 'timestamptz',
      user_id: 'text',
      username: 'text',
      event_type: 'text',
      event_status: 'text',
      ip_address: 'inet',
      user_agent: 'text',
      device_fingerprint: 'text',
      location: 'jsonb',
      details: 'jsonb',
      risk_score: 'int',
      session_id: 'text',
      correlation_id: 'uuid',
      source: 'text',
      processed_at: 'timestamptz',
    },
    extra: ['processed_at'],
    count: plan.authEvents,
    row: (i) => {
      const user = rand.pick(people);
      const failed = rand.chance(0.1);
      const at = iso(Math.floor(start + (i + rand.float()) * authStep));
      return {
        id: rand.uuid(),
        created_at: at,
        user_id: String(user.id),
        username: user.username,
        event_type: failed ? 'LOGIN' : rand.pick(['LOGIN', 'LOGIN', 'LOGOUT', 'API_KEY_USED']),
        event_status: failed ? 'FAILURE' : 'SUCCESS',
        ip_address: ip(rand),
        user_agent: rand.pick(AGENTS),
        device_fingerprint: rand.hex(16),
        location: null,
        details: failed ? { reason: 'INVALID_CREDENTIALS' } : {},
        risk_score: failed ? rand.int(20, 80) : rand.int(0, 10),
        session_id: failed ? null : rand.hex(32),
        correlation_id: rand.uuid(),
        source: 'identity',
        processed_at: at,
      };
    },
  });

  const accessStep = WINDOW_MS / plan.accessLog;
  const operations = ['AlertQueue', 'CaseView', 'Me', 'AuditSearch', 'CameraWall', 'AgentLeaderboard'];
  await db.insert(
    'audit.api_access_log',
    [
      ['request_id', 'text'],
      ['created_at', 'timestamptz'],
      ['user_id', 'text'],
      ['username', 'text'],
      ['role', 'text'],
      ['operation_name', 'text'],
      ['operation_type', 'text'],
      ['response_status', 'int'],
      ['response_time_ms', 'int'],
      ['bytes_sent', 'int'],
      ['ip_address', 'inet'],
      ['user_agent', 'text'],
    ],
    plan.accessLog,
    (i) => {
      const user = rand.pick(people);
      return [
        `seed-${pad(i + 1, 10)}`,
        iso(Math.floor(start + (i + rand.float()) * accessStep)),
        String(user.id),
        user.username,
        user.role,
        rand.pick(operations),
        'query',
        rand.chance(0.98) ? 200 : 400,
        rand.int(2, 400),
        rand.int(200, 60_000),
        ip(rand),
        rand.pick(AGENTS),
      ];
    },
  );
}
