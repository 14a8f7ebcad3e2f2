import { describe, expect, it } from 'vitest';
import { parseBotConfig } from '../../src/config/botConfig.js';
import { ConfigError } from '../../src/config/reader.js';

const approvers = `[services.reco.approvers]\nusers = ["U0000000001"]\n`;

const aliasService = (extra = '', envExtra = '') => `
[services.reco]
channel = "C0000000001"
source = "mlflow"
action = "registry_alias"
${extra}
[services.reco.mlflow]
model = "reco-ranker"
metrics = ["auc"]

[[services.reco.environments]]
name = "production"
healthcheck_url = "http://127.0.0.1:1/health"
${envExtra}
${approvers}`;

function problemsOf(text: string): readonly string[] {
  try {
    parseBotConfig(text, 'bad.toml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected the config to be refused');
}

describe('model source and rollback action', () => {
  it('reads an MLflow service whose rollback moves the alias, with the defaults MLflow teams use', () => {
    const [svc] = parseBotConfig(aliasService()).services;
    expect(svc).toMatchObject({ source: 'mlflow', action: 'registry_alias', bucket: '', configPath: '' });
    expect(svc?.mlflow).toEqual({
      trackingUri: undefined,
      model: 'reco-ranker',
      alias: 'champion',
      validatedTag: { key: 'validation_status', value: 'passed' },
      metrics: ['auc'],
      timeoutMs: 5000,
    });
    // Having been the alias's version is what "reached production" means for a registry.
    expect(svc?.promotedEnvironments).toEqual(['champion']);
    expect(svc?.environments[0]?.deployPhase).toBe('merge');
    expect(svc?.healthcheckField).toBe('model_version');
    expect(svc?.naming.pattern.exec('17')?.groups?.version).toBe('17');
    expect(svc?.naming.pattern.exec('1.2.3-abcdef0')).toBeNull();
  });

  it('keeps S3 and the config PR as the default', () => {
    const text = `
[services.s]
channel = "C0000000001"
bucket = "models"
repo = "org/repo"
config_path = "c.toml"
[[services.s.environments]]
name = "production"
healthcheck_url = "http://127.0.0.1:1/health"
deploy_phase = "merge"
[services.s.approvers]
users = ["U0000000001"]
`;
    const [svc] = parseBotConfig(text).services;
    expect(svc).toMatchObject({ source: 's3', action: 'config_pr' });
    expect(svc?.mlflow).toBeUndefined();
  });

  it('refuses keys the choice makes meaningless, naming which choice they belong to', () => {
    expect(problemsOf(aliasService('bucket = "models"\nrepo = "org/repo"'))).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/bucket.*only for source = "s3"/),
        expect.stringMatching(/repo.*only for action = "config_pr"/),
      ]),
    );
    expect(problemsOf(aliasService('', 'deploy_phase = "merge"'))).toEqual([
      expect.stringMatching(/deploy_phase.*with registry_alias every environment follows the alias/),
    ]);
    const s3Alias = aliasService().replace('source = "mlflow"', 'source = "s3"\nbucket = "b"');
    expect(problemsOf(s3Alias)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/action.*needs source = "mlflow"/),
        expect.stringMatching(/mlflow.*only for source = "mlflow"/),
      ]),
    );
  });

  it('refuses a validated tag without "=", an alias MLflow reserves, and a tracking URI that is not http(s)', () => {
    const bad = aliasService().replace(
      'model = "reco-ranker"',
      'model = "reco-ranker"\nvalidated_tag = "passed"\nalias = "latest"\ntracking_uri = "file:///tmp/mlruns"',
    );
    expect(problemsOf(bad)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/validated_tag.*key=value/),
        expect.stringMatching(/alias/),
        expect.stringMatching(/tracking_uri/),
      ]),
    );
  });
});
