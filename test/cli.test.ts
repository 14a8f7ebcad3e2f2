import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from './fakes/github.js';
import { type FakeHealthchecks, startFakeHealthchecks } from './fakes/healthchecks.js';
import { type FakeS3, loadBucketListing, startFakeS3 } from './fakes/s3.js';
import { readFixture } from './support/fixtures.js';
import { BUCKET, configToml, GITHUB_TOKEN, REPO } from './support/harness.js';

const run = promisify(execFile);
let s3: FakeS3;
let github: FakeGitHub;
let health: FakeHealthchecks;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  [s3, github, health] = await Promise.all([
    startFakeS3({ bucket: BUCKET, objects: await loadBucketListing() }),
    startFakeGitHub({
      token: GITHUB_TOKEN,
      repos: {
        [REPO]: { defaultBranch: 'main', files: { 'search-config.toml': readFixture('search-config.toml') } },
      },
    }),
    startFakeHealthchecks(),
  ]);
  health.serve('development', '1.25.4-4b5c6d7');
  health.serve('staging', '1.25.3-3a4b5c6');
  health.serve('production', '1.25.3-3a4b5c6');
  const dir = mkdtempSync(join(tmpdir(), 'rollback-cli-'));
  const configPath = join(dir, 'bot.toml');
  writeFileSync(configPath, configToml({ health }));
  // Only what the CLI documents: no Slack variables at all.
  env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ROLLBACK_BOT_CONFIG: configPath,
    DATABASE_URL: `sqlite:${join(dir, 'absent.db')}`,
    GITHUB_TOKEN,
    GITHUB_API_URL: github.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_ENDPOINT_URL_S3: s3.url,
  };
});
afterAll(async () => {
  await Promise.all([s3?.close(), github?.close(), health?.close()]);
});

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      env,
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('rollback-bot CLI, as a process with real clients', () => {
  it('prints status like the Slack command, without any Slack variable', async () => {
    const { code, stdout } = await cli('status');
    expect(code).toBe(0);
    expect(stdout).toMatch(/production\s+merge\s+1\.25\.3-3a4b5c6\s+healthy/);
    expect(stdout).toContain('Configured on main: 1.25.3 -> CI deploys 1.25.3-3a4b5c6');
    expect(stdout).toContain('Last known good: 1.25.0-293a4b5');
  });

  it('prints versions with CI resolution and safety, and exits 3 when a source is down', async () => {
    const ok = await cli('versions', 'fpo-search', '20');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/1\.1\.1\s+1\.1\.10-b2c3d4e \(!\)[^\n]*prefix trap/);
    expect(ok.stdout).toMatch(
      /1\.25\.0\s+1\.25\.0-293a4b5\s+2026-08-09\s+passed\s+development,staging,production\s+-\s+safe/,
    );
    health.set('production', { status: 503 });
    try {
      const degraded = await cli('status');
      expect(degraded.code).toBe(3);
      expect(degraded.stdout).toMatch(/production\s+merge\s+ERROR: HTTP 503/);
      expect(degraded.stdout).toContain('Could not read:');
    } finally {
      health.serve('production', '1.25.3-3a4b5c6');
    }
  });

  it('prints a plan as a dry run, and refuses what a request would refuse', async () => {
    const accepted = await cli('plan', 'fpo-search', 'previous');
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toContain('to:   1.25.0 -> CI deploys 1.25.0-293a4b5');
    expect(accepted.stdout).toContain('  - version = "1.25.3"\n  + version = "1.25.0"');
    expect(accepted.stdout).toContain('Note: no bot database at');
    const trap = await cli('plan', '1.1.1');
    expect(trap.code).toBe(3);
    expect(trap.stdout).toContain('[FAIL] prefix trap');
    expect(github.calls.filter((c) => c.method !== 'GET')).toEqual([]);
  });

  it('explains usage and configuration errors with a non-zero exit', async () => {
    const bad = await cli('statsu');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Unknown subcommand `statsu`');
    expect(bad.stderr).toContain('rollback-bot versions [service] [count]');
    const noConfig = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'status'], {
      env: { ...env, ROLLBACK_BOT_CONFIG: '/nonexistent.toml' },
    }).catch((e) => e);
    expect(noConfig.code).toBe(1);
    expect(noConfig.stderr).toContain('/nonexistent.toml');
  });
});
