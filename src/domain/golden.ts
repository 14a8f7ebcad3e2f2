/**
 * Golden checks: after an environment's healthchecks serve the target K times, a known request is sent
 * and its answer judged (the status, and values at JSON pointers: equal, within a range, or matching a
 * pattern). "Serves the target" says the deploy happened; a golden check says the model answers as the
 * known-good one did. Pure: the adapter sends the request, this reads the answer and says, for each rule
 * that fails, what was expected and what came back.
 */

/** What one value at a pointer must be. */
export type GoldenRule =
  | { readonly kind: 'equals'; readonly value: unknown }
  | { readonly kind: 'range'; readonly min?: number; readonly max?: number }
  | { readonly kind: 'matches'; readonly pattern: RegExp };

export interface GoldenExpectation {
  /** An RFC 6901 JSON pointer: `/predictions/0/label`; `` is the whole answer. */
  readonly pointer: string;
  readonly rule: GoldenRule;
}

export const GOLDEN_METHODS = ['GET', 'POST', 'PUT', 'PATCH'] as const;
export type GoldenMethod = (typeof GOLDEN_METHODS)[number];

/** A header whose value was resolved at start-up (from the environment): read, never shown or logged. */
export interface GoldenHeader {
  readonly name: string;
  readonly value: () => string;
}

/** One golden check of an environment, as the config declares it (`[[…environments.golden]]`). */
export interface GoldenCheck {
  readonly name: string;
  readonly method: GoldenMethod;
  /** Absolute: a path in the config is resolved on the healthcheck's host at start-up. */
  readonly url: string;
  /** Sent as JSON. */
  readonly body?: Readonly<Record<string, unknown>>;
  readonly headers: readonly GoldenHeader[];
  /** The HTTP status the answer must have. */
  readonly status: number;
  readonly expect: readonly GoldenExpectation[];
}

/** The answer a golden request got, as the adapter read it. */
export type GoldenAnswer =
  | {
      readonly ok: true;
      readonly status: number;
      /** The parsed JSON body; undefined with `bodyProblem` when the body is not JSON. */
      readonly json?: unknown;
      readonly bodyProblem?: string;
      readonly latencyMs: number;
    }
  /** No answer: a timeout, DNS, a refused connection, an answer larger than the bound… (named). */
  | { readonly ok: false; readonly error: string; readonly latencyMs: number };

/** One way a check failed: what it looked at, what was expected, what came back. */
export interface GoldenMismatch {
  /** `status`, a JSON pointer, or `request`. */
  readonly what: string;
  readonly expected: string;
  readonly actual: string;
}

export interface GoldenOutcome {
  readonly name: string;
  readonly ok: boolean;
  readonly mismatches: readonly GoldenMismatch[];
  readonly latencyMs?: number;
}

/** Shown values are cut here: an answer is outside text, and a thread message has room for a few. */
export const MAX_SHOWN_CHARS = 120;

/** Why `pointer` is not an RFC 6901 JSON pointer, or undefined. */
export function pointerProblem(pointer: string): string | undefined {
  if (pointer === '') return undefined;
  if (!pointer.startsWith('/')) return 'a JSON pointer starts with "/" (e.g. "/predictions/0/score")';
  if (/~(?![01])/.test(pointer)) return 'in a JSON pointer "~" is written "~0" and "/" inside a name "~1"';
  return undefined;
}

/** The value at `pointer` in `doc` (RFC 6901); `found: false` when there is none. */
export function resolvePointer(doc: unknown, pointer: string): { found: boolean; value?: unknown } {
  if (pointer === '') return { found: true, value: doc };
  let current: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(current)) {
      // Array indexes are "0" or digits without a leading zero; "-" (past the end) names nothing.
      if (!/^(0|[1-9][0-9]*)$/.test(token)) return { found: false };
      const index = Number(token);
      if (index >= current.length) return { found: false };
      current = current[index];
    } else if (typeof current === 'object' && current !== null) {
      if (!Object.hasOwn(current, token)) return { found: false };
      current = (current as Record<string, unknown>)[token];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: current };
}

/** A value as shown in a message: JSON, cut to a bound. */
export function showValue(value: unknown): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > MAX_SHOWN_CHARS ? `${text.slice(0, MAX_SHOWN_CHARS - 1)}…` : text;
}

/** Deep equality of JSON values (key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]))
    );
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every(
      (k) =>
        Object.hasOwn(b, k) &&
        jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
    )
  );
}

/** The rule in words: `= "cat"`, `between 0.8 and 1`, `at least 0.8`, `matching /^cat/`. */
export function describeRule(rule: GoldenRule): string {
  switch (rule.kind) {
    case 'equals':
      return `= ${showValue(rule.value)}`;
    case 'range':
      if (rule.min !== undefined && rule.max !== undefined) return `between ${rule.min} and ${rule.max}`;
      return rule.min !== undefined ? `at least ${rule.min}` : `at most ${rule.max}`;
    case 'matches':
      return `matching /${rule.pattern.source}/`;
  }
}

/** Longest text a pattern runs on: a pattern is safe by config, the bound keeps it cheap anyway. */
const MAX_MATCHED_CHARS = 10_000;

function holds(rule: GoldenRule, value: unknown): boolean {
  switch (rule.kind) {
    case 'equals':
      return jsonEqual(value, rule.value);
    case 'range':
      return (
        typeof value === 'number' &&
        Number.isFinite(value) &&
        (rule.min === undefined || value >= rule.min) &&
        (rule.max === undefined || value <= rule.max)
      );
    case 'matches':
      return typeof value === 'string' && value.length <= MAX_MATCHED_CHARS && rule.pattern.test(value);
  }
}

/** Judges one answer against the check's status and expectations. */
export function judgeGolden(
  check: { readonly name: string; readonly status: number; readonly expect: readonly GoldenExpectation[] },
  answer: GoldenAnswer,
): GoldenOutcome {
  const mismatches: GoldenMismatch[] = [];
  const done = () => ({
    name: check.name,
    ok: mismatches.length === 0,
    mismatches,
    latencyMs: answer.latencyMs,
  });
  if (!answer.ok) {
    mismatches.push({ what: 'request', expected: `HTTP ${check.status}`, actual: answer.error });
    return done();
  }
  if (answer.status !== check.status) {
    mismatches.push({ what: 'status', expected: String(check.status), actual: String(answer.status) });
  }
  if (check.expect.length === 0) return done();
  if (answer.bodyProblem !== undefined) {
    mismatches.push({ what: 'body', expected: 'a JSON answer', actual: answer.bodyProblem });
    return done();
  }
  for (const e of check.expect) {
    const at = resolvePointer(answer.json, e.pointer);
    if (!at.found) {
      mismatches.push({ what: e.pointer, expected: describeRule(e.rule), actual: 'nothing (no such field)' });
    } else if (!holds(e.rule, at.value)) {
      mismatches.push({ what: e.pointer, expected: describeRule(e.rule), actual: showValue(at.value) });
    }
  }
  return done();
}
