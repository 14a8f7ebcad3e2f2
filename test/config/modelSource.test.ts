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

  describe('a bucket in another AWS account or region (aws_region, aws_role_arn)', () => {
    const s3Service = (extra: string) => `
[services.s]
channel = "C0000000001"
bucket = "models"
prefix = "ranker/"
${extra}
repo = "org/repo"
config_path = "c.toml"
[[services.s.environments]]
name = "production"
healthcheck_url = "http://127.0.0.1:1/health"
deploy_phase = "merge"
[services.s.approvers]
users = ["U0000000001"]
`;
    const problemsOfService = (extra: string) =>
      problemsOf(s3Service(extra)).map((p) => p.replace(/^services\.s\./, ''));

    it("reads both keys; without them the service uses the environment's region and identity", () => {
      const [svc] = parseBotConfig(
        s3Service(
          'aws_region = "eu-west-1"\naws_role_arn = "arn:aws:iam::123456789012:role/ml/model-bucket-reader"',
        ),
      ).services;
      expect(svc).toMatchObject({
        awsRegion: 'eu-west-1',
        awsRoleArn: 'arn:aws:iam::123456789012:role/ml/model-bucket-reader',
      });
      const [plain] = parseBotConfig(s3Service('')).services;
      expect(plain?.awsRegion).toBeUndefined();
      expect(plain?.awsRoleArn).toBeUndefined();
      // Other partitions' roles and regions.
      const [gov] = parseBotConfig(
        s3Service('aws_region = "us-gov-west-1"\naws_role_arn = "arn:aws-us-gov:iam::123456789012:role/r"'),
      ).services;
      expect(gov).toMatchObject({ awsRegion: 'us-gov-west-1' });
    });

    it('refuses a role ARN that is not an IAM role, and a region that is not one', () => {
      for (const arn of [
        'model-bucket-reader',
        'arn:aws:iam::12345:role/r',
        'arn:aws:iam::123456789012:user/bot',
        'arn:aws:sts::123456789012:assumed-role/r/s',
        'arn:aws:iam::123456789012:role/',
      ]) {
        expect(problemsOfService(`aws_role_arn = "${arn}"`), arn).toEqual([
          `aws_role_arn: expected an IAM role ARN like "arn:aws:iam::123456789012:role/model-bucket-reader", got ${JSON.stringify(arn)}`,
        ]);
      }
      expect(problemsOfService('aws_region = "Europe"')).toEqual([
        'aws_region: expected an AWS region like "eu-west-1", got "Europe"',
      ]);
      expect(problemsOfService('aws_region = ""')).toEqual([
        'aws_region: expected an AWS region like "eu-west-1", got string ""',
      ]);
    });

    it('refuses them for a registry service, which has no bucket', () => {
      expect(
        problemsOf(
          aliasService('aws_region = "eu-west-1"\naws_role_arn = "arn:aws:iam::123456789012:role/r"'),
        ),
      ).toEqual([
        'services.reco.aws_region: only for source = "s3" (a registry has no bucket)',
        'services.reco.aws_role_arn: only for source = "s3" (a registry has no bucket)',
      ]);
    });
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
