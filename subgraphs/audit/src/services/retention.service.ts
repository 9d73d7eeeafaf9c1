import {
  badUserInput,
  conflict,
  isService,
  isUniqueViolation,
  orNotFound,
  parseIntId,
  requireAdmin,
  ScopedService,
} from '@socgraph/shared';
import type { EntityManager } from 'typeorm';
import type { AuditScope } from '../context';
import { RetentionPolicyEntity, type RetentionPolicyRow } from '../entities';
import { CHAINS, type ChainName } from './chain';
import { requireAuditReader } from './input';

/** The tables retention may prune, each by created_at; chained ones keep a checkpoint. */
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
  cutoff: Date;
  deleted: number;
  dryRun: boolean;
}

function days(value: number | null | undefined, field: string): number | null {
  if (value === null || value === undefined) return null;
  if (!Number.isInteger(value) || value < 1 || value > 36_500) throw badUserInput(`${field} must be 1..36500`, field);
  return value;
}

function validPolicy(input: RetentionPolicyInput) {
  if (!Object.hasOwn(PRUNABLE, input.tableName)) {
    throw badUserInput(`tableName must be one of ${Object.keys(PRUNABLE).join(', ')}`, 'input.tableName');
  }
  return {
    tableName: input.tableName,
    retentionPeriodDays: days(input.retentionPeriodDays, 'input.retentionPeriodDays') ?? 1,
    archiveAfterDays: days(input.archiveAfterDays, 'input.archiveAfterDays'),
    deleteAfterDays: days(input.deleteAfterDays, 'input.deleteAfterDays'),
    isActive: input.isActive ?? true,
  };
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

  /** Applies every active policy (admin, or the scheduler's service principal); a dry run only counts. */
  async run(dryRun: boolean): Promise<RetentionResult[]> {
    if (!isService(this.principal)) requireAdmin(this.principal);
    const policies = await this.dataSource
      .getRepository(RetentionPolicyEntity)
      .find({ where: { isActive: true }, order: { tableName: 'ASC' } });
    const results: RetentionResult[] = [];
    for (const policy of policies) {
      const keepDays = policy.deleteAfterDays ?? policy.retentionPeriodDays;
      const cutoff = new Date(Date.now() - keepDays * 86_400_000);
      const chain = PRUNABLE[policy.tableName];
      const deleted = await this.dataSource.transaction(async (tx) => {
        const n = chain
          ? await pruneChain(tx, chain, cutoff, dryRun)
          : await pruneTable(tx, policy.tableName, cutoff, dryRun);
        if (!dryRun) {
          await tx.query(`UPDATE audit.data_retention_policies SET last_cleanup_at = now() WHERE id = $1`, [policy.id]);
        }
        return n;
      });
      results.push({ tableName: policy.tableName, cutoff, deleted, dryRun });
    }
    return results;
  }

  private async require(id: string): Promise<RetentionPolicyRow> {
    const n = parseIntId(id);
    const row = n === null ? null : await this.dataSource.getRepository(RetentionPolicyEntity).findOneBy({ id: n });
    return orNotFound(row, 'RetentionPolicy', id);
  }
}

async function pruneTable(tx: EntityManager, table: string, cutoff: Date, dryRun: boolean): Promise<number> {
  const [row] = (await tx.query(
    dryRun
      ? `SELECT count(*)::int AS n FROM audit.${table} WHERE created_at < $1`
      : `WITH gone AS (DELETE FROM audit.${table} WHERE created_at < $1 RETURNING 1) SELECT count(*)::int AS n FROM gone`,
    [cutoff],
  )) as { n: number }[];
  return row?.n ?? 0;
}

/**
 * Prunes only a prefix of the chain (rows up to the first one still inside the retention
 * period), under the chain lock, and first records a checkpoint of the last pruned hash so
 * verification resumes from it.
 */
async function pruneChain(tx: EntityManager, chain: ChainName, cutoff: Date, dryRun: boolean): Promise<number> {
  const { table, hashColumn } = CHAINS[chain];
  await tx.query(`SELECT 1 FROM audit.audit_chain_heads WHERE chain = $1 FOR UPDATE`, [chain]);
  const [last] = (await tx.query(
    `SELECT t.seq::text AS seq, t.${hashColumn} AS hash FROM ${table} t
     WHERE t.seq < coalesce((SELECT min(k.seq) FROM ${table} k WHERE k.created_at >= $1), 9223372036854775807)
     ORDER BY t.seq DESC LIMIT 1`,
    [cutoff],
  )) as { seq: string; hash: string }[];
  if (!last) return 0;
  const [count] = (await tx.query(`SELECT count(*)::int AS n FROM ${table} WHERE seq <= $1`, [last.seq])) as {
    n: number;
  }[];
  const n = count?.n ?? 0;
  if (dryRun || n === 0) return n;
  await tx.query(
    `INSERT INTO audit.audit_chain_checkpoints (chain, pruned_through_seq, last_pruned_hash, pruned_count)
     VALUES ($1, $2, $3, $4)`,
    [chain, last.seq, last.hash, n],
  );
  await tx.query(`DELETE FROM ${table} WHERE seq <= $1`, [last.seq]);
  return n;
}
