/**
 * Changes the model version in a TOML config file by editing the value's text in place.
 * A rollback PR must touch nothing else (comments, key order, quoting, spacing, CRLF), and smol-toml's
 * stringify would drop comments, so we find the one line by a small line scanner, swap the characters
 * between the quotes, then re-parse both texts to prove that only that value changed.
 */
import { parse } from 'smol-toml';
import { readVersionAt } from './configFile.js';

export interface VersionEdit {
  readonly text: string;
  readonly lineNumber: number;
  readonly before: string;
  readonly after: string;
  readonly oldVersion: string;
  readonly newVersion: string;
}

export type EditResult =
  | { readonly ok: true; readonly edit: VersionEdit }
  | { readonly ok: false; readonly problem: string };

// Restricting the alphabet means the new value never needs quoting or escaping in either string style.
const VERSION_PATTERN = /^[0-9A-Za-z.+-]+$/;
const BARE_KEY = /^[A-Za-z0-9_-]+/;

type Line = { readonly body: string; readonly ending: string };

/** What the scanner carries from one line to the next. `table` is null inside `[[array.of.tables]]`. */
interface ScanState {
  multiline: '"""' | "'''" | null;
  depth: number;
  table: string[] | null;
}

type Location =
  | { readonly index: number; readonly start: number; readonly end: number }
  | { problem: string };

/** Splits into lines keeping each line's own ending, so a CRLF file is rebuilt exactly. */
function splitLines(text: string): Line[] {
  return text.split(/(?<=\n)/).map((raw) => {
    const ending = /\r?\n$/.exec(raw)?.[0] ?? '';
    return { body: raw.slice(0, raw.length - ending.length), ending };
  });
}

function skipSpaces(s: string, i: number): number {
  while (s[i] === ' ' || s[i] === '\t') i++;
  return i;
}

/** Index of the quote closing the single-line string that opens at `start`, or -1. */
function closingQuote(s: string, start: number): number {
  const quote = s[start];
  for (let i = start + 1; i < s.length; i++) {
    if (quote === '"' && s[i] === '\\') i++;
    else if (s[i] === quote) return i;
  }
  return -1;
}

/** Index just past the delimiter closing a multi-line string, or -1 if it stays open past this line. */
function multilineEnd(s: string, from: number, delim: string): number {
  for (let i = from; i < s.length; i++) {
    if (delim === '"""' && s[i] === '\\') i++;
    else if (s.startsWith(delim, i)) {
      let end = i + 3;
      // TOML allows up to two quotes of content right before the closing delimiter (`""""` or `"""""`).
      while (s[end] === delim[0] && end < i + 5) end++;
      return end;
    }
  }
  return -1;
}

/** Walks a value's text to learn whether a multi-line string or an array stays open after this line. */
function scanValue(s: string, from: number, state: ScanState): void {
  let i = from;
  while (i < s.length) {
    if (state.multiline) {
      const end = multilineEnd(s, i, state.multiline);
      if (end < 0) return;
      state.multiline = null;
      i = end;
      continue;
    }
    const c = s[i];
    if (c === '#') return;
    if (s.startsWith('"""', i) || s.startsWith("'''", i)) {
      state.multiline = c === '"' ? '"""' : "'''";
      i += 3;
      continue;
    }
    if (c === '"' || c === "'") {
      const end = closingQuote(s, i);
      if (end < 0) return;
      i = end + 1;
      continue;
    }
    if (c === '[' || c === '{') state.depth++;
    else if (c === ']' || c === '}') state.depth--;
    i++;
  }
}

/** A quoted key segment's value; basic strings go through smol-toml so escapes mean what TOML says. */
function unquote(quoted: string): string | null {
  if (quoted.startsWith("'")) return quoted.slice(1, -1);
  try {
    const value = parse(`k = ${quoted}`).k;
    return typeof value === 'string' ? value : null;
  } catch {
    return null;
  }
}

/** Parses a bare, quoted or dotted key starting at `from`: its segments and the index just after it. */
function parseKey(s: string, from: number): { segments: string[]; end: number } | null {
  const segments: string[] = [];
  let i = from;
  for (;;) {
    i = skipSpaces(s, i);
    if (s[i] === '"' || s[i] === "'") {
      const close = closingQuote(s, i);
      const segment = close < 0 ? null : unquote(s.slice(i, close + 1));
      if (segment === null) return null;
      segments.push(segment);
      i = close + 1;
    } else {
      const bare = BARE_KEY.exec(s.slice(i))?.[0];
      if (!bare) return null;
      segments.push(bare);
      i += bare.length;
    }
    i = skipSpaces(s, i);
    if (s[i] !== '.') return { segments, end: i };
    i++;
  }
}

const samePath = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((segment, i) => segment === b[i]);

