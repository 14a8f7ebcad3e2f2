/**
 * `/rollback versions` on big buckets (issue 11), end to end: a signed slash command to the bot process,
 * the answer timed when it reaches its response_url. On synthetic buckets (bench/syntheticBucket.ts) of
 * 1,000 / 10,000 / 100,000 iterations in a fake S3 (s3rver) of their own process:
 *
 *   1. floor: the raw paginated listing of the same prefix with the real S3 client, in the same run;
 *   2. `versions` first call (listing not cached): target within 1.1× of the floor;
 *   3. `versions` again with the listing cached: target under 100 ms at 10,000 iterations;
 *   4. growth 10,000 → 100,000 next to the 10× of the key count;
 *   5. ack p99 of `/rollback help` from another user every 20 ms while `versions` runs uncached on 10,000
 *      iterations: target under 50 ms; the floor is the same help acks with nothing else running.
 *
 * Processes: this one (fake Slack, GitHub, healthchecks, and the measuring), the bot (`src/main.ts`, as
 * an operator starts it; restarted for every first call so its listing is not cached, then warmed up on a
 * small `warmup/` prefix of the same bucket so the first call does not time the JIT), and the fake S3.
 *
 * Run: npm run bench:scale [-- --quick] [--sizes 1000,10000] [--runs 3]
 *      [--before <checkout> [--before-sizes 1000,10000]]
 * With --before, the bot of another checkout (e.g. `git worktree add /work/wt-before 49f43ce`) is timed
 * too, against the same S3 process, run by run interleaved with this checkout's bot.
 * Exits non-zero on errors only; a missed target is reported as FAIL.
 */
