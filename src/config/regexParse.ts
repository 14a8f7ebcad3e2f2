/**
 * A small parser of JavaScript regular expressions (the syntax `new RegExp(source)` accepts without flags,
 * Annex B included) into the tree regexSafety.ts analyses. The source is compiled with RegExp first, so
 * this parser may be lenient: what it does not recognise becomes "any character", which can only make
 * the analysis refuse more, never less.
 */

/** Sorted, disjoint, inclusive ranges of UTF-16 code units. */
export type CharSet = ReadonlyArray<readonly [number, number]>;

interface Span {
  readonly start: number;
  readonly end: number;
}

export type RegexNode = Span &
  (
    | { readonly kind: 'chars'; readonly set: CharSet }
    | { readonly kind: 'seq'; readonly items: readonly RegexNode[] }
    | { readonly kind: 'alt'; readonly alts: readonly RegexNode[] }
    | { readonly kind: 'group'; readonly body: RegexNode; readonly lookaround: boolean }
    | { readonly kind: 'repeat'; readonly body: RegexNode; readonly min: number; readonly max: number }
    | { readonly kind: 'assert' }
  );

const MAX_UNIT = 0xffff;
export const ANY: CharSet = [[0, MAX_UNIT]];
export const NONE: CharSet = [];

export function charSet(ranges: Iterable<readonly [number, number]>): CharSet {
  const sorted = [...ranges].map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const);
  sorted.sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const [lo, hi] of sorted) {
    const last = out.at(-1);
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

export const union = (...sets: CharSet[]): CharSet => charSet(sets.flat());

export function complement(set: CharSet): CharSet {
  const out: Array<[number, number]> = [];
  let next = 0;
  for (const [lo, hi] of set) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_UNIT) out.push([next, MAX_UNIT]);
  return out;
}

export function overlaps(a: CharSet, b: CharSet): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const [alo, ahi] = a[i] as readonly [number, number];
    const [blo, bhi] = b[j] as readonly [number, number];
    if (alo <= bhi && blo <= ahi) return true;
    if (ahi < bhi) i++;
    else j++;
  }
  return false;
}

const code = (ch: string): number => ch.charCodeAt(0);
const singleOf = (set: CharSet): number | undefined =>
  set.length === 1 && set[0]?.[0] === set[0]?.[1] ? set[0]?.[0] : undefined;
const single = (c: number): CharSet => [[c, c]];
const DIGIT = charSet([[48, 57]]);
const WORD = charSet([
  [48, 57],
  [65, 90],
  [95, 95],
  [97, 122],
]);
const SPACE = charSet([
  [9, 13],
  [32, 32],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
]);
const LINE_TERMINATORS = charSet([
  [10, 10],
  [13, 13],
  [0x2028, 0x2029],
]);
const CLASS_ESCAPES: Readonly<Record<string, CharSet>> = {
  d: DIGIT,
  D: complement(DIGIT),
  w: WORD,
  W: complement(WORD),
  s: SPACE,
  S: complement(SPACE),
};
const CONTROL_ESCAPES: Readonly<Record<string, number>> = { f: 12, n: 10, r: 13, t: 9, v: 11 };

