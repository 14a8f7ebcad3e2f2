/**
 * Structured JSON logs, one line per event (pino). Errors keep their stack and their cause chain (an
 * octokit error wrapping a fetch error wrapping ENOTFOUND says all three). Anything whose key looks like
 * a credential, or whose value looks like one (secrets.ts: tokens, AWS keys, private keys, Slack hook
 * URLs, database passwords), is replaced before it is written, so a careless `log.info('x', { env })`
 * cannot leak one. Audit lines are written whatever LOG_LEVEL says.
 */
import { pino, stdSerializers } from 'pino';
import { redactText } from './secrets.js';

export type Level = 'debug' | 'info' | 'warn' | 'error';
// A response_url or webhook URL lets whoever holds it post as the bot for a while: a credential too.
const SECRET_KEY =
  /token|secret|password|private|authorization|signature|cookie|credential|response_?url|webhook/i;

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** An audit line: always written, at level "audit", whatever the configured level. */
  audit(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

const redactString = redactText;

export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value instanceof Error) return redact(stdSerializers.errWithCause(value), depth);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value))
    out[k] = SECRET_KEY.test(k) && typeof v !== 'object' ? '[redacted]' : redact(v, depth + 1);
  return out;
}

export function createLogger(
  level: Level = 'info',
  base: Record<string, unknown> = {},
  write?: (line: string) => void,
): Logger {
  const destination = write
    ? { write: (line: string) => write(line.endsWith('\n') ? line.slice(0, -1) : line) }
    : pino.destination({ dest: 1, sync: true });
  const root = pino(
    {
      level: 'debug',
      base: null,
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      customLevels: { audit: 35 },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  const threshold = { debug: 20, info: 30, warn: 40, error: 50 }[level];
  const make = (logger: pino.Logger<'audit'>): Logger => {
    const emit = (lvl: Level | 'audit', value: number, msg: string, fields?: Record<string, unknown>) => {
      if (value < threshold && lvl !== 'audit') return;
      logger[lvl](redact(fields ?? {}) as object, redactString(msg));
    };
    return {
      debug: (m, f) => emit('debug', 20, m, f),
      info: (m, f) => emit('info', 30, m, f),
      warn: (m, f) => emit('warn', 40, m, f),
      error: (m, f) => emit('error', 50, m, f),
      audit: (m, f) => emit('audit', 35, m, f),
      child: (fields) => make(logger.child(redact(fields) as Record<string, unknown>)),
    };
  };
  return make(root.child(redact(base) as Record<string, unknown>));
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  audit: () => undefined,
  child: () => silentLogger,
};
