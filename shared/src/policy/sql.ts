import type { Principal } from '../auth/principal';
import { customerScope, tagVisibility } from './access-policy';

/**
 * SQL forms of the access policy for list queries. Each returns a boolean SQL expression with
 * TypeORM named parameters, to be ANDed into a query builder's WHERE. Parameter names are made
 * unique per call so several conditions can sit in one query.
 */
export interface SqlCondition {
  sql: string;
  params: Record<string, unknown>;
}

export const TRUE_CONDITION: SqlCondition = { sql: 'TRUE', params: {} };
const FALSE_CONDITION: SqlCondition = { sql: 'FALSE', params: {} };

let paramCounter = 0;
const paramName = (base: string): string => `${base}_${(paramCounter = (paramCounter + 1) % 1_000_000)}`;

/** `column` is a qualified column holding the row's customer code. */
export function customerCondition(p: Principal, column: string): SqlCondition {
  const scope = customerScope(p);
  if (scope.kind === 'all') return TRUE_CONDITION;
  if (scope.codes.length === 0) return FALSE_CONDITION;
  const name = paramName('customer_codes');
  return { sql: `${column} = ANY(:${name})`, params: { [name]: [...scope.codes] } };
}

export interface TagLink {
  /** Qualified id column of the protected row, e.g. `alert.id`. */
  rowId: string;
  /** Qualified link table, e.g. `incidents.incident_management_alert_to_tag`. */
  linkTable: string;
  linkRowColumn: string;
  linkTagColumn: string;
  /** SQL type of the tag id column, for the parameter cast (tag ids travel as strings). */
  tagIdType?: 'int' | 'bigint' | 'text' | 'uuid';
}

/** Tag RBAC as EXISTS conditions on the link table (never a join: no duplicate rows). */
export interface TagConditionOptions {
  /**
   * How a row that may be visible by tag or by being untagged is tested. `set` (the default):
   * `EXISTS (allowed tag) OR NOT EXISTS (any tag)`, which Postgres runs as two hashed subplans
   * over the link table: best when every row is visited (counts). `probe`: one correlated
   * lookup per row on the link table's (row, tag) key, for keyset pages (`LIMIT n`): there the
   * set form still hashes the whole link table on every page (alerts at scale 100: 66 ms a
   * page against 0.25 ms; bench/history/explain-scale-100-2026-12-01.md). Same rows either way.
   */
  form?: 'set' | 'probe';
}

export function tagCondition(p: Principal, link: TagLink, options: TagConditionOptions = {}): SqlCondition {
  const v = tagVisibility(p);
  if (v.kind === 'all') return TRUE_CONDITION;
  const parts: string[] = [];
  const params: Record<string, unknown> = {};
  const linkRow = `l.${link.linkRowColumn}`;
  const tagType = link.tagIdType ?? 'int';
  if (options.form === 'probe' && v.tagIds.length > 0 && v.untaggedVisible) {
    // No link rows: bool_or over nothing is NULL, so untagged rows pass; else any allowed tag.
    const name = paramName('allowed_tags');
    return {
      sql:
        `COALESCE((SELECT bool_or(l.${link.linkTagColumn} = ANY(CAST(:${name} AS ${tagType}[]))) ` +
        `FROM ${link.linkTable} l WHERE ${linkRow} = ${link.rowId}), TRUE)`,
      params: { [name]: [...v.tagIds] },
    };
  }
  if (v.tagIds.length > 0) {
    const name = paramName('allowed_tags');
    params[name] = [...v.tagIds];
    parts.push(
      `EXISTS (SELECT 1 FROM ${link.linkTable} l WHERE ${linkRow} = ${link.rowId} ` +
        `AND l.${link.linkTagColumn} = ANY(CAST(:${name} AS ${tagType}[])))`,
    );
  }
  if (v.untaggedVisible) {
    parts.push(`NOT EXISTS (SELECT 1 FROM ${link.linkTable} l WHERE ${linkRow} = ${link.rowId})`);
  }
  if (parts.length === 0) return FALSE_CONDITION;
  return { sql: `(${parts.join(' OR ')})`, params };
}

export function and(...conditions: SqlCondition[]): SqlCondition {
  const relevant = conditions.filter((c) => c.sql !== 'TRUE');
  if (relevant.length === 0) return TRUE_CONDITION;
  return {
    sql: relevant.map((c) => `(${c.sql})`).join(' AND '),
    params: Object.assign({}, ...relevant.map((c) => c.params)),
  };
}