export function parseRegex(source: string): RegexNode {
  let at = 0;
  const peek = (offset = 0): string => source.charAt(at + offset);
  /** The position just past the next `ch`, or the end (the source compiled, so it is there). */
  const after = (ch: string): number => {
    const found = source.indexOf(ch, at);
    return found === -1 ? source.length : found + 1;
  };
  const eat = (text: string): boolean => {
    if (!source.startsWith(text, at)) return false;
    at += text.length;
    return true;
  };

  function disjunction(): RegexNode {
    const start = at;
    const alts = [alternative()];
    while (eat('|')) alts.push(alternative());
    return alts.length === 1 ? (alts[0] as RegexNode) : { kind: 'alt', alts, start, end: at };
  }

  function alternative(): RegexNode {
    const start = at;
    const items: RegexNode[] = [];
    while (at < source.length && peek() !== '|' && peek() !== ')') {
      const before = at;
      items.push(term());
      // Never loop in place on something unforeseen: step over it as "any character".
      if (at <= before) {
        at = before + 1;
        items.push({ kind: 'chars', set: ANY, start: before, end: at });
      }
    }
    return items.length === 1 ? (items[0] as RegexNode) : { kind: 'seq', items, start, end: at };
  }

  function term(): RegexNode {
    const start = at;
    const atom = assertionOrAtom();
    const quantifier = /^(?:\*|\+|\?|\{(\d+)(,(\d*))?\})/.exec(source.slice(at));
    if (!quantifier) return atom;
    at += quantifier[0].length;
    eat('?'); // lazy: the same paths, tried in another order
    const [text, low, comma, high] = quantifier;
    const [min, max] =
      text === '*'
        ? [0, Infinity]
        : text === '+'
          ? [1, Infinity]
          : text === '?'
            ? [0, 1]
            : [Number(low), comma === undefined ? Number(low) : high ? Number(high) : Infinity];
    return { kind: 'repeat', body: atom, min, max, start, end: at };
  }

  function assertionOrAtom(): RegexNode {
    const start = at;
    if (eat('^') || eat('$') || eat('\\b') || eat('\\B')) return { kind: 'assert', start, end: at };
    if (eat('(')) {
      let lookaround = false;
      if (eat('?=') || eat('?!') || eat('?<=') || eat('?<!')) lookaround = true;
      else if (peek() === '?' && peek(1) === '<') at = after('>');
      else if (eat('?')) at = after(':'); // (?: and modifier groups (?i:
      const body = disjunction();
      eat(')');
      return { kind: 'group', body, lookaround, start, end: at };
    }
    if (eat('.')) return { kind: 'chars', set: complement(LINE_TERMINATORS), start, end: at };
    if (eat('[')) return { kind: 'chars', set: characterClass(), start, end: at };
    if (eat('\\')) return escapeAtom(start);
    at += 1;
    return { kind: 'chars', set: single(code(source.charAt(start))), start, end: at };
  }

  /** After a backslash outside a class. A back-reference may match any text of any length. */
  function escapeAtom(start: number): RegexNode {
    const ch = peek();
    if (/[1-9]/.test(ch) || (ch === 'k' && peek(1) === '<')) {
      at = ch === 'k' ? after('>') : at + (/^\d+/.exec(source.slice(at))?.[0].length ?? 1);
      const any: RegexNode = { kind: 'chars', set: ANY, start, end: at };
      return { kind: 'repeat', body: any, min: 0, max: Infinity, start, end: at };
    }
    return { kind: 'chars', set: escapedSet(false), start, end: at };
  }

  /** The set of one escape (the backslash already eaten); inside a class `\b` is a backspace. */
  function escapedSet(inClass: boolean): CharSet {
    const ch = peek();
    at += 1;
    const known = CLASS_ESCAPES[ch];
    if (known) return known;
    if (ch in CONTROL_ESCAPES) return single(CONTROL_ESCAPES[ch] as number);
    if (inClass && ch === 'b') return single(8);
    if (ch === '0' && !/\d/.test(peek())) return single(0);
    const hex = ch === 'x' ? /^[0-9a-fA-F]{2}/ : ch === 'u' ? /^[0-9a-fA-F]{4}/ : undefined;
    const digits = hex?.exec(source.slice(at))?.[0];
    if (digits) {
      at += digits.length;
      return single(Number.parseInt(digits, 16));
    }
    if (ch === 'c' && /[A-Za-z]/.test(peek())) {
      at += 1;
      return single(code(source.charAt(at - 1)) % 32);
    }
    // Octal escapes and anything unusual: any character, so the analysis errs on the side of refusing.
    if (/\d/.test(ch)) return ANY;
    return single(code(ch));
  }

  function characterClass(): CharSet {
    const negated = eat('^');
    const parts: CharSet[] = [];
    const endpoint = (): CharSet => (eat('\\') ? escapedSet(true) : single(code(source.charAt(at++))));
    while (at < source.length && peek() !== ']') {
      const from = endpoint();
      if (peek() === '-' && peek(1) !== ']' && peek(1) !== '') {
        at += 1;
        const to = endpoint();
        const lo = singleOf(from);
        const hi = singleOf(to);
        // A range needs single characters at both ends; `[\d-x]` is \d, "-" and x (Annex B).
        if (lo !== undefined && hi !== undefined) parts.push(charSet([[lo, hi]]));
        else parts.push(from, single(45), to);
      } else parts.push(from);
    }
    eat(']');
    const set = union(...parts);
    return negated ? complement(set) : set;
  }

  return disjunction();
}
