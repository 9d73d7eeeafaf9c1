import { Agent, fetch, type Dispatcher } from 'undici';
import type { AgentsConfig } from '../config';
import { readCapped, TooLarge } from './agent-caller';
import { PermanentJobError } from './job-queue';

/**
 * The Wazuh indexer's (OpenSearch's) snapshot API, as the index snapshot job calls it: a
 * deadline over each whole exchange, redirects refused (never followed), answers read up to a
 * size cap, Basic auth from the configuration, TLS checked against WAZUH_INDEXER_CA_FILE when
 * set. The password goes into the Authorization header only: no message this module makes
 * contains it. It fetches with the npm undici its connection pool comes from (never Node's
 * built-in fetch with a foreign pool: their dispatch protocols differ between majors).
 *
 * Failures throw: an IndexerError for what may pass (5xx, 408, 429, timeouts, connection
 * failures), a PermanentJobError for what retrying cannot fix (other 4xx, redirects, oversized
 * answers, untrusted TLS certificates), so the job queue retries the first and ends the job on
 * the second.
 */
export type IndexerConfig = Pick<
  AgentsConfig,
  | 'WAZUH_INDEXER_URL'
  | 'WAZUH_INDEXER_USERNAME'
  | 'WAZUH_INDEXER_PASSWORD'
  | 'WAZUH_INDEXER_TIMEOUT_MS'
  | 'WAZUH_INDEXER_MAX_RESPONSE_BYTES'
  | 'WAZUH_INDEXER_CA_FILE'
>;

/** The connection pool for the indexer: trusting only the configured CA when there is one, else undici's default. */
export function indexerDispatcher(ca: IndexerConfig['WAZUH_INDEXER_CA_FILE']): Dispatcher | undefined {
  return ca ? new Agent({ connect: { ca: ca.pem } }) : undefined;
}

/** Node's codes for a TLS certificate that does not verify: a configuration problem, not a passing one. */
const UNTRUSTED_CERTIFICATE = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS_/;

export class IndexerError extends Error {
  constructor(
    message: string,
    readonly httpStatus: number | null = null,
    readonly errorType: string | null = null,
  ) {
    super(message);
    this.name = 'IndexerError';
  }
}

/** A snapshot as `GET _snapshot/<repo>/<pattern>` lists it (the fields used). */
export interface IndexerSnapshot {
  snapshot: string;
  state?: string;
  start_time_in_millis?: number;
}

interface Answer {
  status: number;
  body: unknown;
}

const snippet = (text: string): string => text.replace(/\s+/g, ' ').trim().slice(0, 500);

/** `type: reason` of an OpenSearch error body, else a snippet of it. */
function describe(status: number, text: string, body: unknown): { message: string; type: string | null } {
  const error = (body as { error?: unknown } | null)?.error;
  if (error && typeof error === 'object') {
    const { type, reason } = error as { type?: unknown; reason?: unknown };
    if (typeof type === 'string')
      return { message: snippet(`${type}: ${typeof reason === 'string' ? reason : ''}`), type };
  }
  return { message: snippet(text) || `HTTP ${status}`, type: null };
}

export class IndexerClient {
  private readonly base: string;
  private readonly authorization: string | null;

  constructor(
    private readonly config: IndexerConfig,
    private readonly dispatcher?: Dispatcher,
  ) {
    if (!config.WAZUH_INDEXER_URL)
      throw new PermanentJobError('WAZUH_INDEXER_URL is not set: the agents process has no indexer to snapshot');
    this.base = config.WAZUH_INDEXER_URL;
    this.authorization =
      config.WAZUH_INDEXER_USERNAME !== undefined && config.WAZUH_INDEXER_PASSWORD !== undefined
        ? `Basic ${Buffer.from(`${config.WAZUH_INDEXER_USERNAME}:${config.WAZUH_INDEXER_PASSWORD}`).toString('base64')}`
        : null;
  }

  /**
   * Starts a snapshot of `indices` into `repository` without waiting for it to finish. Returns
   * false when a snapshot of that name already exists (an earlier attempt of the same run made it).
   */
  async createSnapshot(repository: string, snapshot: string, indices: string): Promise<boolean> {
    const path = `/_snapshot/${encodeURIComponent(repository)}/${encodeURIComponent(snapshot)}?wait_for_completion=false`;
    const answer = await this.request('PUT', path, { indices, include_global_state: false }, [400]);
    if (answer.status === 400) {
      const { message, type } = describe(400, JSON.stringify(answer.body), answer.body);
      if (type === 'invalid_snapshot_name_exception' && /same name already exists/.test(message)) return false;
      throw new PermanentJobError(`indexer refused PUT _snapshot/${repository}/${snapshot} (HTTP 400): ${message}`);
    }
    return true;
  }

