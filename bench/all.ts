/**
 * `npm run bench`: every benchmark, one after the other (the machine has two cores; two at once would
 * measure each other). `--quick` (or BENCH_QUICK=1) is passed on: smaller sizes and fewer runs, and no
 * 100,000-iteration bucket. `--before <checkout>` is passed to the scale benchmark (before/after).
 * Exits non-zero when a benchmark failed to run; missed targets are in the output as FAIL.
 */
// First: refuses an old Node.js in one line before any other import runs (better-sqlite3 would crash).
import '../src/nodeVersion.js';
import { spawnSync } from 'node:child_process';
import { argument, QUICK, seconds } from './lib/stats.js';

const quick = QUICK ? ['--quick'] : [];
const before = argument('before');
const benches: ReadonlyArray<{ name: string; args: string[] }> = [
  { name: 'ack-latency', args: [] },
  { name: 'scale', args: [...quick, ...(before ? ['--before', before] : [])] },
  { name: 'replicas', args: quick },
  { name: 'catalog', args: QUICK ? ['--sizes', '1000,10000', '--runs', '3'] : ['--runs', '3'] },
  { name: 'registry', args: quick },
];

const timings: string[] = [];
let failed = 0;
const started = Date.now();
for (const bench of benches) {
  const at = Date.now();
  console.log(`\n# bench/${bench.name}.ts ${bench.args.join(' ')}\n`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', `bench/${bench.name}.ts`, ...bench.args], {
    stdio: 'inherit',
    env: { ...process.env, ...(QUICK ? { BENCH_QUICK: '1' } : {}) },
  });
  const ok = result.status === 0;
  if (!ok) failed += 1;
  timings.push(
    `| ${bench.name} | ${seconds(Date.now() - at)} | ${ok ? 'ran' : `failed (exit ${result.status ?? result.signal})`} |`,
  );
}
console.log(`\n# Runtime${QUICK ? ' (--quick)' : ''}\n`);
console.log('| benchmark | took | |\n| --- | ---: | --- |');
for (const line of timings) console.log(line);
console.log(`| all | ${seconds(Date.now() - started)} | |`);
process.exitCode = failed > 0 ? 1 : 0;
