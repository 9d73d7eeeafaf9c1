import { createHash, randomUUID } from 'node:crypto';
import {
  badUserInput,
  conflict,
  describeAuditEntry,
  forbidden,
  optionalText,
  rowsAsEntities,
  runNamed,
  ScopedService,
  text,
} from '@socgraph/shared';
import type { AgentsContext } from '../context';
import {
  ExecutionEntity,
  type ExecutionRow,
  type ExecutionStatusValue,
  type LogCategory,
  type LogLevel,
} from '../entities';
import { callAgent, type CallOutcome } from './agent-caller';
import type { CreditHold } from './credits';
import { fieldOf, firstMismatch } from './json-schema';
import { runUrlProblem } from './run-url';
import { T, canSeeExecution } from './visibility';

export interface ExecuteAgentInput {
  agentId: string;
  input: unknown;
  idempotencyKey: string;
  sessionId?: string | null;
}

const KEY_RULE = { max: 128, pattern: /^[\x21-\x7e]+$/, patternHint: 'must be printable ASCII without spaces' };

interface Finished {
  status: Exclude<ExecutionStatusValue, 'running'>;
  httpStatus: number | null;
  errorCode: string | null;
  errorMessage: string | null;
  output: unknown;
  outputSize: number | null;
  outputType: string | null;
  processingTimeMs: number | null;
}

/** What the agent's answer means for the execution. */
function finishedOf(outcome: CallOutcome, outputSchema: unknown): Finished {
  const none = { output: null, outputSize: null, outputType: null, processingTimeMs: null };
  switch (outcome.kind) {
    case 'ok': {
      const mismatch = firstMismatch(outputSchema, outcome.body);
      const base = {
        httpStatus: outcome.httpStatus,
        outputSize: outcome.bytes,
        outputType: outcome.contentType?.split(';')[0]?.trim().slice(0, 50) ?? null,
        processingTimeMs: outcome.processingTimeMs,
      };
      if (mismatch)
        return {
          ...base,
          status: 'error',
          errorCode: 'AGENT_OUTPUT_INVALID',
          errorMessage: `output ${mismatch.instancePath || '/'} ${mismatch.message} (schema ${mismatch.schemaPath})`,
          output: null,
        };
      return { ...base, status: 'success', errorCode: null, errorMessage: null, output: outcome.body };
    }
    case 'http_error':
      return {
        ...none,
        status: 'failed',
        httpStatus: outcome.httpStatus,
        errorCode: 'AGENT_HTTP_ERROR',
        errorMessage: outcome.message,
        outputSize: outcome.bytes,
      };
    case 'redirect':
      return {
        ...none,
        status: 'error',
        httpStatus: outcome.httpStatus,
        errorCode: 'AGENT_REDIRECT_REFUSED',
        errorMessage: 'the agent answered with a redirect, which is not followed',
      };
    case 'timeout':
      return {
        ...none,
        status: 'timeout',
        httpStatus: null,
        errorCode: 'AGENT_TIMEOUT',
        errorMessage: 'the agent did not answer in time',
      };
    case 'unreachable':
      return {
        ...none,
        status: 'error',
        httpStatus: null,
        errorCode: 'AGENT_UNREACHABLE',
        errorMessage: outcome.message,
      };
    case 'too_large':
      return {
        ...none,
        status: 'error',
        httpStatus: outcome.httpStatus,
        errorCode: 'AGENT_RESPONSE_TOO_LARGE',
        errorMessage: `the answer exceeds the size limit (${outcome.bytes} bytes read)`,
      };
    case 'bad_response':
      return {
        ...none,
        status: 'error',
        httpStatus: outcome.httpStatus,
        errorCode: 'AGENT_BAD_RESPONSE',
        errorMessage: outcome.message,
        outputSize: outcome.bytes,
      };
  }
}

const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

export class ExecutionService extends ScopedService<AgentsContext> {
  /** null when absent or not the caller's (admins: any). */
  async byId(id: string): Promise<ExecutionRow | null> {
    if (id.length > 64) return null;
    const rows = await runNamed<Record<string, unknown>>(
      this.dataSource,
      `SELECT x.* FROM ${T.execution} x WHERE x.id = :id AND x.status <> 'running'`,
      { id },
    );
    const [row] = rowsAsEntities<ExecutionRow>(this.dataSource, ExecutionEntity, rows);
    return row && canSeeExecution(this.principal, row) ? row : null;
  }

