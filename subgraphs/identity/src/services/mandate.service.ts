import {
  badUserInput,
  conflict,
  forbidden,
  isAdmin,
  notFound,
  parseIntId,
  requireAuthenticated,
  ScopedService,
  text,
} from '@socgraph/shared';
import type { RequestScope } from '../context';
import { MandateEntity, type MandateRow } from '../entities';
import { lockUserOrFail, positiveCents } from './ledger';

/** The rules of a mandate as the API names them. */
export interface MandateRulesInput {
  maxAmountCents?: number | null;
  dailyLimitCents?: number | null;
  monthlyLimitCents?: number | null;
  agentIds?: string[] | null;
  expiresAt?: Date | string | null;
}

export interface CreateMandateInput extends MandateRulesInput {
  /** Admins may create a mandate for another user; default the caller. */
  userId?: string | null;
}

/** mandates columns as raw SQL returns them. */
export interface RawMandate {
  id: string;
  user_id: number;
  agent_ids: string[];
  status: MandateRow['status'];
  max_per_execution_cents: number | null;
  max_per_day_cents: number | null;
  max_per_month_cents: number | null;
  expires_at: Date | null;
  created_by: string | null;
  updated_by: string | null;
  revoked_at: Date | null;
  revoked_by: string | null;
  created_at: Date;
  updated_at: Date;
}

export const mandateFromRaw = (raw: RawMandate): MandateRow => ({
  id: raw.id,
  userId: raw.user_id,
  agentIds: raw.agent_ids,
  status: raw.status,
  maxPerExecutionCents: raw.max_per_execution_cents,
  maxPerDayCents: raw.max_per_day_cents,
  maxPerMonthCents: raw.max_per_month_cents,
  expiresAt: raw.expires_at,
  createdBy: raw.created_by,
  updatedBy: raw.updated_by,
  revokedAt: raw.revoked_at,
  revokedBy: raw.revoked_by,
  createdAt: raw.created_at,
  updatedAt: raw.updated_at,
});

/** What a mandate is for its reader: expired is a live mandate past its `expiresAt`. */
export function mandateStatus(m: MandateRow, now = new Date()): 'ACTIVE' | 'REVOKED' | 'EXPIRED' {
  if (m.status === 'revoked') return 'REVOKED';
  if (m.status === 'expired' || (m.expiresAt && m.expiresAt <= now)) return 'EXPIRED';
  return 'ACTIVE';
}

type RuleColumn = 'maxPerExecutionCents' | 'maxPerDayCents' | 'maxPerMonthCents' | 'agentIds' | 'expiresAt';

/** API rule name → column (property) it is stored in. */
const RULES: readonly [keyof MandateRulesInput, RuleColumn][] = [
  ['maxAmountCents', 'maxPerExecutionCents'],
  ['dailyLimitCents', 'maxPerDayCents'],
  ['monthlyLimitCents', 'maxPerMonthCents'],
  ['agentIds', 'agentIds'],
  ['expiresAt', 'expiresAt'],
];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The API's name of a rule column, as the change log names it. */
const ruleName = (column: string): string => RULES.find(([, c]) => c === column)?.[0] ?? column;

const asJson = (value: unknown): unknown => (value instanceof Date ? value.toISOString() : (value ?? null));

/**
 * Mandates: the user's standing consent to be charged by agents, with limits. Their user or
 * an admin creates, changes and revokes them; every change leaves one `mandate_audit_log`
 * row per changed field naming who made it (seed 002's MandateAuditLog). Reserves read them
 * under the user's lock (credit.service.ts), so a change applies to the next reserve.
 */
export class MandateService extends ScopedService<RequestScope> {
  private get actor(): string {
    return (this.principal.username ?? this.principal.kind).slice(0, 64);
  }

  async create(input: CreateMandateInput): Promise<MandateRow> {
    requireAuthenticated(this.principal);
    let userId = parseIntId(this.principal.userId ?? '');
    if (input.userId && input.userId !== this.principal.userId) {
      if (!isAdmin(this.principal)) throw forbidden('Only admins may create mandates for other users');
      userId = parseIntId(input.userId);
    }
    if (userId === null) throw notFound('User', input.userId ?? this.principal.userId ?? '');
    const rules = this.rules(input, null);
    // Mandates of a user change under the user's lock, like the reserves that read them.
    await lockUserOrFail(this.dataSource, userId, this.principal.userId);
    const repo = this.dataSource.getRepository(MandateEntity);
    const saved = await repo.save({
      userId,
      status: 'active' as const,
      agentIds: rules.agentIds ?? [],
      maxPerExecutionCents: rules.maxPerExecutionCents ?? null,
      maxPerDayCents: rules.maxPerDayCents ?? null,
      maxPerMonthCents: rules.maxPerMonthCents ?? null,
      expiresAt: rules.expiresAt ?? null,
      createdBy: this.actor,
      updatedBy: this.actor,
    });
    const mandate = (await repo.findOneBy({ id: saved.id }))!;
    await this.record(
      mandate.id,
      'created',
      RULES.map(([, column]) => [column, null, mandate[column]] as const).filter(([, , value]) =>
        Array.isArray(value) ? value.length > 0 : value !== null,
      ),
    );
    return mandate;
  }

