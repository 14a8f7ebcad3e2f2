/**
 * Issue 14, finding 8, inside one bot: a thread post claimed by a process that died (its heartbeat
 * lapsed) is sent by the background round within seconds, not after repair_after_seconds (60 s here).
 */
import { describe, expect, it } from 'vitest';
import { useHarness } from '../support/harness.js';
import { postedCard, threadReplies } from './support.js';

const start = useHarness();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a thread post whose sender died', () => {
  it('is sent by the lease holder within seconds of the heartbeat lapsing, once', async () => {
    const hh = await start();
    await hh.command('to previous');
    const id = await postedCard(hh);
    // What a replica killed between claiming a post and sending it leaves: the claim, naming it.
    await hh.store.heartbeat('killed-replica', 200);
    await hh.store.claimMilestone(id, 'merged', { kind: 'merged', number: 7, by: 'bob' }, 'killed-replica');
    const claimedAt = Date.now();
    const said = () => threadReplies(hh).filter((t) => t.includes('PR #7 merged by bob'));
    await hh.slack.waitFor(() => said().length > 0, 8000);
    expect(Date.now() - claimedAt).toBeLessThan(5000);
    await sleep(1500);
    expect(said()).toHaveLength(1);
  });

  it('is left alone while its sender is alive, until repair_after_seconds', async () => {
    const hh = await start({ botToml: 'repair_after_seconds = 3' });
    await hh.command('to previous');
    const id = await postedCard(hh);
    await hh.store.heartbeat('live-replica', 60_000);
    await hh.store.claimMilestone(id, 'merged', { kind: 'merged', number: 8, by: 'bob' }, 'live-replica');
    const said = () => threadReplies(hh).filter((t) => t.includes('PR #8 merged by bob'));
    await sleep(2000);
    expect(said()).toHaveLength(0);
    await hh.slack.waitFor(() => said().length > 0, 5000);
  });
});
