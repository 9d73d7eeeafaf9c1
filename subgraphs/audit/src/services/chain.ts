import type { EntityManager } from 'typeorm';
import { canonicalJson, chainHash, GENESIS_HASH, sign } from './canonical';

export type ChainName = 'AUDIT_LOG' | 'AUTH_EVENTS';

/** A row as read back for hashing; the payload columns differ per chain. */
export type ChainRow = Record<string, unknown> & { id: string; seq: string };

interface ChainSpec {
  table: string;
  hashColumn: string;
  /** The payload columns the hash covers (everything but seq and the chain columns). */
  payloadColumns: readonly string[];
}

export const CHAINS: Record<ChainName, ChainSpec> = {
  AUDIT_LOG: {
    table: 'audit.audit_logs',
    hashColumn: 'hash',
    payloadColumns: [
      'id',
      'created_at',
      'actor',
      'action',
      'resource_type',
      'resource_id',
      'status',
      'before',
      'after',
      'details',
      'ip_address',
      'user_agent',
      'request_id',
      'source',
    ],
  },
  AUTH_EVENTS: {
    table: 'audit.auth_audit_log',
    hashColumn: 'blockchain_hash',
    payloadColumns: [
      'id',
      'created_at',
      'user_id',
      'username',
      'event_type',
      'event_status',
      'ip_address',
      'user_agent',
      'device_fingerprint',
      'location',
      'details',
      'risk_score',
      'session_id',
      'correlation_id',
      'source',
    ],
  },
};

// seq is read as text (bigint exceeds JS numbers), so ORDER BY names t.seq, not the text alias.
// The text form of inet (PostgreSQL's own normalisation) is what gets hashed, on write and on verify.
const selectList = (spec: ChainSpec): string =>
  spec.payloadColumns.map((c) => (c === 'ip_address' ? 'host(ip_address) AS ip_address' : c)).join(', ');

function canonicalOf(spec: ChainSpec, row: Record<string, unknown>): string {
  const payload: Record<string, unknown> = {};
  for (const column of spec.payloadColumns) payload[column] = row[column];
  return canonicalJson(payload);
}

const BATCH = 1000;

/**
 * Appends entries to a chain. The chain-head row is locked FOR UPDATE, so appends are
 * serialised and never fork; ids already stored are skipped (redelivery stores nothing and does
 * not extend the chain). `insert` writes the new rows without chain columns; they are then
 * read back (as verification will read them), hashed in seq order and signed.
 */
export async function appendToChain(
  tx: EntityManager,
  chain: ChainName,
  signingKey: string,
  ids: readonly string[],
  insert: (newIds: ReadonlySet<string>) => Promise<void>,
): Promise<ChainRow[]> {
  const spec = CHAINS[chain];
  const [head] = (await tx.query(
    `SELECT last_seq::text AS last_seq, last_hash FROM audit.audit_chain_heads WHERE chain = $1 FOR UPDATE`,
    [chain],
  )) as { last_seq: string; last_hash: string }[];
  if (!head) throw new Error(`Chain head ${chain} is missing`);
  const existing = (await tx.query(`SELECT id FROM ${spec.table} WHERE id = ANY($1::uuid[])`, [ids])) as {
    id: string;
  }[];
  const known = new Set(existing.map((r) => r.id));
  const newIds = new Set(ids.filter((id) => !known.has(id)));
  if (newIds.size === 0) return [];
  await insert(newIds);
  const rows = (await tx.query(
    `SELECT ${selectList(spec)}, seq::text AS seq FROM ${spec.table} t WHERE id = ANY($1::uuid[]) ORDER BY t.seq`,
    [[...newIds]],
  )) as ChainRow[];
  let previous = head.last_hash;
  const hashes: string[] = [];
  const previousHashes: string[] = [];
  for (const row of rows) {
    previousHashes.push(previous);
    previous = chainHash(previous, canonicalOf(spec, row));
    hashes.push(previous);
  }
  await tx.query(
    `UPDATE ${spec.table} t SET previous_hash = u.prev, ${spec.hashColumn} = u.hash, signature = u.sig
     FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS u(id, prev, hash, sig) WHERE t.id = u.id`,
    [rows.map((r) => r.id), previousHashes, hashes, hashes.map((h) => sign(signingKey, h))],
  );
  await tx.query(`UPDATE audit.audit_chain_heads SET last_seq = $2, last_hash = $3 WHERE chain = $1`, [
    chain,
    rows.at(-1)?.seq ?? head.last_seq,
    previous,
  ]);
  return rows;
}

export interface ChainVerification {
  valid: boolean;
  checked: number;
  firstBrokenId: string | null;
}

/** Where a walk starts: after this seq, linking to this hash. */
interface WalkStart {
  afterSeq: string;
  previous: string;
  /** Set when starting from the last verification: that row must still carry this hash. */
  anchor: { seq: string; hash: string } | null;
}

