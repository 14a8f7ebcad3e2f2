/**
 * Golden checks over the local world (issue 17, item 3): after production's healthcheck serves the
 * target K times, a known request goes to its /predict and the answer is judged. Verified needs both.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ACTIONS } from '../../src/slack/blocks/requestCard.js';
import { type Harness, REPO, USERS, useHarness } from '../support/harness.js';
import { latestCard, postedCard, pulls, settle, threadReplies, until } from './support.js';

const start = useHarness();
const TARGET = '1.25.0-293a4b5';
const PREDICT = '/production/predict';

// Appended after the reference config's last environment (production): its golden checks.
const GOLDEN = [
  '[[services.fpo-search.environments.golden]]',
  'name = "cat image"',
  'method = "POST"',
  `url = "${PREDICT}"`,
  'body = { image = "golden/cat.jpg" }',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the config's own ${VAR} syntax
  'headers = { Authorization = "Bearer ${GOLDEN_TEST_TOKEN}" }',
  'expect = { "/predictions/0/label" = "cat", "/predictions/0/score" = { min = 0.8, max = 1.0 } }',
].join('\n');

afterEach(() => {
  delete process.env.GOLDEN_TEST_TOKEN;
});

async function rollBackAndMerge(h: Harness): Promise<string> {
  await h.command('to previous');
  const id = await postedCard(h);
  await h.click(ACTIONS.approve, id, USERS.bob);
  const [pr] = await h.slack.waitFor(() => pulls(h).length > 0 && pulls(h));
  await until(async () => (await h.store.getRequest(id))?.state === 'pr_open');
  h.github.mergePull(REPO, pr?.number ?? 0, 'bob');
  await h.bot.runRound();
  expect((await h.store.getRequest(id))?.state).toBe('merged');
  h.health.serve('staging', TARGET);
  h.health.serve('production', TARGET);
  return id;
}

describe('golden checks decide "verified" with the healthchecks', () => {
  it('a passing check: sent once after the K reads, with its body and header; the rollback completes', async () => {
    process.env.GOLDEN_TEST_TOKEN = 'golden-secret';
    const h = await start({ extraToml: GOLDEN });
    h.health.route(PREDICT, { body: { predictions: [{ label: 'cat', score: 0.93 }] } });
    const id = await rollBackAndMerge(h);
    await h.bot.runRound(); // 1 of 2 reads: no golden request yet
    expect(h.health.received(PREDICT)).toHaveLength(0);
    await h.bot.runRound();
    await h.bot.runRound();
    await settle(h);

    expect((await h.store.getRequest(id))?.state).toBe('completed');
    const sent = h.health.received(PREDICT);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      method: 'POST',
      body: '{"image":"golden/cat.jpg"}',
      headers: { authorization: 'Bearer golden-secret', 'content-type': 'application/json' },
    });
    const replies = threadReplies(h);
    expect(replies).toContain(
      `:white_check_mark: production verified: serves \`${TARGET}\`, and its 1 golden check pass.`,
    );
    expect(replies.filter((t) => t.startsWith(':tada: Rollback complete'))).toHaveLength(1);
    expect(latestCard(h, id)).toContain(`production serves \`${TARGET}\` · golden checks pass (1)`);
  });

  it('a value out of tolerance: NOT verified, broadcast, expected against actual; never "complete"', async () => {
    process.env.GOLDEN_TEST_TOKEN = 'golden-secret';
    const h = await start({ extraToml: GOLDEN });
    // The checked service's answer is outside text: markup in it must arrive escaped.
    h.health.route(PREDICT, { body: { predictions: [{ label: '<!channel> dog', score: 0.42 }] } });
    const id = await rollBackAndMerge(h);
    await h.bot.runRound();
    await h.bot.runRound();
    await settle(h);

    expect((await h.store.getRequest(id))?.state).toBe('verify_failed');
    const posts = h.slack.callsTo('chat.postMessage').map((c) => ({
      text: String(c.args.text),
      broadcast: String(c.args.reply_broadcast),
    }));
    expect(posts.some((p) => p.text.includes('Rollback complete'))).toBe(false);
    const outcome = posts.filter((p) => p.text.includes('NOT verified'));
    expect(outcome).toHaveLength(1);
    expect(outcome[0]?.broadcast).toBe('true');
    expect(outcome[0]?.text).toContain(
      `Rollback ${id} NOT verified: production serves \`${TARGET}\`, but its golden checks fail:`,
    );
    expect(outcome[0]?.text).toContain(
      '• *cat image*: `/predictions/0/label` expected `= "cat"`, got `"&lt;!channel&gt; dog"`',
    );
    expect(outcome[0]?.text).toContain(
      '• *cat image*: `/predictions/0/score` expected `between 0.8 and 1`, got `0.42`',
    );
    expect(posts.every((p) => !p.text.includes('<!channel>'))).toBe(true);
    const failed = threadReplies(h).filter((t) => t.includes('golden check failed'));
    expect(failed).toEqual([
      expect.stringMatching(
        /^:rotating_light: production serves `1\.25\.0-293a4b5`, but 1 of 1 golden check failed/,
      ),
    ]);
    const card = latestCard(h, id);
    expect(card).toContain('Deployed but not verified');
    expect(card).toContain('golden check *cat image* fails: `/predictions/0/label` expected `= "cat"`');
    const events = await h.store.events(id);
    expect(events.find((e) => e.kind === 'verify_failed')?.detail).toMatchObject({
      environment: 'production',
      goldenFailed: ['cat image'],
    });
  });

  it('a hanging endpoint fails by a named timeout within the healthcheck bound', async () => {
    process.env.GOLDEN_TEST_TOKEN = 'golden-secret';
    const h = await start({ extraToml: GOLDEN, healthcheckTimeoutMs: 300 });
    h.health.route(PREDICT, { delayMs: 10_000, body: {} });
    const id = await rollBackAndMerge(h);
    await h.bot.runRound();
    const started = performance.now();
    await h.bot.runRound();
    expect(performance.now() - started).toBeLessThan(3000);
    await settle(h);
    expect((await h.store.getRequest(id))?.state).toBe('verify_failed');
    const outcome = threadReplies(h).find((t) => t.includes('NOT verified'));
    expect(outcome).toContain('• *cat image*: no answer: no answer within 0.3 s (timeout)');
  });

  it('refuses to start when a header variable is missing, naming it', async () => {
    await expect(start({ extraToml: GOLDEN })).rejects.toThrow(
      /golden\[0\]\.headers\.Authorization: the environment variable GOLDEN_TEST_TOKEN is not set/,
    );
  });
});