/** The characters between the quotes of the value that starts at `start`, or why it cannot be edited. */
function valueSpan(body: string, start: number, index: number, name: string): Location {
  const quote = body[start];
  const singleLine = (quote === '"' || quote === "'") && !body.startsWith(quote.repeat(3), start);
  const close = singleLine ? closingQuote(body, start) : -1;
  if (close < 0) return { problem: `${name} is not a single-line quoted string` };
  return { index, start: start + 1, end: close };
}

/** Finds the line that assigns `keyPath`, tracking table headers and skipping multi-line values. */
function locate(lines: readonly Line[], keyPath: readonly string[], name: string): Location | null {
  const state: ScanState = { multiline: null, depth: 0, table: [] };
  for (const [index, { body }] of lines.entries()) {
    if (state.multiline || state.depth > 0) {
      scanValue(body, 0, state);
      continue;
    }
    const start = skipSpaces(body, 0);
    if (body[start] === '[') {
      state.table = body.startsWith('[[', start) ? null : (parseKey(body, start + 1)?.segments ?? null);
      continue;
    }
    const key = parseKey(body, start);
    if (!key || body[key.end] !== '=') continue;
    const valueStart = skipSpaces(body, key.end + 1);
    if (state.table && samePath([...state.table, ...key.segments], keyPath)) {
      return valueSpan(body, valueStart, index, name);
    }
    scanValue(body, valueStart, state);
  }
  return null;
}

/** Stable text form of a parsed document; dates compare by their TOML form, odd numbers by name. */
function canonical(doc: unknown): string {
  return JSON.stringify(doc, function (this: Record<string, unknown>, key: string, value: unknown) {
    const raw = this[key];
    if (raw instanceof Date) return `date:${raw.toISOString()}`;
    if (typeof value === 'bigint' || (typeof value === 'number' && !Number.isFinite(value))) {
      return `${typeof value}:${String(value)}`;
    }
    return value;
  });
}

/** Why `after` is not exactly `before` with the one value replaced, or null when it is. */
function disproof(before: string, after: string, keyPath: readonly string[], version: string): string | null {
  const [oldLines, newLines] = [before.split(/(?<=\n)/), after.split(/(?<=\n)/)];
  const changed = newLines.filter((line, i) => line !== oldLines[i]).length;
  if (oldLines.length !== newLines.length || changed !== 1) return 'exactly one line should change';
  const reread = readVersionAt(after, keyPath);
  if (!reread.ok) return reread.problem;
  if (reread.version !== version) return `it would read back as \`${reread.version}\``;
  // Both sides are fresh parses, so the expected document can be built by mutating one of them.
  const expected = parse(before) as Record<string, unknown>;
  let table = expected;
  for (const segment of keyPath.slice(0, -1)) table = table[segment] as Record<string, unknown>;
  table[keyPath[keyPath.length - 1] as string] = version;
  return canonical(parse(after)) === canonical(expected) ? null : 'other values in the file would change';
}

export function setVersionAt(text: string, keyPath: readonly string[], newVersion: string): EditResult {
  const name = `\`${keyPath.join('.')}\``;
  const refuse = (problem: string): EditResult => ({ ok: false, problem });
  if (keyPath.length === 0) return refuse('no key path was given for the version');
  if (!VERSION_PATTERN.test(newVersion)) {
    return refuse(`\`${newVersion}\` is not a plain version (only letters, digits, ".", "+" and "-")`);
  }
  const current = readVersionAt(text, keyPath);
  if (!current.ok) return refuse(current.problem);
  if (current.version === newVersion) return refuse(`${name} is already \`${newVersion}\``);

  const lines = splitLines(text);
  const found = locate(lines, keyPath, name);
  if (!found) return refuse(`${name} is not written as a \`key = "value"\` line (inline table?)`);
  if ('problem' in found) return refuse(found.problem);
  const before = lines[found.index]?.body ?? '';
  const after = before.slice(0, found.start) + newVersion + before.slice(found.end);
  const newText = lines.map((l, i) => (i === found.index ? after : l.body) + l.ending).join('');

  const problem = disproof(text, newText, keyPath, newVersion);
  if (problem) return refuse(`the edit to ${name} could not be proven safe: ${problem}`);
  return {
    ok: true,
    edit: {
      text: newText,
      lineNumber: found.index + 1,
      before,
      after,
      oldVersion: current.version,
      newVersion,
    },
  };
}

/** `-`/`+` rendering of the one-line change, under `---`/`+++` headers naming the file. */
export function renderDiff(edit: VersionEdit, path: string): string {
  return `--- a/${path}\n+++ b/${path}\n@@ line ${edit.lineNumber} @@\n- ${edit.before}\n+ ${edit.after}`;
}
