import {
  badUserInput,
  conflict,
  describeAuditEntry,
  isService,
  isUniqueViolation,
  orNotFound,
  parseIntId,
  requireAdmin,
  ScopedService,
  withoutChangeCapture,
} from '@socgraph/shared';
import type { EntityManager } from 'typeorm';
import type { AuditScope } from '../context';
import { RetentionPolicyEntity, type RetentionPolicyRow } from '../entities';
import { CHAINS, type ChainName } from './chain';
import { requireAuditReader } from './input';

/** The tables retention may prune or archive, each by created_at; chained ones keep a checkpoint. */
const PRUNABLE: Record<string, ChainName | null> = {
  audit_logs: 'AUDIT_LOG',
  auth_audit_log: 'AUTH_EVENTS',
  api_access_log: null,
  rate_limit_violations: null,
  security_events: null,
  network_traffic: null,
  data_validation_log: null,
  logs: null,
};

export interface RetentionPolicyInput {
  tableName: string;
  retentionPeriodDays: number;
  archiveAfterDays?: number | null;
  deleteAfterDays?: number | null;
  isActive?: boolean | null;
}

export interface RetentionResult {
  tableName: string;
  /** Rows (hot or archived) created before this are deleted. */
  cutoff: Date;
  /** Rows created before this (and not deleted) move to the archive; null when the policy does not archive. */
  archiveCutoff: Date | null;
  /** Rows deleted from the table directly plus archived rows purged. */
  deleted: number;
  archived: number;
  dryRun: boolean;
}

/** Derived columns left out of archived copies (rebuilt from the row if it is ever restored). */
const NOT_ARCHIVED: Record<string, readonly string[]> = { logs: ['search_vector'] };

const DAY_MS = 86_400_000;

function days(value: number | null | undefined, field: string): number | null {
  if (value === null || value === undefined) return null;
  if (!Number.isInteger(value) || value < 1 || value > 36_500) throw badUserInput(`${field} must be 1..36500`, field);
  return value;
}

function validPolicy(input: RetentionPolicyInput) {
  if (!Object.hasOwn(PRUNABLE, input.tableName)) {
    throw badUserInput(`tableName must be one of ${Object.keys(PRUNABLE).join(', ')}`, 'input.tableName');
  }
  const policy = {
    tableName: input.tableName,
    retentionPeriodDays: days(input.retentionPeriodDays, 'input.retentionPeriodDays') ?? 1,
    archiveAfterDays: days(input.archiveAfterDays, 'input.archiveAfterDays'),
    deleteAfterDays: days(input.deleteAfterDays, 'input.deleteAfterDays'),
    isActive: input.isActive ?? true,
  };
  // Archiving at or after deletion would archive nothing: refuse it rather than store a no-op.
  const deleteDays = policy.deleteAfterDays ?? policy.retentionPeriodDays;
  if (policy.archiveAfterDays !== null && policy.archiveAfterDays >= deleteDays) {
    throw badUserInput(
      `archiveAfterDays must be less than ${policy.deleteAfterDays !== null ? 'deleteAfterDays' : 'retentionPeriodDays'}`,
      'input.archiveAfterDays',
    );
  }
  return policy;
}

/** What one policy does now: delete before `deleteCutoff`, archive the rest before `archiveCutoff`. */
interface RetentionPlan {
  table: string;
  deleteCutoff: Date;
  archiveCutoff: Date | null;
}

function planOf(policy: RetentionPolicyRow, now: number): RetentionPlan {
  const deleteDays = policy.deleteAfterDays ?? policy.retentionPeriodDays;
  // A policy stored before archive-after was validated may not archive earlier than it deletes: it only deletes.
  const archiveDays =
    policy.archiveAfterDays !== null && policy.archiveAfterDays < deleteDays ? policy.archiveAfterDays : null;
  return {
    table: policy.tableName,
    deleteCutoff: new Date(now - deleteDays * DAY_MS),
    archiveCutoff: archiveDays === null ? null : new Date(now - archiveDays * DAY_MS),
  };
}

interface Counts {
  deleted: number;
  archived: number;
}

/** Retention policies (admin CRUD) and the run that enforces them. */
export class RetentionService extends ScopedService<AuditScope> {
  list(): Promise<RetentionPolicyRow[]> {
    requireAuditReader(this.principal);
    return this.dataSource.getRepository(RetentionPolicyEntity).find({ order: { tableName: 'ASC' } });
  }

