/**
 * The measuring process's side of lib/loadgen.ts: starts the load generator as its own process and runs
 * jobs on it, one at a time.
 */
import { createInterface } from 'node:readline';
import { type Child, readyLine, startTs } from './processes.js';
import { until } from './stats.js';

export interface LoadResult {
  /** Milliseconds from send to the complete HTTP response, empty acks only, ascending. */
  latencies: number[];
  /** Empty acks in all, those sent during `skipFirstMs` included (not in `latencies`). */
  acked: number;
  errors: number;
  firstError?: string;
  /** Response id and send time (epoch ms) of each command, when the job asked for them. */
  sent?: Array<[string, number]>;
}

export interface LoadJob {
  readonly targets: readonly string[];
  readonly text: string;
  readonly user: string;
  readonly total: number;
  readonly concurrency: number;
  readonly recordSent?: boolean;
  /** Commands sent this long after the job's start or earlier are sent but not timed (a ramp-up). */
  readonly skipFirstMs?: number;
}

export interface LoadGenerator {
  readonly child: Child;
  run(job: LoadJob): Promise<LoadResult>;
}

/** `responseBase`: the fake Slack's response_url prefix; each command gets `<base>load-<pid>-<n>`. */
export async function startLoadGenerator(responseBase: string): Promise<LoadGenerator> {
  const child = startTs(new URL('./loadgen.ts', import.meta.url).pathname, {
    env: { PATH: process.env.PATH, BENCH_RESPONSE_BASE: responseBase },
    stdin: true,
  });
  await readyLine(child, 30_000);
  // Result lines read whole from stdout: a job's line (3000 latencies and send times) is longer than
  // the 64 KB of output a Child keeps, and a truncated line would never match.
  const results = new Map<string, string>();
  createInterface({ input: child.child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    const match = /^RESULT (\S+) (.*)$/.exec(line);
    if (match) results.set(match[1] as string, match[2] as string);
  });
  let jobs = 0;
  return {
    child,
    async run(job) {
      const tag = `job${++jobs}`;
      child.child.stdin?.write(`${JSON.stringify({ tag, ...job })}\n`);
      const line = await until(`load job ${tag}`, () => results.get(tag), 120_000, 20);
      results.delete(tag);
      return JSON.parse(line) as LoadResult;
    },
  };
}
