import { describe, expect, it } from 'vitest';
import { compareVersions, parseSemVer } from '../../src/domain/semver.js';

describe('semver', () => {
  it('orders numerically, not as text', () => {
    expect(compareVersions('1.10.0', '1.9.0')).toBeGreaterThan(0);
    expect(compareVersions('1.1.10', '1.1.9')).toBeGreaterThan(0);
    expect(compareVersions('2.0.0', '10.0.0')).toBeLessThan(0);
    expect(compareVersions('1.25.3', '1.25.3')).toBe(0);
  });

  it('ranks a release above its pre-releases', () => {
    expect(compareVersions('1.0.0', '1.0.0-rc.1')).toBeGreaterThan(0);
    expect(compareVersions('1.0.0-rc.2', '1.0.0-rc.10')).toBeLessThan(0);
    expect(compareVersions('1.0.0-alpha', '1.0.0-1')).toBeGreaterThan(0);
  });

  it('rejects what is not a version', () => {
    expect(parseSemVer('1.2')).toBeUndefined();
    expect(parseSemVer('01.2.3')).toBeUndefined();
    expect(parseSemVer('latest')).toBeUndefined();
    expect(parseSemVer(' 1.2.3 ')?.patch).toBe(3);
    expect(compareVersions('banana', '0.0.1')).toBeLessThan(0);
  });
});
