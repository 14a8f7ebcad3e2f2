import net from 'node:net';
/**
 * A service's bucket in another account or region (aws_role_arn, aws_region), with the real SDK: the
 * role is assumed from the local STS (world/sts.ts), whose temporary credentials the local S3 accepts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelBucket } from '../../src/adapters/modelBucket.js';
import { parseBotConfig } from '../../src/config/botConfig.js';
import type { StatusDeps } from '../../src/ports/models.js';
import { getServiceStatus } from '../../src/workflows/serviceStatus.js';
import { type FakeS3, loadBucketListing, S3RVER_CREDENTIALS, startFakeS3 } from '../../world/s3.js';
import { type FakeSts, type IssuedCredentials, startFakeSts } from '../../world/sts.js';

const ROLE = 'arn:aws:iam::222222222222:role/ml/model-bucket-reader';
const OTHER_ROLE = 'arn:aws:iam::222222222222:role/ml/another-reader';
const UNKNOWN_ROLE = 'arn:aws:iam::222222222222:role/not-trusting-the-bot';
const METRICS = {
  key: 'ranker/1.0.0-aaaaaaa/metrics.json',
  lastModified: '2026-07-01T00:00:00Z',
  body: '{"auc":0.91}',
};
/** The fixture listing and the metrics file. */
const LISTED = 85;

