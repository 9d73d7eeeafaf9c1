import { randomUUID } from 'node:crypto';
import {
  ConditionBuilder,
  and,
  badUserInput,
  conflict,
  isUniqueViolation,
  notFound,
  optionalText,
  orNotFound,
  paginate,
  runNamed,
  ScopedService,
  text,
  type Connection,
  type ConnectionArgs,
  type SqlCondition,
} from '@socgraph/shared';
import type { AgentsContext } from '../context';
import { AgentEntity, type AgentRow } from '../entities';
import { requireValidSchema } from './json-schema';
import { requireAllowedUrl } from './run-url';
import { T, agentVisibility, canManageAgent } from './visibility';

export interface AgentFilter {
  type?: string | null;
  isActive?: boolean | null;
  ownerId?: string | null;
  search?: string | null;
}

type JsonObject = Record<string, unknown>;

export interface RegisterAgentInput {
  name: string;
  description?: string | null;
  runUrl: string;
  quoteUrl?: string | null;
  type?: string | null;
  pricePerExecutionCents: number;
  inputSchema?: unknown;
  outputSchema?: unknown;
  metadata?: JsonObject | null;
  config?: JsonObject | null;
  pricing?: JsonObject | null;
}

export type UpdateAgentInput = Partial<RegisterAgentInput>;

const TYPE_RULE = {
  max: 50,
  pattern: /^[a-z][a-z0-9_-]*$/,
  patternHint: 'may hold lower-case letters, digits, - and _',
};
/** The most one execution may cost: 10,000.00 in cents. */
const MAX_PRICE_CENTS = 1_000_000;
const MAX_JSON_BYTES = 64 * 1024;

function price(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_PRICE_CENTS)
    throw badUserInput(`${field} must be an integer from 0 to ${MAX_PRICE_CENTS}`, field);
  return value;
}

function jsonObject(value: JsonObject | null | undefined, field: string): JsonObject {
  if (value === null || value === undefined) return {};
  if (Buffer.byteLength(JSON.stringify(value), 'utf8') > MAX_JSON_BYTES)
    throw badUserInput(`${field} must be at most 64 KiB`, field);
  return value;
}

export function agentFilterCondition(filter: AgentFilter | null | undefined, alias: string): SqlCondition {
  return new ConditionBuilder(alias)
    .equals('type', filter?.type, 'filter.type', 50)
    .equalsValue('is_active', filter?.isActive)
    .equals('owner_id', filter?.ownerId, 'filter.ownerId', 64)
    .contains(['name', 'description'], filter?.search, 'filter.search', 200)
    .build();
}

/** The fields whose changes the agent's change log records, as the API names them. */
const TRACKED: readonly (keyof RegisterAgentInput & keyof AgentRow)[] = [
  'name',
  'description',
  'runUrl',
  'quoteUrl',
  'type',
  'pricePerExecutionCents',
  'inputSchema',
  'outputSchema',
  'metadata',
  'config',
  'pricing',
];

/** Database columns of the agent fields a change may set; JSON ones are cast. */
const COLUMNS: Partial<Record<keyof AgentRow, { column: string; json?: true }>> = {
  id: { column: 'id' },
  name: { column: 'name' },
  description: { column: 'description' },
  runUrl: { column: 'run_url' },
  quoteUrl: { column: 'quote_url' },
  type: { column: 'type' },
  isActive: { column: 'is_active' },
  metadata: { column: 'metadata', json: true },
  config: { column: 'config', json: true },
  pricing: { column: 'pricing', json: true },
  stats: { column: 'stats', json: true },
  inputSchema: { column: 'input_schema', json: true },
  outputSchema: { column: 'output_schema', json: true },
  pricePerExecutionCents: { column: 'price_per_execution_cents' },
  ownerId: { column: 'owner_id' },
};

