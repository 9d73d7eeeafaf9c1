import {
  badUserInput,
  forbidden,
  optionalText,
  orNotFound,
  Roles,
  runNamed,
  ScopedService,
  text,
} from '@socgraph/shared';
import type { SurveillanceContext } from '../context';
import { AlertRuleEntity, type AlertRuleRow, type SeverityValue } from '../entities';
import { ID_RULE, intIn, optionalIntIn, optionalNumberIn, words } from './inputs';
import { parseSchedule, scheduleJson } from './schedule';
import { T, canReadRules, readableRules, requireWriter, visibleCameraIds } from './visibility';
import { isUuid } from './alert.service';

export interface AlertRuleInput {
  name: string;
  description?: string | null;
  severity?: SeverityValue | 'informational' | null;
  riskThreshold?: number | null;
  objectTypes?: string[] | null;
  cameraIds?: string[] | null;
  zoneIds?: string[] | null;
  minConfidence?: number | null;
  schedule?: unknown;
  cooldownSeconds?: number | null;
  dedupKeyTemplate?: string | null;
  channels?: string[] | null;
  enabled?: boolean | null;
}

/** The placeholders a dedup key template may use. */
export const TEMPLATE_FIELDS = ['camera_id', 'rule_id', 'object_type', 'severity', 'batch_id'] as const;
export type TemplateValues = Record<(typeof TEMPLATE_FIELDS)[number], string>;

export function checkTemplate(template: string, field: string): string {
  const value = text(template, field, { max: 200 });
  const used = [...value.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]!);
  const unknown = used.filter((name) => !(TEMPLATE_FIELDS as readonly string[]).includes(name));
  if (unknown.length)
    throw badUserInput(
      `${field} uses unknown placeholders ${unknown.join(', ')} (known: ${TEMPLATE_FIELDS.join(', ')})`,
      field,
    );
  if (/[{}]/.test(value.replace(/\{[a-z_]+\}/g, ''))) throw badUserInput(`${field} has an unbalanced brace`, field);
  return value;
}

/** Fills a template; each value is cut so the key fits the 255-character column. */
export function renderTemplate(template: string, values: TemplateValues): string {
  return template
    .replace(/\{([a-z_]+)\}/g, (_, name: keyof TemplateValues) => values[name].slice(0, 100))
    .slice(0, 255);
}

export class RuleService extends ScopedService<SurveillanceContext> {
  /** Every rule, as the caller may read it (visibility.ts readableRules). */
  async list(): Promise<AlertRuleRow[] | null> {
    if (!canReadRules(this.principal)) return [];
    const rules = await this.dataSource.getRepository(AlertRuleEntity).find({ order: { createdAt: 'ASC', id: 'ASC' } });
    return readableRules(this.dataSource, this.principal, rules);
  }

  async create(input: AlertRuleInput): Promise<AlertRuleRow> {
    requireWriter(this.principal);
    const severity = input.severity ?? 'medium';
    if (severity === 'informational')
      throw badUserInput('Surveillance alerts are LOW, MEDIUM, HIGH or CRITICAL', 'input.severity');
    const values = {
      name: text(input.name, 'input.name', { max: 255 }),
      description: optionalText(input.description, 'input.description', { max: 10_000 }),
      severity,
      riskThreshold: optionalIntIn(input.riskThreshold, 'input.riskThreshold', 0, 100),
      objectTypes: words(input.objectTypes, 'input.objectTypes'),
      cameraIds: input.cameraIds
        ? [...new Set(input.cameraIds.map((id, i) => text(id, `input.cameraIds.${i}`, ID_RULE)))]
        : null,
      zoneIds: input.zoneIds
        ? [...new Set(input.zoneIds.map((id, i) => text(id, `input.zoneIds.${i}`, ID_RULE)))]
        : null,
      minConfidence: optionalNumberIn(input.minConfidence, 'input.minConfidence', 0, 1),
      schedule: scheduleJson(parseSchedule(input.schedule, 'input.schedule')),
      cooldownSeconds: intIn(input.cooldownSeconds ?? 300, 'input.cooldownSeconds', 0, 31_536_000),
      dedupKeyTemplate: checkTemplate(input.dedupKeyTemplate ?? '{camera_id}:{rule_id}', 'input.dedupKeyTemplate'),
      channels: words(input.channels, 'input.channels', 20),
      enabled: input.enabled ?? true,
    };
    if ((values.cameraIds?.length ?? 0) > 100) throw badUserInput('At most 100 cameras per rule', 'input.cameraIds');
    if ((values.zoneIds?.length ?? 0) > 100) throw badUserInput('At most 100 zones per rule', 'input.zoneIds');
    if (values.cameraIds?.length) {
      const visible = await this.visibleCameraIds(values.cameraIds);
      const unknown = values.cameraIds.find((id) => !visible.has(id));
      if (unknown) throw badUserInput(`Unknown camera ${unknown}`, 'input.cameraIds');
    } else if (this.principal.role === Roles.ANALYST) {
      // An input problem, not a role one: the analyst may create the rule once it names its cameras.
      throw badUserInput('Analysts create rules for named cameras they can see', 'input.cameraIds');
    }
    if (values.zoneIds?.length) {
      const zones = await runNamed<{ id: string; camera_id: string }>(
        this.dataSource,
        `SELECT id, camera_id FROM ${T.zone} WHERE id = ANY(:ids)`,
        { ids: values.zoneIds },
      );
      const visible = await this.visibleCameraIds(zones.map((z) => z.camera_id));
      const known = new Set(zones.filter((z) => visible.has(z.camera_id)).map((z) => z.id));
      const unknown = values.zoneIds.find((id) => !known.has(id));
      if (unknown) throw badUserInput(`Unknown zone ${unknown}`, 'input.zoneIds');
    }
    const saved = await this.dataSource.getRepository(AlertRuleEntity).save(values);
    return this.dataSource.getRepository(AlertRuleEntity).findOneByOrFail({ id: saved.id });
  }

  async setEnabled(id: string, enabled: boolean): Promise<AlertRuleRow> {
    requireWriter(this.principal);
    const rule = isUuid(id) ? await this.dataSource.getRepository(AlertRuleEntity).findOneBy({ id }) : null;
    orNotFound(rule, 'AlertRule', id);
    if (this.principal.role === Roles.ANALYST) {
      const ids = rule!.cameraIds ?? [];
      const visible = await this.visibleCameraIds(ids);
      if (ids.length === 0 || ids.some((c) => !visible.has(c)))
        throw forbidden('Only admins change rules beyond your cameras');
    }
    await this.dataSource.query(`UPDATE ${T.rule} SET enabled = $2, updated_at = now() WHERE id = $1`, [id, enabled]);
    return this.dataSource.getRepository(AlertRuleEntity).findOneByOrFail({ id });
  }

  private visibleCameraIds(ids: readonly string[]): Promise<Set<string>> {
    return visibleCameraIds(this.dataSource, this.principal, ids);
  }
}
