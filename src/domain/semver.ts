/**
 * Semantic versions as the model pipeline writes them (`1.25.3`, optionally `1.25.3-rc.1`).
 * Compared numerically so that 1.10.0 sorts above 1.9.0, unlike a string sort.
 */
export interface SemVer {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly prerelease: readonly string[];
  readonly raw: string;
}

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

export function parseSemVer(text: string): SemVer | undefined {
  const m = SEMVER.exec(text.trim());
  if (!m) return undefined;
  return {
    major: Number(m[1]),
    minor: Number(m[2]),
    patch: Number(m[3]),
    prerelease: m[4] ? m[4].split('.') : [],
    raw: text.trim(),
  };
}

export function isSemVer(text: string): boolean {
  return parseSemVer(text) !== undefined;
}

/** Negative when a < b, positive when a > b, 0 when equal (semver 2.0 precedence). */
export function compareSemVer(a: SemVer, b: SemVer): number {
  for (const key of ['major', 'minor', 'patch'] as const) {
    if (a[key] !== b[key]) return a[key] - b[key];
  }
  // A release ranks above any of its pre-releases.
  if (a.prerelease.length === 0 || b.prerelease.length === 0) {
    return b.prerelease.length - a.prerelease.length;
  }
  const n = Math.max(a.prerelease.length, b.prerelease.length);
  for (let i = 0; i < n; i++) {
    const x = a.prerelease[i];
    const y = b.prerelease[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    const xn = /^\d+$/.test(x);
    const yn = /^\d+$/.test(y);
    if (xn && yn) return Number(x) - Number(y);
    if (xn) return -1;
    if (yn) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/** Compares version strings; unparseable strings sort below every valid version. */
export function compareVersions(a: string, b: string): number {
  return compareParsed({ text: a, semver: parseSemVer(a) }, { text: b, semver: parseSemVer(b) });
}

interface ParsedVersion {
  readonly text: string;
  readonly semver: SemVer | undefined;
}

const WHOLE_NUMBER = /^\d{1,15}$/;

function compareParsed(a: ParsedVersion, b: ParsedVersion): number {
  if (a.semver && b.semver) return compareSemVer(a.semver, b.semver);
  // A registry's version numbers (MLflow's "7", "10") count up: 10 is newer than 9.
  if (WHOLE_NUMBER.test(a.text) && WHOLE_NUMBER.test(b.text)) return Number(a.text) - Number(b.text);
  if (a.semver) return 1;
  if (b.semver) return -1;
  return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
}

/**
 * Versions newest first, as a stable sort by compareVersions would order them, but parsing each version
 * once instead of twice per comparison (a catalog of thousands of versions makes O(n log n) parses).
 */
export function sortNewestFirst(versions: Iterable<string>): string[] {
  const parsed = [...versions].map((text) => ({ text, semver: parseSemVer(text) }));
  return parsed.sort((a, b) => compareParsed(b, a)).map((v) => v.text);
}
