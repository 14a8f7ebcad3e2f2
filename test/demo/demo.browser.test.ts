/**
 * The demo in a real browser: Chromium (Debian's, driven by playwright-core) plays the people, by role
 * and name, through the whole story, from the alarm to the verified rollback, plus the read-only
 * commands and a refusal, the bot's Home tab (a request made from it, a guest and the wrong channel refused),
 * the timeline that ends the thread, the pin failing a roll-forward PR opened from the GitHub panel until
 * an approver unpins, and the MLflow service's rollback (the alias moves, the environments follow). Screenshots of the key steps go to test-results/demo/.
 *
 * Without Chromium the test is skipped with a message, unless REQUIRE_BROWSER=1 (CI), which makes a
 * missing browser a failure.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PEOPLE } from '../../demo/config.js';
import { type Demo, startDemo } from '../../demo/start.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const REQUIRED = process.env.REQUIRE_BROWSER === '1';
const HAVE_BROWSER = existsSync(CHROMIUM);
const SHOTS = 'test-results/demo';

if (!HAVE_BROWSER && !REQUIRED) {
  console.warn(
    `demo browser test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH); REQUIRE_BROWSER=1 makes this a failure`,
  );
}

describe.skipIf(!HAVE_BROWSER && !REQUIRED)('the demo page in Chromium', () => {
  let demo: Demo;
  let browser: Browser;
  let page: Page;
  let shot = 0;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!HAVE_BROWSER) throw new Error(`REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM}`);
    mkdirSync(SHOTS, { recursive: true });
    [demo, browser] = await Promise.all([
      startDemo({ port: 0, pollSeconds: 1, deployDelayMs: 1500 }),
      chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      }),
    ]);
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 }, locale: 'en-US' });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`${demo.url}/`);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
  });

  const screenshot = async (name: string) => {
    shot += 1;
    await page.screenshot({ path: `${SHOTS}/${String(shot).padStart(2, '0')}-${name}.png` });
  };
  const channelLog = () => page.getByRole('log', { name: 'Messages', exact: true });
  const threadLog = () => page.getByRole('log', { name: 'Thread messages' });
  const say = async (text: string) => {
    await page.getByRole('textbox', { name: 'Message' }).fill(text);
    await page.getByRole('textbox', { name: 'Message' }).press('Enter');
  };
  const actAs = (name: string) => page.getByRole('combobox', { name: 'Acting as' }).selectOption(name);
  const message = (where: Locator, text: string | RegExp) =>
    where.getByRole('article').filter({ hasText: text });
  const visible = (locator: Locator, timeout = 10_000) =>
    locator.first().waitFor({ state: 'visible', timeout });
  const env = (name: string) => page.locator(`[data-env="${name}"]`);

  it('read-only commands and a refusal in #ml-rollbacks', async () => {
    await visible(page.getByRole('heading', { name: '# ml-rollbacks' }));

    // What people type is text: markup-looking input stays as typed, mrkdwn is formatted.
    await say('hello <b>not bold</b> *bold* <script>alert(1)</script>');
    const typed = message(channelLog(), 'hello');
    await visible(typed);
    await expect(typed.textContent()).resolves.toContain(
      'hello <b>not bold</b> bold <script>alert(1)</script>',
    );
    await expect(typed.locator('b, script').count()).resolves.toBe(0);
    await expect(typed.locator('strong').textContent()).resolves.toBe('bold');

    // Two services (fpo-search here, reco in #reco-rollbacks): commands name theirs.
    await say('/rollback status fpo-search');
    const status = message(channelLog(), 'fpo-search: status');
    await visible(status);
    await expect(status.textContent()).resolves.toContain('1.25.3-3a4b5c6');
    // in_channel: the command as typed is shown too.
    await visible(message(channelLog(), '/rollback status'));

    await say('/rollback versions fpo-search');
    const versions = message(channelLog(), 'fpo-search: versions');
    await visible(versions);
    const trap = versions.locator('.sk-section').filter({ hasText: /^1\.1\.1(?!0)/ });
    await expect(trap.textContent()).resolves.toMatch(/prefix trap.*1\.1\.10-b2c3d4e/);
    await expect(versions.getByRole('button', { name: 'Roll back to 1.25.0' }).count()).resolves.toBe(1);
    await screenshot('versions');

    await say('/rollback to 1.1.1 fpo-search');
    const refusal = message(channelLog(), 'Refused.');
    await visible(refusal);
    await expect(refusal.textContent()).resolves.toMatch(/Only visible to you[\s\S]*prefix trap/);
    await screenshot('refused');
  }, 60_000);

  it('the Home tab: a request made from it lands on the card; a guest and #random are refused', async () => {
    // Opening Home sends app_home_opened; the bot publishes alice's view.
    await page.getByRole('link', { name: /rollback-bot/ }).click();
    const home = page.getByRole('region', { name: 'Home' });
    const rollBack = home.getByRole('button', { name: /^Roll back to / });
    await visible(rollBack);
    await expect(rollBack.first().textContent()).resolves.toBe('Roll back to 1.25.0-293a4b5');
    await expect(home.textContent()).resolves.toMatch(/fpo-search[\s\S]*reco/);
    await screenshot('home');

    // Refresh republishes (whatever the stored hash says).
    const published = () => demo.workspace.homeOf(PEOPLE.alice.id)?.rev ?? 0;
    const before = published();
    await home.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(published, { timeout: 10_000 }).toBeGreaterThan(before);

    // "Roll back to …" opens the request form; its card goes to the service's channel.
    await rollBack.first().click();
    const modal = page.getByRole('dialog', { name: 'Request a rollback' });
    await visible(modal.getByRole('combobox', { name: 'Roll back to' }));
    await expect(modal.getByRole('combobox', { name: 'Roll back to' }).inputValue()).resolves.toBe('1.25.0');
    await modal.getByRole('textbox', { name: 'Note' }).fill('asked from the Home tab');
    await modal.getByRole('button', { name: 'Request' }).click();
    await modal.waitFor({ state: 'hidden' });

    // Home follows the request; alice's own approval from it is refused in her Messages tab (a DM).
    const approve = home.getByRole('button', { name: 'Approve', exact: true });
    await visible(approve);
    await approve.click();
    await page
      .getByRole('alertdialog', { name: /^Approve R-/ })
      .getByRole('button', { name: 'Approve' })
      .click();
    const dms = page.getByRole('log', { name: 'Messages from rollback-bot' });
    await visible(message(dms, 'your approval cannot count'));
    await screenshot('home-request');

    await page.getByRole('link', { name: /# ml-rollbacks/ }).click();
    const card = message(channelLog(), /Rollback R-[0-9A-Z]{4}: fpo-search → 1\.25\.0/);
    await visible(card);
    await expect(card.first().textContent()).resolves.toContain('asked from the Home tab');

    // gina is a guest: she may read, not ask.
    await actAs('gina');
    await say('/rollback to previous fpo-search');
    const guest = message(channelLog(), 'Guests cannot ask');
    await visible(guest);
    await expect(guest.textContent()).resolves.toContain('Only visible to you');

    // #random is no service's channel: told where to ask.
    await actAs('alice');
    await page.getByRole('link', { name: /# random/ }).click();
    await visible(page.getByRole('heading', { name: '# random' }));
    await say('/rollback to previous fpo-search');
    const elsewhere = message(channelLog(), 'are requested in');
    await visible(elsewhere);
    await expect(elsewhere.textContent()).resolves.toContain('#ml-rollbacks');
    await screenshot('wrong-channel');

    // Cancel from Home, so the alarm's story starts with no request open.
    await page.getByRole('link', { name: /rollback-bot/ }).click();
    await home.getByRole('button', { name: 'Cancel', exact: true }).click();
    await visible(message(dms, 'cancelled'));
    await visible(rollBack);
    await page.getByRole('link', { name: /# ml-rollbacks/ }).click();
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('from the alarm to the verified rollback', async () => {
    await page.getByRole('button', { name: 'Raise alarm' }).click();
    await visible(page.getByRole('heading', { name: '# ml-alerts' }));
    // The alert card (first); the request card's "replied to a thread" line quotes it later.
    const alert = message(channelLog(), 'Firing: fpo-search-production-5xx').first();
    await visible(alert);
    await screenshot('alarm');

    // alice asks, from the offer on the alert.
    await alert.getByRole('button', { name: 'Request rollback to 1.25.0' }).click();
    const modal = page.getByRole('dialog', { name: 'Request a rollback' });
    await visible(modal.getByRole('combobox', { name: 'Roll back to' }));
    await expect(modal.getByRole('combobox', { name: 'Roll back to' }).inputValue()).resolves.toBe('1.25.0');
    await expect(modal.getByRole('combobox', { name: 'Reason' }).inputValue()).resolves.toBe(
      'PERFORMANCE_DEGRADATION',
    );
    await modal.getByRole('textbox', { name: 'Note' }).fill('5xx since the 1.25.3 deploy');
    await screenshot('modal');
    await modal.getByRole('button', { name: 'Request' }).click();
    await modal.waitFor({ state: 'hidden' });

    // The request card lands in the alert's thread, and in the channel.
    const card = message(channelLog(), /Rollback R-[0-9A-Z]{4}: fpo-search → 1\.25\.0/);
    await visible(card);
    const id = /Rollback (R-[0-9A-Z]{4})/.exec((await card.first().textContent()) ?? '')?.[1] ?? '';
    expect(id).not.toBe('');
    await expect(card.first().textContent()).resolves.toContain('5xx since the 1.25.3 deploy');
    await alert.getByRole('button', { name: /^\d+ repl(y|ies)$/ }).click();
    await visible(message(threadLog(), `Rollback ${id}: fpo-search → 1.25.0`));

    // The requester cannot be the second key.
    await card.getByRole('button', { name: 'Approve', exact: true }).click();
    const confirm = page.getByRole('alertdialog', { name: `Approve ${id}?` });
    await confirm.getByRole('button', { name: 'Approve' }).click();
    const refused = message(channelLog(), 'your approval cannot count');
    await visible(refused);
    await expect(refused.textContent()).resolves.toContain('Only visible to you');
    await screenshot('requester-refused');

    // bob approves; alice's private answer is not his to see.
    await actAs('bob');
    await refused.first().waitFor({ state: 'detached' });
    await card.getByRole('button', { name: 'Approve', exact: true }).click();
    await confirm.getByRole('button', { name: 'Approve' }).click();
    await visible(message(threadLog(), 'PR opened: #1'));
    const github = page.getByRole('region', { name: 'GitHub' });
    const pr = github
      .getByRole('article')
      .filter({ hasText: '#1 fix(model): roll back fpo-search to 1.25.0' });
    await visible(pr);
    await expect(pr.textContent()).resolves.toMatch(/- version = "1\.25\.3"\+ version = "1\.25\.0"/);

    // CI deploys the PR branch to development; the bot sees it there.
    await expect
      .poll(() => env('development').textContent(), { timeout: 15_000 })
      .toContain('1.25.0-293a4b5');
    await visible(message(threadLog(), 'Served on development'), 15_000);
    await screenshot('pr-open');

    await pr.getByRole('button', { name: 'Merge pull request' }).click();
    await visible(message(threadLog(), 'PR #1 merged by bob'), 15_000);
    await expect.poll(() => env('staging').textContent(), { timeout: 15_000 }).toContain('1.25.0-293a4b5');
    await expect.poll(() => env('production').textContent(), { timeout: 15_000 }).toContain('1.25.0-293a4b5');
    const complete = /Rollback complete: production serves 1\.25\.0-293a4b5/;
    await visible(message(threadLog(), complete), 20_000);
    await visible(message(channelLog(), complete));
    await expect
      .poll(() => card.first().textContent(), { timeout: 10_000 })
      .toContain('production serves 1.25.0-293a4b5');
    // The card from its title, the thread's last milestones, the world after the rollback.
    await card.first().evaluate((node) => node.scrollIntoView({ block: 'start' }));
    await screenshot('rollback-complete');
  }, 90_000);

  it('after the rollback: the timeline ends the thread, the pin fails a roll-forward PR, bob unpins it', async () => {
    // The request's record closes its thread: the steps, then the time to restore.
    const timeline = message(threadLog(), 'Time to restore');
    await visible(timeline, 15_000);
    await expect(threadLog().getByRole('article').last().textContent()).resolves.toMatch(
      /Timeline of R-[0-9A-Z]{4} \(completed, UTC\)[\s\S]*Time to restore: .* from the alarm/,
    );
    await timeline.first().evaluate((node) => node.scrollIntoView({ block: 'end' }));
    await screenshot('timeline');

    // alice, a developer, rolls forward from the GitHub panel; the bot's next round fails its check.
    await actAs('alice');
    const github = page.getByRole('region', { name: 'GitHub' });
    await github.getByRole('button', { name: 'Open a roll-forward PR' }).click();
    const pr = github.getByRole('article').filter({ hasText: '#2 Roll forward fpo-search to 1.25.3' });
    await visible(pr);
    await expect(pr.textContent()).resolves.toMatch(/- version = "1\.25\.0"\+ version = "1\.25\.3"/);
    const pin = pr.locator('[data-check="model-pin"]');
    await expect
      .poll(() => pin.textContent(), { timeout: 10_000 })
      .toMatch(/^✗model-pin: failing — Pinned at 1\.25\.0 by R-[0-9A-Z]{4}: this PR sets 1\.25\.3/);
    // Details: the pinning rollback's thread, a permalink into this page.
    await expect(pin.getByRole('link', { name: 'Details' }).getAttribute('href')).resolves.toMatch(
      /\/archives\/C[0-9A-Z]+\/p\d+/,
    );
    await pr.evaluate((node) => node.scrollIntoView({ block: 'center' }));
    await screenshot('pin-failing');

    // bob, an approver, unpins in the service's channel: the check turns green.
    await actAs('bob');
    await page.getByRole('link', { name: /# ml-rollbacks/ }).click();
    await visible(page.getByRole('heading', { name: '# ml-rollbacks' }));
    await say('/rollback unpin fpo-search the fix for the 5xx is in 1.25.3');
    await visible(message(channelLog(), 'fpo-search is unpinned'));
    await expect
      .poll(() => pin.textContent(), { timeout: 10_000 })
      .toMatch(/^✓model-pin: passing — Not pinned/);
    await pr.evaluate((node) => node.scrollIntoView({ block: 'center' }));
    await screenshot('unpinned');
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('an alert message from another tool gets the offer in its thread', async () => {
    await page.getByRole('button', { name: 'Post alert message' }).click();
    const posted = message(channelLog(), 'ALARM: "fpo-search-production-5xx"');
    await visible(posted);
    await posted
      .last()
      .getByRole('button', { name: /^\d+ repl(y|ies)$/ })
      .click({ timeout: 10_000 });
    await visible(message(threadLog(), 'Alert for fpo-search: fpo-search-production-5xx'));
    await screenshot('alert-message');
    expect(pageErrors).toEqual([]);
  });

  it('rolls reco back in #reco-rollbacks: the MLflow alias moves and the environments follow', async () => {
    await actAs('alice');
    await page.getByRole('link', { name: /# reco-rollbacks/ }).click();
    await visible(page.getByRole('heading', { name: '# reco-rollbacks' }));
    const mlflow = page.getByRole('region', { name: 'MLflow · reco' });
    await expect(mlflow.textContent()).resolves.toMatch(/@champion → version 15/);

    await say('/rollback to previous reco reason=PERFORMANCE_DEGRADATION CTR down since 15');
    const card = message(channelLog(), /Rollback R-[0-9A-Z]{4}: reco → 12/);
    await visible(card);
    const id = /Rollback (R-[0-9A-Z]{4})/.exec((await card.first().textContent()) ?? '')?.[1] ?? '';
    expect(id).not.toBe('');

    await actAs('bob');
    await card.getByRole('button', { name: 'Approve', exact: true }).click();
    await page
      .getByRole('alertdialog', { name: `Approve ${id}?` })
      .getByRole('button', { name: 'Approve' })
      .click();
    await expect.poll(() => mlflow.textContent(), { timeout: 15_000 }).toMatch(/@champion → version 12/);
    await expect.poll(() => mlflow.textContent(), { timeout: 5_000 }).toMatch(/@champion: 15 → 12/);
    const production = page.locator('[data-reco-env="production"]');
    await expect.poll(() => production.textContent(), { timeout: 15_000 }).toContain('12');
    await card
      .first()
      .getByRole('button', { name: /^\d+ repl(y|ies)$/ })
      .click();
    await visible(message(threadLog(), /Rollback complete/), 20_000);
    await mlflow.evaluate((node) => node.scrollIntoView({ block: 'end' }));
    await screenshot('reco-rollback-complete');
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
