import { describe, expect, it } from 'vitest';
import { newBranchToken, newRequestId } from '../../src/domain/request.js';

describe('newBranchToken', () => {
  it('draws 8 lower-case symbols of the id alphabet from the random bytes', () => {
    expect(newBranchToken(() => new Uint8Array([0, 1, 2, 31, 32, 63, 255, 18]))).toBe('012z0zzj');
    expect(newBranchToken(() => crypto.getRandomValues(new Uint8Array(8)))).toMatch(
      /^[0-9a-hjkmnp-tv-z]{8}$/,
    );
  });
});

describe('newRequestId', () => {
  const FORMAT = /^R-[0-9A-HJKMNP-TV-Z]{4}$/;

  /** A random source that plays back the given values in turn. */
  const playing = (...values: number[]) => {
    let i = 0;
    return () => values[i++ % values.length] as number;
  };

  it('maps the random draws onto Crockford base 32', () => {
    expect(newRequestId(playing(0))).toBe('R-0000');
    expect(newRequestId(playing(0.999_999))).toBe('R-ZZZZ');
    // Symbol 19 is K and 20 is M because I and L are skipped.
    expect(newRequestId(playing(7 / 32, 19 / 32, 20 / 32, 2 / 32))).toBe('R-7KM2');
    expect(newRequestId(playing(10 / 32, 18 / 32, 21 / 32, 27 / 32))).toBe('R-AJNV');
  });

  it('matches the format for every value of a draw', () => {
    for (let k = 0; k < 32; k++) {
      const id = newRequestId(playing((k + 0.5) / 32));
      expect(id).toMatch(FORMAT);
    }
  });

  it('uses all 32 symbols and never I, L, O or U over many draws', () => {
    const seen = new Set<string>();
    for (let n = 0; n < 5000; n++) {
      const id = newRequestId();
      expect(id).toMatch(FORMAT);
      expect(id.slice(2)).not.toMatch(/[ILOU]/);
      for (const c of id.slice(2)) seen.add(c);
    }
    expect(seen.size).toBe(32);
  });
});
