/**
 * The bot as a process, started the way an operator starts it (`src/main.ts`, and `npm start` on the
 * built code), with only environment variables, against the local fakes. What only a process can show:
 * start-up errors as one line, surviving malformed requests, draining on SIGTERM, no orphan under npm.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FakeHealthchecks } from '../world/healthchecks.js';
import { freePort } from '../world/ports.js';
import type { FakeSlack } from '../world/slack/fake.js';
import { sendSlashCommand, signSlackRequest } from '../world/slack/requests.js';
import { killAll, MAIN, startBotProcess, TSX } from './support/botProcess.js';
import { CHANNEL, configToml, SIGNING_SECRET, USERS } from './support/harness.js';
import { textOf } from './support/slackText.js';
import { startWorld, type World } from './support/world.js';

let world: World;
let slack: FakeSlack;
let health: FakeHealthchecks;
let dir: string;
let baseEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  world = await startWorld({ botToml: 'drain_delay_seconds = 1\nshutdown_timeout_seconds = 10' });
  ({ slack, health, dir } = world);
  baseEnv = { ...world.env(), DATABASE_URL: `sqlite:${join(dir, 'bot.db')}` };
}, 60_000);
afterAll(() => world?.close());

afterEach(killAll);

const startBot = startBotProcess;

async function startFails(env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string; stdout: string }> {
  const result = await promisify(execFile)(process.execPath, ['--import', TSX, MAIN], {
    env,
    timeout: 30_000,
  }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
  return { code: result.code, stderr: result.stderr, stdout: result.stdout };
}

describe('start-up problems are one line naming what to fix', () => {
  it.each([
    [
      'no AWS region',
      { AWS_REGION: undefined },
      'rollback-bot cannot start: AWS_REGION is not set (nor a region in the AWS profile): set it to the region of the model buckets, e.g. AWS_REGION=eu-west-2',
    ],
    [
      'an unwritable database',
      { DATABASE_URL: 'sqlite:/dev/null/data/bot.db' },
      'rollback-bot cannot start: DATABASE_URL sqlite:/dev/null/data/bot.db: cannot open /dev/null/data/bot.db (ENOTDIR); point it at a writable file, e.g. sqlite:./data/rollback-bot.db',
    ],
    [
      'PostgreSQL not there',
      { DATABASE_URL: 'postgres://bot:hunter2@127.0.0.1:9/rollbacks' },
      'rollback-bot cannot start: DATABASE_URL postgres://bot:***@127.0.0.1:9/rollbacks: connection refused: is PostgreSQL running and listening on that host and port?',
    ],
    [
      'a database password with an "@" in it',
      { DATABASE_URL: 'postgres://bot:hunter2@ss@127.0.0.1:9/rollbacks' },
      'rollback-bot cannot start: DATABASE_URL postgres://bot:***@127.0.0.1:9/rollbacks: connection refused: is PostgreSQL running and listening on that host and port?',
    ],
    [
      'a database password as a parameter',
      { DATABASE_URL: 'postgres://bot@127.0.0.1:9/rollbacks?password=hunter2' },
      'rollback-bot cannot start: DATABASE_URL postgres://bot@127.0.0.1:9/rollbacks?password=***: connection refused: is PostgreSQL running and listening on that host and port?',
    ],
    [
      'a missing config file',
      { ROLLBACK_BOT_CONFIG: '/nonexistent/bot.toml' },
      'rollback-bot cannot start: Invalid bot config /nonexistent/bot.toml:',
      // followed by one line per problem
    ],
  ])('%s', async (_what, change, expected) => {
    const env: NodeJS.ProcessEnv = { ...baseEnv, ...change };
    for (const [k, v] of Object.entries(change)) if (v === undefined) delete env[k];
    const { code, stderr, stdout } = await startFails(env);
    expect(code).toBe(1);
    // (Node 20 also prints the AWS SDK's end-of-support warning; only our line is asserted.)
    const ours = stderr.split('\n').filter((l) => l.startsWith('rollback-bot'));
    expect(ours).toEqual([expected]);
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(`${stdout}${stderr}`).not.toContain('hunter2');
    expect(`${stdout}${stderr}`).not.toContain('ss@127');
  });

  it('refuses an iteration pattern that can backtrack for minutes, naming the key and why', async () => {
    const configPath = join(dir, 'slow-pattern.toml');
    writeFileSync(
      configPath,
      configToml(
        { health },
        { serviceToml: "iteration_pattern = '^(?<version>(\\d+\\.?)+)-(?<sha>[0-9a-f]{7})$'" },
      ),
    );
    const { code, stderr } = await startFails({ ...baseEnv, ROLLBACK_BOT_CONFIG: configPath });
    expect(code).toBe(1);
    expect(stderr).toContain(`rollback-bot cannot start: Invalid bot config ${configPath}:\n`);
    expect(stderr).toContain(
      '  - services.fpo-search.iteration_pattern: refused: the pattern can take super-linear time on outside text (inside the repetition "(\\d+\\.?)+", "\\d+" can also match what follows it, so an input that almost matches is tried in exponentially many ways); rewrite it so each character can be matched only one way, e.g. \\d+(?:\\.\\d+)* rather than (\\d+\\.?)+\n',
    );
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it('refuses ADMIN_HOST without ADMIN_PORT, and an ADMIN_PORT that is taken, naming it', async () => {
    const hostOnly = await startFails({ ...baseEnv, ADMIN_HOST: '0.0.0.0' });
    expect(hostOnly.code).toBe(1);
    expect(hostOnly.stderr).toContain('ADMIN_HOST is set but ADMIN_PORT is not');
    const taken = createServer();
    const port = await new Promise<number>((resolve) =>
      taken.listen(0, '127.0.0.1', () => resolve((taken.address() as AddressInfo).port)),
    );
    try {
      const busy = await startFails({ ...baseEnv, PORT: String(await freePort()), ADMIN_PORT: String(port) });
      expect(busy.code).toBe(1);
      expect(busy.stderr.split('\n').filter((l) => l.startsWith('rollback-bot'))).toEqual([
        `rollback-bot cannot start: ADMIN_PORT ${port} (ADMIN_HOST 127.0.0.1) is already in use: stop the other process or set ADMIN_PORT to a free port`,
      ]);
    } finally {
      taken.close();
    }
  });

  it('names every missing variable at once', async () => {
    const env = { ...baseEnv };
    delete env.SLACK_BOT_TOKEN;
    delete env.GITHUB_TOKEN;
    const { code, stderr } = await startFails(env);
    expect(code).toBe(1);
    expect(stderr).toContain('SLACK_BOT_TOKEN is not set');
    expect(stderr).toContain('GITHUB_TOKEN is not set');
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});

describe('a running bot', () => {
  it('answers any malformed body after a valid signature with 400, and lives on', async () => {
    const bot = await startBot({ ...baseEnv, DATABASE_URL: `sqlite:${join(dir, 'malformed.db')}` });
    const bodies: Array<[string, string]> = [
      ['payload=null', 'application/x-www-form-urlencoded'],
      ['payload=%5B%5D', 'application/x-www-form-urlencoded'],
      ['payload=42', 'application/x-www-form-urlencoded'],
      ['payload=%7Bnot+json', 'application/x-www-form-urlencoded'],
      ['team_id=T1&text=status', 'application/x-www-form-urlencoded'],
      ['null', 'application/json'],
      ['[1,2]', 'application/json'],
      ['{"no":"type"}', 'application/json'],
      ['\u0000\u0001garbage', 'application/json'],
    ];
    for (const [body, type] of bodies) {
      const res = await fetch(`${bot.url}/slack/events`, {
        method: 'POST',
        headers: signSlackRequest(SIGNING_SECRET, body, undefined, type),
        body,
      });
      expect(res.status, body).toBe(400);
    }
    expect(bot.child.exitCode).toBeNull();
    const help = await sendSlashCommand(bot.url, SIGNING_SECRET, {
      text: 'help',
      user_id: USERS.alice,
      channel_id: CHANNEL,
      response_url: slack.responseUrl(),
    });
    expect(help.status).toBe(200);
    expect(textOf(JSON.parse(help.body))).toContain('/rollback status [service]');
    expect(bot.output()).toContain('malformed body');
  });

  it('on SIGTERM: /readyz turns 503 at once, an acknowledged command still gets its answer, exit 0', async () => {
    const bot = await startBot({ ...baseEnv, DATABASE_URL: `sqlite:${join(dir, 'drain.db')}` });
    health.set('production', {
      body: { git_sha1: '9e8d7c6', model_version: '1.25.3-3a4b5c6', healthy: true },
      delayMs: 1500,
    });
    try {
      const responseUrl = slack.responseUrl();
      const ack = await sendSlashCommand(bot.url, SIGNING_SECRET, {
        text: 'status',
        user_id: USERS.alice,
        channel_id: CHANNEL,
        response_url: responseUrl,
      });
      expect(ack.status).toBe(200);
      bot.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 200));
      const ready = await fetch(`${bot.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ ok: false, draining: true });
      expect(await bot.exited).toBe(0);
      const answer = slack.responsesTo(responseUrl.split('/').pop() ?? '');
      expect(answer).toHaveLength(1);
      expect(textOf(answer[0]?.body)).toContain('fpo-search');
      expect(bot.output()).toMatch(/"msg":"draining"/);
      expect(bot.output()).toMatch(/"msg":"stopped"/);
    } finally {
      health.serve('production', '1.25.3-3a4b5c6');
    }
  });

  it('with ADMIN_PORT: /metrics and the /readyz details on the admin port only (issue 14, finding 15)', async () => {
    const adminPort = await freePort();
    const bot = await startBot({
      ...baseEnv,
      DATABASE_URL: `sqlite:${join(dir, 'admin.db')}`,
      ADMIN_PORT: String(adminPort),
    });
    const admin = `http://127.0.0.1:${adminPort}`;
    expect((await fetch(`${bot.url}/metrics`)).status).toBe(404);
    const metrics = await fetch(`${admin}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^rollback_bot_ready 1$/m);
    const bare = await fetch(`${bot.url}/readyz`);
    expect(bare.status).toBe(200);
    expect(await bare.json()).toEqual({ ok: true });
    const detailed = (await (await fetch(`${admin}/readyz`)).json()) as { checks: { name: string }[] };
    expect(detailed.checks.map((c) => c.name)).toContain('s3');
    for (const url of [bot.url, admin]) expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(bot.output()).toContain(`"adminPort":${adminPort}`);
    expect(bot.output()).not.toContain('no ADMIN_PORT');
  });

  it('under npm start, SIGTERM to npm reaches the bot: no orphaned node', async () => {
    await promisify(execFile)('npm', ['run', 'build'], { env: { PATH: process.env.PATH }, timeout: 120_000 });
    const bot = await startBot({ ...baseEnv, DATABASE_URL: `sqlite:${join(dir, 'npm.db')}` }, [
      'npm',
      'start',
    ]);
    const pids = (await promisify(execFile)('ps', ['-o', 'pid=', '--ppid', String(bot.child.pid)])).stdout
      .trim()
      .split(/\s+/)
      .map(Number);
    expect(pids).toHaveLength(1); // npm's only child is node itself (exec), not a shell
    bot.child.kill('SIGTERM');
    await bot.exited;
    await new Promise((r) => setTimeout(r, 300));
    const alive = await promisify(execFile)('ps', ['-o', 'pid=', '-p', String(pids[0])]).then(
      (r) => r.stdout.trim(),
      () => '',
    );
    expect(alive).toBe('');
    expect(bot.output()).toMatch(/"msg":"stopped"/);
  }, 150_000);
});