  async execute(input: ExecuteAgentInput): Promise<ExecutionRow> {
    const requestStarted = Date.now();
    const p = this.principal;
    if (p.kind !== 'user' || p.userId === null) throw forbidden('Executions are run by users');
    const userId = p.userId;
    const config = this.scope.deps.config;
    const key = text(input.idempotencyKey, 'input.idempotencyKey', KEY_RULE);
    const sessionId = optionalText(input.sessionId, 'input.sessionId', { max: 128 });
    const agent = await this.scope.agents.requireVisible(text(input.agentId, 'input.agentId', { max: 64 }));
    if (!agent.isActive) throw badUserInput(`Agent ${agent.id} is deactivated`, 'input.agentId');

    const serialized = JSON.stringify(input.input ?? null);
    const inputSize = Buffer.byteLength(serialized, 'utf8');
    if (inputSize > config.AGENT_MAX_INPUT_BYTES)
      throw badUserInput(`input.input must be at most ${config.AGENT_MAX_INPUT_BYTES} bytes`, 'input.input');
    const mismatch = firstMismatch(agent.inputSchema, input.input);
    if (mismatch) {
      const field = fieldOf('input.input', mismatch.instancePath);
      throw badUserInput(`${field} ${mismatch.message} (schema ${mismatch.schemaPath})`, field, {
        schemaPath: mismatch.schemaPath,
        instancePath: mismatch.instancePath,
      });
    }
    const problem = runUrlProblem(agent.runUrl, config);
    if (problem) throw badUserInput(`Agent ${agent.id} cannot be called: its run URL ${problem}`, 'input.agentId');

    // The claim: one row per (user, key). A racing call with the same key waits here on the
    // unique index until this transaction ends, then finds the finished row (or, after a
    // rollback, claims the key itself): one execution, one charge.
    const id = randomUUID();
    const requestHash = sha256(`${agent.id}\u0000${serialized}`);
    const claimed = await runNamed<{ id: string }>(
      this.dataSource,
      `INSERT INTO ${T.execution} (id, execution_id, agent_id, user_id, idempotency_key, request_hash, status,
         price_cents, input_size, input_type, session_id, user_agent, ip_address)
       VALUES (:id, :execution_id, :agent_id, :user_id, :key, :hash, 'running', :price, :input_size, :input_type,
         :session_id, :user_agent, :ip)
       ON CONFLICT ON CONSTRAINT agent_execution_idempotency_key DO NOTHING
       RETURNING id`,
      {
        id,
        execution_id: randomUUID(),
        agent_id: agent.id,
        user_id: userId,
        key,
        hash: requestHash,
        price: agent.pricePerExecutionCents,
        input_size: inputSize,
        input_type: Array.isArray(input.input) ? 'array' : input.input === null ? 'null' : typeof input.input,
        session_id: sessionId,
        user_agent: this.scope.userAgent?.slice(0, 1000) ?? null,
        ip: this.scope.clientIp?.slice(0, 64) ?? null,
      },
    );
    if (claimed.length === 0) return this.replay(userId, key, requestHash);

    const requestId = this.scope.requestId;
    let hold: CreditHold | null = null;
    if (agent.pricePerExecutionCents > 0) {
      // A refusal (FORBIDDEN with its reason) rolls the claim back: nothing ran, nothing is charged.
      hold = await this.scope.credits.reserve(
        {
          userId,
          amountCents: agent.pricePerExecutionCents,
          agentId: agent.id,
          idempotencyKey: `agents:${sha256(`${userId}\u0000${key}`)}`,
        },
        requestId,
      );
    }
    const row = await this.row(id);
    const callStarted = Date.now();
    const outcome = await callAgent({
      url: agent.runUrl,
      payload: { executionId: row.executionId, agentId: agent.id, input: input.input ?? null, config: agent.config },
      timeoutMs: config.AGENT_TIMEOUT_MS,
      maxResponseBytes: config.AGENT_MAX_RESPONSE_BYTES,
      headers: { 'x-execution-id': row.executionId },
    });
    const responseTimeMs = Date.now() - callStarted;
    const finished = finishedOf(outcome, agent.outputSchema);
    const success = finished.status === 'success';
    let settled: CreditHold | null = null;
    if (hold) {
      settled = success
        ? await this.scope.credits.capture(hold.id, requestId)
        : await this.scope.credits.release(hold.id, requestId);
    }
    const completed = Date.now();
    await runNamed(
      this.dataSource,
      `UPDATE ${T.execution} SET status = :status, http_status = :http_status, error_code = :error_code,
         error_message = :error_message, output = CAST(:output AS jsonb), output_size = :output_size,
         output_type = :output_type, processing_time_ms = :processing, response_time_ms = :response,
         queue_time_ms = :queue, duration_ms = :duration, credits_consumed = :credits, hold_id = :hold,
         balance_before = :balance_before, balance_after = :balance_after, completed_at = :completed_at
       WHERE id = :id`,
      {
        id,
        status: finished.status,
        http_status: finished.httpStatus,
        error_code: finished.errorCode,
        error_message: finished.errorMessage?.slice(0, 2000) ?? null,
        output: success ? JSON.stringify(finished.output) : null,
        output_size: finished.outputSize,
        output_type: finished.outputType,
        processing: finished.processingTimeMs,
        response: responseTimeMs,
        queue: callStarted - requestStarted,
        duration: completed - requestStarted,
        credits: success ? agent.pricePerExecutionCents : 0,
        hold: hold?.id ?? null,
        balance_before: hold?.balanceAfterCents != null ? hold.balanceAfterCents + agent.pricePerExecutionCents : null,
        balance_after: settled?.balanceAfterCents ?? null,
        // Never before started_at (the database's clock stamped it).
        completed_at: new Date(Math.max(completed, row.startedAt.getTime())),
      },
    );
    await this.log(agent.id, userId, id, [
      {
        category: 'execution',
        level: success ? 'info' : 'warn',
        message: `execution ${finished.status}`,
        context: { status: finished.status, httpStatus: finished.httpStatus, durationMs: completed - requestStarted },
      },
      ...(success
        ? []
        : [
            {
              category: 'error' as const,
              level: 'error' as const,
              message: finished.errorMessage ?? finished.errorCode ?? 'execution failed',
              context: { errorCode: finished.errorCode, httpStatus: finished.httpStatus },
            },
          ]),
      {
        category: 'performance',
        level: 'debug',
        message: 'timings',
        context: {
          responseTimeMs,
          queueTimeMs: callStarted - requestStarted,
          processingTimeMs: finished.processingTimeMs,
        },
      },
    ]);
    await this.scope.interactions.recordExecution(userId, agent.id, success);
    await this.scope.agents.recordRun(agent.id);
    describeAuditEntry({
      resourceType: 'AgentExecution',
      resourceId: id,
      details: {
        agentId: agent.id,
        status: finished.status,
        holdId: hold?.id ?? null,
        creditsConsumed: success ? agent.pricePerExecutionCents : 0,
      },
    });
    return this.row(id);
  }

