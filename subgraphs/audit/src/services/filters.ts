import { ConditionBuilder as SharedConditionBuilder } from '@socgraph/shared';
import { ip } from './input';

/** The shared list-filter builder, plus audit's inet columns. */
export class ConditionBuilder extends SharedConditionBuilder {
  ip(column: string, value: string | null | undefined, field: string): this {
    const given = ip(value, field);
    return given === null ? this : this.add((p) => `${this.alias}.${column} = :${p}::inet`, given);
  }
}
