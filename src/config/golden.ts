/**
 * An environment's golden checks (`[[services.<name>.environments.golden]]`): a known request and what
 * its answer must hold. Header values name environment variables (`"$PREDICT_TOKEN"`, or
 * `"Bearer ${PREDICT_TOKEN}"`), read here at start-up: a missing one is refused by name, and a value is
 * never shown (it is kept behind a function, so no log or JSON of the config can hold it).
 */
import {
  GOLDEN_METHODS,
  type GoldenCheck,
  type GoldenExpectation,
  type GoldenHeader,
  type GoldenRule,
  pointerProblem,
} from '../domain/golden.js';
import { isTable, type Reader, type Table } from './reader.js';
import { backtrackingRisk } from './regexSafety.js';

/** RFC 9110 token characters. */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;
/** Set by fetch itself, or meaningless to set by hand. */
const RESERVED_HEADERS = new Set(['host', 'content-length', 'connection', 'transfer-encoding']);
const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;
const NAME = /^[A-Za-z0-9][A-Za-z0-9 ._:()-]{0,63}$/;
/** The longest pattern source and the longest equal-to value accepted (they are shown in messages). */
const MAX_PATTERN_CHARS = 200;

export function readGoldenChecks(
  env: Reader,
  healthcheckUrl: string,
  environment: Readonly<Record<string, string | undefined>>,
): GoldenCheck[] {
  if (!env.has('golden')) return [];
  const checks = env.tables('golden').map((g) => readCheck(g, healthcheckUrl, environment));
  const names = checks.map((c) => c.name);
  const twice = names.find((n, i) => n !== '' && names.indexOf(n) !== i);
  if (twice) env.problem('golden', `golden check "${twice}" is listed twice in this environment`);
  return checks;
}

function readCheck(
  g: Reader,
  healthcheckUrl: string,
  environment: Readonly<Record<string, string | undefined>>,
): GoldenCheck {
  const name = g.string('name', {
    pattern: NAME,
    hint: 'a short name like "cat image" (letters, digits, spaces, ._:()-; up to 64 characters)',
  });
  const method = g.oneOf('method', GOLDEN_METHODS, 'GET');
  const url = readUrl(g, healthcheckUrl);
  let body: Record<string, unknown> | undefined;
  if (g.has('body')) {
    const raw = g.value('body');
    if (!isTable(raw))
      g.problem('body', 'expected an inline table (sent as JSON), e.g. body = { text = "…" }');
    else if (method === 'GET') g.problem('body', 'a GET request has no body: set method = "POST"');
    else body = raw;
  }
  const headers = readHeaders(g, environment);
  const status = g.number('status', { default: 200, min: 100, max: 599, integer: true });
  const expect = readExpect(g);
  g.rejectUnknown();
  return { name, method, url, body, headers, status, expect };
}

/** A full http(s) URL, or a path (`/predict`) on the healthcheck's host. */
function readUrl(g: Reader, healthcheckUrl: string): string {
  const url = g.string('url', {
    hint: 'a full http(s) URL, or a path like "/predict" on the healthcheck host',
  });
  if (url === '') return '';
  if (url.startsWith('/') && !url.startsWith('//')) {
    if (!URL.canParse(healthcheckUrl)) return url; // the healthcheck_url's own problem is reported
    return new URL(url, healthcheckUrl).toString();
  }
  if (!/^https?:\/\/\S+$/.test(url) || !URL.canParse(url)) {
    g.problem(
      'url',
      `expected a full http(s) URL, or a path like "/predict" on the healthcheck host, got ${JSON.stringify(url)}`,
    );
  }
  return url;
}

