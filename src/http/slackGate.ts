/**
 * In front of Bolt's receiver on `/slack/events`, and the only check of who sent a request: the signature
 * with a timestamp window in both directions (Bolt only refuses old ones, so a request signed for tomorrow
 * would be accepted), then a body that is not a Slack payload refused with a 400 (Bolt crashed the process
 * on a `payload` of JSON `null`). Slack's unsigned SSL check is answered here, so nothing unsigned ever
 * reaches Bolt. What passes is handed to Bolt already read (`rawBody`), and Bolt's receiver is built
 * without its own verification (createBot): verifying twice cost more than the rest of the ack path
 * (Bolt's compare makes two more HMACs, each with a fresh random key).
 */
import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { type ParsedUrlQuery, parse as parseForm } from 'node:querystring';
import type { Logger } from '../support/log.js';
import { readBody, sendJson } from './server.js';

export const SLACK_TOLERANCE_SECONDS = 300;

export function verifySlackSignature(
  secret: string | KeyObject,
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

const isForm = (contentType: string | undefined) =>
  contentType?.startsWith('application/x-www-form-urlencoded') === true;

/**
 * A form body parsed the way Bolt's receiver parses it (node:querystring), so both read the same fields:
 * a repeated `payload` is an array to Bolt, and refused here.
 */
function formProblem(form: ParsedUrlQuery): string | undefined {
  const { payload } = form;
  if (payload === undefined)
    return typeof form.command === 'string' ? undefined : 'a form without `command` or `payload`';
  if (typeof payload !== 'string') return '`payload` given more than once';
  try {
    const parsed: unknown = JSON.parse(payload);
    return isObject(parsed) && typeof parsed.type === 'string'
      ? undefined
      : '`payload` is not an object with a type';
  } catch {
    return 'body is not valid JSON';
  }
}

function jsonProblem(text: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return isObject(parsed) && typeof parsed.type === 'string' ? undefined : 'not an object with a type';
  } catch {
    return 'body is not valid JSON';
  }
}

/** Whether a verified body has the shape of something Slack sends; the reason when not. */
export function slackBodyProblem(body: Buffer, contentType: string | undefined): string | undefined {
  const text = body.toString('utf8');
  return isForm(contentType) ? formProblem(parseForm(text)) : jsonProblem(text);
}

export function slackGate(options: {
  readonly signingSecret: string;
  readonly listener: RequestListener;
  readonly log: Logger;
  readonly nowSeconds?: () => number;
}): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const now = options.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  // Once: createHmac with a string key makes a new key object on every request.
  const key = createSecretKey(Buffer.from(options.signingSecret, 'utf8'));
  return async (req, res) => {
    const body = await readBody(req);
    if (body === undefined) return sendJson(res, 413, { error: 'body too large' });
    const contentType = req.headers['content-type'];
    // One parse of a form serves the SSL check and the shape check.
    const form = isForm(contentType) ? parseForm(body.toString('utf8')) : undefined;
    // Slack's SSL check for slash commands is unsigned and wants an empty 200 (what Bolt answers). Answered
    // here so that whatever else it carries never reaches Bolt, which no longer checks signatures.
    if (form?.ssl_check === '1') {
      res.writeHead(200);
      res.end();
      return;
    }
    const verdict = verifySlackSignature(key, body, req.headers, now());
    if (!verdict.ok) {
      options.log.warn('slack request refused', { why: verdict.why });
      return sendJson(res, 401, { error: verdict.why });
    }
    const problem = form ? formProblem(form) : jsonProblem(body.toString('utf8'));
    if (problem) {
      options.log.warn('slack request refused: malformed body', { problem });
      return sendJson(res, 400, { error: `malformed body: ${problem}` });
    }
    (req as IncomingMessage & { rawBody?: Buffer }).rawBody = body;
    options.listener(req, res);
  };
}
