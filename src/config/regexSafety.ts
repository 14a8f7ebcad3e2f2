/**
 * Refuses regular expressions whose backtracking can take super-linear time, before they ever run on
 * outside text. JavaScript's engine backtracks: `(\d+\.?)+` on "1111…1x" tries every way of splitting the
 * digits between the inner and the outer repetition (2^n), freezing the event loop for minutes.
 *
 * The check is static and conservative (it may refuse a pattern that is in fact fast, never the other way
 * for the shapes below). A pattern is refused when:
 * 1. inside a repetition (`*`, `+`, `{n,m}` with m > 1), an optional or repeated part can also match the
 *    character that may follow it, the next repetition included: `(a+)+`, `(\d+\.?)+`, `(.*)*`, `(a?b?)*`;
 * 2. inside a repetition, two alternatives can begin with the same character: `(a|a)*`, `(a|ab)+`;
 * 3. two unbounded repetitions that can match the same characters follow each other, with only optional
 *    parts between them: `\d+\d+`, `.*.*`, `\d+\.?\d+` (quadratic or worse).
 * Lookarounds are matched atomically by the engine, so their contents are checked on their own.
 *
 * npm's checkers were weighed first (see the commit that added this file): none both parses the named
 * groups every iteration_pattern has and catches overlapping alternatives.
 */
import { type CharSet, NONE, overlaps, parseRegex, type RegexNode, union } from './regexParse.js';

function nullable(n: RegexNode): boolean {
  switch (n.kind) {
    case 'chars':
      return false;
    case 'seq':
      return n.items.every(nullable);
    case 'alt':
      return n.alts.some(nullable);
    case 'group':
      return n.lookaround || nullable(n.body);
    case 'repeat':
      return n.min === 0 || nullable(n.body);
    case 'assert':
      return true;
  }
}

/** Characters a non-empty match of `n` can begin with (or, `fromEnd`, end with). */
function first(n: RegexNode, fromEnd = false): CharSet {
  switch (n.kind) {
    case 'chars':
      return n.set;
    case 'seq':
      return firstOfSeq(fromEnd ? [...n.items].reverse() : n.items, fromEnd);
    case 'alt':
      return union(...n.alts.map((a) => first(a, fromEnd)));
    case 'group':
      return n.lookaround ? NONE : first(n.body, fromEnd);
    case 'repeat':
      return n.max === 0 ? NONE : first(n.body, fromEnd);
    case 'assert':
      return NONE;
  }
}

function firstOfSeq(items: readonly RegexNode[], fromEnd = false): CharSet {
  const sets: CharSet[] = [];
  for (const item of items) {
    sets.push(first(item, fromEnd));
    if (!nullable(item)) break;
  }
  return union(...sets);
}

/**
 * Characters an unbounded repetition standing at the start of `n` can begin with (or, `fromEnd`, one
 * at its end can end with): where two such repetitions meet, both can take the same run of characters.
 */
function edgeUnbounded(n: RegexNode, fromEnd: boolean): CharSet {
  switch (n.kind) {
    case 'seq': {
      const sets: CharSet[] = [];
      for (const item of fromEnd ? [...n.items].reverse() : n.items) {
        sets.push(edgeUnbounded(item, fromEnd));
        if (!nullable(item)) break;
      }
      return union(...sets);
    }
    case 'alt':
      return union(...n.alts.map((a) => edgeUnbounded(a, fromEnd)));
    case 'group':
      return n.lookaround ? NONE : edgeUnbounded(n.body, fromEnd);
    case 'repeat':
      return n.max === Infinity ? first(n.body, fromEnd) : edgeUnbounded(n.body, fromEnd);
    default:
      return NONE;
  }
}

function* nodes(n: RegexNode): Generator<RegexNode> {
  yield n;
  if (n.kind === 'seq') for (const item of n.items) yield* nodes(item);
  else if (n.kind === 'alt') for (const alt of n.alts) yield* nodes(alt);
  else if (n.kind === 'group' || n.kind === 'repeat') yield* nodes(n.body);
}

/**
 * Within the body of a repetition: the first part that could match a character in two ways, given
 * `after`, what may follow it (the next repetition included).
 */
function ambiguity(n: RegexNode, after: CharSet, source: string): string | undefined {
  const text = (m: RegexNode) => `"${source.slice(m.start, m.end)}"`;
  switch (n.kind) {
    case 'seq':
      for (let i = n.items.length - 1; i >= 0; i--) {
        const rest = n.items.slice(i + 1);
        const follows = rest.every(nullable) ? union(firstOfSeq(rest), after) : firstOfSeq(rest);
        const found = ambiguity(n.items[i] as RegexNode, follows, source);
        if (found) return found;
      }
      return undefined;
    case 'alt':
      for (const [i, a] of n.alts.entries()) {
        for (const b of n.alts.slice(i + 1)) {
          if (overlaps(first(a), first(b)) || (nullable(a) && nullable(b)))
            return `the alternatives ${text(a)} and ${text(b)} can begin with the same character`;
        }
        const found = ambiguity(a, after, source);
        if (found) return found;
      }
      return undefined;
    case 'group':
      return n.lookaround ? undefined : ambiguity(n.body, after, source);
    case 'repeat': {
      if (n.max === 0) return undefined;
      if (n.min < n.max && overlaps(first(n.body), after)) return `${text(n)} can also match what follows it`;
      return ambiguity(n.body, n.max > 1 ? union(first(n.body), after) : after, source);
    }
    default:
      return undefined;
  }
}

/** Why `pattern` can backtrack in super-linear time, or undefined when it cannot (by the rules above). */
export function backtrackingRisk(pattern: string): string | undefined {
  const tree = parseRegex(pattern);
  const text = (m: RegexNode) => `"${pattern.slice(m.start, m.end)}"`;
  for (const n of nodes(tree)) {
    if (n.kind === 'repeat' && n.max > 1) {
      const found = ambiguity(n.body, first(n.body), pattern);
      if (found)
        return `inside the repetition ${text(n)}, ${found}, so an input that almost matches is tried in exponentially many ways`;
    }
    if (n.kind === 'seq') {
      for (const [i, item] of n.items.entries()) {
        const tail = edgeUnbounded(item, true);
        if (tail.length === 0) continue;
        for (const next of n.items.slice(i + 1)) {
          if (overlaps(tail, edgeUnbounded(next, false)))
            return `the repetitions in ${text(item)} and ${text(next)} can match the same characters one after the other, so an input that almost matches takes quadratic time or worse`;
          if (!nullable(next)) break;
        }
      }
    }
  }
  return undefined;
}
