/**
 * `POST /github/webhook`: pull_request events for rollback PRs, verified with GITHUB_WEBHOOK_SECRET.
 * An accelerator only: tracking rounds read every tracked PR anyway, so a lost delivery delays an
 * outcome by one round. Deliveries may repeat (one handling per delivery id, across replicas) or arrive
 * out of order, even before the bot has stored the PR's number: every reaction is a compare-and-set.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { EmitterWebhookEvent } from '@octokit/webhooks';
import type { BotConfig } from '../config/botConfig.js';
import type { Logger } from '../log.js';
import type { WorkflowDeps } from '../ports.js';
import { onPullRequestEvent } from '../workflows/trackRollback.js';
import { type Route, sendJson } from './server.js';

export function verifyGitHubSignature(secret: string, body: Buffer, header: string | undefined): boolean {
  if (!header?.startsWith('sha256=')) return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * GitHub's pull_request payload, of which the bot reads only which PR it is about (checked at run time:
 * the body is outside data whatever its type says). What the PR is (merged, closed, whose) is read from
 * GitHub itself, so a replayed delivery changes nothing.
 */
type PullRequestPayload = EmitterWebhookEvent<'pull_request'>['payload'];

export function githubWebhookRoute(deps: {
  config: BotConfig;
  secret?: string;
  workflows: WorkflowDeps;
  log: Logger;
}): Route {
  return {
    method: 'POST',
    path: '/github/webhook',
    async handle(req, res, body) {
      if (!deps.secret)
        return sendJson(res, 404, { error: 'webhooks are not configured (GITHUB_WEBHOOK_SECRET)' });
      if (
        !verifyGitHubSignature(deps.secret, body, req.headers['x-hub-signature-256'] as string | undefined)
      ) {
        deps.log.warn('github webhook refused: bad signature', {
          delivery: req.headers['x-github-delivery'],
        });
        return sendJson(res, 401, { error: 'signature does not match' });
      }
      const event = req.headers['x-github-event'];
      if (event !== 'pull_request') return sendJson(res, 200, { ignored: event ?? 'unknown' });
      let payload: Partial<PullRequestPayload> | null;
      try {
        payload = JSON.parse(body.toString('utf8')) as Partial<PullRequestPayload> | null;
      } catch {
        return sendJson(res, 400, { error: 'body is not JSON' });
      }
      const pr = payload?.pull_request;
      if (!Number.isSafeInteger(pr?.number) || (pr?.number ?? 0) <= 0)
        return sendJson(res, 400, { error: 'no pull_request.number' });
      const delivery = req.headers['x-github-delivery'];
      const seenKey = typeof delivery === 'string' && delivery ? `github:${delivery}` : undefined;
      if (seenKey && !(await deps.workflows.store.claimMessage(seenKey))) {
        return sendJson(res, 200, { duplicate: true });
      }
      let handled: string | undefined;
      try {
        handled = await onPullRequestEvent(deps.workflows, {
          repo: String(payload?.repository?.full_name ?? ''),
          number: Number(pr?.number),
          branch: typeof pr?.head?.ref === 'string' ? pr.head.ref : undefined,
        });
      } catch (err) {
        // Let GitHub's redelivery (or the next tracking round) try again.
        if (seenKey) await deps.workflows.store.releaseMessage(seenKey);
        throw err;
      }
      if (!handled) return sendJson(res, 200, { ignored: 'not a rollback PR' });
      return sendJson(res, 200, { ok: true, request: handled });
    },
  };
}
