/**
 * The demo's composition: the real bot (createBot, over HTTP) inside a local world that behaves like
 * the reference deployment. Nothing here reads the environment or calls out of the machine:
 *
 * - The local world (world/start.ts), strict where tests are lenient: a Slack workspace with the
 *   demo's people and channels serving the Web API and response URLs the bot's clients are pointed at;
 *   GitHub holding the service's config repository; s3rver loaded with the fixture bucket (the prefix
 *   trap 1.1.1 / 1.1.10, unsafe iterations); healthchecks moved by a simulated CI that follows the PRs.
 * - The page people use (server.ts); what they do becomes signed requests to the bot's
 *   `/slack/events` (slack/toBot.ts).
 * - A second service, reco, in #reco-rollbacks: models in the MLflow stand-in (world/mlflow), rolled back
 *   by moving the `champion` alias; its healthchecks follow the alias after a short delay
 *   (world/aliasServing.ts), as a model server reloading `models:/reco-ranker@champion` would.
 * - Alarms: SNS notifications signed with the test key (only this composition trusts its certificate),
 *   or an alert message another tool posts in #ml-alerts (alertTool.ts).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Octokit } from 'octokit';
import { parse } from 'smol-toml';
import { openStore } from '../src/adapters/store/open.js';
import { createBot } from '../src/app.js';
import { parseBotConfig } from '../src/config/botConfig.js';
import { createLogger, type Level, type Logger } from '../src/support/log.js';
import { followAlias } from '../world/aliasServing.js';
import type { FakeMlflow } from '../world/mlflow.js';
import { configRepo } from '../world/reference.js';
import type { SlackIdentity } from '../world/slack/identity.js';
import { SlackApiError, type Workspace } from '../world/slack/workspace.js';
import { startLocalWorld } from '../world/start.js';
import { postAlertMessage } from './alertTool.js';
import {
  ALARM,
  ALERT_TOOL,
  APP_ID,
  BOT,
  BUCKET,
  CHANNELS,
  CONFIG_PATH,
  demoConfigToml,
  ENVIRONMENTS,
  ONCALL_GROUP,
  PEOPLE,
  RECO,
  REPO,
  recoSeed,
  SERVICE,
  START_STATE,
  TEAM,
} from './config.js';
import { DemoHttpError, startDemoServer } from './server.js';
import { createDelivery, escapeTyped } from './slack/toBot.js';

type AlarmState = 'ALARM' | 'OK';

export interface DemoOptions {
  /** Port of the page (and the local Slack); 0 picks a free one. Everything binds 127.0.0.1. */
  readonly port?: number;
  /** Keep the bot's database here (a new file per run); default: a temporary directory, removed on stop. */
  readonly dataDir?: string;
  /** The bot's tracking rounds (healthchecks, PR polls). */
  readonly pollSeconds?: number;
  /** The simulated CI: PR → development, merge → staging → production. */
  readonly deployDelayMs?: number;
  /** The bot's log; default: warnings and errors on stderr. */
  readonly log?: Logger;
  readonly logLevel?: Level;
}

export interface Demo {
  /** The page: `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly botUrl: string;
  readonly databasePath: string;
  readonly workspace: Workspace;
  /** The MLflow stand-in behind reco (its registry: aliases, tags, calls). */
  readonly mlflow: FakeMlflow;
  stop(): Promise<void>;
}

// Credentials of the local world only: no real service would accept them.
const BOT_TOKEN = 'xoxb-local-demo-token';
const SIGNING_SECRET = 'local-demo-signing-secret';
const GITHUB_TOKEN = 'ghs_localdemotoken';
const SLACKBOT = { id: 'USLACKBOT', name: 'Slackbot' };
const TOOL_USER = 'U0AWSCHATB';

const people = Object.values(PEOPLE);
/** What "Open a roll-forward PR" sets: the version the alarm's rollback left. */
const ROLL_FORWARD_VERSION = '1.25.3';
const VERSION_LINE = /^version[ \t]*=[ \t]*"[^"\n]*"[ \t]*$/m;
const IDENTITY: SlackIdentity = { bot: BOT, team: TEAM, appId: APP_ID };

export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const cleanups: Array<() => Promise<void> | void> = [];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await Promise.resolve(fn()).catch(() => undefined);
  };
  try {
    return await compose(options, cleanups, cleanup);
  } catch (err) {
    await cleanup();
    throw err;
  }
}