/**
 * The latest of the retention checkpoint (rows before it are gone) and, unless `full`, the last
 * successful verification (rows before it were checked then).
 */
async function walkStart(tx: EntityManager, chain: ChainName, full: boolean): Promise<WalkStart> {
  const [pruned] = (await tx.query(
    `SELECT pruned_through_seq::text AS seq, last_pruned_hash AS hash FROM audit.audit_chain_checkpoints
     WHERE chain = $1 ORDER BY pruned_through_seq DESC LIMIT 1`,
    [chain],
  )) as { seq: string; hash: string }[];
  const retention: WalkStart = { afterSeq: pruned?.seq ?? '0', previous: pruned?.hash ?? GENESIS_HASH, anchor: null };
  if (full) return retention;
  const [verified] = (await tx.query(
    `SELECT verified_through_seq::text AS seq, verified_hash AS hash FROM audit.audit_chain_verifications
     WHERE chain = $1`,
    [chain],
  )) as { seq: string; hash: string }[];
  if (!verified || BigInt(verified.seq) <= BigInt(retention.afterSeq)) return retention;
  return { afterSeq: verified.seq, previous: verified.hash, anchor: verified };
}

/**
 * Walks a chain up to the head as it was when the walk began, in batches: each row must link
 * to the previous hash, hash to its stored hash, and carry a valid signature; the walk must end
 * at the head (a deleted tail is a break too). By default it starts where the last successful
 * verification ended (so a call costs the rows appended since; the row it ended on must still
 * carry the hash it had), else at the retention checkpoint; `full` always walks from there, to
 * catch an edit of rows already verified.
 */
export async function verifyChain(
  tx: EntityManager,
  chain: ChainName,
  signingKey: string,
  full = false,
): Promise<ChainVerification & { through: { seq: string; hash: string } }> {
  const spec = CHAINS[chain];
  const [head] = (await tx.query(
    `SELECT last_seq::text AS last_seq, last_hash FROM audit.audit_chain_heads WHERE chain = $1`,
    [chain],
  )) as { last_seq: string; last_hash: string }[];
  const start = await walkStart(tx, chain, full);
  let { afterSeq, previous } = start;
  let checked = 0;
  const headSeq = head?.last_seq ?? '0';
  const through = () => ({ seq: afterSeq, hash: previous });
  if (start.anchor) {
    const [row] = (await tx.query(`SELECT id, ${spec.hashColumn} AS hash FROM ${spec.table} WHERE seq = $1`, [
      start.anchor.seq,
    ])) as { id: string; hash: string | null }[];
    if (row?.hash !== start.anchor.hash) {
      return { valid: false, checked, firstBrokenId: row?.id ?? null, through: through() };
    }
  }
  for (;;) {
    const rows = (await tx.query(
      `SELECT ${selectList(spec)}, seq::text AS seq, previous_hash, ${spec.hashColumn} AS hash, signature
       FROM ${spec.table} t WHERE t.seq > $1 AND t.seq <= $2 ORDER BY t.seq LIMIT ${BATCH}`,
      [afterSeq, headSeq],
    )) as (ChainRow & { previous_hash: string | null; hash: string | null; signature: string | null })[];
    for (const row of rows) {
      checked += 1;
      const expected = chainHash(previous, canonicalOf(spec, row));
      if (row.previous_hash !== previous || row.hash !== expected || row.signature !== sign(signingKey, expected)) {
        return { valid: false, checked, firstBrokenId: row.id, through: through() };
      }
      previous = expected;
      afterSeq = row.seq;
    }
    if (rows.length < BATCH) break;
  }
  const valid = previous === (head?.last_hash ?? GENESIS_HASH);
  return { valid, checked, firstBrokenId: null, through: through() };
}

/**
 * Records a walk's outcome, outside its snapshot transaction. Intact: how far, only forward (a
 * slower concurrent walk that ended earlier does not move it back). Broken: the checkpoint is
 * dropped, so every later walk starts from the retention checkpoint and reports the break too.
 */
export async function recordVerification(
  queryable: { query: (sql: string, params?: unknown[]) => Promise<unknown> },
  chain: ChainName,
  outcome: { valid: boolean; through: { seq: string; hash: string } },
): Promise<void> {
  const { through } = outcome;
  if (!outcome.valid) {
    await queryable.query(`DELETE FROM audit.audit_chain_verifications WHERE chain = $1`, [chain]);
    return;
  }
  if (through.seq === '0') return;
  await queryable.query(
    `INSERT INTO audit.audit_chain_verifications (chain, verified_through_seq, verified_hash)
     VALUES ($1, $2, $3)
     ON CONFLICT (chain) DO UPDATE SET verified_through_seq = EXCLUDED.verified_through_seq,
       verified_hash = EXCLUDED.verified_hash, verified_at = now()
     WHERE audit.audit_chain_verifications.verified_through_seq < EXCLUDED.verified_through_seq`,
    [chain, through.seq, through.hash],
  );
}
