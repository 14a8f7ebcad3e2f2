/**
 * Readiness: what must hold for this replica to take traffic (the database answers, Slack accepted the
 * token, the Slack transport is up) and what is only reported (GitHub and S3 reachable, the lease). The
 * outside probes run in the background and are read, never called, by /readyz; their failures are
 * worded for the operator who reads them.
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { App } from '@slack/bolt';
import type { Octokit } from 'octokit';
import { explainGitHubError } from '../adapters/github.js';
import { describeFailure } from '../adapters/outsideCall.js';
import type { BotConfig } from '../config/botConfig.js';
import { probedCheck, type ReadinessCheck } from '../http/health.js';
import type { Store } from '../ports/store.js';
import type { SocketModeWatch } from '../slack/socketState.js';
import type { Logger } from '../support/log.js';

const SLACK_TOKEN_REFUSED = ['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked'];

export function outsideProbes(deps: {
  readonly bolt: App;
  readonly octokit: Octokit;
  readonly s3: S3Client;
  readonly config: BotConfig;
  readonly log: Logger;
}) {
  const { config, log } = deps;
  const slack = probedCheck({
    name: 'slack',
    required: true,
    refreshMs: 300_000,
    probe: async () => {
      try {
        const me = await deps.bolt.client.auth.test();
        return `authenticated as ${me.user ?? me.user_id} in ${me.team ?? me.team_id}`;
      } catch (err) {
        const code = (err as { data?: { error?: string } }).data?.error;
        throw new Error(
          code && SLACK_TOKEN_REFUSED.includes(code)
            ? `Slack refused SLACK_BOT_TOKEN (${code}): use the app's Bot User OAuth Token`
            : `Slack auth.test failed: ${code ?? describeFailure(err, config.timeouts.slackMs).text}`,
        );
      }
    },
    onChange: (r) =>
      r.ok
        ? log.info('slack token verified', { detail: r.detail })
        : log.error('slack not ready', { reason: r.detail }),
  });
  const github = probedCheck({
    name: 'github',
    required: false,
    refreshMs: 60_000,
    probe: async () => {
      try {
        const { data } = await deps.octokit.rest.rateLimit.get();
        return `reachable; ${data.resources.core.remaining} of ${data.resources.core.limit} requests left`;
      } catch (err) {
        throw explainGitHubError(err, 'GitHub');
      }
    },
  });
  // The bot's own client reads only buckets of services without a role or region of their own (a role's
  // bucket answers the bot's identity with 403 by design; /rollback status names a refused role).
  const s3Services = config.services.filter((s) => s.source === 's3');
  const firstBucket = s3Services.find((s) => !s.awsRoleArn && !s.awsRegion)?.bucket;
  const s3 = probedCheck({
    name: 's3',
    required: false,
    refreshMs: 60_000,
    probe: async () => {
      if (!firstBucket) {
        return s3Services.length > 0
          ? 'every S3 service is read with its own aws_role_arn or aws_region (not probed)'
          : 'no service configured';
      }
      try {
        await deps.s3.send(new ListObjectsV2Command({ Bucket: firstBucket, MaxKeys: 1 }), {
          abortSignal: AbortSignal.timeout(config.timeouts.s3Ms),
        });
        return `bucket ${firstBucket} is readable`;
      } catch (err) {
        throw new Error(`bucket ${firstBucket}: ${describeFailure(err, config.timeouts.s3Ms).text}`);
      }
    },
  });
  return { slack, github, s3, all: [slack, github, s3] };
}

export function readinessChecks(deps: {
  readonly store: Store;
  readonly probes: ReturnType<typeof outsideProbes>;
  readonly socketMode?: SocketModeWatch;
  readonly started: () => boolean;
  readonly holdsLease: () => boolean;
}): ReadinessCheck[] {
  const { probes, socketMode } = deps;
  return [
    {
      name: 'store',
      required: true,
      run: async () => {
        await deps.store.ping();
        return { ok: true, detail: deps.store.dialect };
      },
    },
    probes.slack,
    socketMode
      ? { name: 'slack socket mode', required: true, run: () => socketMode.check() }
      : { name: 'slack http', required: true, run: () => ({ ok: deps.started() }) },
    probes.github,
    probes.s3,
    {
      name: 'background lease',
      required: false,
      run: () => ({
        ok: true,
        detail: deps.holdsLease() ? 'held by this replica' : 'held elsewhere or free',
      }),
    },
  ];
}
