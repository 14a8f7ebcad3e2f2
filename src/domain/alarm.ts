/**
 * CloudWatch alarms as the bot sees them: the JSON CloudWatch puts in an SNS notification's Message,
 * and alarm names mentioned in alert messages that other tools post in Slack. Pure: no I/O, no clock.
 */

export type AlarmState = 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';

export interface Alarm {
  name: string;
  description?: string;
  state: AlarmState;
  previousState?: string;
  reason: string;
  at: Date;
  region?: string;
  accountId?: string;
  arn?: string;
  /** What the alarm watches: "AWS/ApiGateway 5XXError", or for metric math "expression: m1/m2*100". */
  metric?: string;
}

export type AlarmParse = { ok: true; alarm: Alarm } | { ok: false; problem: string };

export interface AlarmRoute {
  service: string;
  names: readonly string[];
  patterns: readonly RegExp[];
}

const STATES: ReadonlySet<string> = new Set(['ALARM', 'OK', 'INSUFFICIENT_DATA']);

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value : undefined;

// 2026-11-21T10:00:12.345+0000 as CloudWatch writes it; also Z, +00:00 and any fraction length.
const CLOUDWATCH_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(?:(Z)|([+-])(\d{2}):?(\d{2}))$/i;

/**
 * The instant of a CloudWatch timestamp. Computed field by field rather than with Date.parse, which
 * does not accept an offset without a colon (+0000) everywhere.
 */
export function parseCloudWatchTime(value: string): Date | undefined {
  const m = CLOUDWATCH_TIME.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, fraction = '', zulu, sign, oh, om] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  const millis = Number(fraction.slice(0, 3).padEnd(3, '0'));
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const offsetHours = zulu ? 0 : Number(oh);
  const offsetMinutes = zulu ? 0 : Number(om);
  if (offsetHours > 23 || offsetMinutes > 59) return undefined;
  const local = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  // Date.UTC rolls 31 April over to 1 May: refuse dates that do not exist.
  if (new Date(local).getUTCDate() !== day) return undefined;
  const offsetMs = (offsetHours * 60 + offsetMinutes) * 60_000 * (sign === '-' ? -1 : 1);
  return new Date(local - offsetMs);
}

function describeMetric(metric: unknown): string | undefined {
  if (!isObject(metric)) return undefined;
  const name = text(metric.MetricName);
  if (!name) return undefined;
  const namespace = text(metric.Namespace);
  return namespace ? `${namespace} ${name}` : name;
}

/** What an alarm's Trigger watches: one metric, or the returned expression / metrics of metric math. */
function describeTrigger(trigger: unknown): string | undefined {
  if (!isObject(trigger)) return undefined;
  const single = describeMetric(trigger);
  if (single) return single;
  if (!Array.isArray(trigger.Metrics)) return undefined;
  const queries = trigger.Metrics.filter(isObject);
  const expressions = queries.filter((q) => text(q.Expression));
  const returned =
    queries.find((q) => q.ReturnData === true) ?? (expressions.length === 1 ? expressions[0] : undefined);
  const expression = returned ? text(returned.Expression) : undefined;
  if (expression) return `expression: ${expression}`;
  const returnedMetric = returned && isObject(returned.MetricStat) ? returned.MetricStat.Metric : undefined;
  const described = describeMetric(returnedMetric);
  if (described) return described;
  const names = queries
    .map((q) => (isObject(q.MetricStat) ? describeMetric(q.MetricStat.Metric) : undefined))
    .filter((name): name is string => name !== undefined);
  return names.length > 0 ? [...new Set(names)].join(', ') : undefined;
}

/** Reads the alarm CloudWatch sends as an SNS Message; anything else is refused with a sentence. */
export function parseCloudWatchAlarm(message: string): AlarmParse {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return { ok: false, problem: 'The message is not JSON, so it is not a CloudWatch alarm.' };
  }
  if (!isObject(parsed)) {
    return { ok: false, problem: 'The message is not a JSON object, so it is not a CloudWatch alarm.' };
  }
  const name = text(parsed.AlarmName);
  if (!name) return { ok: false, problem: 'The message has no AlarmName, so it is not a CloudWatch alarm.' };
  const state = parsed.NewStateValue;
  if (typeof state !== 'string' || !STATES.has(state)) {
    return {
      ok: false,
      problem: `Alarm ${name} has no known NewStateValue (got ${JSON.stringify(state ?? null)}).`,
    };
  }
  const changedAt = typeof parsed.StateChangeTime === 'string' ? parsed.StateChangeTime : undefined;
  const at = changedAt === undefined ? undefined : parseCloudWatchTime(changedAt);
  if (!at) {
    return {
      ok: false,
      problem:
        changedAt === undefined
          ? `Alarm ${name} has no StateChangeTime.`
          : `Alarm ${name} has a StateChangeTime that is not a time: ${JSON.stringify(changedAt)}.`,
    };
  }
  const alarm: Alarm = {
    name,
    state: state as AlarmState,
    reason: typeof parsed.NewStateReason === 'string' ? parsed.NewStateReason : '',
    at,
  };
  const optional: Array<[keyof Alarm, unknown]> = [
    ['description', parsed.AlarmDescription],
    ['previousState', parsed.OldStateValue],
    ['region', parsed.Region],
    ['accountId', parsed.AWSAccountId],
    ['arn', parsed.AlarmArn],
    ['metric', describeTrigger(parsed.Trigger)],
  ];
  for (const [key, value] of optional) {
    const present = text(value);
    if (present !== undefined) Object.assign(alarm, { [key]: present });
  }
  return { ok: true, alarm };
}

