/**
 * An old Node.js is refused in one line by every entry point, before better-sqlite3 is loaded (on Node
 * 20 it segfaults, after an AWS SDK warning that points nowhere near the cause). The spawned checks use
 * the machine's own old Node when there is one (this image has Node 20 in /usr/bin).
 */
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { nodeVersionProblem, REQUIRED_NODE_MAJOR } from '../src/nodeVersion.js';

const TSX = join(process.cwd(), 'node_modules/tsx/dist/loader.mjs');

describe('the Node.js version guard', () => {
  it('refuses a Node.js older than 22, naming the version and how to get a newer one', () => {
    expect(nodeVersionProblem('20.20.2')).toBe(
      'rollback-bot needs Node.js 22 or later, this is Node.js 20.20.2: install Node.js 22 or 24 (https://nodejs.org, or `nvm install 24`), or run `bash .ci/run`, which takes Node.js 24 from the npm registry',
    );
    expect(nodeVersionProblem('v18.19.0')).toMatch(/this is Node.js v18.19.0/);
    expect(nodeVersionProblem('21.99.0')).toBeDefined();
    expect(nodeVersionProblem('22.0.0')).toBeUndefined();
    expect(nodeVersionProblem('24.21.0')).toBeUndefined();
    expect(nodeVersionProblem('100.0.0')).toBeUndefined();
  });

  it('asks for what package.json’s engines (npm’s engine-strict, .npmrc) ask for', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).toBe(`>=${REQUIRED_NODE_MAJOR}`);
    expect(readFileSync('.npmrc', 'utf8')).toMatch(/^engine-strict=true$/m);
  });
});

/** A node binary older than 22 on this machine, if any. */
function oldNode(): string | undefined {
  const candidates = new Set(['/usr/bin/node', '/bin/node', '/usr/local/bin/node']);
  try {
    for (const path of execFileSync('which', ['-a', 'node'], { encoding: 'utf8' }).split('\n'))
      if (path.trim()) candidates.add(path.trim());
  } catch {
    // which found nothing on PATH: the fixed places are still tried.
  }
  for (const path of candidates) {
    try {
      const version = execFileSync(path, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
      if (Number.parseInt(version, 10) < REQUIRED_NODE_MAJOR) return path;
    } catch {
      // not there, or not runnable
    }
  }
  return undefined;
}

const old = oldNode();
const run = (args: string[], cwd?: string) =>
  promisify(execFile)(old as string, args, { cwd, timeout: 60_000, env: { PATH: process.env.PATH } }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );

describe.skipIf(!old)(
  `every entry point on an old Node.js${old ? '' : ' (skipped: no Node.js older than 22 on this machine, `which -a node`)'}`,
  () => {
    it.each([
      ['the bot', 'src/main.ts', []],
      ['the CLI', 'src/cli.ts', ['status']],
      ['the demo', 'demo/main.ts', ['--port', '0']],
      ['a benchmark', 'bench/ack-latency.ts', ['--quick']],
    ])('%s (%s) exits 1 with one line, before loading anything', async (_name, entry, args) => {
      const { code, stdout, stderr } = await run(['--import', TSX, entry, ...args]);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toMatch(
        /^rollback-bot needs Node\.js 22 or later, this is Node\.js \d+\.\d+\.\d+: install Node\.js 22 or 24 .*\n$/,
      );
    });

    it('npm run setup exits 1 with the same line, creating nothing', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'rollback-old-node-'));
      for (const name of ['.env.example', 'rollback-bot.example.toml', 'package.json'])
        copyFileSync(name, join(dir, name));
      const { code, stderr } = await run([join(process.cwd(), 'scripts/setup.mjs')], dir);
      expect(code).toBe(1);
      expect(stderr).toMatch(/^rollback-bot needs Node\.js 22 or later, this is Node\.js /);
      expect(() => readFileSync(join(dir, '.env'))).toThrow(/ENOENT/);
    });
  },
);
