import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  isCodedError,
  runAudited,
  sendJson,
  servicePrincipal,
  type AuditResourceMap,
  type JobDeps,
  type RouteHandler,
} from '@socgraph/shared';
import type { IdentityConfig } from '../config';
import { createIdentityContext } from '../context';

/**
 * POST /webhooks/payments: the payment provider tells identity that a checkout was paid or a
 * payment refunded. Nothing here trusts the caller until the signature checks:
 *
 *   x-payment-signature: t=<unix seconds>,v1=<hex HMAC-SHA256(PAYMENT_WEBHOOK_SECRET, "<t>.<raw body>")>
 *
 * A timestamp further than PAYMENT_WEBHOOK_TOLERANCE_SECONDS from now is refused, so a
 * captured request cannot be replayed later; within the window, the event id makes delivery
 * idempotent (`payment_webhook_events`, inserted in the same transaction as the credit: the
 * same event twice credits once, and a failed apply is retried by the provider).
 *
 * Events: `checkout.session.completed` { providerSessionId, providerPaymentId, amountCents,
 * currency } and `payment.refunded` { providerPaymentId, reason }.
 */
export const PAYMENT_WEBHOOK_PATH = '/webhooks/payments';
export const SIGNATURE_HEADER = 'x-payment-signature';
const MAX_BODY_BYTES = 256 * 1024;

/** The header value for `rawBody` signed at `timestamp` (providers' and tests' side). */
export function signPaymentWebhook(secret: string, rawBody: string, timestamp = Math.floor(Date.now() / 1000)): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${rawBody}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

export type SignatureCheck = { ok: true; signedAt: Date } | { ok: false; reason: string };

export function verifyPaymentSignature(
  secret: string,
  header: string | undefined,
  rawBody: string,
  toleranceSeconds: number,
  nowMs = Date.now(),
): SignatureCheck {
  if (!header) return { ok: false, reason: 'missing signature' };
  const parts = new Map(
    header.split(',').map((part) => {
      const at = part.indexOf('=');
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
    }),
  );
  const t = parts.get('t');
  const given = parts.get('v1');
  if (!t || !/^\d{1,12}$/.test(t) || !given || !/^[0-9a-f]{64}$/i.test(given)) {
    return { ok: false, reason: 'malformed signature' };
  }
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`, 'utf8').digest();
  if (!timingSafeEqual(expected, Buffer.from(given, 'hex'))) return { ok: false, reason: 'bad signature' };
  // Checked after the MAC, so only a genuine (if old) request learns about the window.
  if (Math.abs(nowMs / 1000 - Number(t)) > toleranceSeconds) {
    return { ok: false, reason: 'timestamp outside the tolerance window' };
  }
  return { ok: true, signedAt: new Date(Number(t) * 1000) };
}

interface WebhookEvent {
  id: string;
  type: string;
  data: Record<string, unknown>;
}

function parseEvent(raw: string): WebhookEvent | null {
  try {
    const value = JSON.parse(raw) as unknown;
    if (!value || typeof value !== 'object') return null;
    const { id, type, data } = value as Record<string, unknown>;
    if (typeof id !== 'string' || id.length === 0 || id.length > 255 || typeof type !== 'string') return null;
    if (!data || typeof data !== 'object') return null;
    return { id, type: type.slice(0, 64), data: data as Record<string, unknown> };
  } catch {
    return null;
  }
}

async function rawBodyOf(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const STATUS_OF: Record<string, number> = { NOT_FOUND: 404, CONFLICT: 409, BAD_USER_INPUT: 400, FORBIDDEN: 403 };

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length <= 255 ? value : undefined;
const int = (value: unknown): number | undefined => (Number.isInteger(value) ? (value as number) : undefined);

export function paymentWebhookRoute(deps: JobDeps<IdentityConfig>, resources: AuditResourceMap): RouteHandler {
  const { dataSource, config, logger } = deps;
  return async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'POST only' }, { allow: 'POST' });
    const secret = config.PAYMENT_WEBHOOK_SECRET;
    if (!secret) return sendJson(res, 503, { error: 'payment webhook not configured' });
    const raw = await rawBodyOf(req);
    if (raw === null) return sendJson(res, 413, { error: 'body too large' }, { connection: 'close' });
    const header = req.headers[SIGNATURE_HEADER];
    const check = verifyPaymentSignature(
      secret,
      typeof header === 'string' ? header : undefined,
      raw,
      config.PAYMENT_WEBHOOK_TOLERANCE_SECONDS,
    );
    if (!check.ok) return sendJson(res, 400, { error: check.reason });
    const event = parseEvent(raw);
    if (!event) return sendJson(res, 400, { error: 'not a payment event' });

    const principal = servicePrincipal('payment-webhook');
    const requestId = randomUUID();
    try {
      const outcome = await runAudited(
        { subgraph: 'identity', dataSource, resources, onOutboxWrite: deps.nudgeAuditRelay, logger },
        {
          action: `paymentWebhook:${event.type}`,
          principal,
          requestId,
          clientIp: req.socket.remoteAddress ?? null,
          userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'].slice(0, 512) : null,
          operationName: null,
          returnedType: 'Payment',
          declared: () => ({ type: 'PaymentWebhookEvent', id: event.id }),
        },
        async () => {
          const inserted = (await dataSource.query(
            `INSERT INTO identity.payment_webhook_events (event_id, provider, type, signed_at, payload)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
            [event.id, config.PAYMENT_PROVIDER, event.type, check.signedAt, raw],
          )) as unknown[];
          if (inserted.length === 0) return { duplicate: true, paymentId: null };
          const ctx = createIdentityContext(
            { dataSource, config },
            { principal, requestId, clientIp: null, userAgent: null },
          );
          if (event.type === 'checkout.session.completed') {
            const providerSessionId = str(event.data.providerSessionId);
            const providerPaymentId = str(event.data.providerPaymentId);
            const session = providerSessionId ? await ctx.payments.sessionByProviderId(providerSessionId) : null;
            if (!session || !providerPaymentId)
              return { duplicate: false, paymentId: null, ignored: 'unknown session' };
            const amountCents = int(event.data.amountCents);
            const currency = str(event.data.currency);
            const payment = await ctx.payments.complete(session.id, {
              providerPaymentId,
              ...(amountCents !== undefined ? { amountCents } : {}),
              ...(currency !== undefined ? { currency } : {}),
            });
            return { duplicate: false, paymentId: payment.id };
          }
          if (event.type === 'payment.refunded') {
            const providerPaymentId = str(event.data.providerPaymentId);
            if (!providerPaymentId) return { duplicate: false, paymentId: null, ignored: 'no payment id' };
            const payment = await ctx.payments.refundByProvider(providerPaymentId, str(event.data.reason) ?? null);
            return { duplicate: false, paymentId: payment.id };
          }
          // Recorded, so a provider's other events are acknowledged once and not retried.
          return { duplicate: false, paymentId: null, ignored: event.type };
        },
      );
      sendJson(res, 200, { received: true, ...outcome });
    } catch (error) {
      if (isCodedError(error)) {
        const code = String(error.extensions.code);
        return sendJson(res, STATUS_OF[code] ?? 400, { error: error.message, code });
      }
      logger.error({ err: error, eventId: event.id }, 'payment webhook failed');
      sendJson(res, 500, { error: 'internal error', requestId });
    }
  };
}