function assignments(values: Partial<AgentRow>): {
  sql: { column: string; value: string }[];
  params: Record<string, unknown>;
} {
  const sql: { column: string; value: string }[] = [];
  const params: Record<string, unknown> = {};
  for (const [property, value] of Object.entries(values)) {
    const spec = COLUMNS[property as keyof AgentRow];
    if (!spec || value === undefined) continue;
    const name = `v_${spec.column}`;
    sql.push({ column: spec.column, value: spec.json ? `CAST(:${name} AS jsonb)` : `:${name}` });
    params[name] = spec.json ? (value === null ? null : JSON.stringify(value)) : value;
  }
  return { sql, params };
}

export class AgentService extends ScopedService<AgentsContext> {
  list(args: ConnectionArgs, filter?: AgentFilter | null): Promise<Connection<AgentRow>> {
    const condition = and(agentVisibility(this.principal, 'a'), agentFilterCondition(filter, 'a'));
    const query = this.dataSource
      .getRepository(AgentEntity)
      .createQueryBuilder('a')
      .where(condition.sql, condition.params);
    return paginate(query, args, [
      { column: 'a.created_at', direction: 'DESC', value: (a) => a.createdAt.toISOString() },
      { column: 'a.id', direction: 'DESC', value: (a) => a.id },
    ]);
  }

  /** null when absent or invisible. */
  async byId(id: string): Promise<AgentRow | null> {
    if (id.length > 64) return null;
    return this.scope.loaders.visibleAgentById.load(id);
  }

  async requireVisible(id: string): Promise<AgentRow> {
    return orNotFound(await this.byId(id), 'Agent', id);
  }

  /** For changes: visible and manageable by the caller, else NOT_FOUND (never revealing it exists). */
  private async requireManageable(id: string): Promise<AgentRow> {
    const agent = await this.requireVisible(id);
    if (!canManageAgent(this.principal, agent)) throw notFound('Agent', id);
    return agent;
  }

  private validated(input: UpdateAgentInput, prefix: string): Partial<AgentRow> {
    const config = this.scope.deps.config;
    const out: Partial<AgentRow> = {};
    if (input.name !== undefined && input.name !== null) out.name = text(input.name, `${prefix}.name`, { max: 200 });
    if (input.description !== undefined)
      out.description = optionalText(input.description, `${prefix}.description`, { max: 10_000 });
    if (input.runUrl !== undefined && input.runUrl !== null)
      out.runUrl = requireAllowedUrl(input.runUrl, `${prefix}.runUrl`, config);
    if (input.quoteUrl !== undefined)
      out.quoteUrl = input.quoteUrl ? requireAllowedUrl(input.quoteUrl, `${prefix}.quoteUrl`, config) : null;
    if (input.type !== undefined && input.type !== null) out.type = text(input.type, `${prefix}.type`, TYPE_RULE);
    if (input.pricePerExecutionCents !== undefined && input.pricePerExecutionCents !== null)
      out.pricePerExecutionCents = price(input.pricePerExecutionCents, `${prefix}.pricePerExecutionCents`);
    if (input.inputSchema !== undefined) {
      requireValidSchema(input.inputSchema, `${prefix}.inputSchema`);
      out.inputSchema = (input.inputSchema ?? null) as AgentRow['inputSchema'];
    }
    if (input.outputSchema !== undefined) {
      requireValidSchema(input.outputSchema, `${prefix}.outputSchema`);
      out.outputSchema = (input.outputSchema ?? null) as AgentRow['outputSchema'];
    }
    if (input.metadata !== undefined) out.metadata = jsonObject(input.metadata, `${prefix}.metadata`);
    if (input.config !== undefined) out.config = jsonObject(input.config, `${prefix}.config`);
    if (input.pricing !== undefined) out.pricing = jsonObject(input.pricing, `${prefix}.pricing`);
    return out;
  }

  private get actor(): string {
    return this.principal.username ?? this.principal.clientName ?? this.principal.kind;
  }

