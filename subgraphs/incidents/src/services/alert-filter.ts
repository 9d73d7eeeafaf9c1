import { ConditionBuilder, intIds, requireUserFilter, type Principal, type SqlCondition } from '@socgraph/shared';
import type { AlertStatusValue, SeverityValue } from '../entities';
import { T } from './visibility';

/** AlertFilter of api.md, plus severity. All given conditions must hold. */
export interface AlertFilter {
  status?: AlertStatusValue[] | null;
  severity?: SeverityValue[] | null;
  customerCode?: string | null;
  tagIds?: string[] | null;
  assignedTo?: string | null;
  source?: string | null;
  escalated?: boolean | null;
  search?: string | null;
  createdAfter?: Date | null;
  createdBefore?: Date | null;
}

/**
 * The filter as one SQL condition on alias `alias`, so top-level and nested lists share it.
 * `p`: the caller, who may filter by assignee only where it may see the assignee.
 */
export function alertFilterCondition(
  p: Principal,
  filter: AlertFilter | null | undefined,
  alias: string,
): SqlCondition {
  requireUserFilter(p, filter?.assignedTo, 'filter.assignedTo');
  const tagIds = filter?.tagIds?.length ? intIds(filter.tagIds, 'filter.tagIds') : null;
  return new ConditionBuilder(alias)
    .anyOf('status', filter?.status)
    .anyOf('severity', filter?.severity)
    .equals('customer_code', filter?.customerCode, 'filter.customerCode', 50)
    .linkedToAny({ table: T.alertTag, rowColumn: 'alert_id', targetColumn: 'tag_id' }, tagIds)
    .equalsIgnoringCase('assigned_to', filter?.assignedTo, 'filter.assignedTo', 64)
    .equalsIgnoringCase('source', filter?.source, 'filter.source', 50)
    .equalsValue('escalated', filter?.escalated)
    .matchesText('search_vector', filter?.search, 'filter.search', 200)
    .period('alert_creation_time', filter?.createdAfter, filter?.createdBefore, {
      from: 'filter.createdAfter',
      to: 'filter.createdBefore',
    })
    .build();
}
