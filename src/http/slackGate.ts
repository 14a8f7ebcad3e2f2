/**
 * In front of Bolt's receiver on `/slack/events`: checks the signature with a timestamp window in both
 * directions (Bolt only refuses old ones, so a request signed for tomorrow would be accepted) and refuses a
 * body that is not a Slack payload with a 400 (Bolt crashed the process on a `payload` of JSON `null`).
 * What passes is handed to Bolt already read, which Bolt supports (`rawBody`).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from '../support/log.js';
import { readBody, sendJson } from './server.js';

export const SLACK_TOLERANCE_SECONDS = 300;

export function verifySlackSignature(
  secret: string,
  body: Buffer,
  headers: IncomingMessage['headers'],
  nowSeconds: number,
): { ok: true } | { ok: false; why: string } {
  const signature = headers['x-slack-signature'];
  const timestamp = headers['x-slack-request-timestamp'];
  if (typeof signature !== 'string' || typeof timestamp !== 'string' || !/^\d+$/.test(timestamp)) {
    return { ok: false, why: 'missing or malformed signature headers' };
  }
  if (Math.abs(nowSeconds - Number(timestamp)) > SLACK_TOLERANCE_SECONDS) {
    return { ok: false, why: 'timestamp more than 5 minutes from now (a replay, or a wrong clock)' };
  }
  const expected = Buffer.from(
    `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(body).digest('hex')}`,
  );
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, why: 'signature does not match' };
  }
  return { ok: true };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether a verified body has the shape of something Slack sends; the reason when not. */
export function slackBodyProblem(body: Buffer, contentType: string | undefined): string | undefined {
  const text = body.toString('utf8');
  try {
    if (contentType?.startsWith('application/x-www-form-urlencoded')) {
      const form = new URLSearchParams(text);
      const payload = form.get('payload');
      if (payload === null) return form.has('command') ? undefined : 'a form without `command` or `payload`';
      const parsed: unknown = JSON.parse(payload);
      return isObject(parsed) && typeof parsed.type === 'string'
        ? undefined
        : '`payload` is not an object with a type';
    }
    const parsed: unknown = JSON.parse(text);
    return isObject(parsed) && typeof parsed.type === 'string' ? undefined : 'not an object with a type';
  } catch {
    return 'body is not valid JSON';
  }
}

export function slackGate(options: {
  readonly signingSecret: string;
  readonly listener: RequestListener;
  readonly log: Logger;
  readonly nowSeconds?: () => number;
}): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const now = options.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  return async (req, res) => {
    const body = await readBody(req);
    if (body === undefined) return sendJson(res, 413, { error: 'body too large' });
    const contentType = req.headers['content-type'];
    // Slack's unsigned SSL check for slash commands: Bolt answers it and drops anything else in it.
    const sslCheck =
      contentType?.startsWith('application/x-www-form-urlencoded') &&
      new URLSearchParams(body.toString('utf8')).get('ssl_check') === '1';
    if (!sslCheck) {
      const verdict = verifySlackSignature(options.signingSecret, body, req.headers, now());
      if (!verdict.ok) {
        options.log.warn('slack request refused', { why: verdict.why });
        return sendJson(res, 401, { error: verdict.why });
      }
      const problem = slackBodyProblem(body, contentType);
      if (problem) {
        options.log.warn('slack request refused: malformed body', { problem });
        return sendJson(res, 400, { error: `malformed body: ${problem}` });
      }
    }
    (req as IncomingMessage & { rawBody?: Buffer }).rawBody = body;
    options.listener(req, res);
  };
}
