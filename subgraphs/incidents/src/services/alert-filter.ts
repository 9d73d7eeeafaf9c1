import { badUserInput, escapeLike, intIds, type SqlCondition } from '@socgraph/shared';
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

const MAX_SEARCH = 200;

/** The filter as one SQL condition on alias `alias`, so top-level and nested lists share it. */
export function alertFilterCondition(filter: AlertFilter | null | undefined, alias: string): SqlCondition {
  const parts: string[] = [];
  const params: Record<string, unknown> = {};
  if (!filter) return { sql: 'TRUE', params };
  if (filter.status?.length) {
    parts.push(`${alias}.status = ANY(:f_status)`);
    params.f_status = filter.status;
  }
  if (filter.severity?.length) {
    parts.push(`${alias}.severity = ANY(:f_severity)`);
    params.f_severity = filter.severity;
  }
  if (filter.customerCode) {
    parts.push(`${alias}.customer_code = :f_customer`);
    params.f_customer = filter.customerCode;
  }
  if (filter.tagIds?.length) {
    parts.push(
      `EXISTS (SELECT 1 FROM ${T.alertTag} ft WHERE ft.alert_id = ${alias}.id AND ft.tag_id = ANY(CAST(:f_tags AS int[])))`,
    );
    params.f_tags = intIds(filter.tagIds, 'filter.tagIds');
  }
  if (filter.assignedTo) {
    parts.push(`lower(${alias}.assigned_to) = lower(:f_assigned)`);
    params.f_assigned = filter.assignedTo;
  }
  if (filter.source) {
    parts.push(`${alias}.source ILIKE :f_source`);
    params.f_source = escapeLike(filter.source);
  }
  if (filter.escalated !== null && filter.escalated !== undefined) {
    parts.push(`${alias}.escalated = :f_escalated`);
    params.f_escalated = filter.escalated;
  }
  if (filter.search) {
    if (filter.search.length > MAX_SEARCH)
      throw badUserInput(`search must be at most ${MAX_SEARCH} characters`, 'filter.search');
    // websearch syntax ("quoted phrases", -exclusions, or) over name and description.
    parts.push(`${alias}.search_vector @@ websearch_to_tsquery('simple', :f_search)`);
    params.f_search = filter.search;
  }
  if (filter.createdAfter) {
    parts.push(`${alias}.alert_creation_time >= :f_after`);
    params.f_after = filter.createdAfter;
  }
  if (filter.createdBefore) {
    parts.push(`${alias}.alert_creation_time < :f_before`);
    params.f_before = filter.createdBefore;
  }
  return { sql: parts.length ? parts.join(' AND ') : 'TRUE', params };
}
