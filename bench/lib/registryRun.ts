/**
 * One measurement of `/rollback versions` on a big MLflow registered model (issue 16's goal), shared by
 * bench/registry.ts and its small test (test/bench/registry.test.ts). Per round:
 *
 *   1. floor: one raw paged search of the model's versions with plain fetch
 *      (`GET …/model-versions/search?filter=name='…'&max_results=1000`, following `next_page_token`),
 *      just before and just after the bot's round (their mean is the round's floor);
 *   2. the first `/rollback versions <service>` of a fresh bot process (nothing cached), timed from
 *      sending the signed slash command until its answer reaches the response_url at the fake Slack;
 *   3. `cachedCalls` repeats (the listing kept `catalog_cache_seconds`);
 *   and how many `runs/get` calls MLflow received during 2 and during 3.
 *
 * Processes: this one (fake Slack, GitHub, healthchecks, the measuring), the MLflow stand-in
 * (lib/mlflowProcess.ts) and the bot (`src/main.ts`, restarted every round so the first call is cold,
 * then warmed up on a small model of the same registry so the first call does not time the JIT).
 */
import { USERS } from '../../world/reference.js';
import { type BotChild, readyLine, startBot, startTs } from './processes.js';
import { median, until } from './stats.js';
import { botEnv, command, sqliteUrl, startWorld, type World, writeConfig } from './world.js';

export const MODEL = 'reco-ranker';
export const SERVICE = 'reco';
const WARMUP_MODEL = 'warmup-ranker';
const WARMUP_SERVICE = 'warmup';
const WARMUP_VERSIONS = 300;
const PAGE = 1000;

export interface RegistryRunOptions {
  readonly versions: number;
  readonly rounds: number;
  readonly cachedCalls: number;
  /** Progress lines (default: none). */
  readonly log?: (line: string) => void;
}

export interface RegistryRound {
  readonly floorMs: number;
  readonly firstMs: number;
  readonly ratio: number;
  readonly cachedMs: readonly number[];
  /** runs/get calls MLflow received during the first call, and during the cached ones. */
  readonly runsGetFirst: number;
  readonly runsGetCached: number;
  /** Rows the answer shows, and versions in the table ("N of M versions"). */
  readonly rowsShown: number;
  readonly versionsInTable: number;
}

export interface RegistryResult {
  readonly versions: number;
  readonly pages: number;
  readonly loadMs: number;
  readonly rounds: readonly RegistryRound[];
  readonly floorMs: number;
  readonly firstMs: number;
  readonly ratio: number;
  readonly cachedMedianMs: number;
  readonly cachedMaxMs: number;
}

