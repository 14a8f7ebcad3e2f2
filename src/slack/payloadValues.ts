/**
 * The one reader of what the bot stored in Slack payloads and gets back later: button values and
 * modal private_metadata. Slack returns them as the client sent them, so an old card, a hand-made
 * request or a tampered form can hold anything: every field is checked against a small schema (type,
 * length, pattern) before a listener sees it, and a failure is a value, never an exception.
 */
import { REASONS } from '../domain/command.js';

export type Read<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problem: string };

interface Rule {
  readonly optional?: boolean;
  /** Longest accepted value; 200 unless a field needs more. */
  readonly max?: number;
  readonly pattern?: RegExp;
  readonly oneOf?: readonly string[];
}
type Schema = Readonly<Record<string, Rule>>;

type ValueOf<R> = R extends { readonly oneOf: readonly (infer U extends string)[] } ? U : string;
type Optional = { readonly optional: true };
type Parsed<S extends Schema> = {
  readonly [K in keyof S as S[K] extends Optional ? never : K]: ValueOf<S[K]>;
} & { readonly [K in keyof S as S[K] extends Optional ? K : never]?: ValueOf<S[K]> };

const MAX_FIELD = 200;

export const PATTERNS = {
  /** Ids the bot makes (`R-7KQ2`); a little room for longer ones later. */
  requestId: /^R-[0-9A-Z]{4,16}$/,
  channel: /^[CGD][A-Z0-9]{2,}$/,
  /** A message timestamp, `1712345678.123456`. */
  ts: /^\d{1,12}\.\d{1,8}$/,
} as const;

function checkField(name: string, raw: unknown, rule: Rule): string | undefined {
  if (typeof raw !== 'string') return `${name} is not text`;
  if (raw.length === 0) return `${name} is empty`;
  if (raw.length > (rule.max ?? MAX_FIELD)) return `${name} is too long`;
  if (rule.pattern && !rule.pattern.test(raw)) return `${name} is not in its form`;
  if (rule.oneOf && !rule.oneOf.includes(raw)) return `${name} is not one of the known values`;
  return undefined;
}

/** One plain string (a request id, a service name), checked like a field. */
export function readString(raw: string | undefined, name: string, rule: Rule = {}): Read<string> {
  const problem = checkField(name, raw, rule);
  return problem ? { ok: false, problem } : { ok: true, value: raw as string };
}

/** A JSON object with exactly the schema's fields (unknown ones are dropped, not trusted). */
export function readJson<S extends Schema>(raw: string | undefined, schema: S): Read<Parsed<S>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw ?? '');
  } catch {
    return { ok: false, problem: 'not JSON' };
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    return { ok: false, problem: 'not an object' };
  const record = parsed as Record<string, unknown>;
  const value: Record<string, string> = {};
  for (const [name, rule] of Object.entries(schema)) {
    const field = record[name];
    if (field === undefined && rule.optional) continue;
    const problem = checkField(name, field, rule);
    if (problem) return { ok: false, problem };
    value[name] = field as string;
  }
  return { ok: true, value: value as Parsed<S> };
}

/** "Request rollback to …" buttons: which service, and what to prefill. */
export const OPEN_MODAL_VALUE = {
  service: {},
  version: { optional: true },
  reason: { optional: true, oneOf: REASONS },
  threadTs: { optional: true, pattern: PATTERNS.ts },
  // `alarm:<name>`: CloudWatch allows 255 characters in an alarm name.
  alarmKey: { optional: true, max: 300 },
} as const satisfies Schema;

/** The request modal's private_metadata (ModalContext). */
export const REQUEST_MODAL_METADATA = {
  service: {},
  channel: { pattern: PATTERNS.channel },
  threadTs: { optional: true, pattern: PATTERNS.ts },
  alarmKey: { optional: true, max: 300 },
} as const satisfies Schema;

/** The reject modal's private_metadata. */
export const REJECT_MODAL_METADATA = {
  requestId: { pattern: PATTERNS.requestId },
  channel: { pattern: PATTERNS.channel },
} as const satisfies Schema;

/** The unpin modal's private_metadata. */
export const UNPIN_MODAL_METADATA = { service: {} } as const satisfies Schema;

export const readOpenModalValue = (raw: string | undefined) => readJson(raw, OPEN_MODAL_VALUE);
export const readUnpinModalMetadata = (raw: string | undefined) => readJson(raw, UNPIN_MODAL_METADATA);
export const readRequestModalMetadata = (raw: string | undefined) => readJson(raw, REQUEST_MODAL_METADATA);
export const readRejectModalMetadata = (raw: string | undefined) => readJson(raw, REJECT_MODAL_METADATA);
/** A request card's buttons carry the request id alone. */
export const readRequestId = (raw: string | undefined) =>
  readString(raw, 'request id', { pattern: PATTERNS.requestId });
/** "Show versions" and the modal's service picker carry a service name alone. */
export const readServiceName = (raw: string | undefined) => readString(raw, 'service');
