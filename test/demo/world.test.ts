/**
 * The demo's world without a browser: the local Slack's state rules and Web API (with Slack's own
 * WebClient), the simulated CI, and the whole demo over its page API with real-looking credentials in
 * the environment that it must ignore.
 */
import { request } from 'node:http';
import { webApi } from '@slack/bolt';
import { afterEach, describe, expect, it } from 'vitest';
import { CHANNELS, PEOPLE, RECO } from '../../demo/config.js';
import { createDelivery } from '../../demo/slack/toBot.js';
import { type Demo, startDemo } from '../../demo/start.js';
import { ACTIONS } from '../../src/slack/blocks/requestCard.js';
import { OPEN_MODAL_ACTION } from '../../src/slack/blocks/requestModal.js';
import { createLogger } from '../../src/support/log.js';
import { type CiRepo, startCi } from '../../world/ci.js';
import { fixtureBucket } from '../../world/fixtures.js';
import { type StartedHttpServer, startHttpServer } from '../../world/http.js';
import { type FakeSlack, startFakeSlack } from '../../world/slack/fake.js';
import { signSlackRequest } from '../../world/slack/requests.js';
import { SlackApiError, Workspace } from '../../world/slack/workspace.js';

const ALICE = PEOPLE.alice.id;
const BOB = PEOPLE.bob.id;
const BOT = 'U0ROLLBOT1';
const C = CHANNELS.rollbacks.id;

const PEOPLE_AND_PLACES = {
  users: [
    { id: ALICE, name: 'alice', realName: 'Alice', color: '#000', isBot: false },
    { id: BOB, name: 'bob', realName: 'Bob', color: '#000', isBot: false },
    { id: BOT, name: 'rollback-bot', realName: 'rollback-bot', color: '#000', isBot: true },
  ],
  usergroups: [{ id: 'S0MLONCALL', handle: 'ml-oncall', name: 'ML on-call', members: [BOB] }],
  channels: [CHANNELS.rollbacks, CHANNELS.alerts],
};
const IDENTITY = {
  bot: { userId: BOT, botId: 'B0ROLLBOT1', name: 'rollback-bot' },
  team: { id: 'T0DEMO0001', domain: 'example', name: 'Example' },
  appId: 'A0ROLLBACK1',
};

function workspace(now: () => number = Date.now) {
  return new Workspace({ ...PEOPLE_AND_PLACES, now });
}

describe('the local Slack workspace', () => {
  it('keeps threads, broadcasts, in-place updates and ephemerals the way Slack does', () => {
    const ws = workspace(() => 1_700_000_000_000);
    const parent = ws.post({
      channel: C,
      user: BOT,
      content: { text: 'card', blocks: [{ type: 'divider' }] },
    });
    const reply = ws.post({
      channel: C,
      user: BOT,
      threadTs: parent.ts,
      broadcast: true,
      content: { text: 'r' },
    });
    // Replying to a reply joins the parent's thread; timestamps stay unique and increasing.
    const nested = ws.post({ channel: C, user: ALICE, threadTs: reply.ts, content: { text: 'n' } });
    expect(nested.threadTs).toBe(parent.ts);
    expect(Number(reply.ts)).toBeGreaterThan(Number(parent.ts));
    expect(Number(nested.ts)).toBeGreaterThan(Number(reply.ts));
    expect(reply.broadcast).toBe(true);

    // chat.update without blocks keeps them; Slack gives blocks an id when they have none.
    ws.update(C, parent.ts, { text: 'card v2' });
    expect(ws.find(C, parent.ts)).toMatchObject({
      text: 'card v2',
      rev: 2,
      blocks: [{ type: 'divider', block_id: 'b0' }],
    });
    expect(() => ws.update(C, '1.000001', { text: 'x' })).toThrow(SlackApiError);
    expect(() => ws.post({ channel: 'CNOPE000', content: { text: 'x' } })).toThrow('channel_not_found');
    expect(() => ws.post({ channel: C, threadTs: '9.000000', content: { text: 'x' } })).toThrow(
      'thread_not_found',
    );

    const secret = ws.postEphemeral({ channel: C, user: ALICE, from: BOT, content: { text: 'only you' } });
    expect(ws.visibleTo(ALICE)).toContain(secret);
    expect(ws.visibleTo(BOB)).not.toContain(secret);
    expect(ws.find(C, secret.ts)).toBeUndefined();
    expect(ws.dismissEphemeral(BOB, C, secret.ts)).toBe(false);
    expect(ws.dismissEphemeral(ALICE, C, secret.ts)).toBe(true);
  });

  it('opens modals only with a fresh trigger of the person who acted, and updates them by id and hash', () => {
    let now = 1_700_000_000_000;
    const ws = workspace(() => now);
    const trigger = ws.issueTrigger(ALICE);
    const view = ws.openView(trigger, { type: 'modal', blocks: [{ type: 'input', block_id: 'note' }] });
    expect(ws.topView(ALICE)?.id).toBe(view.id);
    expect(ws.topView(BOB)).toBeUndefined();
    expect(() => ws.openView(trigger, { type: 'modal' })).toThrow('invalid_trigger_id');
    expect(() => ws.updateView(view.id, { type: 'modal' }, 'stale-hash')).toThrow('hash_conflict');
    const updated = ws.updateView(view.id, { type: 'modal', title: 'x' }, view.hash);
    expect(updated.id).toBe(view.id);
    const late = ws.issueTrigger(BOB);
    now += 11_000;
    expect(() => ws.openView(late, { type: 'modal' })).toThrow('expired_trigger_id');
    ws.closeView(ALICE, view.id);
    expect(ws.topView(ALICE)).toBeUndefined();
  });
});

