import { describe, expect, it } from 'vitest';
import { printable } from '../../src/terminal/printable.js';

// What is left must hold no character a terminal acts on instead of showing (newline and tab aside).
const ACTIVE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
const activeIn = (text: string) => text.replace(/[\n\t]/g, '').match(ACTIVE)?.[0];

describe('printable', () => {
  it('leaves ordinary output alone, newlines and tables included', () => {
    const table = 'fpo-search status\n  ENVIRONMENT  PHASE\n  production   merge\t1.25.3-3a4b5c6\n';
    expect(printable(table)).toBe(table);
    expect(printable('Configured on main: 1.25.3 -> CI deploys 1.25.3-3a4b5c6 (ü, 日本)')).toBe(
      'Configured on main: 1.25.3 -> CI deploys 1.25.3-3a4b5c6 (ü, 日本)',
    );
  });

  it('removes whole escape sequences: colours, cursor moves, window titles, hyperlinks', () => {
    expect(printable('1.0.0\u001b[31m red \u001b[0m')).toBe('1.0.0 red ');
    expect(printable('ok\u001b[2K\u001b[1Gforged')).toBe('okforged');
    expect(printable('a\u001b]0;pwned title\u0007b')).toBe('ab');
    expect(printable('\u001b]8;;https://evil.example\u001b\\click\u001b]8;;\u001b\\')).toBe('click');
    expect(printable('x\u009b31my')).toBe('xy');
    expect(printable('trailing \u001b')).toBe('trailing ');
  });

  it('removes bells, carriage returns, backspaces, bidi overrides and zero-width marks', () => {
    const hostile = 'safe\u0007\r[ok]\b\b\u202egnp.exe\u200b\u2066x\u2069\u2028\u0000\u007f\u0085';
    const out = printable(hostile);
    expect(activeIn(out)).toBeUndefined();
    expect(out).toBe('safe[ok]gnp.exex');
  });

  it('leaves nothing active, whatever it is given', () => {
    let all = '';
    for (let c = 0; c < 0x250; c++) all += String.fromCharCode(c);
    all += '\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff\u2028\u2029';
    expect(activeIn(printable(all))).toBeUndefined();
  });
});
