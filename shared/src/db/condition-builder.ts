import { badUserInput } from '../errors';
import { escapeLike, optionalText, type TextRule } from '../graphql/validate';
import type { SqlCondition } from '../policy/sql';

/** A link table for `linkedToAny`: (rowColumn -> the filtered row, targetColumn -> the wanted id). */
export interface FilterLink {
  /** Qualified table, e.g. `incidents.incident_management_alert_to_tag`. */
  table: string;
  rowColumn: string;
  targetColumn: string;
  /** The filtered row's id column (default `id`). */
  rowIdColumn?: string;
  /** SQL type of the target ids, for the parameter cast (default `int`). */
  targetType?: 'int' | 'bigint' | 'text' | 'uuid';
}

/**
 * Builds `alias.column op :param` conditions for list filters; every value is a bound
 * parameter and every string is length-checked first. An absent (or empty) value adds nothing.
 */
export class ConditionBuilder {
  private readonly parts: string[] = [];
  private readonly params: Record<string, unknown> = {};
  private n = 0;

  constructor(protected readonly alias: string) {}

  protected add(sql: (param: string) => string, value: unknown): this {
    const param = `f_${this.alias}_${this.n++}`;
    this.parts.push(sql(param));
    this.params[param] = value;
    return this;
  }

  /** `rule` is a maximum length, or a whole text rule (a pattern too, e.g. for codes and ids). */
  equals(column: string, value: string | null | undefined, field: string, rule: number | TextRule = 255): this {
    const given = optionalText(value, field, typeof rule === 'number' ? { max: rule } : rule);
    return given === null ? this : this.add((p) => `${this.alias}.${column} = :${p}`, given);
  }

  equalsValue(column: string, value: number | boolean | null | undefined): this {
    return value === null || value === undefined ? this : this.add((p) => `${this.alias}.${column} = :${p}`, value);
  }

  /** Any of `columns` contains the text, case-insensitively (ILIKE, wildcards escaped). */
  contains(columns: readonly string[], value: string | null | undefined, field: string, max = 200): this {
    const given = optionalText(value, field, { max });
    if (given === null) return this;
    const any = (p: string) => `(${columns.map((c) => `${this.alias}.${c} ILIKE :${p}`).join(' OR ')})`;
    return this.add(any, `%${escapeLike(given)}%`);
  }

  /** `wanted` true: the column is NULL; false: it is not; absent: no condition. */
  isNull(column: string, wanted: boolean | null | undefined): this {
    if (wanted !== null && wanted !== undefined)
      this.parts.push(`${this.alias}.${column} IS ${wanted ? '' : 'NOT '}NULL`);
    return this;
  }

  /** Case-insensitive equality (`lower(column) = lower(value)`), for names stored in any case. */
  equalsIgnoringCase(column: string, value: string | null | undefined, field: string, max = 255): this {
    const given = optionalText(value, field, { max });
    return given === null ? this : this.add((p) => `lower(${this.alias}.${column}) = lower(:${p})`, given);
  }

  /** The column holds one of `values` (already checked, e.g. GraphQL enum values); an empty list adds nothing. */
  anyOf(column: string, values: readonly (string | number)[] | null | undefined): this {
    return values?.length ? this.add((p) => `${this.alias}.${column} = ANY(:${p})`, [...values]) : this;
  }

  /** The column is at least `value` (already range-checked). */
  atLeast(column: string, value: number | null | undefined): this {
    return value === null || value === undefined ? this : this.add((p) => `${this.alias}.${column} >= :${p}`, value);
  }

  /**
   * The row has a link to any of `ids` in a link table (an EXISTS, never a join, so no duplicate
   * rows): e.g. alerts carrying any of the given tags. `ids` are already parsed.
   */
  linkedToAny(link: FilterLink, ids: readonly (string | number)[] | null | undefined): this {
    if (!ids?.length) return this;
    const rowId = `${this.alias}.${link.rowIdColumn ?? 'id'}`;
    return this.add(
      (p) =>
        `EXISTS (SELECT 1 FROM ${link.table} l_${p} WHERE l_${p}.${link.rowColumn} = ${rowId} ` +
        `AND l_${p}.${link.targetColumn} = ANY(CAST(:${p} AS ${link.targetType ?? 'int'}[])))`,
      [...ids],
    );
  }

  /**
   * Full-text match of a tsvector column in websearch syntax ("quoted phrases", -exclusions,
   * or), with the `simple` configuration (no stemming: names and codes match as written).
   */
  matchesText(column: string, value: string | null | undefined, field: string, max = 200): this {
    const given = optionalText(value, field, { max });
    return given === null
      ? this
      : this.add((p) => `${this.alias}.${column} @@ websearch_to_tsquery('simple', :${p})`, given);
  }

  /** `from` inclusive, `to` exclusive; `fields` name the two bounds in the error of an inverted range. */
  period(
    column: string,
    from: Date | null | undefined,
    to: Date | null | undefined,
    fields: { from: string; to: string } = { from: 'filter.from', to: 'filter.to' },
  ): this {
    validTime(from, fields.from);
    validTime(to, fields.to);
    if (from && to && from.getTime() > to.getTime())
      throw badUserInput(`${fields.from} must not be after ${fields.to}`, fields.from);
    if (from) this.add((p) => `${this.alias}.${column} >= :${p}`, from);
    if (to) this.add((p) => `${this.alias}.${column} < :${p}`, to);
    return this;
  }

  build(): SqlCondition {
    return { sql: this.parts.length ? this.parts.join(' AND ') : 'TRUE', params: this.params };
  }
}

function validTime(value: Date | null | undefined, field: string): void {
  if (value !== null && value !== undefined && (!(value instanceof Date) || Number.isNaN(value.getTime())))
    throw badUserInput(`${field} is not a valid time`, field);
}