  async create(input: RetentionPolicyInput): Promise<RetentionPolicyRow> {
    requireAdmin(this.principal);
    const repo = this.dataSource.getRepository(RetentionPolicyEntity);
    try {
      const saved = await repo.save(validPolicy(input));
      return repo.findOneByOrFail({ id: saved.id });
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`A policy for ${input.tableName} exists already`);
      throw error;
    }
  }

  async update(id: string, input: RetentionPolicyInput): Promise<RetentionPolicyRow> {
    requireAdmin(this.principal);
    const found = await this.require(id);
    const repo = this.dataSource.getRepository(RetentionPolicyEntity);
    try {
      await repo.update({ id: found.id }, validPolicy(input));
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`A policy for ${input.tableName} exists already`);
      throw error;
    }
    return repo.findOneByOrFail({ id: found.id });
  }

  async remove(id: string): Promise<boolean> {
    requireAdmin(this.principal);
    const found = await this.require(id);
    await this.dataSource.getRepository(RetentionPolicyEntity).delete({ id: found.id });
    return true;
  }

  /**
   * Applies every active policy (admin, or the scheduler's service principal): rows past
   * delete-after (or retention) days are deleted, whether hot or archived; younger rows past
   * archive-after days move to audit.retention_archive. A dry run only counts. Each policy
   * runs in a transaction of its own (a savepoint inside the run's request transaction).
   */
  async run(dryRun: boolean): Promise<RetentionResult[]> {
    if (!isService(this.principal)) requireAdmin(this.principal);
    const policies = await this.dataSource
      .getRepository(RetentionPolicyEntity)
      .find({ where: { isActive: true }, order: { tableName: 'ASC' } });
    const now = Date.now();
    const results: RetentionResult[] = [];
    for (const policy of policies) {
      const plan = planOf(policy, now);
      const chain = PRUNABLE[policy.tableName];
      const counts = await this.dataSource.transaction(async (tx) => {
        const moved = await withoutChangeCapture(tx, async () => {
          const hot = chain ? await pruneChain(tx, chain, plan, dryRun) : await pruneTable(tx, plan, dryRun);
          const purged = await purgeArchive(tx, plan, dryRun);
          return { deleted: hot.deleted + purged, archived: hot.archived };
        });
        if (!dryRun) {
          await tx.query(`UPDATE audit.data_retention_policies SET last_cleanup_at = now() WHERE id = $1`, [policy.id]);
        }
        return moved;
      });
      results.push({
        tableName: policy.tableName,
        cutoff: plan.deleteCutoff,
        archiveCutoff: plan.archiveCutoff,
        ...counts,
        dryRun,
      });
    }
    // The run's audit entry (mutation or scheduled) says what it did per table; the rows themselves are not captured.
    describeAuditEntry({ resourceType: 'RetentionRun', resourceId: null, details: { dryRun, results } });
    return results;
  }

  private async require(id: string): Promise<RetentionPolicyRow> {
    const n = parseIntId(id);
    const row = n === null ? null : await this.dataSource.getRepository(RetentionPolicyEntity).findOneBy({ id: n });
    return orNotFound(row, 'RetentionPolicy', id);
  }
}

async function count(tx: EntityManager, sql: string, params: unknown[]): Promise<number> {
  const [row] = (await tx.query(sql, params)) as { n: number }[];
  return row?.n ?? 0;
}

/** row_data: the whole row as JSON, less derived columns. */
function rowJson(table: string, alias: string): string {
  const dropped = NOT_ARCHIVED[table] ?? [];
  return dropped.length
    ? `to_jsonb(${alias}) - ARRAY[${dropped.map((c) => `'${c}'`).join(', ')}]`
    : `to_jsonb(${alias})`;
}

/** Moves the rows of `table` matching `where` into the archive in one statement; returns how many. */
function archiveRows(
  tx: EntityManager,
  table: string,
  where: string,
  params: unknown[],
  order: string,
): Promise<number> {
  return count(
    tx,
    `WITH moved AS (DELETE FROM audit.${table} WHERE ${where} RETURNING *),
          stored AS (
            INSERT INTO audit.retention_archive (table_name, row_id, created_at, row_data)
            SELECT '${table}', m.id::text, m.created_at, ${rowJson(table, 'm')} FROM moved m ORDER BY ${order}
            RETURNING 1)
     SELECT count(*)::int AS n FROM stored`,
    params,
  );
}