describe('a bucket reached through an assumed role or another region', () => {
  let s3: FakeS3;
  let sts: FakeSts;
  const issued: IssuedCredentials[] = [];
  beforeAll(async () => {
    [s3, sts] = await Promise.all([
      startFakeS3({ bucket: 'models', objects: [...(await loadBucketListing()), METRICS] }),
      startFakeSts({
        roles: [ROLE, OTHER_ROLE],
        onIssued: (credentials) => {
          issued.push(credentials);
          s3.acceptCredentials(credentials);
        },
      }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([s3?.close(), sts?.close()]);
  });

  /** The bucket adapter as the bot makes it, its default client and settings on the local S3. */
  const bucketOnLocalS3 = (cacheSeconds = 0) =>
    createModelBucket(s3.client(), {
      cacheSeconds,
      clientConfig: s3.clientConfig(),
      sts: { endpoint: sts.url },
    });
  const signersSince = (from: number) => s3.signers().slice(from);

  it("lists with the role's temporary credentials, assuming the role once for several listings", async () => {
    const bucket = bucketOnLocalS3();
    const calls = sts.assumeRoleCount();
    const signed = s3.signers().length;
    for (let i = 0; i < 3; i++) {
      await expect(bucket.list('models', '', { roleArn: ROLE })).resolves.toHaveLength(LISTED);
    }
    expect(sts.assumeRoleCount() - calls).toBe(1);
    const call = sts.calls.at(-1);
    expect(call).toMatchObject({
      roleArn: ROLE,
      roleSessionName: 'rollback-bot',
      durationSeconds: 3600,
      // Asked with the bot's own identity.
      callerAccessKeyId: S3RVER_CREDENTIALS.accessKeyId,
      granted: true,
    });
    const key = issued.at(-1)?.accessKeyId;
    expect(key).toMatch(/^ASIA/);
    expect(signersSince(signed)).toEqual(
      Array.from({ length: 3 }, () => ({ accessKeyId: key, region: 'us-east-1', sessionToken: true })),
    );
    // A service without a role still lists with the bot's own client.
    const own = s3.signers().length;
    await bucket.list('models', '');
    expect(signersSince(own)).toEqual([
      { accessKeyId: S3RVER_CREDENTIALS.accessKeyId, region: 'us-east-1', sessionToken: false },
    ]);
  });

  it('assumes the role again before its credentials expire, and not while they are fresh', async () => {
    // Credentials that expire in 302 s: fresh for about two seconds, then inside the SDK's 5-minute
    // refresh window.
    sts.setExpiresInSeconds(302);
    try {
      const bucket = bucketOnLocalS3();
      const calls = sts.assumeRoleCount();
      await bucket.list('models', '', { roleArn: ROLE });
      await bucket.list('models', '', { roleArn: ROLE });
      expect(sts.assumeRoleCount() - calls).toBe(1);
      const first = issued.at(-1);
      if (!first) throw new Error('nothing issued');

      sts.setExpiresInSeconds(3600);
      const refreshFrom = first.expiration.getTime() - 300_000;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, refreshFrom - Date.now()) + 50));
      const signed = s3.signers().length;
      await bucket.list('models', '', { roleArn: ROLE });
      expect(sts.assumeRoleCount() - calls).toBe(2);
      // Signed with the new credentials, though the first ones had almost five minutes left.
      const second = issued.at(-1)?.accessKeyId;
      expect(second).not.toBe(first.accessKeyId);
      expect(signersSince(signed).map((signer) => signer.accessKeyId)).toEqual([second]);
      expect(Date.now()).toBeLessThan(first.expiration.getTime());

      await bucket.list('models', '', { roleArn: ROLE });
      expect(sts.assumeRoleCount() - calls).toBe(2);
    } finally {
      sts.setExpiresInSeconds(3600);
    }
  });

  it('keeps one client per role and region, each with its own credentials', async () => {
    const bucket = bucketOnLocalS3();
    const calls = sts.assumeRoleCount();
    await Promise.all([
      bucket.list('models', '', { roleArn: ROLE }),
      bucket.list('models', '', { roleArn: OTHER_ROLE }),
    ]);
    await bucket.list('models', '', { roleArn: ROLE });
    await bucket.list('models', '', { roleArn: OTHER_ROLE });
    expect(
      sts.calls
        .slice(calls)
        .map((c) => c.roleArn)
        .sort(),
    ).toEqual([OTHER_ROLE, ROLE]);
  });

  it("reads an iteration's metrics file with the role too, and names the role when it may not", async () => {
    const bucket = bucketOnLocalS3();
    const signed = s3.signers().length;
    await expect(bucket.readSmall('models', METRICS.key, 4096, { roleArn: ROLE })).resolves.toBe(
      '{"auc":0.91}',
    );
    expect(signersSince(signed)).toEqual([
      { accessKeyId: issued.at(-1)?.accessKeyId, region: 'us-east-1', sessionToken: true },
    ]);
    await expect(bucket.readSmall('models', METRICS.key, 4096, { roleArn: UNKNOWN_ROLE })).rejects.toThrow(
      `assuming role ${UNKNOWN_ROLE} failed: AccessDenied (`,
    );
  });

  it("signs for the service's aws_region, and assumes its role in that region", async () => {
    const bucket = bucketOnLocalS3();
    const signed = s3.signers().length;
    await bucket.list('models', '', { region: 'eu-west-1' });
    expect(signersSince(signed)).toEqual([
      { accessKeyId: S3RVER_CREDENTIALS.accessKeyId, region: 'eu-west-1', sessionToken: false },
    ]);

    const calls = sts.assumeRoleCount();
    const again = s3.signers().length;
    await bucket.list('models', '', { region: 'ap-southeast-2', roleArn: ROLE });
    expect(sts.calls.slice(calls)).toEqual([
      expect.objectContaining({ roleArn: ROLE, signedRegion: 'ap-southeast-2' }),
    ]);
    expect(signersSince(again)).toEqual([
      { accessKeyId: issued.at(-1)?.accessKeyId, region: 'ap-southeast-2', sessionToken: true },
    ]);
  });

  it('names a refused role, why, and what to change; another role’s cached listing is not used', async () => {
    const bucket = bucketOnLocalS3(60);
    await expect(bucket.list('models', '', { roleArn: ROLE })).resolves.toHaveLength(LISTED);
    const calls = sts.assumeRoleCount();
    const failure = await bucket.list('models', '', { roleArn: UNKNOWN_ROLE }).then(
      () => undefined,
      (err: Error) => err.message,
    );
    expect(failure).toBe(
      `assuming role ${UNKNOWN_ROLE} failed: AccessDenied (User: arn:aws:iam::111111111111:user/rollback-bot is not authorized to perform: sts:AssumeRole on resource: ${UNKNOWN_ROLE}): the bot's own identity needs sts:AssumeRole on it, and the role's trust policy must name the bot`,
    );
    // Asked once (AccessDenied is not retried), and no credentials in the message.
    expect(sts.assumeRoleCount() - calls).toBe(1);
    expect(failure).not.toContain(S3RVER_CREDENTIALS.secretAccessKey);
  });

  it('bounds an STS that never answers, and names the timeout', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const bucket = createModelBucket(s3.client(), {
        cacheSeconds: 0,
        timeoutMs: 500,
        clientConfig: s3.clientConfig(),
        sts: { endpoint: `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}` },
      });
      const started = Date.now();
      const failure = await bucket.list('models', '', { roleArn: ROLE }).then(
        () => undefined,
        (err: Error) => err.message,
      );
      expect(Date.now() - started).toBeLessThan(3000);
      expect(failure).toMatch(new RegExp(`^assuming role ${ROLE} failed: .*timeout`));
    } finally {
      silent.close();
    }
  });

  it('shows the refused role in the status: the bucket named, the rest of the picture still there', async () => {
    const config = parseBotConfig(`
[services.ranker]
channel = "C0000000001"
bucket = "models"
aws_region = "eu-west-1"
aws_role_arn = "${UNKNOWN_ROLE}"
repo = "org/ranker"
config_path = "ranker.toml"
[[services.ranker.environments]]
name = "production"
healthcheck_url = "http://127.0.0.1:1/health"
deploy_phase = "merge"
[services.ranker.approvers]
users = ["U0000000001"]
`);
    const service = config.services[0];
    if (!service) throw new Error('no service');
    const deps: StatusDeps = {
      bucket: bucketOnLocalS3(),
      healthchecks: {
        read: async () => {
          throw new Error('unused');
        },
        readAll: async () => [
          {
            environment: 'production',
            ok: true,
            modelVersion: '1.24.0',
            gitSha: 'abc',
            healthy: true,
            latencyMs: 1,
          },
        ],
      },
      configRepo: {
        readConfigured: async () => ({
          branch: 'main',
          blobSha: 'b',
          text: 'version = "1.24.0"\n',
          version: { ok: true, version: '1.24.0' },
          htmlUrl: 'https://github.com/org/ranker/blob/main/ranker.toml',
        }),
      },
    };
    const calls = sts.assumeRoleCount();
    const status = await getServiceStatus(deps, service);
    expect(status.unavailable).toEqual([
      `S3 bucket models: assuming role ${UNKNOWN_ROLE} failed: AccessDenied (User: arn:aws:iam::111111111111:user/rollback-bot is not authorized to perform: sts:AssumeRole on resource: ${UNKNOWN_ROLE}): the bot's own identity needs sts:AssumeRole on it, and the role's trust policy must name the bot`,
    ]);
    expect(status.configuredVersion).toBe('1.24.0');
    expect(sts.calls.slice(calls)).toEqual([
      expect.objectContaining({ roleArn: UNKNOWN_ROLE, signedRegion: 'eu-west-1', granted: false }),
    ]);
  });
});