  /** The snapshots of `repository` whose names match `pattern` (none when nothing matches). */
  async listSnapshots(repository: string, pattern: string): Promise<IndexerSnapshot[]> {
    const path = `/_snapshot/${encodeURIComponent(repository)}/${encodeURIComponent(pattern).replace(/%2A/g, '*')}`;
    const answer = await this.request('GET', path, undefined, [404]);
    // OpenSearch answers 404 (snapshot_missing_exception) for a pattern nothing matches in some versions.
    if (answer.status === 404) {
      const { message, type } = describe(404, JSON.stringify(answer.body), answer.body);
      if (type === 'snapshot_missing_exception') return [];
      throw new PermanentJobError(`indexer refused GET _snapshot/${repository}/${pattern} (HTTP 404): ${message}`);
    }
    const snapshots = (answer.body as { snapshots?: unknown } | null)?.snapshots;
    if (!Array.isArray(snapshots))
      throw new IndexerError(`indexer's GET _snapshot/${repository}/${pattern} answer has no snapshots list`);
    return snapshots.filter(
      (s): s is IndexerSnapshot => !!s && typeof (s as { snapshot?: unknown }).snapshot === 'string',
    );
  }

  async deleteSnapshot(repository: string, snapshot: string): Promise<void> {
    const answer = await this.request(
      'DELETE',
      `/_snapshot/${encodeURIComponent(repository)}/${encodeURIComponent(snapshot)}`,
      undefined,
      [404],
    );
    // Already gone (another run, or by hand): what retention wanted.
    if (answer.status === 404) return;
  }

  /** One exchange; statuses in `accepted` are returned, other non-2xx throw. */
  private async request(
    method: 'GET' | 'PUT' | 'DELETE',
    path: string,
    body: unknown,
    accepted: readonly number[] = [],
  ): Promise<Answer> {
    const what = `${method} ${decodeURIComponent(path.split('?')[0]!.slice(1))}`;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.config.WAZUH_INDEXER_TIMEOUT_MS);
    try {
      let response: Awaited<ReturnType<typeof fetch>>;
      try {
        response = await fetch(`${this.base}${path}`, {
          method,
          headers: {
            accept: 'application/json',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            ...(this.authorization ? { authorization: this.authorization } : {}),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          redirect: 'manual',
          signal: controller.signal,
          ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}),
        });
      } catch (error) {
        if (timedOut)
          throw new IndexerError(`indexer did not answer ${what} within ${this.config.WAZUH_INDEXER_TIMEOUT_MS} ms`);
        const code = (error as { cause?: { code?: string } }).cause?.code;
        if (code && UNTRUSTED_CERTIFICATE.test(code))
          throw new PermanentJobError(
            `indexer's TLS certificate is not trusted for ${what} (${code}): ${
              this.config.WAZUH_INDEXER_CA_FILE
                ? `it does not chain to ${this.config.WAZUH_INDEXER_CA_FILE.path}`
                : 'set WAZUH_INDEXER_CA_FILE to its CA'
            }`,
          );
        throw new IndexerError(`indexer unreachable for ${what}: ${code ?? 'connection failed'}`);
      }
      const status = response.status;
      if (status >= 300 && status < 400) {
        await response.body?.cancel().catch(() => undefined);
        throw new PermanentJobError(`indexer redirected ${what} (HTTP ${status}); redirects are not followed`);
      }
      let raw: Buffer;
      try {
        raw = await readCapped(response, this.config.WAZUH_INDEXER_MAX_RESPONSE_BYTES);
      } catch (error) {
        if (error instanceof TooLarge)
          throw new PermanentJobError(
            `indexer's answer to ${what} exceeds WAZUH_INDEXER_MAX_RESPONSE_BYTES (${this.config.WAZUH_INDEXER_MAX_RESPONSE_BYTES})`,
          );
        if (timedOut)
          throw new IndexerError(`indexer did not answer ${what} within ${this.config.WAZUH_INDEXER_TIMEOUT_MS} ms`);
        throw new IndexerError(`indexer's answer to ${what} broke off`);
      }
      const text = raw.toString('utf8');
      let parsed: unknown = null;
      try {
        parsed = text === '' ? null : JSON.parse(text);
      } catch {
        if (status >= 200 && status < 300) throw new IndexerError(`indexer's answer to ${what} is not JSON`);
      }
      if ((status >= 200 && status < 300) || accepted.includes(status)) return { status, body: parsed };
      const { message, type } = describe(status, text, parsed);
      const full = `indexer answered ${what} with HTTP ${status}: ${message}`;
      // Overload, throttling and timeouts may pass; any other refusal will not on a retry.
      if (status >= 500 || status === 408 || status === 429) throw new IndexerError(full, status, type);
      throw new PermanentJobError(full);
    } finally {
      clearTimeout(timer);
    }
  }
}