  async update(id: string, input: MandateRulesInput): Promise<MandateRow> {
    const current = await this.owned(id);
    if (current.status === 'revoked') throw conflict(`Mandate ${id} is revoked; create a new one`);
    const changes = this.rules(input, current);
    const changed = RULES.map(([, column]) => column).filter(
      (column) =>
        column in changes && JSON.stringify(asJson(changes[column])) !== JSON.stringify(asJson(current[column])),
    );
    if (changed.length === 0) return current;
    const repo = this.dataSource.getRepository(MandateEntity);
    await repo.update({ id }, { ...changes, updatedBy: this.actor });
    await this.record(
      id,
      'updated',
      changed.map((column) => [column, current[column], changes[column] ?? null] as const),
    );
    return (await repo.findOneBy({ id }))!;
  }

  async revoke(id: string): Promise<MandateRow> {
    const current = await this.owned(id);
    if (current.status === 'revoked') return current;
    const repo = this.dataSource.getRepository(MandateEntity);
    await repo.update(
      { id },
      { status: 'revoked', revokedAt: new Date(), revokedBy: this.actor, updatedBy: this.actor },
    );
    await this.record(id, 'revoked', [['status', current.status, 'revoked']]);
    return (await repo.findOneBy({ id }))!;
  }

  /** The mandate locked for change, if the caller is its user or an admin; NOT_FOUND otherwise. */
  private async owned(id: string): Promise<MandateRow> {
    requireAuthenticated(this.principal);
    const visible = (row: { user_id: number }) =>
      isAdmin(this.principal) || String(row.user_id) === this.principal.userId;
    const peek = UUID.test(id)
      ? ((await this.dataSource.query(`SELECT user_id FROM identity.mandates WHERE id = $1`, [id])) as {
          user_id: number;
        }[])
      : [];
    if (!peek[0] || !visible(peek[0])) throw notFound('Mandate', id);
    await lockUserOrFail(this.dataSource, peek[0].user_id);
    const rows = (await this.dataSource.query(`SELECT * FROM identity.mandates WHERE id = $1 FOR UPDATE`, [
      id,
    ])) as RawMandate[];
    if (!rows[0]) throw notFound('Mandate', id);
    return mandateFromRaw(rows[0]);
  }

  /**
   * The given rules as columns, checked. Absent fields are left out (unchanged on update),
   * explicit nulls clear a rule. The day limit may not exceed the month limit, counting the
   * mandate's current limits for the side not given.
   */
  private rules(input: MandateRulesInput, current: MandateRow | null): Partial<Pick<MandateRow, RuleColumn>> {
    const out: Partial<Pick<MandateRow, RuleColumn>> = {};
    const cents = (value: number | null | undefined, field: string) =>
      value === null || value === undefined ? null : positiveCents(value, field);
    if (input.maxAmountCents !== undefined)
      out.maxPerExecutionCents = cents(input.maxAmountCents, 'input.maxAmountCents');
    if (input.dailyLimitCents !== undefined) out.maxPerDayCents = cents(input.dailyLimitCents, 'input.dailyLimitCents');
    if (input.monthlyLimitCents !== undefined)
      out.maxPerMonthCents = cents(input.monthlyLimitCents, 'input.monthlyLimitCents');
    if (input.agentIds !== undefined) {
      const ids = input.agentIds ?? [];
      if (ids.length > 100) throw badUserInput('input.agentIds may hold at most 100 ids', 'input.agentIds');
      out.agentIds = [...new Set(ids.map((agentId) => text(agentId, 'input.agentIds', { max: 64 })))].sort();
    }
    if (input.expiresAt !== undefined) {
      const at = input.expiresAt === null ? null : new Date(input.expiresAt);
      if (at && (Number.isNaN(at.getTime()) || at <= new Date())) {
        throw badUserInput('input.expiresAt must be in the future', 'input.expiresAt');
      }
      out.expiresAt = at;
    }
    const day = out.maxPerDayCents !== undefined ? out.maxPerDayCents : (current?.maxPerDayCents ?? null);
    const month = out.maxPerMonthCents !== undefined ? out.maxPerMonthCents : (current?.maxPerMonthCents ?? null);
    if (day !== null && month !== null && day > month) {
      throw badUserInput('input.dailyLimitCents must not exceed input.monthlyLimitCents', 'input.dailyLimitCents');
    }
    return out;
  }

  private async record(
    mandateId: string,
    action: 'created' | 'updated' | 'revoked',
    fields: readonly (readonly [string, unknown, unknown])[],
  ): Promise<void> {
    for (const [field, oldValue, newValue] of fields.length ? fields : [['status', null, 'active'] as const]) {
      await this.dataSource.query(
        `INSERT INTO identity.mandate_audit_log (mandate_id, action, field, old_value, new_value, changed_by)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [
          mandateId,
          action,
          ruleName(field),
          JSON.stringify(asJson(oldValue)),
          JSON.stringify(asJson(newValue)),
          this.actor,
        ],
      );
    }
  }
}
