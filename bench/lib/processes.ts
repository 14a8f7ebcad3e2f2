/**
 * Child processes for the benchmarks: the bot (its own `src/main.ts`, started the way an operator starts
 * it, only environment variables), the fake S3 holding a big bucket, and the bare Bolt app. Each in its
 * own process so that the measuring process's timers fire on time while the bot is busy (a stall is then
 * measured, not hidden), and so that S3's work never runs on the bot's event loop.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../world/ports.js';
import { sleep } from './stats.js';

/** The checkout these benchmarks live in. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX_LOADER = join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs');

export interface Child {
  readonly child: ChildProcess;
  readonly pid: number;
  /** The last 64 KB of stdout and stderr. */
  output(): string;
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL when it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<ChildProcess>();
/** Directories to remove if this process exits before their owner could (a big fake S3 bucket). */
const leftovers = new Set<string>();

process.on('exit', () => {
  for (const child of running)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of leftovers) spawnSync('rm', ['-rf', dir]);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.exitCode = 130;
    process.exit();
  });
}

export const removeOnExit = (dir: string): void => void leftovers.add(dir);
export const forgetOnExit = (dir: string): void => void leftovers.delete(dir);

/** Runs a TypeScript file with tsx in a new Node process. */
export function startTs(
  script: string,
  options: {
    env: NodeJS.ProcessEnv;
    cwd?: string;
    nice?: number;
    nodeArgs?: readonly string[];
    /** A pipe to the child's stdin (`child.stdin`) instead of none. */
    stdin?: boolean;
  },
): Child {
  const node = [process.execPath, ...(options.nodeArgs ?? []), '--import', TSX_LOADER, script];
  const [bin, ...args] = options.nice ? ['nice', '-n', String(options.nice), ...node] : node;
  const child = spawn(bin as string, args, {
    cwd: options.cwd ?? REPO_ROOT,
    env: options.env,
    stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  const keep = (d: Buffer) => {
    output += d.toString('utf8');
    if (output.length > 128 * 1024) output = output.slice(-64 * 1024);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  return {
    child,
    pid: child.pid ?? -1,
    output: () => output.slice(-64 * 1024),
    exited,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Waits for the child's `READY <json>` line on stdout and returns the JSON. */
export async function readyLine<T>(child: Child, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = /^READY (.*)$/m.exec(child.output())?.[1];
    if (line) return JSON.parse(line) as T;
    if (child.child.exitCode !== null)
      throw new Error(`process exited before it was ready:\n${child.output()}`);
    if (Date.now() > deadline)
      throw new Error(`process not ready within ${timeoutMs} ms:\n${child.output()}`);
    await sleep(20);
  }
}

/**
 * Extra Node flags for every bot process, from BENCH_BOT_NODE_ARGS (space-separated), e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof` to see where a stall comes from.
 */
const BOT_NODE_ARGS = (process.env.BENCH_BOT_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');

export interface BotChild extends Child {
  readonly url: string;
}

/**
 * The bot from `root` (this checkout, or another one such as the code before a change) as a process:
 * `node --import tsx <root>/src/main.ts`, with `PORT` chosen here. Resolves once /readyz answers 200.
 */
export async function startBot(
  env: NodeJS.ProcessEnv,
  root = REPO_ROOT,
  nodeArgs: readonly string[] = BOT_NODE_ARGS,
): Promise<BotChild> {
  const port = await freePort();
  const bot = startTs(join(root, 'src/main.ts'), {
    env: { ...env, PORT: String(port) },
    cwd: root,
    nodeArgs,
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    if (bot.child.exitCode !== null || Date.now() > deadline) {
      await bot.stop(1000);
      throw new Error(`the bot did not become ready:\n${bot.output()}`);
    }
    await sleep(50);
  }
  return { ...bot, url };
}
