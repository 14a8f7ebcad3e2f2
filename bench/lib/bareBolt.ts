/**
 * The floor for acknowledgements, as a process: Bolt with one listener that only acks, mounted the way the
 * bot mounts its receiver (receiver.requestListener on a plain node:http server). Env: SIGNING_SECRET,
 * SLACK_API_URL. Prints `READY {"url"}`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver } from '@slack/bolt';

const receiver = new HTTPReceiver({ signingSecret: process.env.SIGNING_SECRET ?? '' });
const app = new App({
  token: 'xoxb-bare',
  receiver,
  // Known identity: otherwise Bolt calls auth.test before the first request.
  botId: 'BBARE',
  botUserId: 'UBARE',
  clientOptions: { slackApiUrl: process.env.SLACK_API_URL, retryConfig: { retries: 0 } },
});
app.command('/rollback', async ({ ack }) => {
  await ack();
});
const server = http.createServer(receiver.requestListener);
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(`READY ${JSON.stringify({ url: `http://127.0.0.1:${port}` })}`);
});
process.on('SIGTERM', () => process.exit(0));
