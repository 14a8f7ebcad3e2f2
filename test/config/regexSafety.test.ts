import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRegex } from '../../src/config/regexParse.js';
import { backtrackingRisk } from '../../src/config/regexSafety.js';
import { DEFAULT_ITERATION_PATTERN } from '../../src/domain/iterations.js';

function compiles(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

/** Milliseconds `pattern` takes to fail on `input` (to show the refused shapes really are slow). */
function timeToFail(pattern: string, input: string): number {
  const started = performance.now();
  new RegExp(pattern).exec(input);
  return performance.now() - started;
}

describe('backtracking risk of a configured pattern', () => {
  it.each([
    ['the default iteration pattern', DEFAULT_ITERATION_PATTERN],
    ['dotted versions, one way to split', '^(?<version>\\d+(?:\\.\\d+)*)-(?<sha>[0-9a-f]{7})$'],
    [
      'an optional pre-release part',
      '^(?<version>\\d+\\.\\d+\\.\\d+(?:-rc\\.\\d+)?)-(?<sha>[0-9a-f]{7,40})$',
    ],
    ['a prefix with a v', '^v?(?<version>\\d+\\.\\d+\\.\\d+)_(?<sha>[0-9a-f]+)$'],
    ['everything up to the last dash', '^(?<version>[^-]+)-(?<sha>.+)$'],
    [
      'a semver with dotted pre-release',
      '^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-([0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*))?$',
    ],
    ['an alarm name prefix', '^fpo-search-'],
    ['an alarm name with a wildcard', '^fpo-search-.*-5xx$'],
    ['alternatives that begin differently', 'fpo-search-(production|staging)-5xx'],
    ['a repeated alternation that begins differently', '^(?:ab|cd)+$'],
    ['a lookahead', '^(?=\\d)\\d+\\.\\d+$'],
    ['classes with ranges and escapes', '^[\\w.-]+-[^\\s/]{1,64}$'],
    ['repetitions separated by what they cannot match', '^(a+b)+$'],
  ])('accepts %s', (_name, pattern) => {
    expect(backtrackingRisk(pattern)).toBeUndefined();
  });

  it.each([
    ['(a+)+', '^(a+)+$', `${'a'.repeat(20)}!`],
    ['the audit’s iteration pattern', '^(?<version>(\\d+\\.?)+)-(?<sha>[0-9a-f]{7})$', `${'1'.repeat(24)}x`],
    ['(a|a)*', '^(a|a)*$', `${'a'.repeat(20)}!`],
    ['(.*)*', '^(.*)*$', undefined],
    ['(a*)*', '^(a*)*b$', undefined],
    ['(a?b?)*', '^(a?b?)*c$', undefined],
    ['(\\w+\\s?)+', '^(\\w+\\s?)+$', `${'a'.repeat(20)}!`],
    ['overlapping alternatives', '^(?:a|ab)+$', undefined],
    ['a group repeated a bounded number of times', '^(a+){2,10}$', undefined],
    ['nested deeper', '^((?:\\d+)\\.?)+-$', undefined],
    ['adjacent overlapping quantifiers', '^\\d+\\d+x$', undefined],
    ['adjacent wildcards', '^.*.*=', undefined],
    ['an optional part between them', '^\\d+\\.?\\d+$', undefined],
    ['through a group', '^(\\d+)(\\d*)x$', undefined],
    ['a back-reference in a repetition', '^(a)(\\1|b)*$', undefined],
    ['lazy quantifiers', '^(a+?)+?$', undefined],
  ])('refuses %s', (_name, pattern, slowInput) => {
    expect(backtrackingRisk(pattern)).toMatch(/exponentially many ways|quadratic time or worse/);
    // The shape is really slow: 20 characters already cost milliseconds, every extra one doubles it.
    if (slowInput) expect(timeToFail(pattern, slowInput)).toBeGreaterThan(2);
  });

  it('names the repetition and the part that overlaps', () => {
    expect(backtrackingRisk('^(?<version>(\\d+\\.?)+)-(?<sha>[0-9a-f]{7})$')).toBe(
      'inside the repetition "(\\d+\\.?)+", "\\d+" can also match what follows it, so an input that almost matches is tried in exponentially many ways',
    );
    expect(backtrackingRisk('^(a|a)*$')).toBe(
      'inside the repetition "(a|a)*", the alternatives "a" and "a" can begin with the same character, so an input that almost matches is tried in exponentially many ways',
    );
    expect(backtrackingRisk('^\\d+\\d+x$')).toBe(
      'the repetitions in "\\d+" and "\\d+" can match the same characters one after the other, so an input that almost matches takes quadratic time or worse',
    );
  });

  it('reads classes, escapes and groups as the engine does', () => {
    // [\d-x] is a digit, "-" or x (no range); "-" in (\d+-?)+ overlaps that class, so refused.
    expect(backtrackingRisk('^([\\d-x]+-?)+$')).toMatch(/exponentially/);
    // [^-] cannot match "-": the split is unique.
    expect(backtrackingRisk('^([^-]+-)+$')).toBeUndefined();
    // \b is an assertion outside a class and a backspace inside one.
    expect(backtrackingRisk('^(\\bab)+$')).toBeUndefined();
    expect(backtrackingRisk('^([\\b]+\\x08?)+$')).toMatch(/exponentially/);
    // A quantified lookahead is zero-width: it does not make the repetition around it ambiguous.
    expect(backtrackingRisk('^(?:(?=a)ab)+$')).toBeUndefined();
    expect(parseRegex('a{2,}').kind).toBe('repeat');
    // "{" without a valid quantifier is a literal (Annex B).
    expect(parseRegex('a{x').kind).toBe('seq');
  });

  // Random patterns over a, b and wildcards, nested up to a few levels: whatever the check accepts must
  // fail fast on the inputs that make backtracking blow up (a long run of one unit, then a mismatch).
  const pattern: fc.Arbitrary<string> = fc.letrec((tie) => ({
    atom: fc.oneof(fc.constantFrom('a', 'b', '.', '[ab]', '\\w', 'a?'), tie('group')),
    group: fc.oneof(
      { depthSize: 'small' },
      tie('seq').map((s) => `(${s})`),
      fc.tuple(tie('seq'), tie('seq')).map(([x, y]) => `(?:${x}|${y})`),
    ),
    term: fc
      .tuple(tie('atom'), fc.constantFrom('', '', '*', '+', '?', '{2}', '{1,3}'))
      .map(([a, q]) => `${a}${q}`),
    seq: fc.array(tie('term'), { minLength: 1, maxLength: 3 }).map((t) => t.join('')),
  })).seq as fc.Arbitrary<string>;

  it('accepts only patterns that fail fast on inputs made to blow up backtracking', () => {
    let accepted = 0;
    fc.assert(
      fc.property(pattern, (body) => {
        const source = `^${body}$`;
        // Only patterns that compile reach the check (the config compiles them first).
        if (!compiles(source) || backtrackingRisk(source)) return;
        accepted++;
        for (const unit of ['a', 'b', 'ab', 'ba', 'aab', 'abb']) {
          const input = `${unit.repeat(Math.ceil(26 / unit.length))}!`;
          expect(timeToFail(source, input), `${source} on ${input}`).toBeLessThan(50);
        }
      }),
      { numRuns: 3000, seed: 20_261_201 },
    );
    // Most random patterns are fine: the check is not refusing everything.
    expect(accepted).toBeGreaterThan(500);
  });

  it('reads any pattern that compiles, at once', () => {
    const piece = fc.constantFrom(
      ...'ab.|*+?^$()[]{}-\\'.split(''),
      '(?:',
      '(?=',
      '(?!',
      '(?<=',
      '(?<!',
      '(?<n>',
      '\\k<n>',
      '\\k<',
      '\\1',
      '\\d',
      '\\b',
      '[^',
      '{2,}',
      '{1,3}',
      '\\u00e9',
      '\\x41',
      '\\cJ',
      '\\p{L}',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => {
        const source = pieces.join('');
        if (!compiles(source)) return;
        const started = performance.now();
        const risk = backtrackingRisk(source);
        expect(risk === undefined || typeof risk === 'string').toBe(true);
        expect(performance.now() - started).toBeLessThan(200);
      }),
      { numRuns: 5000, seed: 20_261_203 },
    );
  });
});
