/**
 * `/rollback versions` on a big MLflow registered model (issue 16's performance goal): "the first
 * `versions` (no warm cache) on a registered model with 10,000 versions, end to end through Slack,
 * within 1.5× of one raw paged search (`max_results` 1000) of the same registry in the same run, and
 * cached repeats under 100 ms". Per size, several rounds (bench/lib/registryRun.ts says what a round
 * does), medians printed with each round's figures, and the `runs/get` calls MLflow received (at most
 * the rows shown).
 *
 * Processes: this one (fake Slack, GitHub, healthchecks, the measuring), the MLflow stand-in in its own
 * (bench/lib/mlflowProcess.ts), and the bot (`src/main.ts`, as an operator starts it, one per round).
 *
 * Run: npm run bench:registry [-- --quick] [--sizes 1000,10000] [--rounds 5] [--cached 5]
 * Exits non-zero on errors only; a missed target is reported as FAIL.
 */
// First: refuses an old Node.js in one line before any other import runs (better-sqlite3 would crash).
import '../src/nodeVersion.js';
import { measureRegistry, type RegistryResult } from './lib/registryRun.js';
import { argument, int, markdownTable, ms, QUICK, seconds, verdict } from './lib/stats.js';

const SIZES = (argument('sizes') ?? (QUICK ? '10000' : '1000,10000')).split(',').map(Number);
const ROUNDS = Number(argument('rounds') ?? (QUICK ? 3 : 5));
const CACHED = Number(argument('cached') ?? 5);
const TARGET_RATIO = 1.5;
const TARGET_CACHED_MS = 100;
/** The goal is stated at 10,000 versions; smaller models are shown for the trend (fixed costs dominate). */
const TARGET_SIZE = 10_000;

const log = (line: string) => process.stderr.write(`${line}\n`);

/** runs/get calls per round, first + cached; once when every round had the same. */
function runsGet(r: RegistryResult): string {
  const each = r.rounds.map((x) => `${x.runsGetFirst} + ${x.runsGetCached}`);
  return new Set(each).size === 1 ? `${each[0]} (every round)` : each.join(', ');
}

async function main(): Promise<void> {
  const started = Date.now();
  const results: RegistryResult[] = [];
  for (const versions of SIZES) {
    results.push(await measureRegistry({ versions, rounds: ROUNDS, cachedCalls: CACHED, log }));
  }
  const out = (text = '') => console.log(text);
  out(
    `\n## /rollback versions on a big MLflow registered model (Node ${process.version}, ${new Date().toISOString()})\n`,
  );
  out(
    `Medians over ${ROUNDS} rounds. Raw search: plain fetch of every page (max_results 1000, following next_page_token), ` +
      `the mean of the searches just before and just after each round. First: a fresh bot process's first \`/rollback versions\`, ` +
      `signed command → answer at the response_url. Cached: the ${CACHED} calls after it in each round. ` +
      `Bot: \`src/main.ts\` as a process on SQLite; MLflow: the stand-in in its own process. ` +
      `Targets (at ${int(TARGET_SIZE)} versions): first / raw ≤ ×${TARGET_RATIO}, every cached call < ${TARGET_CACHED_MS} ms.`,
  );
  out();
  out(
    markdownTable(
      [
        'versions',
        'pages',
        'raw search',
        'versions, first call',
        'first / raw',
        `target ≤ ×${TARGET_RATIO}`,
        'cached (median / max)',
        `target < ${TARGET_CACHED_MS} ms`,
        'rows shown',
        'runs/get first + cached',
      ],
      results.map((r) => {
        const ratios = r.rounds.map((x) => x.ratio);
        const first = r.rounds[0];
        return [
          int(r.versions),
          String(r.pages),
          `${ms(r.floorMs)} ms`,
          `${ms(r.firstMs)} ms`,
          `×${r.ratio.toFixed(2)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`,
          r.versions >= TARGET_SIZE ? verdict(r.ratio <= TARGET_RATIO) : '-',
          `${ms(r.cachedMedianMs)} / ${ms(r.cachedMaxMs)} ms`,
          r.versions >= TARGET_SIZE ? verdict(r.cachedMaxMs < TARGET_CACHED_MS) : '-',
          first ? `${first.rowsShown} of ${int(first.versionsInTable)}` : '-',
          runsGet(r),
        ];
      }),
    ),
  );
  out(`\nTook ${seconds(Date.now() - started)}.`);
}

await main();
