/**
 * A load generator in its own process, so that its timers and sockets never wait on the fake Slack that
 * receives the bot's follow-ups (in the measuring process) nor on the bot. Reads one JSON job per stdin
 * line, `{ tag, targets, text, user, total, concurrency }`, sends `total` signed slash commands keeping
 * `concurrency` in flight, round-robin over `targets` (two replicas: alternating), and prints
 * `RESULT <tag> {"latencies": [...ascending ms], "errors", "firstError"}`, plus `"sent": [[response id, epoch
 * ms]]` when the job asks `recordSent` (how long each follow-up took). Only empty acks count: a body
 * would be a usage error or help, not the path under test. Env: BENCH_RESPONSE_BASE (fake Slack's
 * `/response/` URL).
 */
import { createInterface } from 'node:readline';
import { setImmediate } from 'node:timers/promises';
import { CHANNEL, SIGNING_SECRET } from '../../world/reference.js';
import { sendSlashCommand } from '../../world/slack/requests.js';

interface Job {
  readonly tag: string;
  readonly targets: readonly string[];
  readonly text: string;
  readonly user: string;
  readonly total: number;
  readonly concurrency: number;
  readonly recordSent?: boolean;
}

interface Result {
  latencies: number[];
  errors: number;
  firstError?: string;
  sent?: Array<[string, number]>;
}

const responseBase = process.env.BENCH_RESPONSE_BASE ?? '';
let sequence = 0;

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
  const worker = async () => {
    while (started < job.total) {
      const target = job.targets[started % job.targets.length] as string;
      started += 1;
      const id = `load-${process.pid}-${++sequence}`;
      if (job.recordSent) sent.push([id, Date.now()]);
      try {
        const res = await sendSlashCommand(target, SIGNING_SECRET, {
          text: job.text,
          user_id: job.user,
          channel_id: CHANNEL,
          response_url: `${responseBase}${id}`,
        });
        if (res.status !== 200) fail(`HTTP ${res.status}: ${res.body.slice(0, 200)}`);
        else if (res.body !== '') fail(`expected an empty ack, got ${res.body.slice(0, 200)}`);
        else latencies.push(res.ms);
      } catch (err) {
        fail((err as Error).message);
      }
      // Lets fetch mark the socket free before this worker's next request, or its pool keeps opening
      // new connections and times the client's own connection set-up (see ack-latency.ts).
      await setImmediate();
    }
  };
  await Promise.all(Array.from({ length: Math.min(job.concurrency, job.total) }, worker));
  latencies.sort((a, b) => a - b);
  return { latencies, errors, firstError, ...(job.recordSent ? { sent } : {}) };
}

const lines = createInterface({ input: process.stdin });
console.log('READY {}');
for await (const line of lines) {
  if (line.trim() === '') continue;
  const job = JSON.parse(line) as Job;
  const result = await run(job);
  console.log(`RESULT ${job.tag} ${JSON.stringify(result)}`);
}