/** CloudWatch's own limit on alarm names: anything longer is not an alarm name. */
export const MAX_ALARM_NAME_CHARS = 255;
/** Alert messages are read this far: tools put the alarm's name first, and patterns run on every word. */
export const MAX_ALERT_TEXT_CHARS = 4000;

// search() ignores lastIndex, so a pattern with the g or y flag behaves the same on every call. Patterns
// run on outside text only within the bounds above.
const matches = (pattern: RegExp, value: string): boolean =>
  value.length <= MAX_ALARM_NAME_CHARS && value.search(pattern) !== -1;

/** The service an alarm belongs to: an exact name in any route first, then the first matching pattern. */
export function serviceForAlarm(alarmName: string, routes: readonly AlarmRoute[]): string | undefined {
  const exact = routes.find((route) => route.names.includes(alarmName));
  if (exact) return exact.service;
  return routes.find((route) => route.patterns.some((pattern) => matches(pattern, alarmName)))?.service;
}

const NAME_CHAR = /[A-Za-z0-9._:/-]/;
const NAME_TOKEN = /[A-Za-z0-9._:/-]+/g;
// Punctuation that may end a sentence or wrap a name ("…-5xx." "…-5xx:") but also occurs inside names.
const EDGE = '.:/-';

const isNameChar = (ch: string | undefined): boolean => ch !== undefined && NAME_CHAR.test(ch);

/** True when text[start, end) stands alone: not glued to other name characters on either side. */
function standsAlone(text: string, start: number, end: number): boolean {
  let before = start;
  while (before > 0 && EDGE.includes(text.charAt(before - 1))) before--;
  let after = end;
  while (after < text.length && EDGE.includes(text.charAt(after))) after++;
  return !isNameChar(before > 0 ? text[before - 1] : undefined) && !isNameChar(text[after]);
}

function trimEdges(token: string): string {
  let start = 0;
  let end = token.length;
  while (start < end && EDGE.includes(token.charAt(start))) start++;
  while (end > start && EDGE.includes(token.charAt(end - 1))) end--;
  return token.slice(start, end);
}

/**
 * Configured alarms mentioned in a free-text alert (as other tools post them in Slack): exact names as
 * whole tokens, and tokens that look like alarm names matched against the routes' patterns. In order of
 * first mention, each alarm once.
 */
export function alarmNamesIn(
  fullText: string,
  routes: readonly AlarmRoute[],
): Array<{ service: string; alarm: string }> {
  const text = fullText.slice(0, MAX_ALERT_TEXT_CHARS);
  const hits: Array<{ at: number; service: string; alarm: string }> = [];
  const exactNames = new Set<string>();
  // Where exact names were found, so their parts (a name may hold spaces) are not matched again.
  const covered: Array<[number, number]> = [];

  for (const route of routes) {
    for (const name of route.names) {
      if (name === '' || exactNames.has(name)) continue;
      exactNames.add(name);
      for (let at = text.indexOf(name); at !== -1; at = text.indexOf(name, at + 1)) {
        if (standsAlone(text, at, at + name.length)) {
          hits.push({ at, service: route.service, alarm: name });
          covered.push([at, at + name.length]);
        }
      }
    }
  }

  for (const token of text.matchAll(NAME_TOKEN)) {
    const start = token.index ?? 0;
    const end = start + token[0].length;
    if (covered.some(([from, to]) => start < to && end > from)) continue;
    const trimmed = trimEdges(token[0]);
    for (const candidate of new Set([trimmed, token[0]])) {
      // Exact names were found above, with their own route.
      if (candidate === '' || exactNames.has(candidate)) break;
      const route = routes.find((r) => r.patterns.some((pattern) => matches(pattern, candidate)));
      if (route) {
        hits.push({ at: start, service: route.service, alarm: candidate });
        break;
      }
    }
  }

  hits.sort((a, b) => a.at - b.at);
  const seen = new Set<string>();
  const found: Array<{ service: string; alarm: string }> = [];
  for (const hit of hits) {
    const key = `${hit.service}\u0000${hit.alarm}`;
    if (seen.has(key)) continue;
    seen.add(key);
    found.push({ service: hit.service, alarm: hit.alarm });
  }
  return found;
}