function readHeaders(g: Reader, environment: Readonly<Record<string, string | undefined>>): GoldenHeader[] {
  if (!g.has('headers')) return [];
  const raw = g.value('headers');
  if (!isTable(raw)) {
    g.problem(
      'headers',
      'expected a table of header name to value, e.g. headers = { Authorization = "$TOKEN" }',
    );
    return [];
  }
  const out: GoldenHeader[] = [];
  for (const [header, template] of Object.entries(raw)) {
    const key = `headers.${header}`;
    if (!HEADER_NAME.test(header) || RESERVED_HEADERS.has(header.toLowerCase())) {
      g.problem(key, 'expected an HTTP header name the bot may set (not Host, Content-Length…)');
      continue;
    }
    if (typeof template !== 'string') {
      g.problem(key, 'expected a string, e.g. "$PREDICT_TOKEN" (read from the environment at start)');
      continue;
    }
    let missing = false;
    const value = template.replace(VARIABLE, (_whole, braced?: string, bare?: string) => {
      const variable = braced ?? bare ?? '';
      const found = environment[variable];
      if (found === undefined || found === '') {
        g.problem(key, `the environment variable ${variable} is not set (the bot reads it at start)`);
        missing = true;
        return '';
      }
      return found;
    });
    if (missing) continue;
    // Never the value itself: it is likely a credential.
    if (/[\r\n\0]/.test(value)) {
      g.problem(key, 'the value holds a line break or NUL (check the environment variable it reads)');
      continue;
    }
    out.push({ name: header, value: () => value });
  }
  return out;
}

function readExpect(g: Reader): GoldenExpectation[] {
  if (!g.has('expect')) return [];
  const raw = g.value('expect');
  if (!isTable(raw)) {
    g.problem('expect', 'expected a table of JSON pointer to value, e.g. expect = { "/label" = "cat" }');
    return [];
  }
  const out: GoldenExpectation[] = [];
  for (const [pointer, value] of Object.entries(raw)) {
    const key = `expect.${JSON.stringify(pointer)}`;
    const problem = pointerProblem(pointer);
    if (problem) {
      g.problem(key, problem);
      continue;
    }
    const rule = readRule(value, (message) => g.problem(key, message));
    if (rule) out.push({ pointer, rule });
  }
  return out;
}

const RULE_HINT = 'expected a value (equal), { min = …, max = … }, { matches = "…" } or { equals = … }';

function readRule(value: unknown, problem: (message: string) => void): GoldenRule | undefined {
  if (value instanceof Date) {
    problem('a TOML date is not a JSON value: write it as a string');
    return undefined;
  }
  if (!isTable(value)) return { kind: 'equals', value };
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === 'equals') return { kind: 'equals', value: (value as Table).equals };
  if (keys.length === 1 && keys[0] === 'matches') {
    const source = value.matches;
    if (typeof source !== 'string' || source === '' || source.length > MAX_PATTERN_CHARS) {
      problem(`expected matches = a regular expression of up to ${MAX_PATTERN_CHARS} characters`);
      return undefined;
    }
    let pattern: RegExp;
    try {
      pattern = new RegExp(source);
    } catch (err) {
      problem(`expected a regular expression: ${(err as Error).message}`);
      return undefined;
    }
    // It runs on the checked service's answers: outside text.
    const risk = backtrackingRisk(source);
    if (risk) {
      problem(
        `refused: the pattern can take super-linear time on outside text (${risk}); rewrite it so each character can be matched only one way`,
      );
      return undefined;
    }
    return { kind: 'matches', pattern };
  }
  if (keys.length > 0 && keys.every((k) => k === 'min' || k === 'max')) {
    const { min, max } = value as { min?: unknown; max?: unknown };
    const number = (n: unknown) => n === undefined || (typeof n === 'number' && Number.isFinite(n));
    if (!number(min) || !number(max)) {
      problem('expected min and max to be numbers');
      return undefined;
    }
    if (typeof min === 'number' && typeof max === 'number' && min > max) {
      problem(`min (${min}) is greater than max (${max})`);
      return undefined;
    }
    return { kind: 'range', min: min as number | undefined, max: max as number | undefined };
  }
  problem(`${RULE_HINT}, got a table with ${keys.map((k) => JSON.stringify(k)).join(', ') || 'no keys'}`);
  return undefined;
}
