import { badUserInput } from '../errors';
import { escapeLike, optionalText, type TextRule } from '../graphql/validate';
import type { SqlCondition } from '../policy/sql';

/** A link table joining the filtered row to values (tags, ...), for `linkedTo`. */
export interface FilterLink {
  table: string;
  /** Link column holding the filtered row's id. */
  rowColumn: string;
  /** Link column holding the value filtered on. */
  valueColumn: string;
  /** SQL type of the value column, for the parameter cast. */
  valueType: 'int' | 'bigint' | 'text' | 'uuid';
  /** The filtered row's id column; `id` unless told. */
  rowIdColumn?: string;
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

  /** `rule` is a maximum length, or a full text rule (pattern included). */
  equals(column: string, value: string | null | undefined, field: string, rule: number | TextRule = 255): this {
    const given = optionalText(value, field, typeof rule === 'number' ? { max: rule } : rule);
    return given === null ? this : this.add((p) => `${this.alias}.${column} = :${p}`, given);
  }

  equalsValue(column: string, value: number | boolean | null | undefined): this {
    return value === null || value === undefined ? this : this.add((p) => `${this.alias}.${column} = :${p}`, value);
  }

  /**
   * The column is one of `values` (already checked: enum values, normalised words). `column`
   * may carry a cast, e.g. `status::text` for an enum column compared with text values.
   */
  anyOf(column: string, values: readonly (string | number)[] | null | undefined): this {
    return values?.length ? this.add((p) => `${this.alias}.${column} = ANY(:${p})`, [...values]) : this;
  }

  atLeast(column: string, value: number | null | undefined): this {
    return value === null || value === undefined ? this : this.add((p) => `${this.alias}.${column} >= :${p}`, value);
  }

  /** The row has a link to any of `values` (already checked); EXISTS, so no duplicate rows. */
  linkedTo(link: FilterLink, values: readonly (string | number)[] | null | undefined): this {
    if (!values?.length) return this;
    const row = `${this.alias}.${link.rowIdColumn ?? 'id'}`;
    return this.add(
      (p) =>
        `EXISTS (SELECT 1 FROM ${link.table} fl WHERE fl.${link.rowColumn} = ${row} ` +
        `AND fl.${link.valueColumn} = ANY(CAST(:${p} AS ${link.valueType}[])))`,
      [...values],
    );
  }

  /** Any of `columns` contains the text, case-insensitively (ILIKE, wildcards escaped). */
  contains(columns: readonly string[], value: string | null | undefined, field: string, max = 200): this {
    const given = optionalText(value, field, { max });
    if (given === null) return this;
    const any = (p: string) => `(${columns.map((c) => `${this.alias}.${c} ILIKE :${p}`).join(' OR ')})`;
    return this.add(any, `%${escapeLike(given)}%`);
  }

  /** Full-text search in websearch syntax ("phrases", -exclusions, or) over a tsvector column. */
  matches(column: string, value: string | null | undefined, field: string, max = 200): this {
    const given = optionalText(value, field, { max });
    return given === null
      ? this
      : this.add((p) => `${this.alias}.${column} @@ websearch_to_tsquery('simple', :${p})`, given);
  }

  period(column: string, from: Date | null | undefined, to: Date | null | undefined): this {
    validTime(from, 'filter.from');
    validTime(to, 'filter.to');
    if (from && to && from.getTime() > to.getTime())
      throw badUserInput('filter.from must not be after filter.to', 'filter.from');
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
