/** Sends GitHub webhook deliveries as GitHub does: JSON body, event header, HMAC-SHA256 signature. */
import { createHmac, randomUUID } from 'node:crypto';
import type { Harness } from './harness.js';

export function sendWebhook(
  h: Harness,
  event: string,
  payload: object,
  secret: string,
): Promise<{ status: number; body: string }> {
  const body = JSON.stringify(payload);
  const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  return h.post('/github/webhook', body, {
    'x-github-event': event,
    'x-github-delivery': randomUUID(),
    'x-hub-signature-256': signature,
  });
}

/** The pull_request event GitHub sends when a PR is merged or closed. */
export function closedEvent(
  repo: string,
  // The fake's pull JSON is loosely typed; number, body, url and head branch are read.
  pr: { number?: unknown; body?: unknown; html_url?: unknown; head?: { ref?: unknown } },
  merged: boolean,
  by = 'bob',
) {
  return {
    action: 'closed',
    number: Number(pr.number),
    repository: { full_name: repo },
    pull_request: {
      number: Number(pr.number),
      html_url: typeof pr.html_url === 'string' ? pr.html_url : undefined,
      head: { ref: typeof pr.head?.ref === 'string' ? pr.head.ref : undefined },
      body: typeof pr.body === 'string' ? pr.body : '',
      merged,
      merged_at: merged ? new Date().toISOString() : null,
      merged_by: merged ? { login: by } : null,
    },
    sender: { login: by },
  };
}
