/**
 * The version rolled back from, marked where everyone sees it (issue 17, item 2): with
 * `mark_rolled_back = true`, the merge writes `rolled_back` into the iteration's directory, and the
 * catalog reads it back, so a bot without the database's record still skips it as last known good.
 */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { createModelBucket } from '../../src/adapters/modelBucket.js';
import { findService } from '../../src/config/botConfig.js';
import { ACTIONS } from '../../src/slack/blocks/requestCard.js';
import { renderVersions } from '../../src/terminal/render.js';
import { getServiceStatus, versionTable } from '../../src/workflows/serviceStatus.js';
import { BUCKET, type Harness, REPO, USERS, useHarness } from '../support/harness.js';
import { textOf } from '../support/slackText.js';
import { postedCard, pulls, settle, threadReplies, until } from './support.js';

const start = useHarness();
const FROM = '1.25.3-3a4b5c6';
const TARGET = '1.25.0-293a4b5';

async function readObject(h: Harness, key: string): Promise<string | undefined> {
  const got = await h.s3
    .client()
    .send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))
    .catch(() => undefined);
  return got?.Body?.transformToString('utf8');
}

async function rollBackAndMerge(h: Harness): Promise<string> {
  await h.command('to previous');
  const id = await postedCard(h);
  await h.click(ACTIONS.approve, id, USERS.bob);
  const [pr] = await h.slack.waitFor(() => pulls(h).length > 0 && pulls(h));
  await until(async () => (await h.store.getRequest(id))?.state === 'pr_open');
  h.github.mergePull(REPO, pr?.number ?? 0, 'carol');
  await h.bot.runRound();
  await h.bot.runRound();
  await settle(h);
  expect((await h.store.getRequest(id))?.state).toBe('merged');
  return id;
}

describe('marking the version rolled back from in the bucket', () => {
  it('writes rolled_back once at merge; a bot without the database still skips it and versions show it', async () => {
    const h = await start({ serviceToml: 'mark_rolled_back = true' });
    const id = await rollBackAndMerge(h);
    const request = await h.store.getRequest(id);

    const text = await readObject(h, `${FROM}/rolled_back`);
    expect(JSON.parse(text ?? '{}')).toEqual({
      request: id,
      reason: expect.stringMatching(/^[A-Z_]+/),
      by: expect.stringMatching(/^requested by .+; approved by .+; merged by carol$/),
      at: request?.progress?.mergedAt,
      thread: expect.stringMatching(/^https:\/\/slack\.com\/archives\/C[A-Z0-9]+\/p\d+$/),
      service: 'fpo-search',
      iteration: FROM,
      to: TARGET,
    });
    const events = await h.store.events(id);
    expect(events.filter((e) => e.kind === 'rolled_back_marked')).toHaveLength(1);
    expect(threadReplies(h)).toContain(
      `:rewind: Marked \`${FROM}\` as rolled back from in the bucket: \`s3://${BUCKET}/${FROM}/rolled_back\`.`,
    );

    // Later rounds and a restart do not write it again.
    await h.restart();
    await h.bot.runRound();
    expect((await h.store.events(id)).filter((e) => e.kind === 'rolled_back_marked')).toHaveLength(1);

    // Later 1.25.4 reaches production. Read without the database's record (a new database): the
    // marker alone keeps 1.25.3 out, and last known good moves on to 1.25.0.
    await h.s3.putObjects([
      { key: '1.25.4-4b5c6d7/staging', lastModified: new Date() },
      { key: '1.25.4-4b5c6d7/production', lastModified: new Date() },
    ]);
    for (const env of ['staging', 'production']) h.health.serve(env, '1.25.4-4b5c6d7');
    const service = findService(h.config, 'fpo-search');
    if (!service) throw new Error('no service');
    const fresh = {
      ...h.bot.status,
      bucket: createModelBucket(h.s3.client(), { cacheSeconds: 0 }),
      rolledBackFrom: undefined,
    };
    const status = await getServiceStatus(fresh, service);
    expect(status.lastKnownGood?.iteration?.name).toBe(TARGET);
    const row = versionTable(status).find((r) => r.version === '1.25.3');
    expect(row?.rolledBack).toMatchObject({ request: id });
    expect(renderVersions(status, versionTable(status), 5)).toMatch(
      new RegExp(`1\\.25\\.3 .*rolled back from by ${id}`),
    );
    // Unmarked, the same listing would offer 1.25.3 again.
    const unmarked = await getServiceStatus(
      { ...fresh, bucket: createModelBucket(h.s3.client(), { cacheSeconds: 0 }) },
      { ...service, rolledBackObject: 'not-the-marker' },
    );
    expect(unmarked.lastKnownGood?.iteration?.name).toBe(FROM);

    const versions = await h.command('versions');
    const shown = textOf(await h.slack.waitFor(() => h.slack.responsesTo(versions.responseId)[0]?.body));
    expect(shown).toContain(`:rewind: rolled back from by ${id}`);
  });

  it('is off by default: nothing is written', async () => {
    const h = await start();
    await rollBackAndMerge(h);
    expect(await readObject(h, `${FROM}/rolled_back`)).toBeUndefined();
  });

  it('a refused write is said in the thread, naming the permission, and the rollback goes on', async () => {
    const h = await start({ serviceToml: 'mark_rolled_back = true' });
    const denied = new S3Client({ ...h.s3.clientConfig() });
    const bucket = createModelBucket(denied, { cacheSeconds: 0 });
    denied.send = (async () => {
      throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
    }) as typeof denied.send;
    await expect(bucket.put(BUCKET, `${FROM}/rolled_back`, '{}')).rejects.toThrow(
      `access denied to ${BUCKET}/${FROM}/rolled_back: the credentials need s3:PutObject on it (AccessDenied)`,
    );
    // The bot's own bucket refuses writes here.
    const own = h.bot.workflows.status.bucket;
    own.put = () => bucket.put(BUCKET, `${FROM}/rolled_back`, '{}');
    const id = await rollBackAndMerge(h);
    expect(threadReplies(h).find((t) => t.includes('could not be marked'))).toContain(
      's3:PutObject on it (AccessDenied). The rollback goes on',
    );
    expect((await h.store.getRequest(id))?.state).toBe('merged');
    expect((await h.store.events(id)).map((e) => e.kind)).toContain('rolled_back_mark_failed');
  });
});