interface MlflowChild {
  readonly url: string;
  readonly control: string;
  readonly loadMs: number;
  count(endpoint: string): Promise<number>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

async function startMlflow(versions: number): Promise<MlflowChild> {
  const child = startTs(new URL('./mlflowProcess.ts', import.meta.url).pathname, {
    env: {
      PATH: process.env.PATH,
      BENCH_MLFLOW: JSON.stringify({
        models: [
          { name: MODEL, versions },
          { name: WARMUP_MODEL, versions: WARMUP_VERSIONS },
        ],
      }),
    },
  });
  const info = await readyLine<{ url: string; control: string; loadMs: number }>(child, 120_000);
  return {
    ...info,
    async count(endpoint) {
      const res = await fetch(`${info.control}/count?endpoint=${encodeURIComponent(endpoint)}`);
      return ((await res.json()) as { count: number }).count;
    },
    async reset() {
      await fetch(`${info.control}/reset`, { method: 'POST' });
    },
    stop: () => child.stop(10_000),
  };
}

/** The floor: every page of the model's versions, parsed, with plain fetch. */
export async function rawSearch(
  trackingUri: string,
  model: string,
): Promise<{ ms: number; versions: number; pages: number }> {
  const started = performance.now();
  let token: string | undefined;
  let versions = 0;
  let pages = 0;
  do {
    const url = new URL('/api/2.0/mlflow/model-versions/search', trackingUri);
    url.searchParams.set('filter', `name='${model}'`);
    url.searchParams.set('max_results', String(PAGE));
    if (token) url.searchParams.set('page_token', token);
    const res = await fetch(url);
    if (res.status !== 200) throw new Error(`search: HTTP ${res.status} ${await res.text()}`);
    const page = (await res.json()) as { model_versions?: unknown[]; next_page_token?: string };
    versions += page.model_versions?.length ?? 0;
    pages += 1;
    token = page.next_page_token || undefined;
  } while (token);
  return { ms: performance.now() - started, versions, pages };
}

function serviceToml(world: World, name: string, model: string, trackingUri: string): string {
  return `
[services.${name}]
channel = "C${name
    .toUpperCase()
    .replace(/[^A-Z]/g, '')
    .padEnd(8, '0')
    .slice(0, 8)}"
source = "mlflow"
action = "registry_alias"

[services.${name}.mlflow]
tracking_uri = "${trackingUri}"
model = "${model}"
metrics = ["auc", "rmse"]
timeout_ms = 30000

[services.${name}.approvers]
users = ["${USERS.bob}"]

[[services.${name}.environments]]
name = "production"
healthcheck_url = "${world.health.urlFor(`${name}-production`)}"
`;
}

/** `/rollback versions <service>`: from sending the signed command to its answer at response_url. */
async function versionsCall(
  world: World,
  bot: BotChild,
  service: string,
  timeoutMs: number,
): Promise<{ ms: number; rows: number; total: number }> {
  const sent = command(world, bot.url, `versions ${service}`);
  const ack = await sent.result;
  if (ack.status !== 200 || ack.body !== '')
    throw new Error(`versions ack: HTTP ${ack.status} ${ack.body.slice(0, 200)}`);
  const answer = await until(
    `the versions answer of ${service}`,
    () => world.slack.responsesTo(sent.responseId)[0],
    timeoutMs,
    2,
  );
  const text = JSON.stringify(answer.body);
  if (!String(answer.body?.text).startsWith(`${service}: `) || text.includes('Could not read'))
    throw new Error(`unexpected versions answer: ${text.slice(0, 600)}`);
  const of = /(\d+) of (\d+) versions/.exec(text);
  const blocks = (answer.body?.blocks ?? []) as Array<{ type?: string; accessory?: unknown }>;
  const rows = of ? Number(of[1]) : blocks.filter((b) => b.type === 'section').length;
  return { ms: answer.at - sent.sentAt, rows, total: of ? Number(of[2]) : Number.NaN };
}

export async function measureRegistry(options: RegistryRunOptions): Promise<RegistryResult> {
  const log = options.log ?? (() => undefined);
  const world = await startWorld();
  const mlflow = await startMlflow(options.versions);
  log(
    `${options.versions} versions (+${WARMUP_VERSIONS} to warm up) loaded in ${Math.round(mlflow.loadMs)} ms`,
  );
  const rounds: RegistryRound[] = [];
  let pages = 0;
  try {
    world.health.serve(`${SERVICE}-production`, String(options.versions));
    world.health.serve(`${WARMUP_SERVICE}-production`, String(WARMUP_VERSIONS));
    const configPath = writeConfig(
      world,
      `registry-${options.versions}`,
      { botToml: 'drain_delay_seconds = 0', healthcheckTimeoutMs: 2000 },
      serviceToml(world, SERVICE, MODEL, mlflow.url) +
        serviceToml(world, WARMUP_SERVICE, WARMUP_MODEL, mlflow.url),
    );
    const timeoutMs = Math.max(60_000, options.versions * 10);
    // The measuring client's code and sockets, and the stand-in's, before anything is timed.
    for (let i = 0; i < 3; i++) await rawSearch(mlflow.url, WARMUP_MODEL);
    let before = await rawSearch(mlflow.url, MODEL);
    if (before.versions !== options.versions)
      throw new Error(`the raw search found ${before.versions} versions, not ${options.versions}`);
    pages = before.pages;
    for (let round = 1; round <= options.rounds; round++) {
      const bot = await startBot(
        botEnv(world, {
          configPath,
          databaseUrl: sqliteUrl(world, 'registry'),
          // No S3 service is asked anything here (fpo-search is never named).
          s3Url: 'http://127.0.0.1:9',
          logLevel: 'warn',
        }),
      );
      let first: { ms: number; rows: number; total: number };
      const cachedMs: number[] = [];
      let runsGetFirst = 0;
      let runsGetCached = 0;
      try {
        for (let i = 0; i < 3; i++) await versionsCall(world, bot, WARMUP_SERVICE, timeoutMs);
        await mlflow.reset();
        first = await versionsCall(world, bot, SERVICE, timeoutMs);
        runsGetFirst = await mlflow.count('runs/get');
        await mlflow.reset();
        for (let i = 0; i < options.cachedCalls; i++)
          cachedMs.push((await versionsCall(world, bot, SERVICE, timeoutMs)).ms);
        runsGetCached = await mlflow.count('runs/get');
      } finally {
        await bot.stop();
      }
      const after = await rawSearch(mlflow.url, MODEL);
      const floorMs = (before.ms + after.ms) / 2;
      rounds.push({
        floorMs,
        firstMs: first.ms,
        ratio: first.ms / floorMs,
        cachedMs,
        runsGetFirst,
        runsGetCached,
        rowsShown: first.rows,
        versionsInTable: first.total,
      });
      log(
        `  round ${round}: raw search ${before.ms.toFixed(0)} / ${after.ms.toFixed(0)} ms (${after.pages} pages), ` +
          `first versions ${first.ms.toFixed(0)} ms (×${(first.ms / floorMs).toFixed(2)}), ` +
          `cached ${cachedMs.map((m) => m.toFixed(0)).join(' ')} ms; runs/get ${runsGetFirst} + ${runsGetCached}; ` +
          `${first.rows} rows of ${first.total}`,
      );
      before = after;
    }
  } finally {
    await mlflow.stop();
    await world.close();
  }
  const cached = rounds.flatMap((r) => r.cachedMs);
  return {
    versions: options.versions,
    pages,
    loadMs: mlflow.loadMs,
    rounds,
    floorMs: median(rounds.map((r) => r.floorMs)),
    firstMs: median(rounds.map((r) => r.firstMs)),
    ratio: median(rounds.map((r) => r.ratio)),
    cachedMedianMs: median(cached),
    cachedMaxMs: Math.max(...cached),
  };
}
