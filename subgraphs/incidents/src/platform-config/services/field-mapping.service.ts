import {
  badUserInput,
  decodeCursor,
  encodeCursor,
  ConditionBuilder,
  orNotFound,
  pageSize,
  parseIntId,
  runNamed,
  ScopedService,
  text,
  type Connection,
  type ConnectionArgs,
} from '@socgraph/shared';
import type { IncidentsContext } from '../../context';
import {
  FIELD_MAPPING_KINDS,
  FIELD_MAPPING_TABLES,
  FieldMappingEntities,
  type FieldMappingKind,
  type FieldMappingRow,
} from '../entities';
import { lockVisible, requireConfigReader, requireConfigWriter, writeTransaction } from './common';

export interface FieldMappingFilter {
  kinds?: FieldMappingKind[] | null;
  source?: string | null;
}

export interface CreateFieldMappingInput {
  kind: FieldMappingKind;
  source: string;
  fieldName: string;
}

/** A row of one of the six tables, with the table it came from. */
export interface FieldMapping extends FieldMappingRow {
  kind: FieldMappingKind;
}

/** The six tables number their rows independently, so the API id names the kind too: `ASSET:12`. */
export const fieldMappingId = (mapping: FieldMapping): string => `${mapping.kind}:${mapping.id}`;

/** The kind and the table's own id, still a GraphQL id; null when it cannot name a row. */
function parseFieldMappingId(id: string): { kind: FieldMappingKind; rowId: string } | null {
  const [kind, rowId, ...rest] = id.split(':');
  if (rest.length || !isKind(kind) || rowId === undefined || parseIntId(rowId) === null) return null;
  return { kind, rowId };
}

const isKind = (kind: string | undefined): kind is FieldMappingKind =>
  kind !== undefined && Object.prototype.hasOwnProperty.call(FIELD_MAPPING_TABLES, kind);

/**
 * Per-source field names used to read alerts out of SIEM documents. The list spans the six
 * tables, so it pages a UNION ALL itself; `paginate` needs one entity's query builder. Sizes,
 * cursors and their errors are the shared ones, so it behaves like every other connection.
 */
export class FieldMappingService extends ScopedService<IncidentsContext> {
  /** Ordered by kind, source and field name: unique, since (source, field name) is unique per table. */
  async list(args: ConnectionArgs, filter?: FieldMappingFilter | null): Promise<Connection<FieldMapping>> {
    requireConfigReader(this.principal);
    const first = pageSize(args.first);
    const kinds = filter?.kinds?.length ? [...new Set(filter.kinds)] : FIELD_MAPPING_KINDS;
    // Kinds become SQL literals below: only the six known ones may pass.
    if (!kinds.every(isKind)) throw badUserInput('Unknown field mapping kind', 'filter.kinds');
    const union = kinds
      .map(
        (kind) => `SELECT '${kind}'::text AS kind, id, source, field_name FROM incidents.${FIELD_MAPPING_TABLES[kind]}`,
      )
      .join(' UNION ALL ');

    const filtered = new ConditionBuilder('fm')
      .equalsIgnoringCase('source', filter?.source, 'filter.source', 50)
      .build();
    const conditions = filtered.sql === 'TRUE' ? [] : [filtered.sql];
    const params: Record<string, unknown> = { ...filtered.params };
    const countWhere = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
    if (args.after) {
      const [kind, source, fieldName] = decodeCursor(args.after, 3).map(String);
      conditions.push('(fm.kind, fm.source, fm.field_name) > (:fm_k0, :fm_k1, :fm_k2)');
      Object.assign(params, { fm_k0: kind, fm_k1: source, fm_k2: fieldName });
    }
    const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
    const rows =
      first === 0
        ? []
        : await runNamed<FieldMapping>(
            this.dataSource,
            `SELECT fm.kind, fm.id, fm.source, fm.field_name AS "fieldName" FROM (${union}) fm ${where}
              ORDER BY fm.kind, fm.source, fm.field_name LIMIT ${first + 1}`,
            params,
          );
    const edges = rows
      .slice(0, first)
      .map((node) => ({ node, cursor: encodeCursor([node.kind, node.source, node.fieldName]) }));
    return {
      edges,
      pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null },
      totalCount: async () => {
        const [row] = await runNamed<{ count: string }>(
          this.dataSource,
          `SELECT count(*) AS count FROM (${union}) fm ${countWhere}`,
          params,
        );
        return Number(row?.count ?? 0);
      },
    };
  }

  async create(input: CreateFieldMappingInput): Promise<FieldMapping> {
    requireConfigWriter(this.principal);
    if (!isKind(input.kind)) throw badUserInput('Unknown field mapping kind', 'input.kind');
    const kind = input.kind;
    const source = text(input.source, 'input.source', { max: 50 });
    const fieldName = text(input.fieldName, 'input.fieldName', { max: 255 });
    const entity = FieldMappingEntities[kind];
    return writeTransaction(this.dataSource, `${kind} field ${fieldName} of ${source} exists`, async (tx) => {
      const saved = await tx.getRepository(entity).save({ source, fieldName });
      return { kind, ...(await tx.getRepository(entity).findOneByOrFail({ id: saved.id })) };
    });
  }

  async delete(id: string): Promise<string> {
    requireConfigWriter(this.principal);
    const { kind, rowId } = orNotFound(parseFieldMappingId(id), 'FieldMapping', id);
    const entity = FieldMappingEntities[kind];
    return writeTransaction(this.dataSource, 'Field mapping changed meanwhile', async (tx) => {
      const row = await lockVisible(tx, entity, rowId, 'FieldMapping');
      await tx.getRepository(entity).delete({ id: row.id });
      return fieldMappingId({ kind, ...row });
    });
  }
}
