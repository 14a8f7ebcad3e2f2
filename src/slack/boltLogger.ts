/** Bolt wants its own Logger shape; route it into our structured JSON lines. */
import { type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import type { Logger } from '../support/log.js';

// The Socket Mode client logs every envelope whole at debug level (`Received a message on the WebSocket:
// {…}`): payloads carry response_urls (post as the bot), user text and verification tokens. Only the
// envelope's type and id are kept; they are what a debugging session correlates.
const ENVELOPE_LINES =
  /^(Received a message on the WebSocket|Sending a WebSocket message|Unable to parse an incoming WebSocket message \(will ignore\)): /;
const ACK_LINE = /^(Calling ack\(\) - type: [^,]*, envelope_id: [^,]*), data: /;

function envelopeSummary(json: string): string {
  try {
    const parsed = JSON.parse(json) as { type?: unknown; envelope_id?: unknown };
    const parts: string[] = [];
    if (typeof parsed.type === 'string') parts.push(`type ${parsed.type}`);
    if (typeof parsed.envelope_id === 'string') parts.push(`envelope_id ${parsed.envelope_id}`);
    return parts.join(', ') || 'no type or envelope_id';
  } catch {
    return 'not JSON';
  }
}

/** A Bolt or Socket Mode log line without the envelope bodies it may quote. */
export function withoutEnvelopeBodies(text: string): string {
  const envelope = ENVELOPE_LINES.exec(text);
  if (envelope) {
    const prefix = envelope[1] ?? '';
    const body = text.slice(envelope[0].length);
    return prefix.startsWith('Unable')
      ? `${prefix} (body not logged)`
      : `${prefix} (${envelopeSummary(body)}; body not logged)`;
  }
  const ack = ACK_LINE.exec(text);
  if (ack) return `${ack[1]} (data not logged)`;
  return text;
}

export function boltLogger(log: Logger, level: LogLevel = LogLevel.INFO): BoltLogger {
  let current = level;
  let name = 'bolt';
  const text = (msg: unknown[]) =>
    withoutEnvelopeBodies(msg.map((m) => (typeof m === 'string' ? m : JSON.stringify(m))).join(' '));
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
