import { badUserInput, forbidden, optionalText, rowsAsEntities, runNamed, ScopedService, text } from '@socgraph/shared';
import type { AgentsContext } from '../context';
import { InteractionEntity, type InteractionRow } from '../entities';
import { T } from './visibility';

export interface RateAgentInput {
  agentId: string;
  rating: number;
  feedback?: string | null;
}

/**
 * A user's relation to an agent (seed 002's UserAgentInteraction): execution counters,
 * rating and feedback, favourite mark. Ratings feed the agent's average.
 */
export class InteractionService extends ScopedService<AgentsContext> {
  private requireUserId(): string {
    const p = this.principal;
    if (p.kind !== 'user' || p.userId === null) throw forbidden('Only users rate and mark agents');
    return p.userId;
  }

  /** Counters after one of the user's executions (inside the execution's transaction). */
  async recordExecution(userId: string, agentId: string, success: boolean): Promise<void> {
    await runNamed(
      this.dataSource,
      `INSERT INTO ${T.interaction} AS i (user_id, agent_id, total_executions, successful_executions, first_used_at, last_used_at)
       VALUES (:user, :agent, 1, :ok, now(), now())
       ON CONFLICT (user_id, agent_id) DO UPDATE SET
         total_executions = i.total_executions + 1,
         successful_executions = i.successful_executions + EXCLUDED.successful_executions,
         first_used_at = coalesce(i.first_used_at, now()),
         last_used_at = now(),
         avg_executions_per_day = (i.total_executions + 1)::double precision
           / greatest(1, ceil(extract(epoch FROM now() - coalesce(i.first_used_at, now())) / 86400)),
         preferred_time_of_day = CASE
           WHEN extract(hour FROM now()) BETWEEN 5 AND 11 THEN 'morning'
           WHEN extract(hour FROM now()) BETWEEN 12 AND 16 THEN 'afternoon'
           WHEN extract(hour FROM now()) BETWEEN 17 AND 21 THEN 'evening'
           ELSE 'night' END,
         updated_at = now()`,
      { user: userId, agent: agentId, ok: success ? 1 : 0 },
    );
  }

  async rate(input: RateAgentInput): Promise<InteractionRow> {
    const userId = this.requireUserId();
    const agent = await this.scope.agents.requireVisible(text(input.agentId, 'input.agentId', { max: 64 }));
    if (!Number.isInteger(input.rating) || input.rating < 1 || input.rating > 5)
      throw badUserInput('input.rating must be an integer from 1 to 5', 'input.rating');
    const feedback = optionalText(input.feedback, 'input.feedback', { max: 5000 });
    const row = await this.upsert(userId, agent.id, `rating = EXCLUDED.rating, feedback = EXCLUDED.feedback`, {
      rating: input.rating,
      feedback,
    });
    await runNamed(
      this.dataSource,
      `UPDATE ${T.agent} SET avg_rating = (SELECT round(avg(i.rating), 2) FROM ${T.interaction} i
         WHERE i.agent_id = :agent AND i.rating IS NOT NULL) WHERE id = :agent`,
      { agent: agent.id },
    );
    this.scope.loaders.visibleAgentById.clear(agent.id);
    return row;
  }

  async setFavorite(agentId: string, favorite: boolean): Promise<InteractionRow> {
    const userId = this.requireUserId();
    const agent = await this.scope.agents.requireVisible(text(agentId, 'agentId', { max: 64 }));
    return this.upsert(userId, agent.id, `is_favorite = EXCLUDED.is_favorite`, { favorite });
  }

  private async upsert(
    userId: string,
    agentId: string,
    assignments: string,
    values: { rating?: number; feedback?: string | null; favorite?: boolean },
  ): Promise<InteractionRow> {
    const rows = await runNamed<Record<string, unknown>>(
      this.dataSource,
      `INSERT INTO ${T.interaction} AS i (user_id, agent_id, rating, feedback, is_favorite)
       VALUES (:user, :agent, :rating, :feedback, :favorite)
       ON CONFLICT (user_id, agent_id) DO UPDATE SET ${assignments}, updated_at = now()
       RETURNING i.*`,
      {
        user: userId,
        agent: agentId,
        rating: values.rating ?? null,
        feedback: values.feedback ?? null,
        favorite: values.favorite ?? false,
      },
    );
    return rowsAsEntities<InteractionRow>(this.dataSource, InteractionEntity, rows)[0]!;
  }
}
