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
  if (!tap) return destination ? pino(options, destination) : pino(options);
  const streams: pino.StreamEntry[] = [{ level: tap.level, stream: tap }];
  if (isLevel(level)) {
    streams.push({ level, stream: destination ?? pino.destination(process.stdout.fd || 1) });
  }
  // The logger must let through whatever either destination wants.
  const lowest = isLevel(level) && rank(level) < rank(tap.level) ? level : tap.level;
  return pino({ ...options, level: lowest }, pino.multistream(streams));
}

const rank = (level: string): number => pino.levels.values[level] ?? Number.POSITIVE_INFINITY;

/** A level that writes something (`silent` writes nothing). */
const isLevel = (level: string): level is Level => Object.hasOwn(pino.levels.values, level);
