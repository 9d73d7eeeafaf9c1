import {
  badUserInput,
  optionalText,
  paginate,
  requireService,
  ScopedService,
  text,
  type Connection,
  type ConnectionArgs,
} from '@socgraph/shared';
import type { AuditScope } from '../context';
import { LogEntryEntity, type LogEntryRow } from '../entities';
import { ConditionBuilder } from './filters';
import { batch, instant, json, nonNegativeInt, requireAuditReader } from './input';

const LEVELS = new Set(['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL']);

export interface LogEntryInput {
  occurredAt?: Date | null;
  level: string;
  component: string;
  message: string;
  requestId?: string | null;
  durationMs?: number | null;
  extra?: Record<string, unknown> | null;
  source?: string | null;
}

export interface LogFilter {
  search?: string | null;
  level?: string | null;
  component?: string | null;
  from?: Date | null;
  to?: Date | null;
}

function validLevel(value: string, field: string): string {
  const level = value.toUpperCase();
  if (!LEVELS.has(level)) throw badUserInput(`${field} must be one of ${[...LEVELS].join(', ')}`, field);
  return level;
}

/** Application logs: written by services, searched by admins and auditors. */
export class LogService extends ScopedService<AuditScope> {
  async record(entries: readonly LogEntryInput[]): Promise<number> {
    requireService(this.principal);
    const rows = batch(entries).map((e, i) => {
      const f = (name: string): string => `entries[${i}].${name}`;
      const source = optionalText(e.source, f('source'), { max: 10 }) ?? 'backend';
      if (source !== 'backend' && source !== 'frontend') throw badUserInput(`${f('source')} is unknown`, f('source'));
      return {
        created_at: instant(e.occurredAt, f('occurredAt')),
        level: validLevel(e.level, f('level')),
        component: text(e.component, f('component'), { max: 50 }),
        message: text(e.message, f('message'), { max: 20_000 }),
        request_id: optionalText(e.requestId, f('requestId'), { max: 64 }),
        duration_ms: nonNegativeInt(e.durationMs, f('durationMs')),
        extra: json(e.extra, f('extra')),
        source,
      };
    });
    const stored = (await this.dataSource.query(
      `INSERT INTO audit.logs (created_at, level, component, message, request_id, duration_ms, extra, source)
       SELECT created_at, level, component, message, request_id, duration_ms, extra, source
       FROM jsonb_to_recordset($1::jsonb) AS x(created_at timestamptz, level text, component text, message text,
         request_id text, duration_ms int, extra jsonb, source text)
       RETURNING id`,
      [JSON.stringify(rows)],
    )) as unknown[];
    return stored.length;
  }

  async list(args: ConnectionArgs, filter?: LogFilter | null): Promise<Connection<LogEntryRow>> {
    requireAuditReader(this.principal);
    const builder = new ConditionBuilder('g')
      .equals('component', filter?.component, 'filter.component', 50)
      .period('created_at', filter?.from, filter?.to);
    if (filter?.level) builder.equals('level', validLevel(filter.level, 'filter.level'), 'filter.level', 10);
    const condition = builder.build();
    const query = this.dataSource
      .getRepository(LogEntryEntity)
      .createQueryBuilder('g')
      .where(condition.sql, condition.params);
    const search = optionalText(filter?.search, 'filter.search', { max: 200 });
    // The GIN index on search_vector serves this; 'simple' matches the column's configuration.
    if (search) query.andWhere(`g.search_vector @@ plainto_tsquery('simple', :logSearch)`, { logSearch: search });
    return paginate(query, args, [{ column: 'g.id', direction: 'DESC', value: (r) => r.id }]);
  }
}