async function compose(
  options: DemoOptions,
  cleanups: Array<() => Promise<void> | void>,
  cleanup: () => Promise<void>,
): Promise<Demo> {
  const log =
    options.log ??
    createLogger(options.logLevel ?? 'warn', { app: 'rollback-bot' }, (line) => {
      // Audit lines ignore the level by design; the page already shows what they record.
      if (!options.logLevel && line.includes('"level":"audit"')) return;
      process.stderr.write(`${line}\n`);
    });

  // ---- state on disk: only the bot's database ----
  let dataDir: string;
  let databasePath: string;
  if (options.dataDir) {
    dataDir = resolve(options.dataDir);
    mkdirSync(dataDir, { recursive: true });
    // The rest of the world starts fresh each run, so each run gets its own database too.
    databasePath = join(dataDir, `rollback-bot-${new Date().toISOString().replace(/[:.]/g, '-')}.db`);
  } else {
    dataDir = mkdtempSync(join(tmpdir(), 'rollback-demo-'));
    databasePath = join(dataDir, 'rollback-bot.db');
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  }

  // ---- the outside systems ----
  let pageUrl = '';
  let botUrl = '';
  // Bolt asks auth.test as soon as it is built (who am I?); the demo is ready once that is answered.
  let authAnswered: () => void = () => {};
  const authTested = new Promise<void>((resolve) => {
    authAnswered = resolve;
  });
  const ciListeners = new Set<() => void>();
  const world = await startLocalWorld({
    slack: {
      strict: true,
      identity: IDENTITY,
      botToken: BOT_TOKEN,
      users: [
        ...people.map((p) => ({ ...p, isBot: false })),
        {
          id: BOT.userId,
          name: BOT.name,
          realName: BOT.name,
          color: '#4a154b',
          isBot: true,
          botId: BOT.botId,
        },
        { id: SLACKBOT.id, name: SLACKBOT.name, realName: SLACKBOT.name, color: '#1d9bd1', isBot: true },
        {
          id: TOOL_USER,
          name: ALERT_TOOL.name,
          realName: ALERT_TOOL.name,
          color: ALERT_TOOL.color,
          isBot: true,
          botId: ALERT_TOOL.botId,
        },
      ],
      usergroups: [ONCALL_GROUP],
      channels: [CHANNELS.rollbacks, CHANNELS.reco, CHANNELS.alerts, CHANNELS.random],
      // Permalinks open the page, which reads the address.
      pageUrl: () => pageUrl,
      onAnswered: (method) => {
        if (method === 'auth.test') authAnswered();
      },
      // The page shows the workspace; a record of every call would only grow while the demo runs.
      record: false,
    },
    github: {
      token: GITHUB_TOKEN,
      repos: { [REPO]: configRepo({ path: CONFIG_PATH }) },
      // The bot opening a PR or setting a check is news for the page.
      onChange: () => bumpWorld(),
    },
    s3: { bucket: BUCKET },
    healthchecks: { serve: START_STATE },
    // ---- CI, following the config repository ----
    ci: {
      repoName: REPO,
      configPath: CONFIG_PATH,
      versionKey: 'version',
      baseBranch: 'main',
      bucket: BUCKET,
      environments: ENVIRONMENTS.map((name) => ({
        name,
        deployPhase: name === 'development' ? 'pull_request' : 'merge',
      })),
      initial: START_STATE,
      delays: { pullRequestMs: options.deployDelayMs ?? 3000, mergeMs: options.deployDelayMs ?? 3000 },
      onChange: () => {
        for (const listener of ciListeners) listener();
      },
    },
    sns: {},
    mlflow: recoSeed(),
  });
  cleanups.push(() => world.close());
  const { slack, github, s3, healthchecks: health, ci, sns, mlflow } = world;
  // ---- reco's serving layer, following the alias ----
  const recoServing = followAlias({
    registry: mlflow.registry,
    model: RECO.model,
    alias: RECO.alias,
    environments: RECO.environments.map((e) => ({ name: e.healthcheck, delayMs: e.delayMs })),
    serve: (env, version) => health.serve(env, version),
    // The page refetches when the version moves: a move and each reload are news.
    onChange: () => bumpWorld(),
  });
  cleanups.push(() => recoServing.stop());
  const workspace = slack.workspace;
  const delivery = createDelivery({
    workspace,
    signingSecret: SIGNING_SECRET,
    botUrl: () => botUrl,
    slackUrl: () => slack.url,
    identity: IDENTITY,
    slackbot: SLACKBOT.id,
  });

  // ---- the page and the local Slack API ----
  let alarmState: AlarmState = 'OK';
  let worldVersion = 0;
  const bumpWorld = () => {
    worldVersion += 1;
    for (const listener of ciListeners) listener();
  };
  /** The acting person, by user id or name (the page sends names). */
  const person = (who: unknown): string => {
    const found = people.find((p) => p.id === who || p.name === who);
    if (!found) throw new DemoHttpError(400, 'act as one of the people in the demo');
    return found.id;
  };
  const text = (value: unknown, name: string): string => {
    if (typeof value !== 'string') throw new DemoHttpError(400, `${name} must be a string`);
    return value;
  };

  const actions: Record<string, (body: Record<string, unknown>) => Promise<unknown>> = {
    async message(body) {
      const user = person(body.as);
      const channel = text(body.channel, 'channel');
      const typed = text(body.text, 'text').trim();
      const threadTs = typeof body.threadTs === 'string' ? body.threadTs : undefined;
      if (typed === '') return { ok: true };
      if (typed.startsWith('/')) {
        const command = typed.split(/\s+/)[0] ?? '';
        if (command !== '/rollback') {
          workspace.postEphemeral({
            channel,
            user,
            threadTs,
            from: SLACKBOT.id,
            content: {
              text: `${escapeTyped(command)} is not a valid command. In this workspace only \`/rollback\` is installed.`,
            },
          });
          return { ok: true };
        }
        await delivery.slashCommand({ user, channel, text: typed, threadTs });
        return { ok: true };
      }
      const posted = workspace.post({ channel, user, threadTs, content: { text: escapeTyped(typed) } });
      await delivery.messageEvent(posted);
      return { ok: true };
    },
    async action(body) {
      const user = person(body.as);
      const source = body.source as Record<string, unknown> | undefined;
      await delivery.blockAction({
        user,
        source:
          source?.kind === 'view' || source?.kind === 'home'
            ? { kind: source.kind, viewId: text(source.viewId, 'viewId') }
            : {
                kind: 'message',
                channel: text(source?.channel, 'channel'),
                ts: text(source?.ts, 'ts'),
                inThread: source?.inThread === true,
              },
        blockId: text(body.blockId, 'blockId'),
        actionId: text(body.actionId, 'actionId'),
        selected: typeof body.selected === 'string' ? body.selected : undefined,
      });
      return { ok: true };
    },
    async submit(body) {
      const user = person(body.as);
      const values = Array.isArray(body.values) ? (body.values as Array<Record<string, unknown>>) : [];
      return delivery.submitView({
        user,
        viewId: text(body.viewId, 'viewId'),
        values: values.map((v) => ({
          blockId: text(v.blockId, 'blockId'),
          value: typeof v.value === 'string' ? v.value : null,
        })),
      });
    },
    /** The person opened the bot's Home tab: Slack tells the app, which publishes their view. */
    async 'home-opened'(body) {
      await delivery.appHomeOpened(person(body.as));
      return { ok: true };
    },
    async 'close-view'(body) {
      workspace.closeView(person(body.as), text(body.viewId, 'viewId'));
      return { ok: true };
    },
    async dismiss(body) {
      workspace.dismissEphemeral(person(body.as), text(body.channel, 'channel'), text(body.ts, 'ts'));
      return { ok: true };
    },
    async alarm(body) {
      const state: AlarmState = body.state === 'OK' ? 'OK' : 'ALARM';
      const status = await sns.sendAlarm(botUrl, state);
      if (status !== 200) throw new DemoHttpError(502, `the bot answered ${status} to the SNS notification`);
      alarmState = state;
      bumpWorld();
      return { ok: true };
    },
    async 'alert-message'() {
      await postAlertMessage(workspace, delivery, TOOL_USER, ALARM);
      return { ok: true };
    },
    async merge(body) {
      const user = person(body.as);
      const number = Number(body.number);
      const pr = github.pulls(REPO).find((p) => p.number === number);
      if (pr?.state !== 'open') throw new DemoHttpError(409, `PR #${number} is not open`);
      github.mergePull(REPO, number, workspace.displayName(user));
      bumpWorld();
      ci.tick();
      return { ok: true };
    },
    /**
     * A developer (the acting person, not the bot) rolls forward: a branch changing the config's version
     * line, and a PR from it, as anyone with push access would. The bot sees it in its next round.
     */
    async 'roll-forward'(body) {
      const user = person(body.as);
      const login = workspace.displayName(user);
      const version = body.version === undefined ? ROLL_FORWARD_VERSION : text(body.version, 'version');
      if (!/^\d+\.\d+\.\d+$/.test(version)) throw new DemoHttpError(400, 'a version looks like 1.25.3');
      const main = github.fileAt(REPO, 'main', CONFIG_PATH) ?? '';
      if (!VERSION_LINE.test(main)) throw new DemoHttpError(409, `${CONFIG_PATH} has no version line`);
      const changed = main.replace(VERSION_LINE, `version = "${version}"`);
      if (changed === main) throw new DemoHttpError(409, `main already sets version ${version}`);
      let branch = `roll-forward-${version}`;
      for (let n = 2; github.branchSha(REPO, branch) !== undefined; n++)
        branch = `roll-forward-${version}-${n}`;
      github.createBranch(REPO, branch, 'main');
      github.commitFile(REPO, branch, CONFIG_PATH, changed, `Roll forward to ${version}`, login);
      const number = github.openPull(REPO, {
        head: branch,
        title: `Roll forward fpo-search to ${version}`,
        body: 'The fix is in; back to the newer model.',
        user: login,
      });
      bumpWorld();
      ci.tick();
      return { ok: true, number };
    },
    async 'close-pr'(body) {
      person(body.as);
      const number = Number(body.number);
      const pr = github.pulls(REPO).find((p) => p.number === number);
      if (pr?.state !== 'open') throw new DemoHttpError(409, `PR #${number} is not open`);
      github.closePull(REPO, number);
      bumpWorld();
      return { ok: true };
    },
  };

  /** The latest of each commit status context and check run name on a commit, as GitHub's PR page shows. */
  const checksOf = (sha: string) => {
    const latest = new Map<string, Record<string, unknown>>();
    for (const st of github.statuses(REPO, sha)) {
      latest.set(`status:${st.context}`, {
        name: st.context,
        state: st.state,
        description: st.description,
        by: st.creator.login,
        url: st.target_url,
      });
    }
    for (const run of github.checkRuns(REPO, sha)) {
      latest.set(`run:${run.app.id}:${run.name}`, {
        name: run.name,
        state: run.status === 'completed' ? run.conclusion : run.status,
        description: run.output.title,
        by: run.app.slug,
        url: run.details_url,
      });
    }
    return [...latest.values()];
  };

  const githubState = () => {
    const main = github.fileAt(REPO, 'main', CONFIG_PATH) ?? '';
    const version = (parse(main) as Record<string, unknown>).version;
    return {
      repo: REPO,
      configPath: CONFIG_PATH,
      main: { sha: github.branchSha(REPO, 'main')?.slice(0, 7), version },
      pulls: github
        .pulls(REPO)
        .reverse()
        .map((pr) => ({
          number: pr.number,
          title: pr.title,
          state: pr.merged ? 'merged' : pr.state,
          mergedBy: pr.merged_by?.login ?? null,
          author: pr.user?.login,
          branch: pr.head.ref,
          labels: (pr.labels as Array<{ name: string }>).map((l) => l.name),
          checks: checksOf(pr.head.sha),
          url: pr.html_url,
          diff: github.diff(REPO, pr.number).map((d) => ({
            filename: d.filename,
            removed: d.removed,
            added: d.added,
          })),
        })),
    };
  };

  const mlflowState = () => {
    const serving = recoServing.serving();
    return {
      service: RECO.service,
      trackingUri: mlflow.url,
      model: RECO.model,
      alias: RECO.alias,
      version: mlflow.registry.aliasOf(RECO.model, RECO.alias) ?? null,
      environments: RECO.environments.map((e) => {
        const s = serving.find((x) => x.name === e.healthcheck);
        return {
          name: e.name,
          version: s?.version ?? null,
          since: s?.since ?? null,
          pending: s?.pending
            ? { version: s.pending.version, inMs: Math.max(0, s.pending.due - Date.now()) }
            : null,
        };
      }),
      moves: recoServing
        .moves()
        .slice(-5)
        .reverse()
        .map((m) => ({ at: m.at, from: m.from ?? null, to: m.to ?? null })),
    };
  };

  const server = await startDemoServer(
    {
      state(as) {
        const me = people.find((p) => p.id === as || p.name === as)?.id ?? PEOPLE.alice.id;
        const view = workspace.topView(me);
        const home = workspace.homeOf(me);
        return {
          version: workspace.version + worldVersion,
          me,
          service: SERVICE,
          services: [
            { name: SERVICE, channel: CHANNELS.rollbacks.id },
            { name: RECO.service, channel: CHANNELS.reco.id },
          ],
          bot: { userId: BOT.userId, name: BOT.name },
          people,
          users: Object.fromEntries(
            [...workspace.users.values()].map((u) => [
              u.id,
              { name: u.name, realName: u.realName, color: u.color, isBot: u.isBot },
            ]),
          ),
          usergroups: Object.fromEntries(
            [...workspace.usergroups.values()].map((g) => [g.id, { handle: g.handle, name: g.name }]),
          ),
          channels: [...workspace.channels.values()],
          messages: workspace.visibleTo(me).map((m) => ({
            channel: m.channel,
            ts: m.ts,
            threadTs: m.threadTs ?? null,
            broadcast: m.broadcast,
            user: m.user ?? null,
            username: m.username ?? null,
            text: m.text,
            blocks: m.blocks ?? null,
            attachments: m.attachments ?? null,
            ephemeral: Boolean(m.ephemeralTo),
            rev: m.rev,
          })),
          view: view ? { id: view.id, hash: view.hash, view: view.view } : null,
          // The bot's Home tab as last published to this person, and its Messages tab (the DM channel).
          home: home ? { id: home.id, hash: home.hash, view: home.view } : null,
          im: workspace.imWith(me).id,
          github: githubState(),
          environments: ci.environments().map((e) => ({
            name: e.name,
            deployPhase: e.deployPhase,
            iteration: e.iteration,
            gitSha: e.gitSha,
            source: e.source,
            since: e.since,
            pending: e.pending
              ? { source: e.pending.source, inMs: Math.max(0, e.pending.due - Date.now()) }
              : null,
          })),
          ci: ci.log().slice(-6),
          alarm: { name: ALARM, state: alarmState },
          mlflow: mlflowState(),
        };
      },
      async post(name, body) {
        const run = Object.hasOwn(actions, name) ? actions[name] : undefined;
        if (!run) throw new DemoHttpError(404, `no such action: ${name}`);
        try {
          return await run(body);
        } catch (err) {
          if (err instanceof SlackApiError) throw new DemoHttpError(400, err.code);
          throw err;
        }
      },
      version: () => workspace.version + worldVersion,
      onChange(listener) {
        const off = workspace.onChange(listener);
        ciListeners.add(listener);
        return () => {
          off();
          ciListeners.delete(listener);
        };
      },
    },
    options.port ?? 0,
  );
  cleanups.push(() => server.close());
  pageUrl = server.url;

  // ---- the bot: production code, configured by TOML, every client pointed at the local world ----
  const config = parseBotConfig(
    demoConfigToml((env) => health.urlFor(env), options.pollSeconds ?? 2, mlflow.url),
    'demo/config.ts (built in)',
  );
  const store = await openStore(`sqlite:${databasePath}`);
  cleanups.push(() => store.close());
  const bot = createBot({
    config,
    // Built here, never from process.env or .env: real credentials in the environment are ignored.
    env: {
      slackBotToken: BOT_TOKEN,
      slack: { kind: 'http', signingSecret: SIGNING_SECRET },
      slackApiUrl: slack.apiUrl,
      logLevel: 'warn',
      githubWebhookSecret: undefined,
    },
    log,
    // Explicit endpoint, region and credentials: the SDK's own environment and profile lookup is bypassed.
    s3: s3.client(),
    octokit: new Octokit({
      auth: GITHUB_TOKEN,
      baseUrl: github.url,
      retry: { enabled: false },
      throttle: { enabled: false },
    }),
    store,
    // A failing local call should show at once, not be retried for minutes.
    slackRetries: 0,
    sns: {
      // The only place the test certificate is trusted: alarms signed by the demo's own key.
      fetchCertificate: async () => sns.certificatePem,
      confirmFetch: async () => {
        throw new Error('the demo never calls out of the machine');
      },
    },
  });
  const botPort = await bot.start(0, '127.0.0.1');
  botUrl = `http://127.0.0.1:${botPort}`;
  cleanups.push(() => bot.stop());
  // Bounded: a bot given its identity up front asks nothing.
  await Promise.race([authTested, new Promise((resolve) => setTimeout(resolve, 2000))]);
  // …and once its answer has been read: closing the server under it would fail Bolt's authorization.
  await new Promise((resolve) => setTimeout(resolve, 50));

  let stopping: Promise<void> | undefined;
  return {
    url: server.url,
    botUrl,
    databasePath,
    workspace,
    mlflow,
    stop() {
      stopping ??= cleanup();
      return stopping;
    },
  };
}