describe('the local Slack Web API (strict, as the demo runs it), called by Slack’s own WebClient', () => {
  let slack: FakeSlack | undefined;
  afterEach(async () => {
    await slack?.close();
    slack = undefined;
  });

  async function start() {
    slack = await startFakeSlack({
      ...PEOPLE_AND_PLACES,
      strict: true,
      botToken: 'xoxb-t',
      identity: IDENTITY,
      pageUrl: () => 'http://127.0.0.1:1',
    });
    const client = new webApi.WebClient('xoxb-t', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
    return { ws: slack.workspace, client, url: slack.url };
  }

  it('posts, updates, answers privately, links, and knows who is in a user group', async () => {
    const { ws, client, url } = await start();
    expect(await client.auth.test()).toMatchObject({ ok: true, user_id: BOT, bot_id: 'B0ROLLBOT1' });
    const posted = await client.chat.postMessage({
      channel: C,
      text: 'hello',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*hello*' } }],
    });
    const thread = await client.chat.postMessage({
      channel: C,
      text: 'reply',
      thread_ts: posted.ts as string,
      reply_broadcast: true,
    });
    await client.chat.update({ channel: C, ts: posted.ts as string, text: 'hello again' });
    expect(ws.find(C, posted.ts as string)).toMatchObject({ text: 'hello again', rev: 2 });
    expect(ws.find(C, thread.ts as string)).toMatchObject({ threadTs: posted.ts, broadcast: true });

    await client.chat.postEphemeral({ channel: C, user: ALICE, text: 'psst' });
    expect(ws.visibleTo(ALICE).map((m) => m.text)).toContain('psst');
    expect(ws.visibleTo(BOB).map((m) => m.text)).not.toContain('psst');

    const link = await client.chat.getPermalink({ channel: C, message_ts: thread.ts as string });
    expect(link.permalink).toBe(
      `http://127.0.0.1:1/archives/${C}/p${(thread.ts as string).replace('.', '')}?thread_ts=${posted.ts}&cid=${C}`,
    );
    expect((await client.usergroups.users.list({ usergroup: 'S0MLONCALL' })).users).toEqual([BOB]);
    await expect(client.apiCall('chat.unfurl', {})).rejects.toThrow('unknown_method');
    await expect(
      new webApi.WebClient('xoxb-other', {
        slackApiUrl: `${url}/api/`,
        retryConfig: { retries: 0 },
      }).auth.test(),
    ).rejects.toThrow('invalid_auth');
  });

  it('treats response URLs as Slack does: in_channel shows the command once, ephemeral by default, replace_original', async () => {
    const { ws, url } = await start();
    const respond = (id: string, body: object) =>
      fetch(`${url}/response/${id}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    const command = ws.createResponseUrl({
      kind: 'command',
      user: ALICE,
      channel: C,
      commandText: '/rollback status',
    });
    await respond(command, { response_type: 'in_channel', text: 'status 1' });
    await respond(command, { response_type: 'in_channel', text: 'status 2' });
    await respond(command, { text: 'just for you' });
    expect(ws.history(C).map((m) => [m.user, m.text])).toEqual([
      [ALICE, '/rollback status'],
      [BOT, 'status 1'],
      [BOT, 'status 2'],
    ]);
    expect(
      ws
        .visibleTo(ALICE)
        .filter((m) => m.ephemeralTo)
        .map((m) => m.text),
    ).toEqual(['just for you']);

    const card = ws.post({ channel: C, user: BOT, content: { text: 'card' } });
    const click = ws.createResponseUrl({ kind: 'action', user: BOB, channel: C, messageTs: card.ts });
    await respond(click, { replace_original: true, text: 'card, replaced' });
    expect(ws.find(C, card.ts)?.text).toBe('card, replaced');
    for (let i = 0; i < 4; i++) await respond(click, { text: `note ${i}` });
    expect((await respond(click, { text: 'one too many' })).status).toBe(404);
  });
});

describe('what the local Slack sends the app, and how it reads the answer', () => {
  let app: StartedHttpServer | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  /** A stand-in app that checks Slack's signature and answers submissions from a script. */
  async function stubApp(answers: string[]) {
    const received: Array<Record<string, unknown>> = [];
    app = await startHttpServer((req, res, body) => {
      const text = body.toString('utf8');
      const timestamp = Number(req.headers['x-slack-request-timestamp']);
      const expected = signSlackRequest('secret', text, timestamp)['x-slack-signature'];
      if (req.headers['x-slack-signature'] !== expected) {
        res.writeHead(401);
        res.end();
        return;
      }
      received.push(JSON.parse(new URLSearchParams(text).get('payload') ?? '{}') as Record<string, unknown>);
      const answer = answers.shift() ?? '';
      res.writeHead(200, answer ? { 'content-type': 'application/json' } : {});
      res.end(answer);
    });
    return received;
  }

  it('checks required inputs itself, then keeps the modal open on response_action errors and closes it on an empty ack', async () => {
    const received = await stubApp([
      JSON.stringify({ response_action: 'errors', errors: { note: 'Say why, please.' } }),
      '',
    ]);
    const ws = workspace();
    const delivery = createDelivery({
      workspace: ws,
      signingSecret: 'secret',
      botUrl: () => app?.url ?? '',
      slackUrl: () => 'http://127.0.0.1:1',
      identity: IDENTITY,
      slackbot: BOT,
    });
    const view = ws.openView(ws.issueTrigger(ALICE), {
      type: 'modal',
      callback_id: 'cb',
      private_metadata: '{"x":1}',
      blocks: [
        {
          type: 'input',
          block_id: 'target',
          element: {
            type: 'static_select',
            action_id: 'value',
            options: [{ text: { type: 'plain_text', text: '1.25.0' }, value: '1.25.0' }],
          },
        },
        {
          type: 'input',
          block_id: 'note',
          optional: true,
          element: { type: 'plain_text_input', action_id: 'value' },
        },
      ],
    });

    expect(await delivery.submitView({ user: ALICE, viewId: view.id, values: [] })).toEqual({
      closed: false,
      errors: { target: 'Please complete this required field.' },
    });
    expect(received).toEqual([]);

    const values = [
      { blockId: 'target', value: '1.25.0' },
      { blockId: 'note', value: 'x' },
    ];
    expect(await delivery.submitView({ user: ALICE, viewId: view.id, values })).toEqual({
      closed: false,
      errors: { note: 'Say why, please.' },
    });
    expect(ws.topView(ALICE)?.id).toBe(view.id);
    expect(received[0]).toMatchObject({
      type: 'view_submission',
      user: { id: ALICE },
      view: {
        id: view.id,
        callback_id: 'cb',
        private_metadata: '{"x":1}',
        state: {
          values: {
            target: { value: { type: 'static_select', selected_option: { value: '1.25.0' } } },
            note: { value: { type: 'plain_text_input', value: 'x' } },
          },
        },
      },
    });
    // Someone else cannot submit alice's modal.
    expect(await delivery.submitView({ user: BOB, viewId: view.id, values })).toEqual({ closed: true });
    expect(received).toHaveLength(1);

    expect(await delivery.submitView({ user: ALICE, viewId: view.id, values })).toEqual({ closed: true });
    expect(ws.topView(ALICE)).toBeUndefined();
  });
});

describe('the simulated CI', () => {
  function repo(): CiRepo & {
    open(number: number, sha: string, version: string): void;
    merge(sha: string, version: string): void;
  } {
    const files = new Map<string, string>([['main0', 'version = "1.25.3"\n']]);
    const pulls: Array<Record<string, unknown>> = [];
    let main = 'main0';
    return {
      pulls: () => pulls,
      fileAt: (_repo, ref) => files.get(ref === 'main' ? main : ref),
      branchSha: () => main,
      open(number, sha, version) {
        files.set(sha, `name = "x"\nversion = "${version}"\n`);
        pulls.push({ number, state: 'open', head: { sha } });
      },
      merge(sha, version) {
        files.set(sha, `version = "${version}"\n`);
        for (const pr of pulls) pr.state = 'closed';
        main = sha;
      },
    };
  }

  it('deploys a PR to development and a merge to staging then production, resolving versions like CI', async () => {
    const objects = fixtureBucket();
    const markers: string[] = [];
    const served: string[] = [];
    const git = repo();
    const ci = startCi({
      repo: git,
      repoName: 'o/r',
      configPath: 'c.toml',
      versionKey: 'version',
      baseBranch: 'main',
      bucket: {
        list: async () => objects,
        putMarker: async (key, at) => {
          markers.push(key);
          objects.push({ key, lastModified: at, size: 0 });
        },
      },
      serve: (env, iteration) => served.push(`${env}=${iteration}`),
      environments: [
        { name: 'development', deployPhase: 'pull_request' },
        { name: 'staging', deployPhase: 'merge' },
        { name: 'production', deployPhase: 'merge' },
      ],
      initial: {},
      delays: { pullRequestMs: 5, mergeMs: 5 },
      tickMs: 5,
    });
    try {
      // The prefix trap, as CI has it: 1.1.1 deploys 1.1.10's newer model.
      git.open(1, 'pr1aaaa', '1.1.1');
      await until(() => served.length === 1);
      await ci.idle();
      expect(served).toEqual(['development=1.1.10-b2c3d4e']);

      // No model for the version: the deploy fails; a model without the `passed` marker: CI refuses it.
      git.open(2, 'pr2bbbb', '9.9.9');
      await until(() => ci.log().some((l) => !l.ok));
      expect(ci.log().at(-1)?.text).toContain('no model.zip under "9.9.9"');
      objects.push({ key: '1.26.0-abcdef0/model.zip', lastModified: new Date(), size: 1 });
      git.open(3, 'pr3cccc', '1.26.0');
      await until(() => ci.log().filter((l) => !l.ok).length === 2);
      expect(ci.log().at(-1)?.text).toContain('refused 1.26.0-abcdef0 (no passed marker)');
      expect(served).toHaveLength(1);

      git.merge('merge01', '1.25.0');
      await until(() => served.length === 3);
      await ci.idle();
      expect(served.slice(1)).toEqual(['staging=1.25.0-293a4b5', 'production=1.25.0-293a4b5']);
      // 1.25.0 had reached both already (and 1.1.10 development): no marker written. 1.24.1 had not.
      expect(markers).toEqual([]);
      git.merge('merge02', '1.24.1');
      await until(() => served.length === 5);
      await ci.idle();
      expect(markers).toEqual(['1.24.1-1829304/staging', '1.24.1-1829304/production']);
      expect(ci.environments().map((e) => [e.name, e.iteration, e.source])).toEqual([
        ['development', '1.1.10-b2c3d4e', 'PR #1'],
        ['staging', '1.24.1-1829304', 'main'],
        ['production', '1.24.1-1829304', 'main'],
      ]);
    } finally {
      ci.stop();
    }
  });
});

/** fetch() will not send another Host header; node:http will (as a DNS-rebinding page's request would). */
function statusWithHost(url: string, host: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', reject);
    req.end();
  });
}

async function waitFor<T>(
  pick: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await pick();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('the demo, over its page API', () => {
  let demo: Demo | undefined;
  const saved = new Map<string, string | undefined>();
  afterEach(async () => {
    await demo?.stop();
    demo = undefined;
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    saved.clear();
  });

  it('ignores real-looking credentials in the environment and answers /rollback status locally', async () => {
    // Unroutable addresses and wrong secrets: if the demo used any of these, the command would fail.
    const hostile = {
      SLACK_BOT_TOKEN: 'xoxb-real-looking',
      SLACK_SIGNING_SECRET: 'real-secret',
      SLACK_API_URL: 'http://192.0.2.1:9/api/',
      GITHUB_TOKEN: 'ghp_reallooking',
      GITHUB_API_URL: 'http://192.0.2.1:9',
      AWS_ENDPOINT_URL_S3: 'http://192.0.2.1:9',
      AWS_ACCESS_KEY_ID: 'AKIAREALLOOKING',
      AWS_SECRET_ACCESS_KEY: 'real',
      AWS_REGION: 'eu-west-2',
      AWS_PROFILE: 'nonexistent-profile',
    };
    for (const [key, value] of Object.entries(hostile)) {
      saved.set(key, process.env[key]);
      process.env[key] = value;
    }
    demo = await startDemo({ port: 0, logLevel: 'error' });
    const url = demo.url;
    const post = (action: string, body: object, headers: Record<string, string> = {}) =>
      fetch(`${url}/demo/${action}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    // Two services: commands name theirs.
    expect(
      (await post('message', { as: ALICE, channel: C, text: '/rollback status fpo-search' })).status,
    ).toBe(200);
    await until(() => demo?.workspace.history(C).some((m) => m.text.startsWith('fpo-search: ')) ?? false);
    const status = JSON.stringify(demo.workspace.history(C).at(-1)?.blocks);
    // Healthchecks, GitHub (main's version) and S3 (the last known good) were all read locally.
    expect(status).toContain('1.25.4-4b5c6d7');
    expect(status).toContain('*Configured on main:* `1.25.3`');
    expect(status).toContain('*Last known good:* `1.25.0-293a4b5`');
    expect(status).not.toContain('Could not read');

    // Only this page may drive the demo: not another site in the same browser, not another host name.
    expect((await post('alarm', { as: ALICE }, { origin: 'https://evil.example' })).status).toBe(403);
    expect(await statusWithHost(`${url}/`, 'rebound.example')).toBe(421);
    expect((await fetch(`${url}/demo/alarm`, { method: 'POST', body: '{}' })).status).toBe(415);
    expect((await post('message', { as: 'UNOBODY001', channel: C, text: 'hi' })).status).toBe(400);
  });

  it('rolls reco back in #reco-rollbacks by moving the MLflow alias; its healthchecks follow', async () => {
    // Audit lines ignore the level; the thread and the registry say what they record.
    demo = await startDemo({ port: 0, pollSeconds: 1, log: createLogger('error', {}, () => undefined) });
    const { url, workspace, mlflow } = demo;
    const R = CHANNELS.reco.id;
    const post = async (action: string, body: object) => {
      const res = await fetch(`${url}/demo/${action}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status, await res.clone().text()).toBe(200);
      return res;
    };
    type MlflowPanel = {
      version: string;
      environments: Array<{ name: string; version: string | null }>;
      moves: Array<{ from: string | null; to: string | null }>;
    };
    const panel = async () =>
      ((await (await fetch(`${url}/demo/state?as=alice`)).json()) as { mlflow: MlflowPanel }).mlflow;
    expect(await panel()).toMatchObject({
      version: String(RECO.versions),
      environments: RECO.environments.map((e) => ({ name: e.name, version: String(RECO.versions) })),
      moves: [],
    });

    await post('message', {
      as: ALICE,
      channel: R,
      text: '/rollback to previous reco reason=PERFORMANCE_DEGRADATION CTR down since 15',
    });
    const card = await waitFor(() =>
      workspace.history(R).find((m) => m.user === BOT && /^Rollback R-/.test(m.text) && !m.threadTs),
    );
    expect(card.text).toContain('reco');
    expect(JSON.stringify(card.blocks)).toContain('12');
    const approve = (card.blocks ?? []).find((b) => JSON.stringify(b).includes(ACTIONS.approve)) as
      | { block_id: string }
      | undefined;
    expect(approve).toBeDefined();
    await post('action', {
      as: BOB,
      source: { kind: 'message', channel: R, ts: card.ts, inThread: false },
      blockId: approve?.block_id,
      actionId: ACTIONS.approve,
    });

    // One move in the registry, then each environment reloads after its delay.
    await until(() => mlflow.registry.aliasOf(RECO.model, RECO.alias) === '12', 10_000);
    expect(mlflow.count('POST', 'registered-models/alias')).toBe(1);
    // The serving layer notices the move within its polling interval.
    const moves = await waitFor(async () => {
      const seen = (await panel()).moves;
      return seen.length ? seen : undefined;
    });
    expect(moves).toEqual([expect.objectContaining({ from: String(RECO.versions), to: '12' })]);
    await waitFor(async () => (await panel()).environments.every((e) => e.version === '12') || undefined);
    const thread = () =>
      workspace
        .history(R)
        .filter((m) => m.threadTs === card.ts)
        .map((m) => m.text)
        .join('\n');
    await until(() => thread().includes('Rollback complete'), 15_000);
    expect(thread()).toMatch(/Moved `champion`/);
  }, 40_000);

  it('publishes the Home tab on open, takes clicks from it, and refuses a guest and the wrong channel', async () => {
    demo = await startDemo({ port: 0, log: createLogger('error', {}, () => undefined) });
    const { url, workspace } = demo;
    const post = async (action: string, body: object) => {
      const res = await fetch(`${url}/demo/${action}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status, await res.clone().text()).toBe(200);
      return (await res.json()) as Record<string, unknown>;
    };
    type Block = { block_id: string; elements?: Array<{ action_id: string; text?: { text: string } }> };
    const blocksOf = (user: string) => (workspace.homeOf(user)?.view.blocks ?? []) as Block[];
    const element = (user: string, actionId: string) => {
      const block = blocksOf(user).find((b) => b.elements?.some((e) => e.action_id === actionId));
      const found = block?.elements?.find((e) => e.action_id === actionId);
      return block && found ? { block, element: found } : undefined;
    };
    const clickHome = (as: string, actionId: string) => {
      const hit = element(as, actionId);
      return post('action', {
        as,
        source: { kind: 'home', viewId: workspace.homeOf(as)?.id },
        blockId: hit?.block.block_id,
        actionId,
      });
    };
    const ephemeralTo = (user: string, channel: string) =>
      workspace
        .visibleTo(user)
        .filter((m) => m.ephemeralTo === user && m.channel === channel)
        .map((m) => `${m.text} ${JSON.stringify(m.blocks ?? [])}`)
        .join('\n');

    // app_home_opened, signed: the bot publishes alice's view, with the way back to the last known good.
    await post('home-opened', { as: ALICE });
    const rollBack = await waitFor(() => element(ALICE, OPEN_MODAL_ACTION));
    expect(rollBack.element.text?.text).toBe('Roll back to 1.25.0-293a4b5');
    const state = (await (await fetch(`${url}/demo/state?as=alice`)).json()) as {
      home: { id: string; view: { type: string } };
      im: string;
    };
    expect(state.home).toMatchObject({ id: workspace.homeOf(ALICE)?.id, view: { type: 'home' } });

    // A click on the Home tab opens the form; its card goes to the service's channel.
    await clickHome(ALICE, OPEN_MODAL_ACTION);
    // The form opens at once with a loading line, then shows the targets.
    const modal = await waitFor(() => {
      const open = workspace.topView(ALICE);
      return JSON.stringify(open?.view.blocks ?? []).includes('"block_id":"target"') ? open : undefined;
    });
    expect(
      await post('submit', {
        as: ALICE,
        viewId: modal.id,
        values: [
          { blockId: 'target', value: '1.25.0' },
          { blockId: 'reason', value: 'MANUAL_REQUEST' },
          { blockId: 'note', value: 'from Home' },
        ],
      }),
    ).toMatchObject({ closed: true });
    const card = await waitFor(() =>
      workspace.history(C).find((m) => m.user === BOT && /^Rollback R-/.test(m.text) && !m.threadTs),
    );
    expect(card.text).toContain('fpo-search → 1.25.0');
    // Her Home tab follows (republished), with the request's buttons; her own approval is refused by DM.
    await waitFor(() => element(ALICE, ACTIONS.approve));
    await clickHome(ALICE, ACTIONS.approve);
    const dm = await waitFor(() => workspace.visibleTo(ALICE).find((m) => m.channel === state.im));
    expect(dm.text).toContain('cannot count');
    expect(workspace.visibleTo(BOB).some((m) => m.channel === state.im)).toBe(false);

    // A guest may read but not ask.
    const GINA = PEOPLE.gina.id;
    await post('message', { as: GINA, channel: C, text: '/rollback to previous fpo-search' });
    await until(() => ephemeralTo(GINA, C).includes('Guests cannot ask'), 10_000);
    // A member asking from a channel that is no service's is told where to ask.
    const RANDOM = CHANNELS.random.id;
    await post('message', { as: ALICE, channel: RANDOM, text: '/rollback to previous fpo-search' });
    await until(() => ephemeralTo(ALICE, RANDOM).includes('are requested in'), 10_000);
    expect(workspace.history(RANDOM).filter((m) => !m.ephemeralTo)).toEqual([]);
  }, 40_000);

  it('opens a roll-forward PR as a person from the GitHub panel; the panel shows its checks from GitHub', async () => {
    demo = await startDemo({ port: 0, pollSeconds: 1, log: createLogger('error', {}, () => undefined) });
    const { url } = demo;
    const post = (action: string, body: object) =>
      fetch(`${url}/demo/${action}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    type Check = { name: string; state: string; description: string | null; by: string };
    type Pull = {
      number: number;
      title: string;
      author: string;
      branch: string;
      diff: Array<{ removed: string[]; added: string[] }>;
      checks: Check[];
    };
    const pulls = async (): Promise<Pull[]> =>
      ((await (await fetch(`${url}/demo/state?as=alice`)).json()) as { github: { pulls: Pull[] } }).github
        .pulls;

    // main already sets 1.25.3 (the default): nothing to roll forward to; a version is a version.
    expect((await post('roll-forward', { as: ALICE })).status).toBe(409);
    expect((await post('roll-forward', { as: ALICE, version: '1.25.4"\nx = "y' })).status).toBe(400);
    expect(await pulls()).toEqual([]);

    const res = await post('roll-forward', { as: ALICE, version: '1.25.4' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, number: 1 });
    const [pr] = await pulls();
    expect(pr).toMatchObject({
      number: 1,
      title: 'Roll forward fpo-search to 1.25.4',
      author: 'alice',
      branch: 'roll-forward-1.25.4',
      diff: [{ removed: ['version = "1.25.3"'], added: ['version = "1.25.4"'] }],
    });
    // Nothing is pinned: the bot's round sets a passing model-pin status on the PR's head.
    const checks = await waitFor(async () => {
      const found = (await pulls())[0]?.checks ?? [];
      return found.length > 0 ? found : undefined;
    });
    expect(checks).toEqual([
      { name: 'model-pin', state: 'success', description: 'Not pinned', by: 'rollback-bot', url: null },
    ]);
  }, 30_000);
});
