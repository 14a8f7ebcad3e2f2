/**
 * How much CPU does the domain spend on a big bucket? On synthetic buckets (bench/syntheticBucket.ts) of
 * 1,000 / 10,000 / 100,000 iterations this takes the CPU time (median of several runs, each after a full
 * garbage collection) of:
 * - buildCatalog: the listing turned into a Catalog (today once per command: loadCatalog in
 *   src/workflows/serviceStatus.ts builds it again from the cached listing);
 * - status: what getServiceStatus computes from a catalog (CI's resolution of the configured version,
 *   live model, drift notes, last known good);
 * - versions: versionRows, the whole version table behind `/rollback versions`;
 * - plan: buildPlan for `/rollback to previous`.
 *
 * Run: npx tsx bench/catalog.ts [--baseline <git rev>] [--sizes 1000,10000] [--runs 5] [--budget-s 60]
 *      [--sample 64]
 *
 * With --baseline, the same work is also timed on src/domain as it was at that commit (extracted from git
 * into a temporary directory), so before and after come from the same machine and the same run. Where the
 * baseline's version table would take longer than the budget, it is timed on a sample of versions and
 * extrapolated linearly (its cost is the same for every version: a scan of all models and iterations);
 * such figures are marked with `~`.
 */
// First: refuses an old Node.js in one line before any other import runs (better-sqlite3 would crash).
import '../src/nodeVersion.js';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type * as ConfigFileModule from '../src/domain/configFile.js';
import type * as IterationsModule from '../src/domain/iterations.js';
import type * as OverviewModule from '../src/domain/overview.js';
import type * as PlanModule from '../src/domain/plan.js';
import type * as TargetsModule from '../src/domain/targets.js';
import { syntheticBucket } from './syntheticBucket.js';

// Only the functions present, with the same signatures, at the baseline commit and now.
interface Domain {
  readonly buildCatalog: typeof IterationsModule.buildCatalog;
  readonly namingFrom: typeof IterationsModule.namingFrom;
  readonly resolveLikeCi: typeof TargetsModule.resolveLikeCi;
  readonly lastKnownGood: typeof TargetsModule.lastKnownGood;
  readonly liveModel: typeof OverviewModule.liveModel;
  readonly driftNotes: typeof OverviewModule.driftNotes;
  readonly versionRows: typeof OverviewModule.versionRows;
  readonly buildPlan: typeof PlanModule.buildPlan;
  readonly readVersionAt: typeof ConfigFileModule.readVersionAt;
}

type Catalog = IterationsModule.Catalog;
type Served = OverviewModule.Served;

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

async function loadDomain(dir: string): Promise<Domain> {
  const load = (name: string) => import(pathToFileURL(join(dir, `${name}.ts`)).href);
  const [iterations, targets, overview, plan, configFile] = await Promise.all(
    ['iterations', 'targets', 'overview', 'plan', 'configFile'].map(load),
  );
  return { ...iterations, ...targets, ...overview, ...plan, ...configFile } as Domain;
}

