import { describe, expect, it } from 'vitest';
import {
  describeRule,
  type GoldenExpectation,
  judgeGolden,
  pointerProblem,
  resolvePointer,
} from '../../src/domain/golden.js';

describe('JSON pointers (RFC 6901)', () => {
  const doc = { foo: ['bar', 'baz'], '': 0, 'a/b': 1, 'm~n': 8, nested: { score: 0.91 } };

  it('resolves the RFC examples, escapes included', () => {
    expect(resolvePointer(doc, '')).toEqual({ found: true, value: doc });
    expect(resolvePointer(doc, '/foo')).toEqual({ found: true, value: ['bar', 'baz'] });
    expect(resolvePointer(doc, '/foo/0')).toEqual({ found: true, value: 'bar' });
    expect(resolvePointer(doc, '/')).toEqual({ found: true, value: 0 });
    expect(resolvePointer(doc, '/a~1b')).toEqual({ found: true, value: 1 });
    expect(resolvePointer(doc, '/m~0n')).toEqual({ found: true, value: 8 });
    expect(resolvePointer(doc, '/nested/score')).toEqual({ found: true, value: 0.91 });
  });

  it('finds nothing past the end, at a bad index, through a scalar, or in inherited properties', () => {
    expect(resolvePointer(doc, '/foo/2').found).toBe(false);
    expect(resolvePointer(doc, '/foo/01').found).toBe(false);
    expect(resolvePointer(doc, '/foo/-').found).toBe(false);
    expect(resolvePointer(doc, '/nested/score/x').found).toBe(false);
    expect(resolvePointer(doc, '/toString').found).toBe(false);
    expect(resolvePointer(doc, '/missing').found).toBe(false);
  });

  it('says why a pointer is malformed', () => {
    expect(pointerProblem('')).toBeUndefined();
    expect(pointerProblem('/a~1b/0')).toBeUndefined();
    expect(pointerProblem('label')).toContain('starts with "/"');
    expect(pointerProblem('/a~2')).toContain('~0');
  });
});

describe('judging a golden answer', () => {
  const expectations: GoldenExpectation[] = [
    { pointer: '/label', rule: { kind: 'equals', value: 'cat' } },
    { pointer: '/score', rule: { kind: 'range', min: 0.8, max: 1 } },
    { pointer: '/model', rule: { kind: 'matches', pattern: /^1\.25\.0-/ } },
  ];
  const check = { name: 'cat image', status: 200, expect: expectations };

  it('passes when the status and every value hold', () => {
    const outcome = judgeGolden(check, {
      ok: true,
      status: 200,
      json: { label: 'cat', score: 0.93, model: '1.25.0-293a4b5' },
      latencyMs: 3,
    });
    expect(outcome).toEqual({ name: 'cat image', ok: true, mismatches: [], latencyMs: 3 });
  });

  it('names each failing value with expected against actual', () => {
    const outcome = judgeGolden(check, {
      ok: true,
      status: 200,
      json: { label: 'dog', score: 0.42 },
      latencyMs: 3,
    });
    expect(outcome.ok).toBe(false);
    expect(outcome.mismatches).toEqual([
      { what: '/label', expected: '= "cat"', actual: '"dog"' },
      { what: '/score', expected: 'between 0.8 and 1', actual: '0.42' },
      { what: '/model', expected: 'matching /^1\\.25\\.0-/', actual: 'nothing (no such field)' },
    ]);
  });

  it('compares objects and arrays deeply, and a range only holds numbers', () => {
    const deep = judgeGolden(
      {
        name: 'x',
        status: 200,
        expect: [{ pointer: '/top', rule: { kind: 'equals', value: ['a', { b: 1 }] } }],
      },
      { ok: true, status: 200, json: { top: ['a', { b: 1 }] }, latencyMs: 1 },
    );
    expect(deep.ok).toBe(true);
    const text = judgeGolden(
      { name: 'x', status: 200, expect: [{ pointer: '/n', rule: { kind: 'range', min: 1 } }] },
      { ok: true, status: 200, json: { n: '5' }, latencyMs: 1 },
    );
    expect(text.mismatches).toEqual([{ what: '/n', expected: 'at least 1', actual: '"5"' }]);
  });

  it('reports a wrong status, a body that is not JSON, and no answer at all', () => {
    expect(
      judgeGolden(check, { ok: true, status: 503, bodyProblem: 'an answer that is not JSON', latencyMs: 1 })
        .mismatches,
    ).toEqual([
      { what: 'status', expected: '200', actual: '503' },
      { what: 'body', expected: 'a JSON answer', actual: 'an answer that is not JSON' },
    ]);
    expect(
      judgeGolden(check, { ok: false, error: 'no answer within 1 s (timeout)', latencyMs: 1000 }).mismatches,
    ).toEqual([{ what: 'request', expected: 'HTTP 200', actual: 'no answer within 1 s (timeout)' }]);
  });

  it('cuts long actual values', () => {
    const outcome = judgeGolden(
      { name: 'x', status: 200, expect: [{ pointer: '/t', rule: { kind: 'equals', value: 'a' } }] },
      { ok: true, status: 200, json: { t: 'z'.repeat(1000) }, latencyMs: 1 },
    );
    expect(outcome.mismatches[0]?.actual.length).toBe(120);
    expect(describeRule({ kind: 'range', max: 2 })).toBe('at most 2');
  });
});
