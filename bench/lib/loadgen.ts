/**
 * A load generator in its own process, so that its timers and sockets never wait on the fake Slack that
 * receives the bot's follow-ups (in the measuring process) nor on the bot. Reads one JSON job per stdin
 * line, `{ tag, targets, text, user, total, concurrency }`, sends `total` signed slash commands keeping
 * `concurrency` in flight, round-robin over `targets` (two replicas: alternating), and prints
 * `RESULT <tag> {"latencies": [...ascending ms], "acked", "errors", "firstError"}` (commands sent within
 * the job's first `skipFirstMs` are acked but not timed), plus `"sent": [[response id, epoch
 * ms]]` when the job asks `recordSent` (how long each follow-up took). Only empty acks count: a body
 * would be a usage error or help, not the path under test. Env: BENCH_RESPONSE_BASE (fake Slack's
 * `/response/` URL).
 *
 * The requests go out through node:http on a keep-alive agent, not fetch: with fetch this process spent
 * more CPU per command (0.4-0.5 ms) than the bare app did answering it, and on two cores the acks of both
 * apps queued behind the client, which flattened the ratio toward 1 whatever the bot did.
 */
import http from 'node:http';
import { createInterface } from 'node:readline';
import { CHANNEL, SIGNING_SECRET } from '../../world/reference.js';
import { slashCommandFields } from '../../world/slack/payloads.js';
import { signSlackRequest } from '../../world/slack/requests.js';

interface Job {
  readonly tag: string;
  readonly targets: readonly string[];
  readonly text: string;
  readonly user: string;
  readonly total: number;
  readonly concurrency: number;
  readonly recordSent?: boolean;
  readonly skipFirstMs?: number;
}

interface Result {
  latencies: number[];
  errors: number;
  firstError?: string;
  sent?: Array<[string, number]>;
  acked: number;
}

const responseBase = process.env.BENCH_RESPONSE_BASE ?? '';
let sequence = 0;
const REQUEST_TIMEOUT_MS = 10_000;
/** One connection per request in flight, kept open between jobs (a warm-up opens them). */
const agent = new http.Agent({ keepAlive: true });

/** A signed slash command to `/slack/events`, timed from its sending to the end of the answer. */
function sendCommand(
  appUrl: string,
  fields: Record<string, string>,
): Promise<{ status: number; body: string; ms: number }> {
  const body = new URLSearchParams(fields).toString();
  const headers = {
    ...signSlackRequest(SIGNING_SECRET, body),
    'content-length': String(Buffer.byteLength(body)),
  };
  // From here, as world/slack/requests.ts times it: the request, not its signing.
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(`${appUrl}/slack/events`, { method: 'POST', agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.once('error', reject);
      res.once('end', () =>
        resolve({ status: res.statusCode ?? 0, body: text, ms: performance.now() - started }),
      );
      res.once('close', () => {
        if (!res.complete)
          reject(new Error(`connection closed after HTTP ${res.statusCode}, before the body ended`));
      });
    });
    req.once('error', reject);
    // An ack never sent fails the request (Slack gives up after 3 s) instead of hanging the job.
    req.setTimeout(REQUEST_TIMEOUT_MS, () =>
      req.destroy(
        new Error(
          `no answer within ${REQUEST_TIMEOUT_MS} ms (socket ${req.reusedSocket ? 'reused' : 'new'})`,
        ),
      ),
    );
    req.end(body);
  });
}

async function run(job: Job): Promise<Result> {
  const latencies: number[] = [];
  const sent: Array<[string, number]> = [];
  let errors = 0;
  let firstError: string | undefined;
  const fail = (why: string) => {
    errors += 1;
    firstError ??= why;
  };
  let started = 0;
  let acked = 0;
  const timedFrom = performance.now() + (job.skipFirstMs ?? 0);
  const worker = async () => {
    while (started < job.total) {
      const target = job.targets[started % job.targets.length] as string;
      started += 1;
      const id = `load-${process.pid}-${++sequence}`;
      const timed = performance.now() >= timedFrom;
      if (job.recordSent) sent.push([id, Date.now()]);
      try {
        const res = await sendCommand(
          target,
          slashCommandFields({
            text: job.text,
            user_id: job.user,
            channel_id: CHANNEL,
            response_url: `${responseBase}${id}`,
          }),
        );
        if (res.status !== 200) fail(`HTTP ${res.status}: ${res.body.slice(0, 200)}`);
        else if (res.body !== '') fail(`expected an empty ack, got ${res.body.slice(0, 200)}`);
        else {
          acked += 1;
          if (timed) latencies.push(res.ms);
        }
      } catch (err) {
        fail((err as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(job.concurrency, job.total) }, worker));
  latencies.sort((a, b) => a - b);
  return { latencies, acked, errors, firstError, ...(job.recordSent ? { sent } : {}) };
}

const lines = createInterface({ input: process.stdin });
console.log('READY {}');
for await (const line of lines) {
  if (line.trim() === '') continue;
  const job = JSON.parse(line) as Job;
  const result = await run(job);
  console.log(`RESULT ${job.tag} ${JSON.stringify(result)}`);
}
