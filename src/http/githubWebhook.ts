/**
 * `POST /github/webhook`: pull_request events for rollback PRs, and for every PR of a config repository
 * the `model-pin` check (opened, synchronize, reopened, edited: its base may have changed), verified
 * with GITHUB_WEBHOOK_SECRET.
 * An accelerator only: tracking rounds read every tracked PR anyway, so a lost delivery delays an
 * outcome by one round. Deliveries may repeat (one handling per delivery id, across replicas) or arrive
 * out of order, even before the bot has stored the PR's number: every reaction is a compare-and-set.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { EmitterWebhookEvent } from '@octokit/webhooks';
import type { BotConfig } from '../config/botConfig.js';
import type { Logger } from '../support/log.js';
import type { WorkflowDeps } from '../workflows/deps.js';
import { onPullRequestChanged } from '../workflows/pin.js';
import { onPullRequestEvent, type PullRequestEvent } from '../workflows/trackRollback.js';
import { type Route, sendJson } from './server.js';

export function verifyGitHubSignature(secret: string, body: Buffer, header: string | undefined): boolean {
  if (!header?.startsWith('sha256=')) return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** pull_request actions after which a PR's head may set another version: the pin is evaluated. */
const PIN_ACTIONS = new Set(['opened', 'synchronize', 'reopened', 'edited']);

// A PR number is a positive integer; past PostgreSQL's integer it cannot be one of ours.
const MAX_PR_NUMBER = 2_147_483_647;

/** GitHub's pull_request payload as its schema types it: the names of what the bot reads. */
type PullRequestPayload = EmitterWebhookEvent<'pull_request'>['payload'];

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * Which PR a delivery is about: all the bot reads of it (what the PR is, merged, closed, whose, is read
 * from GitHub itself, so a replayed delivery changes nothing). A signed delivery is still outside data:
 * each field is checked for the type GitHub's schema gives it, and a bad number is refused.
 */
export function readPullRequestEvent(body: unknown): PullRequestEvent | string {
  if (!isRecord(body)) return 'body is not a JSON object';
  const payload = body as Partial<Record<keyof PullRequestPayload, unknown>>;
  const pr = payload.pull_request;
  if (!isRecord(pr)) return 'no pull_request object';
  const number = pr.number;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 1 || number > MAX_PR_NUMBER)
    return 'no valid pull_request.number';
  return {
    repo: (isRecord(payload.repository) ? text(payload.repository.full_name) : undefined) ?? '',
    number,
    branch: isRecord(pr.head) ? text(pr.head.ref) : undefined,
    action: text(payload.action),
  };
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
      const kind = req.headers['x-github-event'];
      if (kind !== 'pull_request') return sendJson(res, 200, { ignored: kind ?? 'unknown' });
      let payload: unknown;
      try {
        payload = JSON.parse(body.toString('utf8'));
      } catch {
        return sendJson(res, 400, { error: 'body is not JSON' });
      }
      const event = readPullRequestEvent(payload);
      if (typeof event === 'string') return sendJson(res, 400, { error: event });
      const delivery = req.headers['x-github-delivery'];
      const seenKey = typeof delivery === 'string' && delivery ? `github:${delivery}` : undefined;
      if (seenKey && !(await deps.workflows.store.claimMessage(seenKey))) {
        return sendJson(res, 200, { duplicate: true });
      }
      let handled: string | undefined;
      try {
        handled = await onPullRequestEvent(deps.workflows, event);
      } catch (err) {
        // Let GitHub's redelivery (or the next tracking round) try again.
        if (seenKey) await deps.workflows.store.releaseMessage(seenKey);
        throw err;
      }
      // Any PR of a config repository, the bot's or anyone's: its model-pin check, at its new head. A
      // failure here is the next tracking round's to repair (every round evaluates every open PR).
      if (event.action && PIN_ACTIONS.has(event.action)) {
        await onPullRequestChanged(deps.workflows, event).catch((err) =>
          deps.log.warn('evaluating the model-pin check of a pull request failed', {
            number: event.number,
            error: err,
          }),
        );
      }
      if (!handled) return sendJson(res, 200, { ignored: 'not a rollback PR' });
      return sendJson(res, 200, { ok: true, request: handled });
    },
  };
}
