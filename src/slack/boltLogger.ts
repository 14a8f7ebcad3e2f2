/** Bolt wants its own Logger shape; route it into our structured JSON lines. */
import { type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import type { Logger } from '../log.js';

export function boltLogger(log: Logger, level: LogLevel = LogLevel.INFO): BoltLogger {
  let current = level;
  let name = 'bolt';
  const text = (msg: unknown[]) => msg.map((m) => (typeof m === 'string' ? m : JSON.stringify(m))).join(' ');
  return {
    debug: (...msg) => log.debug(text(msg), { component: name }),
    info: (...msg) => log.info(text(msg), { component: name }),
    warn: (...msg) => log.warn(text(msg), { component: name }),
    error: (...msg) => log.error(text(msg), { component: name }),
    setLevel: (l) => {
      current = l;
    },
    getLevel: () => current,
    setName: (n) => {
      name = n;
    },
  };
}
