/**
 * Drives a Bolt app over HTTP the way Slack does: signed requests to `/slack/events` (the tests, the
 * benchmarks' load and the demo's local Slack all send them from here).
 * Signing follows Slack's "verifying requests" scheme: v0=HMAC-SHA256(secret, `v0:<ts>:<raw body>`).
 */
import { createHmac } from 'node:crypto';
import { type SlashCommand, slashCommandFields } from './payloads.js';

export type { SlashCommand } from './payloads.js';

export interface SlackRequestOverrides {
  /** Unix seconds to sign with and send; an old one builds a replayed/stale request. */
  timestamp?: number;
  /** Sent instead of the computed signature, to build a forged request. */
  signature?: string;
  /** Give up (the fetch rejects with a TimeoutError) after this long: Slack waits 3 s for an ack. */
  timeoutMs?: number;
}

export interface SlackHttpResult {
  status: number;
  /** Response body as text (Bolt answers slash commands with an empty body or JSON). */
  body: string;
  /** Time until the response arrived: Slack gives an app 3 seconds to acknowledge. */
  ms: number;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export function signSlackRequest(
  secret: string,
  body: string,
  timestamp: number = nowSeconds(),
  contentType = 'application/x-www-form-urlencoded',
): Record<string, string> {
  const digest = createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
  return {
    'x-slack-signature': `v0=${digest}`,
    'x-slack-request-timestamp': String(timestamp),
    'content-type': contentType,
  };
}

async function post(
  appUrl: string,
  secret: string,
  body: string,
  contentType: string,
  overrides: SlackRequestOverrides,
): Promise<SlackHttpResult> {
  const headers = signSlackRequest(secret, body, overrides.timestamp ?? nowSeconds(), contentType);
  if (overrides.signature !== undefined) headers['x-slack-signature'] = overrides.signature;
  const started = performance.now();
  const res = await fetch(`${appUrl.replace(/\/$/, '')}/slack/events`, {
    method: 'POST',
    headers,
    body,
    ...(overrides.timeoutMs !== undefined ? { signal: AbortSignal.timeout(overrides.timeoutMs) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text, ms: performance.now() - started };
}

export function sendSlashCommand(
  appUrl: string,
  secret: string,
  cmd: SlashCommand,
  overrides: SlackRequestOverrides = {},
): Promise<SlackHttpResult> {
  const fields = slashCommandFields(cmd);
  return post(
    appUrl,
    secret,
    new URLSearchParams(fields).toString(),
    'application/x-www-form-urlencoded',
    overrides,
  );
}

/** Block actions, view submissions, shortcuts: Slack sends them form-encoded in a `payload` field. */
export function sendInteraction(
  appUrl: string,
  secret: string,
  payload: object,
  overrides: SlackRequestOverrides = {},
): Promise<SlackHttpResult> {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  return post(appUrl, secret, body, 'application/x-www-form-urlencoded', overrides);
}

/** Events API: a JSON envelope `{ type: 'event_callback', event: {...}, ... }` or `url_verification`. */
export function sendEvent(
  appUrl: string,
  secret: string,
  envelope: object,
  overrides: SlackRequestOverrides = {},
): Promise<SlackHttpResult> {
  return post(appUrl, secret, JSON.stringify(envelope), 'application/json', overrides);
}