  async register(input: RegisterAgentInput): Promise<AgentRow> {
    const fields = this.validated(input, 'input');
    if (!fields.name) throw badUserInput('input.name must not be empty', 'input.name');
    if (!fields.runUrl) throw badUserInput('input.runUrl must not be empty', 'input.runUrl');
    const ownerId = this.principal.userId ?? this.actor;
    const row: Partial<AgentRow> = {
      id: randomUUID(),
      type: 'general',
      metadata: {},
      config: {},
      pricing: { currency: 'USD' },
      stats: {},
      description: null,
      quoteUrl: null,
      inputSchema: null,
      outputSchema: null,
      ...fields,
      ownerId,
      isActive: true,
    };
    try {
      const { sql, params } = assignments(row);
      await runNamed(
        this.dataSource,
        `INSERT INTO ${T.agent} (${sql.map((a) => a.column).join(', ')}) VALUES (${sql.map((a) => a.value).join(', ')})`,
        params,
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`An agent named ${fields.name} already exists`);
      throw error;
    }
    return this.requireVisible(row.id!);
  }

  async update(id: string, input: UpdateAgentInput): Promise<AgentRow> {
    const agent = await this.requireManageable(id);
    const fields = this.validated(input, 'input');
    const changed = TRACKED.filter(
      (field) => field in fields && JSON.stringify(fields[field] ?? null) !== JSON.stringify(agent[field] ?? null),
    );
    if (changed.length === 0) return agent;
    const set = Object.fromEntries(changed.map((field) => [field, fields[field]])) as Partial<AgentRow>;
    try {
      await this.dataSource.transaction(async (tx) => {
        const { sql, params } = assignments(set);
        await runNamed(
          this.dataSource,
          `UPDATE ${T.agent} SET ${sql.map((a) => `${a.column} = ${a.value}`).join(', ')}, updated_at = now() WHERE id = :agent_id`,
          { ...params, agent_id: id },
        );
        await this.recordChanges(
          id,
          changed.map((field) => ({ field, oldValue: agent[field] ?? null, newValue: fields[field] ?? null })),
          tx.query.bind(tx),
        );
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`An agent named ${fields.name ?? ''} already exists`);
      throw error;
    }
    this.scope.loaders.visibleAgentById.clear(id);
    return this.requireVisible(id);
  }

  async deactivate(id: string): Promise<AgentRow> {
    const agent = await this.requireManageable(id);
    if (!agent.isActive) return agent;
    await this.dataSource.transaction(async (tx) => {
      await tx.query(
        `UPDATE ${T.agent} SET is_active = false, deactivated_at = now(), updated_at = now() WHERE id = $1`,
        [id],
      );
      await this.recordChanges(id, [{ field: 'isActive', oldValue: true, newValue: false }], tx.query.bind(tx));
    });
    this.scope.loaders.visibleAgentById.clear(id);
    return this.requireVisible(id);
  }

  /** One change-log row per changed field: old and new value, who, when. */
  private async recordChanges(
    agentId: string,
    changes: readonly { field: string; oldValue: unknown; newValue: unknown }[],
    query: (sql: string, params: unknown[]) => Promise<unknown>,
  ): Promise<void> {
    await query(
      `INSERT INTO ${T.change} (agent_id, field, old_value, new_value, changed_by)
       SELECT $1, c.field, c.old_value, c.new_value, $2
         FROM jsonb_to_recordset($3::jsonb) AS c(field text, old_value jsonb, new_value jsonb)`,
      [
        agentId,
        this.actor.slice(0, 100),
        JSON.stringify(changes.map((c) => ({ field: c.field, old_value: c.oldValue, new_value: c.newValue }))),
      ],
    );
  }

  /** Counters after an execution: runs, last run, distinct users. */
  async recordRun(agentId: string): Promise<void> {
    await runNamed(
      this.dataSource,
      `UPDATE ${T.agent} SET total_executions = total_executions + 1, last_executed_at = now(),
         total_users = (SELECT count(*) FROM ${T.interaction} i WHERE i.agent_id = :agent AND i.total_executions > 0)
       WHERE id = :agent`,
      { agent: agentId },
    );
  }
}
