/**
 * `POST /github/webhook`: pull_request events for rollback PRs, verified with GITHUB_WEBHOOK_SECRET.
 * Deliveries may repeat or arrive out of order: every reaction is a compare-and-set in the store.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { BotConfig } from '../config/botConfig.js';
import type { Logger } from '../log.js';
import type { WorkflowDeps } from '../workflows/ports.js';
import { onPullRequestEvent } from '../workflows/trackRollback.js';
import { type Route, sendJson } from './server.js';

export function verifyGitHubSignature(secret: string, body: Buffer, header: string | undefined): boolean {
  if (!header?.startsWith('sha256=')) return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The parts of GitHub's pull_request payload the bot reads. */
interface PullRequestPayload {
  action?: string;
  repository?: { full_name?: string };
  pull_request?: {
    number?: number;
    body?: string | null;
    merged?: boolean;
    merged_at?: string | null;
    merged_by?: { login?: string } | null;
  };
  sender?: { login?: string };
}

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
      let payload: PullRequestPayload;
      try {
        payload = JSON.parse(body.toString('utf8')) as PullRequestPayload;
      } catch {
        return sendJson(res, 400, { error: 'body is not JSON' });
      }
      const pr = payload.pull_request;
      if (!pr?.number) return sendJson(res, 400, { error: 'no pull_request.number' });
      const handled = await onPullRequestEvent(deps.workflows, {
        repo: payload.repository?.full_name ?? '',
        number: pr.number,
        body: pr.body ?? '',
        action: payload.action ?? '',
        merged: pr.merged === true,
        mergedAt: pr.merged_at ? new Date(pr.merged_at) : undefined,
        actor: pr.merged_by?.login ?? payload.sender?.login,
      });
      if (!handled) return sendJson(res, 200, { ignored: 'not a rollback PR' });
      return sendJson(res, 200, { ok: true, request: handled });
    },
  };
}
