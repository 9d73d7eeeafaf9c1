import pino, { type DestinationStream, type Level, type Logger } from 'pino';

export type { DestinationStream, Level, Logger };

/** A second destination that takes the lines at or above its own level (log shipping). */
export interface LogTap extends DestinationStream {
  readonly level: Level;
}

/**
 * Structured JSON logs; one child logger per service, with request ids added per call.
 * `destination` defaults to stdout (tests pass a stream to read the lines back). With a `tap`,
 * each destination keeps its own threshold: LOG_LEVEL=silent still taps warnings.
 */
export function createLogger(
  service: string,
  level: string = process.env.LOG_LEVEL ?? 'info',
  destination?: DestinationStream,
  tap?: LogTap,
): Logger {
  const options = { name: service, level, base: { service } };
  if (!tap) return pino(options, destination ?? stdoutDestination());
  const streams: pino.StreamEntry[] = [{ level: tap.level, stream: tap }];
  if (isLevel(level)) {
    streams.push({ level, stream: destination ?? stdoutDestination() });
  }
  // The logger must let through whatever either destination wants.
  const lowest = isLevel(level) && rank(level) < rank(tap.level) ? level : tap.level;
  return pino({ ...options, level: lowest }, pino.multistream(streams));
}

/**
 * Stdout written asynchronously: lines logged while a write is in flight go out together in the
 * next one, instead of one synchronous write(2) per line (the gateway logs a line per request).
 * Nothing is held back when idle, and pino flushes what is pending when the process exits.
 */
const stdoutDestination = (): DestinationStream => pino.destination({ dest: process.stdout.fd || 1, sync: false });

const rank = (level: string): number => pino.levels.values[level] ?? Number.POSITIVE_INFINITY;

/** A level that writes something (`silent` writes nothing). */
const isLevel = (level: string): level is Level => Object.hasOwn(pino.levels.values, level);
