/** `npm run setup` (scripts/setup.mjs) as a process in a scratch directory: `.env` holds secrets. */
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const SETUP = join(process.cwd(), 'scripts/setup.mjs');

async function setupIn(dir: string, umask = 0o022): Promise<string> {
  // The umask of a typical shell: files are created world-readable unless asked otherwise.
  const { stdout } = await promisify(execFile)(
    'sh',
    ['-c', `umask ${umask.toString(8)} && exec "$0" "$1"`, process.execPath, SETUP],
    { cwd: dir },
  );
  return stdout;
}

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rollback-setup-'));
  for (const name of ['.env.example', 'rollback-bot.example.toml', 'package.json'])
    copyFileSync(name, join(dir, name));
  chmodSync(join(dir, '.env.example'), 0o644);
  return dir;
}

const modeOf = (file: string): number => statSync(file).mode & 0o777;

describe('npm run setup', () => {
  it('creates .env readable by its owner only, with the example’s content', async () => {
    const dir = scratch();
    const out = await setupIn(dir);
    expect(out).toContain('created .env from .env.example');
    expect(modeOf(join(dir, '.env'))).toBe(0o600);
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe(readFileSync('.env.example', 'utf8'));
    expect(modeOf(join(dir, 'rollback-bot.toml'))).toBe(0o644);
  });

  it('tightens an existing .env that others can read, and keeps its content', async () => {
    const dir = scratch();
    writeFileSync(join(dir, '.env'), 'SLACK_BOT_TOKEN=xoxb-mine\n');
    chmodSync(join(dir, '.env'), 0o664);
    const out = await setupIn(dir);
    expect(out).toContain('kept .env');
    expect(out).toContain('.env is now readable by its owner only (mode 0600)');
    expect(modeOf(join(dir, '.env'))).toBe(0o600);
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe('SLACK_BOT_TOKEN=xoxb-mine\n');
    // A second run has nothing to tighten.
    expect(await setupIn(dir)).not.toContain('readable by its owner only');
  });
});
