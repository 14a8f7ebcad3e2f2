/**
 * Proves the fakes answer the real clients the way the real services do. If one of these fails, fix the
 * fake before trusting any test built on it.
 */
import type { AddressInfo } from 'node:net';
import { GetObjectCommand, ListObjectsV2Command, paginateListObjectsV2 } from '@aws-sdk/client-s3';
import { App, LogLevel } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import { Octokit } from 'octokit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffLines, gitBlobSha, startFakeGitHub } from '../../world/github.js';
import { startFakeHealthchecks } from '../../world/healthchecks.js';
import { generateListing, loadBucketListing, startFakeS3 } from '../../world/s3.js';
import { startFakeSlack } from '../../world/slack/fake.js';
import { sendInteraction, sendSlashCommand, signSlackRequest } from '../../world/slack/requests.js';

describe('fake S3 (s3rver) with the real S3Client', () => {
  it('lists the fixture bucket with the exact LastModified and Size of each object', async () => {
    const objects = await loadBucketListing();
    expect(objects).toHaveLength(84);
    const s3 = await startFakeS3({ bucket: 'models', objects });
    try {
      const out = await s3.client().send(new ListObjectsV2Command({ Bucket: 'models' }));
      expect(out.KeyCount).toBe(84);
      expect(out.IsTruncated).toBe(false);
      const byKey = new Map(out.Contents?.map((o) => [o.Key, o]));
      for (const o of objects) {
        expect(byKey.get(o.key)?.LastModified?.toISOString(), o.key).toBe(
          new Date(o.lastModified).toISOString(),
        );
        expect(byKey.get(o.key)?.Size, o.key).toBe(o.size);
      }
      const model = byKey.get('1.1.1-a1b2c3d/model.zip');
      expect(model?.LastModified).toEqual(new Date('2026-01-02T09:00:00Z'));
      expect(model?.Size).toBe(190_000_000);
      // a multipart-style ETag, as `aws s3 cp` would leave on a 190 MB upload
      expect(model?.ETag).toMatch(/^"[0-9a-f]{32}-23"$/);

      // prefix lookups are plain string prefixes, as CI does them: 1.1.1 also matches 1.1.10-…
      const prefixed = await s3
        .client()
        .send(new ListObjectsV2Command({ Bucket: 'models', Prefix: '1.1.1' }));
      const prefixes = new Set(prefixed.Contents?.map((o) => o.Key?.split('/')[0]));
      expect(prefixes).toEqual(new Set(['1.1.1-a1b2c3d', '1.1.10-b2c3d4e']));
    } finally {
      await s3.close();
    }
  });

  it('serves real bodies and follows objects added or deleted while running', async () => {
    const s3 = await startFakeS3({ bucket: 'models', objects: [] });
    try {
      await s3.putObjects([
        {
          key: '2.0.0-aaaaaaa/check_result.json',
          lastModified: '2026-02-01T00:00:00Z',
          body: '{"better":true}',
        },
        { key: '2.0.0-aaaaaaa/passed', lastModified: '2026-02-01T00:10:00Z', size: 0 },
      ]);
      const client = s3.client();
      const got = await client.send(
        new GetObjectCommand({ Bucket: 'models', Key: '2.0.0-aaaaaaa/check_result.json' }),
      );
      expect(await got.Body?.transformToString()).toBe('{"better":true}');
      expect(got.LastModified).toEqual(new Date('2026-02-01T00:00:00Z'));

      await s3.deleteObjects(['2.0.0-aaaaaaa/passed']);
      const out = await client.send(new ListObjectsV2Command({ Bucket: 'models' }));
      expect(out.Contents?.map((o) => o.Key)).toEqual(['2.0.0-aaaaaaa/check_result.json']);
    } finally {
      await s3.close();
    }
  });

  it('paginates a 2500-key bucket in three pages without --openssl-legacy-provider', async () => {
    const objects = generateListing(2500);
    expect(new Set(objects.map((o) => o.key)).size).toBe(2500);
    const s3 = await startFakeS3({ bucket: 'big', objects });
    try {
      const pages: number[] = [];
      const keys: string[] = [];
      for await (const page of paginateListObjectsV2({ client: s3.client() }, { Bucket: 'big' })) {
        pages.push(page.KeyCount ?? 0);
        keys.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
      }
      expect(pages).toEqual([1000, 1000, 500]);
      expect(keys).toEqual(objects.map((o) => o.key).sort());

      // a smaller page size and a prefix go through the same token path
      const small: number[] = [];
      for await (const page of paginateListObjectsV2(
        { client: s3.client(), pageSize: 40 },
        { Bucket: 'big', Prefix: '0.0.1' },
      )) {
        small.push(page.KeyCount ?? 0);
      }
      // 0.0.1, 0.0.10-19, 0.0.100-199: 111 iterations of 5 keys
      expect(small.reduce((a, b) => a + b, 0)).toBe(555);
      expect(small).toHaveLength(14);
    } finally {
      await s3.close();
    }
  });
});

