/**
 * One HTTP call to an agent's run URL: POST JSON, a deadline over the whole exchange (headers
 * and body), redirects refused (never followed: a redirect could point anywhere), the body read
 * up to a size cap. Returns what happened; never throws for the agent's faults.
 */
export type CallOutcome =
  | {
      kind: 'ok';
      httpStatus: number;
      body: unknown;
      bytes: number;
      contentType: string | null;
      processingTimeMs: number | null;
    }
  | { kind: 'http_error'; httpStatus: number; bytes: number; message: string }
  | { kind: 'redirect'; httpStatus: number }
  | { kind: 'timeout' }
  | { kind: 'unreachable'; message: string }
  | { kind: 'too_large'; httpStatus: number; bytes: number }
  | { kind: 'bad_response'; httpStatus: number; bytes: number; message: string };

export interface AgentCall {
  url: string;
  payload: unknown;
  timeoutMs: number;
  maxResponseBytes: number;
  headers?: Record<string, string>;
}

export class TooLarge extends Error {
  constructor(readonly bytes: number) {
    super('too large');
  }
}

/** Enough of a fetch answer to read its body: the global fetch's and undici's alike. */
export interface BodySource {
  headers: { get(name: string): string | null };
  body: ReadableStream<Uint8Array> | null;
}

/** The body, at most `max` bytes (else TooLarge, the rest not read). */
export async function readCapped(response: BodySource, max: number): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > max) {
    await response.body?.cancel().catch(() => undefined);
    throw new TooLarge(declared);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  const reader = response.body?.getReader();
  if (!reader) return Buffer.alloc(0);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      throw new TooLarge(total);
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks);
}

const snippet = (text: string): string => text.replace(/\s+/g, ' ').trim().slice(0, 500);

export async function callAgent(call: AgentCall): Promise<CallOutcome> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, call.timeoutMs);
  try {
    let response: Response;
    try {
      response = await fetch(call.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...call.headers },
        body: JSON.stringify(call.payload),
        redirect: 'manual',
        signal: controller.signal,
      });
    } catch (error) {
      if (timedOut) return { kind: 'timeout' };
      const cause = (error as { cause?: { code?: string } }).cause;
      return { kind: 'unreachable', message: cause?.code ?? 'connection failed' };
    }
    const httpStatus = response.status;
    if (httpStatus >= 300 && httpStatus < 400) {
      await response.body?.cancel().catch(() => undefined);
      return { kind: 'redirect', httpStatus };
    }
    let raw: Buffer;
    try {
      raw = await readCapped(response, call.maxResponseBytes);
    } catch (error) {
      if (error instanceof TooLarge) return { kind: 'too_large', httpStatus, bytes: error.bytes };
      if (timedOut) return { kind: 'timeout' };
      return { kind: 'bad_response', httpStatus, bytes: 0, message: 'the answer broke off' };
    }
    const text = raw.toString('utf8');
    if (httpStatus < 200 || httpStatus >= 300) {
      return { kind: 'http_error', httpStatus, bytes: raw.byteLength, message: snippet(text) || `HTTP ${httpStatus}` };
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return { kind: 'bad_response', httpStatus, bytes: raw.byteLength, message: 'the answer is not JSON' };
    }
    const reported = Number(response.headers.get('x-processing-time-ms') ?? NaN);
    return {
      kind: 'ok',
      httpStatus,
      body,
      bytes: raw.byteLength,
      contentType: response.headers.get('content-type'),
      processingTimeMs: Number.isInteger(reported) && reported >= 0 && reported < 2 ** 31 ? reported : null,
    };
  } finally {
    clearTimeout(timer);
  }
}