/** Unchained tables: delete rows past the delete cutoff, then archive those past the archive cutoff. */
async function pruneTable(tx: EntityManager, plan: RetentionPlan, dryRun: boolean): Promise<Counts> {
  const { table, deleteCutoff, archiveCutoff } = plan;
  if (dryRun) {
    const deleted = await count(tx, `SELECT count(*)::int AS n FROM audit.${table} WHERE created_at < $1`, [
      deleteCutoff,
    ]);
    const archived = archiveCutoff
      ? await count(tx, `SELECT count(*)::int AS n FROM audit.${table} WHERE created_at >= $1 AND created_at < $2`, [
          deleteCutoff,
          archiveCutoff,
        ])
      : 0;
    return { deleted, archived };
  }
  // Past delete-after and never archived: straight out.
  const deleted = await count(
    tx,
    `WITH gone AS (DELETE FROM audit.${table} WHERE created_at < $1 RETURNING 1) SELECT count(*)::int AS n FROM gone`,
    [deleteCutoff],
  );
  const archived = archiveCutoff ? await archiveRows(tx, table, 'created_at < $1', [archiveCutoff], 'm.id') : 0;
  return { deleted, archived };
}

/** Archived rows of the policy's table past the delete cutoff are deleted. */
function purgeArchive(tx: EntityManager, plan: RetentionPlan, dryRun: boolean): Promise<number> {
  return count(
    tx,
    dryRun
      ? `SELECT count(*)::int AS n FROM audit.retention_archive WHERE table_name = $1 AND created_at < $2`
      : `WITH gone AS (DELETE FROM audit.retention_archive WHERE table_name = $1 AND created_at < $2 RETURNING 1)
         SELECT count(*)::int AS n FROM gone`,
    [plan.table, plan.deleteCutoff],
  );
}

/**
 * Prunes only a prefix of the chain (rows up to the first one still inside the archive, or
 * else the delete, period), under the chain lock, and first records a checkpoint of the last
 * pruned hash so verification resumes from it. Within the prefix, rows past the delete cutoff
 * are deleted and the rest archived, with their seq and hashes in row_data.
 */
async function pruneChain(tx: EntityManager, chain: ChainName, plan: RetentionPlan, dryRun: boolean): Promise<Counts> {
  const { table, hashColumn } = CHAINS[chain];
  const edge = plan.archiveCutoff ?? plan.deleteCutoff;
  await tx.query(`SELECT 1 FROM audit.audit_chain_heads WHERE chain = $1 FOR UPDATE`, [chain]);
  const [last] = (await tx.query(
    `SELECT t.seq::text AS seq, t.${hashColumn} AS hash FROM ${table} t
     WHERE t.seq < coalesce((SELECT min(k.seq) FROM ${table} k WHERE k.created_at >= $1), 9223372036854775807)
     ORDER BY t.seq DESC LIMIT 1`,
    [edge],
  )) as { seq: string; hash: string }[];
  if (!last) return { deleted: 0, archived: 0 };
  const [split] = (await tx.query(
    `SELECT count(*) FILTER (WHERE created_at < $2)::int AS deleted, count(*) FILTER (WHERE created_at >= $2)::int AS archived
     FROM ${table} WHERE seq <= $1`,
    [last.seq, plan.deleteCutoff],
  )) as Counts[];
  const counts = split ?? { deleted: 0, archived: 0 };
  if (dryRun || counts.deleted + counts.archived === 0) return counts;
  await tx.query(
    `INSERT INTO audit.audit_chain_checkpoints (chain, pruned_through_seq, last_pruned_hash, pruned_count)
     VALUES ($1, $2, $3, $4)`,
    [chain, last.seq, last.hash, counts.deleted + counts.archived],
  );
  const bare = table.replace(/^audit\./, '');
  if (counts.archived > 0) {
    await archiveRows(tx, bare, 'seq <= $1 AND created_at >= $2', [last.seq, plan.deleteCutoff], 'm.seq');
  }
  await tx.query(`DELETE FROM ${table} WHERE seq <= $1`, [last.seq]);
  return counts;
}
