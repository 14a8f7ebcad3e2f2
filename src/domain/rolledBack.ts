/**
 * The mark on a version rolled back from, where everyone who reads the models sees it: in the bucket, a
 * small JSON object in the iteration's directory (`mark_rolled_back`); in MLflow, the version's
 * `rollback_bot.rolled_back` tags. The catalog reads it back, so "never again last known good" survives
 * a new database, and `versions` shows who rolled it back. Pure: the content written and how it is read.
 */

export interface RolledBackMark {
  /** When it was rolled back from (the marker's time, or what it says). */
  readonly at?: Date;
  /** The request that did it, `R-7KQ2`, when the mark says. */
  readonly request?: string;
  readonly reason?: string;
  readonly by?: string;
}

/** What the bucket's marker holds (JSON). */
export interface RolledBackObject {
  readonly request: string;
  readonly reason: string;
  readonly by: string;
  readonly at: string;
  /** A link to the request's Slack thread. */
  readonly thread?: string;
  readonly service: string;
  readonly iteration: string;
  /** What the service was rolled back to. */
  readonly to: string;
}

/** The marker is small; anything larger is not the bot's and is not read. */
export const MAX_MARKER_BYTES = 16 * 1024;
/** Text fields read back are shown in messages: kept short. */
const MAX_FIELD_CHARS = 300;
const REQUEST_ID = /^R-[0-9A-Z]{4,8}$/;

const field = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value.slice(0, MAX_FIELD_CHARS) : undefined;

/** A marker's text read back; whatever it holds that is not the bot's shape is left out. */
export function parseRolledBackObject(text: string, listedAt?: Date): RolledBackMark {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { at: listedAt };
  }
  if (typeof json !== 'object' || json === null) return { at: listedAt };
  const o = json as Record<string, unknown>;
  const request = field(o.request);
  const at = field(o.at);
  const when = at && !Number.isNaN(Date.parse(at)) ? new Date(at) : listedAt;
  return {
    at: when,
    request: request && REQUEST_ID.test(request) ? request : undefined,
    reason: field(o.reason),
    by: field(o.by),
  };
}

/** A link to a Slack message that works in any workspace the reader is in. */
export function slackThreadLink(channel: string, ts: string | undefined): string | undefined {
  if (!ts || !/^[CGD][A-Z0-9]+$/.test(channel) || !/^\d+\.\d+$/.test(ts)) return undefined;
  return `https://slack.com/archives/${channel}/p${ts.replace('.', '')}`;
}