/** src/domain at `rev`, in a temporary directory that resolves packages from this checkout. */
function extractBaseline(rev: string): { dir: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'catalog-bench-'));
  const archive = execFileSync('git', ['-C', repoRoot, 'archive', rev, 'src/domain'], {
    maxBuffer: 64 * 1024 * 1024,
  });
  execFileSync('tar', ['-x', '-C', root], { input: archive });
  symlinkSync(join(repoRoot, 'node_modules'), join(root, 'node_modules'));
  return { dir: join(root, 'src', 'domain'), cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

function argument(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

const SIZES = (argument('sizes') ?? '1000,10000,100000').split(',').map(Number);
const RUNS = Number(argument('runs') ?? 5);
const BUDGET_MS = Number(argument('budget-s') ?? 60) * 1000;
const BASELINE = argument('baseline');
const SAMPLE_VERSIONS = Number(argument('sample') ?? 64);

const environments = ['development', 'staging', 'production'];
const promotedEnvironments = ['staging', 'production'];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

// A full collection before each timed run, so that no run pays for the garbage of the one before.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/**
 * CPU time of the process (user + system) in ms: the machine is shared, and wall time would count the time
 * other processes held the cores. Includes V8's garbage collection threads, a real cost of the work.
 */
function timeOnce(work: () => unknown): number {
  collectGarbage();
  const start = process.cpuUsage();
  work();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** Median of up to `runs` timings; fewer when one run already eats the budget's share. */
function timeMedian(work: () => unknown, runs: number): { ms: number; runs: number } {
  const first = timeOnce(work);
  const times = [first];
  const affordable = Math.max(1, Math.min(runs, Math.floor(BUDGET_MS / 4 / Math.max(first, 0.001))));
  while (times.length < affordable) times.push(timeOnce(work));
  return { ms: median(times), runs: times.length };
}

interface Scenario {
  readonly catalog: Catalog;
  readonly served: Served[];
  readonly configuredVersion: string;
  readonly configText: string;
}

/** Production serves the newest iteration that reached it; development the newest of all; main configures production's. */
function scenario(catalog: Catalog): Scenario {
  const all = [...catalog.iterations.values()].filter((i) => i.model);
  const time = (i: (typeof all)[number]) => i.model?.lastModified.getTime() ?? 0;
  const newest = (list: typeof all) => list.reduce((a, b) => (time(b) > time(a) ? b : a));
  const live = newest(all.filter((i) => i.reached.production));
  const dev = newest(all);
  const served: Served[] = [
    { environment: 'development', deployPhase: 'pull_request', modelVersion: dev.name, healthy: true },
    { environment: 'staging', deployPhase: 'merge', modelVersion: live.name, healthy: true },
    { environment: 'production', deployPhase: 'merge', modelVersion: live.name, healthy: true },
  ];
  return { catalog, served, configuredVersion: live.version, configText: `version = "${live.version}"\n` };
}

function statusWork(domain: Domain, s: Scenario) {
  const naming = domain.namingFrom();
  const resolvesTo = domain.resolveLikeCi(s.catalog, s.configuredVersion)?.directory;
  const live = domain.liveModel(s.served, s.configuredVersion, naming);
  const drift = domain.driftNotes(
    s.served,
    { branch: 'main', version: s.configuredVersion, resolvesTo },
    naming,
  );
  const lkg = domain.lastKnownGood(s.catalog, {
    promotedEnvironments,
    liveVersion: live?.version,
    rolledBackFrom: new Set<string>(),
  });
  return { resolvesTo, drift, lkg };
}

function versionsWork(domain: Domain, s: Scenario, catalog: Catalog = s.catalog) {
  const naming = domain.namingFrom();
  return domain.versionRows(
    catalog,
    s.served,
    s.configuredVersion,
    {
      promotedEnvironments,
      liveVersion: s.configuredVersion,
    },
    naming,
  );
}

function planWork(domain: Domain, s: Scenario) {
  return domain.buildPlan({
    service: {
      name: 'synthetic',
      versionKey: ['version'],
      configPath: 'search-config.toml',
      promotedEnvironments,
      cooldownHours: 24,
    },
    catalog: s.catalog,
    configured: {
      branch: 'main',
      blobSha: 'abc',
      text: s.configText,
      version: domain.readVersionAt(s.configText, ['version']),
    },
    target: { kind: 'previous' },
    served: s.served,
    liveVersion: s.configuredVersion,
    force: false,
    now: new Date('2040-01-01T00:00:00Z'),
  });
}

interface Row {
  readonly impl: string;
  readonly iterations: number;
  readonly keys: number;
  readonly versions: number;
  readonly build: number;
  readonly status: number;
  readonly table: number;
  readonly tableExtrapolated: boolean;
  readonly plan: number;
  /** What was computed, so implementations can be checked to agree. */
  readonly answers: string;
}

function measure(impl: string, domain: Domain, iterations: number, runs: number): Row {
  const objects = syntheticBucket({ iterations, seed: 1 });
  const options = { prefix: '', naming: domain.namingFrom(), environments };
  const build = timeMedian(() => domain.buildCatalog(objects, options), runs).ms;
  const s = scenario(domain.buildCatalog(objects, options));
  const status = timeMedian(() => statusWork(domain, s), runs).ms;
  const plan = timeMedian(() => planWork(domain, s), runs).ms;

  // The version table: in full when affordable, else on a sample of versions, scaled to all of them.
  const versions = s.catalog.versions.length;
  const sampled = { ...s.catalog, versions: s.catalog.versions.slice(0, SAMPLE_VERSIONS) };
  const perVersion =
    timeMedian(() => versionsWork(domain, s, sampled), 3).ms / Math.min(versions, SAMPLE_VERSIONS);
  const extrapolate = perVersion * versions > BUDGET_MS / 2;
  const table = extrapolate ? perVersion * versions : timeMedian(() => versionsWork(domain, s), runs).ms;

  const answers = JSON.stringify({
    lkg: statusWork(domain, s).lkg?.iteration?.name,
    plan: planWork(domain, s).targetIteration,
    table: versionsWork(domain, s, sampled).map((r) => [
      r.version,
      r.assessment.resolved?.directory,
      r.iterationCount,
      r.assessment.reasons.map((reason) => reason.code),
    ]),
  });
  return {
    impl,
    iterations,
    keys: objects.length,
    versions,
    build,
    status,
    table,
    tableExtrapolated: extrapolate,
    plan,
    answers,
  };
}

const ms = (value: number, estimated = false) =>
  `${estimated ? '~' : ''}${value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2)} ms`;
const int = (value: number) => value.toLocaleString('en-US');
const total = (r: Row) => r.status + r.table + r.plan;

async function main(): Promise<void> {
  const impls: Array<{ name: string; domain: Domain; runs: number }> = [];
  const cleanups: Array<() => void> = [];
  try {
    if (BASELINE) {
      const baseline = extractBaseline(BASELINE);
      cleanups.push(baseline.cleanup);
      impls.push({ name: `before (${BASELINE})`, domain: await loadDomain(baseline.dir), runs: 3 });
    }
    impls.push({ name: 'after', domain: await loadDomain(join(repoRoot, 'src', 'domain')), runs: RUNS });

    // One small warm-up per implementation, so the first size is not timing the JIT.
    for (const impl of impls) measure(impl.name, impl.domain, 500, 2);

    const rows: Row[] = [];
    for (const size of SIZES) {
      for (const impl of impls) {
        const row = measure(impl.name, impl.domain, size, impl.runs);
        rows.push(row);
        process.stderr.write(`measured ${impl.name} at ${int(size)} iterations\n`);
      }
    }

    console.log(
      `Node ${process.version}, CPU time (user + system, GC included), median of up to ${RUNS} runs (baseline: up to 3).\n`,
    );
    console.log(
      '| iterations | keys | versions | code | buildCatalog | status | versions table | plan (previous) | status + versions + plan |',
    );
    console.log('| ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |');
    for (const r of rows) {
      console.log(
        `| ${int(r.iterations)} | ${int(r.keys)} | ${int(r.versions)} | ${r.impl} | ${ms(r.build)} | ${ms(r.status)} | ${ms(r.table, r.tableExtrapolated)} | ${ms(r.plan)} | ${ms(total(r), r.tableExtrapolated)} |`,
      );
    }

    const at = (impl: string, size: number) => rows.find((r) => r.impl === impl && r.iterations === size);
    const growth: string[] = [];
    for (const [from, to] of [
      [1000, 10000],
      [10000, 100000],
    ] as const) {
      for (const impl of impls) {
        const a = at(impl.name, from);
        const b = at(impl.name, to);
        if (!a || !b) continue;
        growth.push(
          `| ${impl.name} | ${int(from)} → ${int(to)} | ${(b.build / a.build).toFixed(1)}× | ${(total(b) / total(a)).toFixed(1)}× |`,
        );
      }
    }
    if (growth.length) {
      console.log('\n| code | iterations | buildCatalog growth | status + versions + plan growth |');
      console.log('| --- | --- | ---: | ---: |');
      for (const line of growth) console.log(line);
    }
    if (rows.some((r) => r.tableExtrapolated)) {
      console.log(
        `\n~ extrapolated: the version table was timed on ${SAMPLE_VERSIONS} versions and scaled to all of them (it would exceed the ${BUDGET_MS / 1000} s budget).`,
      );
    }
    // Both implementations must agree on what they computed, or the comparison means nothing.
    for (const size of SIZES) {
      const same = rows.filter((r) => r.iterations === size);
      if (new Set(same.map((r) => r.answers)).size > 1) {
        console.error(`implementations disagree at ${int(size)} iterations`);
        process.exitCode = 1;
      }
    }
  } finally {
    for (const cleanup of cleanups) cleanup();
  }
}

await main();
