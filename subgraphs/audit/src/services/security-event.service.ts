import {
  optionalText,
  orNotFound,
  paginate,
  parseIntId,
  requireAdmin,
  ScopedService,
  type Connection,
  type ConnectionArgs,
} from '@socgraph/shared';
import type { AuditScope } from '../context';
import { SecurityEventEntity, type SecurityEventRow } from '../entities';
import { ConditionBuilder } from './filters';
import { requireAuditReader } from './input';

export interface SecurityEventFilter {
  category?: string | null;
  severity?: string | null;
  threatType?: string | null;
  resolved?: boolean | null;
  sourceIp?: string | null;
  from?: Date | null;
  to?: Date | null;
}

export interface ResolveSecurityEventInput {
  id: string;
  notes?: string | null;
  falsePositive: boolean;
}

/** Security events: read by admins and auditors, resolved by admins. */
export class SecurityEventService extends ScopedService<AuditScope> {
  async list(args: ConnectionArgs, filter?: SecurityEventFilter | null): Promise<Connection<SecurityEventRow>> {
    requireAuditReader(this.principal);
    const condition = new ConditionBuilder('s')
      .equals('event_category', filter?.category, 'filter.category', 50)
      .equals('severity_level', filter?.severity, 'filter.severity', 20)
      .equals('threat_type', filter?.threatType, 'filter.threatType', 50)
      .equalsValue('is_resolved', filter?.resolved)
      .ip('source_ip', filter?.sourceIp, 'filter.sourceIp')
      .period('created_at', filter?.from, filter?.to)
      .build();
    const query = this.dataSource
      .getRepository(SecurityEventEntity)
      .createQueryBuilder('s')
      .where(condition.sql, condition.params);
    return paginate(query, args, [{ column: 's.id', direction: 'DESC', value: (r) => r.id }]);
  }

  async resolve(input: ResolveSecurityEventInput): Promise<SecurityEventRow> {
    // Only those who may read an event resolve it: the payload is the event.
    requireAdmin(this.principal);
    const notes = optionalText(input.notes, 'input.notes', { max: 10_000 });
    const id = parseIntId(input.id);
    const repo = this.dataSource.getRepository(SecurityEventEntity);
    const found = orNotFound(id === null ? null : await repo.findOneBy({ id: String(id) }), 'SecurityEvent', input.id);
    await repo.update(
      { id: found.id },
      {
        isResolved: true,
        falsePositive: input.falsePositive,
        analystNotes: notes,
        resolvedAt: new Date(),
        resolvedBy: this.principal.username ?? 'unknown',
      },
    );
    return repo.findOneByOrFail({ id: found.id });
  }
}
