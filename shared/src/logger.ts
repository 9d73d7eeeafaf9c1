import pino, { type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs; one child logger per service, with request ids added per call. */
export function createLogger(service: string, level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name: service, level, base: { service } });
}