describe('fake GitHub with octokit', () => {
  const repo = 'example-org/fpo-search';
  const config = 'title = "search"\n\n# the model\nversion = "1.25.3"\nthreshold = 0.5\n';
  const token = 'ghp_testtoken';
  let gh: Awaited<ReturnType<typeof startFakeGitHub>>;
  let octokit: Octokit;

  beforeAll(async () => {
    gh = await startFakeGitHub({ token, repos: { [repo]: { files: { 'search-config.toml': config } } } });
    octokit = new Octokit({
      auth: token,
      baseUrl: gh.url,
      retry: { enabled: false },
      throttle: { enabled: false },
    });
  });
  afterAll(() => gh.close());

  it('reads a file like GitHub: base64 in 60-char lines, blob sha', async () => {
    const { data } = await octokit.rest.repos.getContent({
      owner: 'example-org',
      repo: 'fpo-search',
      path: 'search-config.toml',
      ref: 'main',
    });
    if (Array.isArray(data) || data.type !== 'file') throw new Error('expected a file');
    expect(Buffer.from(data.content, 'base64').toString('utf8')).toBe(config);
    expect(data.content.split('\n').every((line) => line.length <= 60)).toBe(true);
    expect(data.sha).toBe(gitBlobSha(config));
    // git's own id for this content (`git hash-object`)
    expect(gitBlobSha('hello\n')).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
  });

  it('creates a branch, commits the file, opens a PR; a second PR on the same head is 422', async () => {
    const owner = 'example-org';
    const name = 'fpo-search';
    const { data: main } = await octokit.rest.git.getRef({ owner, repo: name, ref: 'heads/main' });
    await octokit.rest.git.createRef({
      owner,
      repo: name,
      ref: 'refs/heads/rollback/1.25.0',
      sha: main.object.sha,
    });
    await expect(
      octokit.rest.git.createRef({
        owner,
        repo: name,
        ref: 'refs/heads/rollback/1.25.0',
        sha: main.object.sha,
      }),
    ).rejects.toMatchObject({ status: 422, message: expect.stringContaining('Reference already exists') });

    const edited = config.replace('version = "1.25.3"', 'version = "1.25.0"');
    const { data: put } = await octokit.rest.repos.createOrUpdateFileContents({
      owner,
      repo: name,
      path: 'search-config.toml',
      branch: 'rollback/1.25.0',
      message: 'fix(model): roll back fpo-search to 1.25.0',
      content: Buffer.from(edited).toString('base64'),
      sha: gitBlobSha(config),
    });
    expect(put.content?.sha).toBe(gitBlobSha(edited));
    expect(gh.fileAt(repo, 'rollback/1.25.0', 'search-config.toml')).toBe(edited);
    expect(gh.fileAt(repo, 'main', 'search-config.toml')).toBe(config);

    // a stale sha is a conflict
    await expect(
      octokit.rest.repos.createOrUpdateFileContents({
        owner,
        repo: name,
        path: 'search-config.toml',
        branch: 'rollback/1.25.0',
        message: 'again',
        content: Buffer.from(edited).toString('base64'),
        sha: gitBlobSha(config),
      }),
    ).rejects.toMatchObject({ status: 409 });

    const { data: pr } = await octokit.rest.pulls.create({
      owner,
      repo: name,
      title: 'fix(model): roll back fpo-search to 1.25.0',
      head: 'rollback/1.25.0',
      base: 'main',
      body: 'Requested by <@U1>',
    });
    expect(pr).toMatchObject({
      number: 1,
      state: 'open',
      head: { ref: 'rollback/1.25.0' },
      base: { ref: 'main' },
    });
    expect(pr.html_url).toBe(`https://github.com/${repo}/pull/1`);

    await expect(
      octokit.rest.pulls.create({
        owner,
        repo: name,
        title: 'dup',
        head: `${owner}:rollback/1.25.0`,
        base: 'main',
      }),
    ).rejects.toMatchObject({
      status: 422,
      response: {
        data: { errors: [{ message: `A pull request already exists for ${owner}:rollback/1.25.0.` }] },
      },
    });

    const { data: files } = await octokit.rest.pulls.listFiles({ owner, repo: name, pull_number: pr.number });
    expect(files).toEqual([
      expect.objectContaining({
        filename: 'search-config.toml',
        status: 'modified',
        additions: 1,
        deletions: 1,
      }),
    ]);
    expect(files[0]?.patch).toBe(
      '@@ -1,5 +1,5 @@\n title = "search"\n \n # the model\n-version = "1.25.3"\n+version = "1.25.0"\n threshold = 0.5',
    );
    expect(gh.diff(repo, pr.number)).toEqual([
      expect.objectContaining({ removed: ['version = "1.25.3"'], added: ['version = "1.25.0"'] }),
    ]);

    const { data: labels } = await octokit.rest.issues.addLabels({
      owner,
      repo: name,
      issue_number: pr.number,
      labels: ['rollback', 'risk:high'],
    });
    expect(labels.map((l) => l.name)).toEqual(['rollback', 'risk:high']);

    const { data: found } = await octokit.rest.pulls.list({
      owner,
      repo: name,
      head: `${owner}:rollback/1.25.0`,
    });
    expect(found.map((p) => p.number)).toEqual([1]);

    // someone pushes to main, then the PR is merged: main gets both changes
    gh.commitFile(repo, 'main', 'README.md', '# fpo-search\n');
    const mergeSha = gh.mergePull(repo, pr.number, 'alice');
    const { data: merged } = await octokit.rest.pulls.get({ owner, repo: name, pull_number: pr.number });
    expect(merged).toMatchObject({ merged: true, state: 'closed', merged_by: { login: 'alice' } });
    expect(merged.merged_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(gh.branchSha(repo, 'main')).toBe(mergeSha);
    expect(gh.fileAt(repo, 'main', 'search-config.toml')).toBe(edited);
    expect(gh.fileAt(repo, 'main', 'README.md')).toBe('# fpo-search\n');
    // the merged PR still shows the one-line change
    expect(gh.diff(repo, pr.number)[0]?.added).toEqual(['version = "1.25.0"']);
  });

  it('answers 401 to a bad token, 404 (recorded) to unknown endpoints, and injected failures', async () => {
    const bad = new Octokit({
      auth: 'nope',
      baseUrl: gh.url,
      retry: { enabled: false },
      throttle: { enabled: false },
    });
    await expect(bad.rest.repos.get({ owner: 'example-org', repo: 'fpo-search' })).rejects.toMatchObject({
      status: 401,
      message: expect.stringContaining('Bad credentials'),
    });

    gh.reset();
    await expect(
      octokit.rest.actions.listWorkflowRuns({
        owner: 'example-org',
        repo: 'fpo-search',
        workflow_id: 'ci.yml',
      }),
    ).rejects.toMatchObject({ status: 404 });
    expect(gh.callCount({ method: 'GET', path: /actions/ })).toBe(1);

    gh.failNext('GET', /\/contents\//, 502);
    const get = () =>
      octokit.rest.repos.getContent({ owner: 'example-org', repo: 'fpo-search', path: 'search-config.toml' });
    await expect(get()).rejects.toMatchObject({ status: 502 });
    await expect(get()).resolves.toMatchObject({ status: 200 });
  });

  it('ignores a head filter without "owner:", as GitHub does', async () => {
    const { data } = await octokit.rest.pulls.list({
      owner: 'example-org',
      repo: 'fpo-search',
      state: 'all',
      head: 'no-such-branch',
    });
    expect(data).toHaveLength(1);
  });

  it('diffs line by line, including a missing final newline', () => {
    expect(diffLines('a\nb\n', 'a\nb')).toEqual({
      removed: ['b'],
      added: ['b'],
      patch: '@@ -1,2 +1,2 @@\n a\n-b\n+b\n\\ No newline at end of file',
    });
    expect(diffLines('', 'x\n').patch).toBe('@@ -0,0 +1 @@\n+x');
  });
});

describe('fake Slack with the real WebClient and Bolt', () => {
  it('records calls with blocks parsed, injects failures, and explains a failed waitFor', async () => {
    const slack = await startFakeSlack({ usergroups: { S1: ['U1', 'U2'] } });
    try {
      const client = new WebClient('xoxb-test', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
      const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Rollback requested*' } }];
      const first = await client.chat.postMessage({ channel: 'C1', text: 'hi', blocks });
      const second = await client.chat.postMessage({ channel: 'C1', text: 'again', thread_ts: first.ts });
      expect(Number(second.ts)).toBeGreaterThan(Number(first.ts));
      expect(slack.callsTo('chat.postMessage')[0]).toMatchObject({
        args: { channel: 'C1', blocks },
        token: 'xoxb-test',
      });
      expect(slack.callsTo('chat.postMessage')[1]?.args.thread_ts).toBe(first.ts);

      const link = await client.chat.getPermalink({ channel: 'C1', message_ts: first.ts ?? '' });
      expect(link.permalink).toBe(`https://example.slack.com/archives/C1/p${first.ts?.replace('.', '')}`);
      expect((await client.usergroups.users.list({ usergroup: 'S1' })).users).toEqual(['U1', 'U2']);
      await expect(client.usergroups.users.list({ usergroup: 'S9' })).rejects.toMatchObject({
        data: { error: 'no_such_subteam' },
      });

      slack.failNext('chat.postMessage', { status: 500 });
      await expect(client.chat.postMessage({ channel: 'C1', text: 'x' })).rejects.toMatchObject({
        code: 'slack_webapi_http_error',
        statusCode: 500,
      });
      slack.failNext('chat.update', { error: 'message_not_found' });
      await expect(client.chat.update({ channel: 'C1', ts: '1.2', text: 'x' })).rejects.toMatchObject({
        code: 'slack_webapi_platform_error',
        data: { error: 'message_not_found' },
      });
      await expect(client.chat.update({ channel: 'C1', ts: '1.2', text: 'x' })).resolves.toMatchObject({
        ok: true,
      });

      await expect(slack.waitFor(() => slack.callsTo('views.open')[0], 50)).rejects.toThrow(/chat\.update/);
    } finally {
      await slack.close();
    }
  });

  it('drives a real Bolt app with signed requests; respond() reaches the response_url', async () => {
    const slack = await startFakeSlack();
    const secret = 'test-signing-secret';
    const app = new App({
      signingSecret: secret,
      token: 'xoxb-test',
      botId: 'BBOT',
      botUserId: 'UBOT',
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } },
    });
    app.command('/rollback', async ({ ack, respond, client, command }) => {
      await ack();
      await respond({ text: `got ${command.text}` });
      await client.chat.postMessage({ channel: command.channel_id, text: 'card' });
    });
    app.action('approve', async ({ ack, respond }) => {
      await ack();
      await respond({ text: 'approved', replace_original: true });
    });
    const server = (await app.start({ port: 0, host: '127.0.0.1' })) as unknown as { address(): AddressInfo };
    const appUrl = `http://127.0.0.1:${server.address().port}`;
    try {
      const responseUrl = slack.responseUrl('cmd-1');
      const res = await sendSlashCommand(appUrl, secret, {
        text: 'status',
        user_id: 'U1',
        channel_id: 'C1',
        response_url: responseUrl,
      });
      expect(res.status).toBe(200);
      expect(res.ms).toBeLessThan(3000);
      const reply = await slack.waitFor(() => slack.responsesTo('cmd-1')[0]);
      expect(reply.body).toMatchObject({ text: 'got status' });
      await slack.waitFor(() => slack.callsTo('chat.postMessage')[0]);

      await sendInteraction(appUrl, secret, {
        type: 'block_actions',
        user: { id: 'U2' },
        team: { id: 'T1' },
        channel: { id: 'C1' },
        response_url: slack.responseUrl('act-1'),
        trigger_id: 't',
        actions: [{ type: 'button', action_id: 'approve', block_id: 'b', value: 'req-1', action_ts: '1' }],
      });
      expect((await slack.waitFor(() => slack.responsesTo('act-1')[0])).body).toMatchObject({
        text: 'approved',
      });

      // forged and stale requests are refused by Bolt's signature check
      const forged = await sendSlashCommand(
        appUrl,
        secret,
        { text: 'x', user_id: 'U1', channel_id: 'C1', response_url: responseUrl },
        { signature: 'v0=deadbeef' },
      );
      expect(forged.status).toBe(401);
      const stale = await sendSlashCommand(
        appUrl,
        secret,
        { text: 'x', user_id: 'U1', channel_id: 'C1', response_url: responseUrl },
        { timestamp: Math.floor(Date.now() / 1000) - 600 },
      );
      expect(stale.status).toBe(401);
    } finally {
      await app.stop();
      await slack.close();
    }
  });

  it('signs exactly as Slack documents', () => {
    // the example from Slack's "Verifying requests from Slack" guide
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    const headers = signSlackRequest('8f742231b10e8888abcd99yyyzzz85a5', body, 1531420618);
    expect(headers['x-slack-signature']).toBe(
      'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    );
  });
});

describe('fake healthchecks', () => {
  it('serves each environment, counts hits, and a slow one trips a 200 ms timeout', async () => {
    const hc = await startFakeHealthchecks({ staging: { status: 503, raw: 'upstream connect error' } });
    try {
      hc.serve('production', '1.25.3-3a4b5c6', '9e8d7c6');
      hc.set('development', { delayMs: 2000, body: { healthy: true } });

      const prod = await fetch(hc.urlFor('production'));
      expect(await prod.json()).toEqual({
        git_sha1: '9e8d7c6',
        model_version: '1.25.3-3a4b5c6',
        healthy: true,
      });
      const staging = await fetch(hc.urlFor('staging'));
      expect(staging.status).toBe(503);
      expect(await staging.text()).toBe('upstream connect error');

      const started = Date.now();
      await expect(
        fetch(hc.urlFor('development'), { signal: AbortSignal.timeout(200) }),
      ).rejects.toMatchObject({
        name: 'TimeoutError',
      });
      expect(Date.now() - started).toBeLessThan(1500);
      expect(hc.hits('production')).toBe(1);
      expect(hc.hits('development')).toBe(1);
      expect((await fetch(`${hc.url}/qa/healthcheck`)).status).toBe(404);

      // a reply still pending when the test ends must not hold close() up
      const pending = fetch(hc.urlFor('development')).catch(() => 'cut');
      await new Promise((resolve) => setTimeout(resolve, 50));
      const closing = Date.now();
      await hc.close();
      expect(Date.now() - closing).toBeLessThan(500);
      expect(await pending).toBe('cut');
    } finally {
      await hc.close();
    }
  });
});