// First: refuses an old Node.js in one line before any other import runs (better-sqlite3 would crash).
import '../src/nodeVersion.js';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { BUCKET, USERS } from '../world/reference.js';
import { S3RVER_CREDENTIALS } from '../world/s3.js';
import {
  type BotChild,
  forgetOnExit,
  REPO_ROOT,
  readyLine,
  removeOnExit,
  startBot,
  startTs,
} from './lib/processes.js';
import {
  argument,
  ascending,
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
import {
  botEnv,
  command,
  serveScenario,
  sqliteUrl,
  startWorld,
  type World,
  writeConfig,
} from './lib/world.js';
import { syntheticBucket } from './syntheticBucket.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const sizesOf = (text: string) => text.split(',').map(Number);
const SIZES = sizesOf(argument('sizes') ?? (QUICK ? '1000,10000' : '1000,10000,100000'));
/**
 * Runs per size: small buckets are cheap and noisy (a 1k listing is 5 pages, ~0.5 s), so more runs; a
 * 100k first call takes ~40 s: one run. `--runs n` sets every size below 100k.
 */
const runsFor = (iterations: number): number =>
  iterations >= 100_000
    ? 1
    : Number(argument('runs') ?? (iterations <= 1000 ? (QUICK ? 3 : 5) : QUICK ? 2 : 3));
/** Help-stream runs at STALL_SIZE, pooled: one versions call has one stall at its end. */
const STALL_RUNS = QUICK ? 1 : 2;
const BEFORE_ROOT = argument('before') ? resolve(argument('before') as string) : undefined;
const BEFORE_SIZES = sizesOf(argument('before-sizes') ?? '1000,10000');
const CACHED_CALLS = 5;
const STALL_SIZE = Number(argument('stall-size') ?? 10_000);
const HELP_EVERY_MS = 20;
const IDLE_HELP_MS = 3_000;
const MODELS = 'models/';
const WARMUP = 'warmup/';
const WARMUP_ITERATIONS = 1000;

interface Code {
  readonly name: string;
  readonly root: string;
  readonly sizes: readonly number[];
}

/**
 * `drain_delay_seconds = 0` where the checkout's config knows the key (a stop would otherwise wait 5 s
 * for load balancers); older configs refuse unknown keys.
 */
const botTomlFor = (code: Code): string =>
  readFileSync(join(code.root, 'src/config/botConfig.ts'), 'utf8').includes('drain_delay_seconds')
    ? 'drain_delay_seconds = 0'
    : '';
const codes: Code[] = [
  { name: 'after', root: REPO_ROOT, sizes: SIZES },
  ...(BEFORE_ROOT ? [{ name: 'before', root: BEFORE_ROOT, sizes: BEFORE_SIZES }] : []),
];

// ---------------------------------------------------------------------------------------------------
// The bucket

/** What the environments serve on this bucket: production the newest iteration that reached it. */
function scenarioOf(iterations: number): { dev: string; live: string; version: string } {
  const objects = syntheticBucket({ iterations, seed: 1, prefix: MODELS });
  const models = new Map<string, number>();
  const inProduction = new Set<string>();
  for (const o of objects) {
    const [directory, file] = o.key.slice(MODELS.length).split('/');
    if (!directory || !file || !/^\d+\.\d+\.\d+-[0-9a-f]{7}$/.test(directory)) continue;
    if (file === 'model.zip') models.set(directory, o.lastModified.getTime());
    if (file === 'production') inProduction.add(directory);
  }
  const newest = (names: Iterable<string>) =>
    [...names].reduce((a, b) => ((models.get(b) ?? 0) > (models.get(a) ?? 0) ? b : a));
  const live = newest([...inProduction].filter((d) => models.has(d)));
  return { dev: newest(models.keys()), live, version: live.split('-')[0] as string };
}

interface S3Process {
  readonly url: string;
  readonly objects: number;
  readonly loadMs: number;
  stop(): Promise<void>;
}

async function startS3(iterations: number): Promise<S3Process> {
  const child = startTs(new URL('./lib/s3Process.ts', import.meta.url).pathname, {
    env: {
      PATH: process.env.PATH,
      BENCH_S3: JSON.stringify({
        bucket: BUCKET,
        sets: [
          { prefix: MODELS, iterations, seed: 1 },
          { prefix: WARMUP, iterations: WARMUP_ITERATIONS, seed: 2 },
        ],
      }),
    },
  });
  const info = await readyLine<{ url: string; directory: string; objects: number; loadMs: number }>(
    child,
    15 * 60_000,
  );
  removeOnExit(info.directory);
  return {
    ...info,
    async stop() {
      await child.stop(60_000);
      forgetOnExit(info.directory);
    },
  };
}

function s3Client(url: string): S3Client {
  return new S3Client({
    endpoint: url,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { ...S3RVER_CREDENTIALS },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/**
 * The floor: every page of the prefix with the real client, kept as the bot's adapter keeps them (key,
 * LastModified, Size per object: at 100k iterations the heap that holds them costs garbage collection too).
 */
async function rawListing(
  client: S3Client,
  prefix: string,
): Promise<{ ms: number; keys: number; pages: number }> {
  const started = performance.now();
  const objects: Array<{ key: string; lastModified: Date; size: number }> = [];
  let token: string | undefined;
  let pages = 0;
  let last = '';
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, MaxKeys: 1000, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) {
      // A listing out of order would make the comparison meaningless (and the bot's catalog wrong).
      if (o.Key === undefined || o.Key <= last) throw new Error(`listing out of order at ${o.Key}`);
      last = o.Key;
      objects.push({ key: o.Key, lastModified: o.LastModified ?? new Date(0), size: o.Size ?? 0 });
    }
    pages += 1;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return { ms: performance.now() - started, keys: objects.length, pages };
}

// ---------------------------------------------------------------------------------------------------
// Talking to the bot

interface VersionsAnswer {
  readonly ms: number;
  /** Versions in the whole table (the footer's "N of M versions"). */
  readonly versions: number;
}

/** `/rollback versions <service>`: from sending the signed command to its answer at response_url. */
async function versions(
  world: World,
  bot: BotChild,
  service: string,
  timeoutMs: number,
): Promise<VersionsAnswer> {
  const sent = command(world, bot.url, `versions ${service}`);
  const ack = await sent.result;
  if (ack.status !== 200 || ack.body !== '')
    throw new Error(`versions ack: HTTP ${ack.status} ${ack.body.slice(0, 200)}`);
  const answer = await until(
    `the versions answer of ${service}`,
    () => world.slack.responsesTo(sent.responseId)[0],
    timeoutMs,
  );
  const text = JSON.stringify(answer.body);
  if (!String(answer.body?.text).startsWith(`${service}: `) || text.includes('Could not read'))
    throw new Error(`unexpected versions answer: ${text.slice(0, 600)}`);
  const total = Number(/\d+ of (\d+) versions/.exec(text)?.[1] ?? Number.NaN);
  return { ms: answer.at - sent.sentAt, versions: total };
}

/** Help, versions and status on the small prefix, so the first measured call does not time the JIT. */
async function warmUp(world: World, bot: BotChild): Promise<void> {
  for (let i = 0; i < 3; i++) await versions(world, bot, 'warmup', 30_000);
  for (let i = 0; i < 20; i++) await helpAck(world, bot);
}

async function helpAck(world: World, bot: BotChild): Promise<number> {
  const res = await command(world, bot.url, 'help', USERS.bob).result;
  if (res.status !== 200 || !res.body.includes('/rollback'))
    throw new Error(`help ack: HTTP ${res.status} ${res.body.slice(0, 200)}`);
  return res.ms;
}

/**
 * Sends help every HELP_EVERY_MS without waiting for answers (a late ack never delays the next send,
 * so a stall is measured in full) until `done` resolves; returns every ack's latency, ascending.
 */
async function helpStream(world: World, bot: BotChild, done: Promise<unknown>): Promise<number[]> {
  const acks: Array<Promise<number>> = [];
  const timer = setInterval(() => acks.push(helpAck(world, bot)), HELP_EVERY_MS);
  try {
    await done;
  } finally {
    clearInterval(timer);
  }
  return ascending(await Promise.all(acks));
}

// ---------------------------------------------------------------------------------------------------

interface Measured {
  readonly code: string;
  readonly iterations: number;
  readonly keys: number;
  readonly versions: number;
  /** Per run: the mean of the floor listings just before and just after the bot's run. */
  readonly floors: number[];
  readonly firsts: number[];
  /** Per run: first call / floor. */
  readonly ratios: number[];
  /** Per run: first call − floor, what the bot adds to the listing. */
  readonly overheads: number[];
  readonly cached: number[];
}

interface Stall {
  readonly code: string;
  /** Every run's help acks, pooled and (at the end) sorted. */
  readonly idle: number[];
  readonly busy: number[];
  readonly versionsMs: number[];
}

const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  const started = Date.now();
  const world = await startWorld();
  const results: Measured[] = [];
  const stalls: Stall[] = [];
  const loads: Array<{ iterations: number; objects: number; loadMs: number }> = [];
  try {
    for (const iterations of SIZES) {
      const s3 = await startS3(iterations);
      loads.push({ iterations, objects: s3.objects, loadMs: s3.loadMs });
      log(`${int(iterations)} iterations: ${int(s3.objects)} objects loaded in ${seconds(s3.loadMs)}`);
      const client = s3Client(s3.url);
      try {
        serveScenario(world, scenarioOf(iterations));
        const configOf = (code: Code) =>
          writeConfig(
            world,
            `scale-${iterations}-${code.name}`,
            { serviceToml: `prefix = "${MODELS}"`, botToml: botTomlFor(code), healthcheckTimeoutMs: 2000 },
            warmupServiceToml(world),
          );
        const timeoutMs = Math.max(60_000, iterations * 5);
        // The client's and the S3 process's code and sockets, before anything is timed.
        for (let i = 0; i < 3; i++) await rawListing(client, WARMUP);
        const here = codes.filter((c) => c.sizes.includes(iterations));
        const rows = new Map(
          here.map((c) => [
            c.name,
            {
              code: c.name,
              iterations,
              keys: 0,
              versions: 0,
              floors: [],
              firsts: [],
              ratios: [],
              overheads: [],
              cached: [],
            } as Measured,
          ]),
        );
        const runs = runsFor(iterations);
        // Every bot run sits between two floor listings; its ratio is to their mean, so a machine that
        // drifts during the run moves both sides.
        let floorBefore = await rawListing(client, MODELS);
        for (let run = 1; run <= runs; run++) {
          for (const code of here) {
            const row = rows.get(code.name) as Measured;
            const bot = await startBot(
              botEnv(world, {
                configPath: configOf(code),
                databaseUrl: sqliteUrl(world, 'scale'),
                s3Url: s3.url,
              }),
              code.root,
            );
            let first: VersionsAnswer;
            const cachedCalls = code.name === 'after' ? CACHED_CALLS : 3;
            try {
              await warmUp(world, bot);
              first = await versions(world, bot, 'fpo-search', timeoutMs);
              for (let i = 0; i < cachedCalls; i++)
                row.cached.push((await versions(world, bot, 'fpo-search', timeoutMs)).ms);
            } finally {
              await bot.stop();
            }
            const floorAfter = await rawListing(client, MODELS);
            const floor = (floorBefore.ms + floorAfter.ms) / 2;
            row.floors.push(floor);
            row.firsts.push(first.ms);
            row.ratios.push(first.ms / floor);
            row.overheads.push(first.ms - floor);
            Object.assign(row, { keys: floorAfter.keys, versions: first.versions });
            log(
              `  run ${run} ${code.name}: floor ${ms(floorBefore.ms)} / ${ms(floorAfter.ms)} ms (${floorAfter.pages} pages), ` +
                `first ${ms(first.ms)} ms (×${(first.ms / floor).toFixed(2)}), cached ${row.cached
                  .slice(-cachedCalls)
                  .map(ms)
                  .join(' ')} ms`,
            );
            floorBefore = floorAfter;
          }
        }
        results.push(...rows.values());

        if (iterations === STALL_SIZE) {
          for (let run = 1; run <= STALL_RUNS; run++) {
            for (const code of here) {
              const bot = await startBot(
                botEnv(world, {
                  configPath: configOf(code),
                  databaseUrl: sqliteUrl(world, 'stall'),
                  s3Url: s3.url,
                }),
                code.root,
              );
              try {
                await warmUp(world, bot);
                const idle = await helpStream(world, bot, sleep(IDLE_HELP_MS));
                const running = versions(world, bot, 'fpo-search', timeoutMs);
                const busy = await helpStream(world, bot, running);
                const versionsMs = (await running).ms;
                let stall = stalls.find((s) => s.code === code.name);
                if (!stall) {
                  stall = { code: code.name, idle: [], busy: [], versionsMs: [] };
                  stalls.push(stall);
                }
                stall.idle.push(...idle);
                stall.busy.push(...busy);
                stall.versionsMs.push(versionsMs);
                log(
                  `  stall run ${run} ${code.name}: help p99 idle ${ms(percentile(idle, 99))} ms, during versions ${ms(percentile(busy, 99))} ms, max ${ms(busy.at(-1))} ms (versions ${ms(versionsMs)} ms)`,
                );
              } finally {
                await bot.stop();
              }
            }
          }
          for (const stall of stalls) {
            stall.idle.sort((a, b) => a - b);
            stall.busy.sort((a, b) => a - b);
          }
        }
      } finally {
        client.destroy();
        await s3.stop();
      }
    }
    report(results, stalls, loads, Date.now() - started);
  } finally {
    await world.close();
  }
}

/** A second service on a small prefix of the same bucket, for warming the bot up. */
function warmupServiceToml(world: World): string {
  return `
[services.warmup]
channel = "CWARMUP001"
bucket = "${BUCKET}"
prefix = "${WARMUP}"
repo = "example-org/fpo-search"
config_path = "search-config.toml"
version_key = "version"

[services.warmup.approvers]
users = ["${USERS.bob}"]

[[services.warmup.environments]]
name = "production"
healthcheck_url = "${world.health.urlFor('production')}"
deploy_phase = "merge"
`;
}

function report(
  results: readonly Measured[],
  stalls: readonly Stall[],
  loads: ReadonlyArray<{ iterations: number; objects: number; loadMs: number }>,
  tookMs: number,
): void {
  const out = (text = '') => console.log(text);
  out(`\n## /rollback versions on big buckets (Node ${process.version}, ${new Date().toISOString()})\n`);
  out(
    `Medians over the runs (${SIZES.map((n) => `${runsFor(n)} at ${int(n)}`).join(', ')}); first / floor and first − floor: medians of the runs' values (range). ` +
      `Floor: the raw listing of the same prefix, the mean of the listings just before and just after each bot run. ` +
      `Cached: every call after each first call. Bot: \`src/main.ts\` as a process on SQLite; S3: s3rver in its own process.` +
      (BEFORE_ROOT ? ` before = the bot of ${BEFORE_ROOT}.` : ''),
  );
  out();
  out(
    markdownTable(
      [
        'iterations',
        'keys',
        'versions',
        'code',
        'raw listing (floor)',
        'versions, first call',
        'first / floor',
        'first − floor',
        'target ≤ ×1.1',
        'versions, cached (p50 / max)',
        'cached target < 100 ms @10k',
      ],
      results.map((r) => {
        const cachedP50 = median(r.cached);
        const cachedMax = Math.max(...r.cached);
        const ratioP50 = median(r.ratios);
        const spread =
          r.ratios.length > 1
            ? ` (${Math.min(...r.ratios).toFixed(2)}–${Math.max(...r.ratios).toFixed(2)})`
            : '';
        return [
          int(r.iterations),
          int(r.keys),
          int(r.versions),
          r.code,
          `${ms(median(r.floors))} ms`,
          `${ms(median(r.firsts))} ms`,
          `×${ratioP50.toFixed(2)}${spread}`,
          `${ms(median(r.overheads))} ms${r.overheads.length > 1 ? ` (${ms(Math.min(...r.overheads))}–${ms(Math.max(...r.overheads))})` : ''}`,
          verdict(ratioP50 <= 1.1),
          `${ms(cachedP50)} / ${ms(cachedMax)} ms`,
          r.iterations === 10_000 ? verdict(cachedP50 < 100) : '',
        ];
      }),
    ),
  );

  const growth: string[][] = [];
  for (const code of codes) {
    const a = results.find((r) => r.code === code.name && r.iterations === 10_000);
    const b = results.find((r) => r.code === code.name && r.iterations === 100_000);
    if (!a || !b) continue;
    const keys = `×${(b.keys / a.keys).toFixed(2)}`;
    const grow = (pick: (r: Measured) => number[]) => ratio(median(pick(b)), median(pick(a)));
    growth.push(
      [code.name, 'raw listing (floor)', grow((r) => r.floors), keys],
      [code.name, 'versions, first call', grow((r) => r.firsts), keys],
      [code.name, 'first call − floor (what the bot adds)', grow((r) => r.overheads), keys],
      [code.name, 'versions, cached', grow((r) => r.cached), keys],
    );
  }
  if (growth.length > 0) {
    out('\n### Growth 10,000 → 100,000 iterations\n');
    out(markdownTable(['code', 'what', 'time growth', 'key count growth'], growth));
  }

  if (stalls.length > 0) {
    out(
      `\n### Ack of \`/rollback help\` (another user, every ${HELP_EVERY_MS} ms) while \`versions\` runs uncached on ${int(STALL_SIZE)} iterations (${STALL_RUNS} runs pooled)\n`,
    );
    const rows: string[][] = [];
    for (const s of stalls) {
      rows.push(
        [
          s.code,
          'nothing else running (floor)',
          String(s.idle.length),
          ms(percentile(s.idle, 50)),
          ms(percentile(s.idle, 99)),
          ms(s.idle.at(-1)),
          '',
          '',
        ],
        [
          s.code,
          `during versions (${s.versionsMs.map(ms).join(', ')} ms)`,
          String(s.busy.length),
          ms(percentile(s.busy, 50)),
          ms(percentile(s.busy, 99)),
          ms(s.busy.at(-1)),
          ratio(percentile(s.busy, 99), percentile(s.idle, 99)),
          verdict(percentile(s.busy, 99) < 50),
        ],
      );
    }
    out(
      markdownTable(
        ['code', 'help acks', 'count', 'p50 ms', 'p99 ms', 'max ms', 'p99 / floor p99', 'target p99 < 50 ms'],
        rows,
      ),
    );
  }

  out('\n### Loading the buckets (bench/lib/s3Process.ts: bulkLoad + indexedListing on /dev/shm)\n');
  out(
    markdownTable(
      ['iterations', 'objects (with warmup/ prefix)', 'generate + write'],
      loads.map((l) => [int(l.iterations), int(l.objects), seconds(l.loadMs)]),
    ),
  );
  if (!SIZES.includes(100_000))
    out(
      '\n100,000 iterations skipped (--quick or --sizes): run `npm run bench:scale` for it (~3 minutes more).',
    );
  if (BEFORE_ROOT && !BEFORE_SIZES.includes(100_000) && SIZES.includes(100_000))
    out(
      '\nbefore at 100,000 iterations not run (its version table is quadratic: see `npx tsx bench/catalog.ts --baseline 49f43ce --sizes 100000`).',
    );
  out(`\nscale bench took ${seconds(tookMs)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
