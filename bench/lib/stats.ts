/** Small helpers shared by the benchmarks: percentiles, flags, markdown tables, verdicts. */

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? Number.NaN;
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

export const ascending = (values: readonly number[]): number[] => [...values].sort((a, b) => a - b);

/** Milliseconds for a table: `-` when unknown, one decimal below 100, none above. */
export function ms(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '-';
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}

export const seconds = (valueMs: number): string => `${(valueMs / 1000).toFixed(1)} s`;

export const ratio = (a: number, b: number): string =>
  Number.isFinite(a / b) && b > 0 ? `×${(a / b).toFixed(2)}` : '-';

export const int = (value: number): string => value.toLocaleString('en-US');

export const verdict = (pass: boolean): string => (pass ? 'PASS' : 'FAIL');

/** A markdown table; columns after the first are right-aligned. */
export function markdownTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  const align = header.map((_, i) => (i === 0 ? '---' : '---:'));
  return [line(header), line(align), ...rows.map(line)].join('\n');
}

/** `--name value` from the command line. */
export function argument(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

export const flag = (name: string): boolean => process.argv.includes(`--${name}`);

/** Shorter runs: `--quick` or BENCH_QUICK=1 (what `npm run bench -- --quick` passes on). */
export const QUICK = flag('quick') || process.env.BENCH_QUICK === '1';

export const sleep = (delayMs: number): Promise<void> => new Promise((r) => setTimeout(r, delayMs));

/** Polls `pick` until it returns something truthy; throws naming `what` after `timeoutMs`. */
export async function until<T>(
  what: string,
  pick: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs: number,
  everyMs = 5,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await pick();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
