import { badUserInput } from '../errors';
import { escapeLike, optionalText } from '../graphql/validate';
import type { SqlCondition } from '../policy/sql';

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

  equals(column: string, value: string | null | undefined, field: string, max = 255): this {
    const given = optionalText(value, field, { max });
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

  period(column: string, from: Date | null | undefined, to: Date | null | undefined): this {
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
