/**
 * The bot as an operating-system process (`src/main.ts` through tsx), started the way an operator
 * starts it: only environment variables. For tests of what only processes show: start-up errors,
 * signals, several replicas on one database, kill -9.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../../world/ports.js';

export const TSX = join(process.cwd(), 'node_modules/tsx/dist/loader.mjs');
export const MAIN = join(process.cwd(), 'src/main.ts');

export interface BotProcess {
  readonly child: ChildProcess;
  readonly url: string;
  output(): string;
  readonly exited: Promise<number | null>;
}

const running = new Set<ChildProcess>();

/** Kills every process started here that is still running (afterEach). */
export function killAll(): void {
  for (const child of running)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  running.clear();
}

/** Starts the bot and waits until /readyz answers 200. */
export async function startBotProcess(
  env: NodeJS.ProcessEnv,
  command: readonly string[] = [process.execPath, '--import', TSX, MAIN],
): Promise<BotProcess> {
  const port = await freePort();
  const [bin, ...args] = command as [string, ...string[]];
  const child = spawn(bin, args, { env: { ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`bot did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, url, output: () => output, exited };
}
