import { Octokit } from 'octokit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConfigRepo } from '../../src/adapters/configRepo.js';
import { parseBotConfig, type ServiceConfig } from '../../src/config/botConfig.js';
import { readFixture } from '../../world/fixtures.js';
import { type FakeGitHub, startFakeGitHub } from '../../world/github.js';

const TOKEN = 'ghs_configrepo';
let github: FakeGitHub;
beforeAll(async () => {
  github = await startFakeGitHub({
    token: TOKEN,
    repos: {
      'org/ranker': {
        defaultBranch: 'trunk',
        files: { 'serving/model.toml': readFixture('search-config-commented.toml') },
      },
    },
  });
});
afterAll(() => github.close());

function service(extra = ''): ServiceConfig {
  const config = parseBotConfig(`
[services.ranker]
channel = "C0123456789"
bucket = "b"
repo = "org/ranker"
config_path = "serving/model.toml"
version_key = "model.version"
${extra}
[services.ranker.approvers]
users = ["U0123456789"]
[[services.ranker.environments]]
name = "production"
healthcheck_url = "http://127.0.0.1:1/healthcheck"
deploy_phase = "merge"
`);
  return config.services[0] as ServiceConfig;
}

const client = (token = TOKEN) =>
  new Octokit({ auth: token, baseUrl: github.url, retry: { enabled: false }, throttle: { enabled: false } });

describe('config repo on GitHub', () => {
  it('reads the version at the key path on the default branch, with its blob sha', async () => {
    const state = await createConfigRepo(client()).readConfigured(service());
    expect(state.branch).toBe('trunk');
    expect(state.version).toEqual({ ok: true, version: '2.4.1' });
    expect(state.blobSha).toMatch(/^[0-9a-f]{40}$/);
    expect(state.text).toBe(readFixture('search-config-commented.toml'));
  });

  it('reads the default branch once, then one call per read', async () => {
    const repo = createConfigRepo(client());
    await repo.readConfigured(service());
    github.reset();
    await repo.readConfigured(service());
    expect(github.calls.map((c) => `${c.method} ${c.path.split('?')[0]}`)).toEqual([
      expect.stringMatching(/^GET \/repos\/org\/ranker\/contents\/serving(\/|%2F)model\.toml$/),
    ]);
  });

  it('explains a bad token, a missing branch and a missing file', async () => {
    await expect(createConfigRepo(client('ghs_wrong')).readConfigured(service())).rejects.toThrow(
      /HTTP 401, the token is invalid or expired/,
    );
    await expect(createConfigRepo(client()).readConfigured(service('base_branch = "nope"'))).rejects.toThrow(
      /HTTP 404/,
    );
    const missing = { ...service(), configPath: 'missing.toml' };
    await expect(createConfigRepo(client()).readConfigured(missing)).rejects.toThrow(
      /reading missing.toml.*HTTP 404/,
    );
  });
});