  /** The finished execution an earlier call with the same key made; CONFLICT when that was another request. */
  private async replay(userId: string, key: string, requestHash: string): Promise<ExecutionRow> {
    const rows = await runNamed<Record<string, unknown>>(
      this.dataSource,
      `SELECT x.* FROM ${T.execution} x WHERE x.user_id = :user AND x.idempotency_key = :key`,
      { user: userId, key },
    );
    const [row] = rowsAsEntities<ExecutionRow>(this.dataSource, ExecutionEntity, rows);
    if (!row) throw conflict('The idempotency key is in use by a concurrent request; retry');
    if (row.requestHash !== requestHash)
      throw conflict('The idempotency key was already used for a different agent or input');
    describeAuditEntry({ resourceType: 'AgentExecution', resourceId: row.id, details: { replayed: true } });
    return row;
  }

  private async row(id: string): Promise<ExecutionRow> {
    const rows = await runNamed<Record<string, unknown>>(
      this.dataSource,
      `SELECT x.* FROM ${T.execution} x WHERE x.id = :id`,
      {
        id,
      },
    );
    const [row] = rowsAsEntities<ExecutionRow>(this.dataSource, ExecutionEntity, rows);
    if (!row) throw new Error(`execution ${id} vanished`);
    return row;
  }

  private async log(
    agentId: string,
    userId: string,
    executionId: string,
    entries: readonly { category: LogCategory; level: LogLevel; message: string; context: Record<string, unknown> }[],
  ): Promise<void> {
    await runNamed(
      this.dataSource,
      `INSERT INTO ${T.log} (agent_id, user_id, execution_id, category, level, message, context)
       SELECT :agent, :user, :execution, e.category, e.level, e.message, e.context
         FROM jsonb_to_recordset(CAST(:entries AS jsonb)) AS e(category text, level text, message text, context jsonb)`,
      { agent: agentId, user: userId, execution: executionId, entries: JSON.stringify(entries) },
    );
  }
}
