import { describe, expect, it } from 'vitest';
import { checkSummary, judgePullForPin, type Pin, statusDescription } from '../../src/domain/pin.js';

const pin: Pin = {
  service: 'fpo-search',
  version: '1.25.0',
  requestId: 'R-7KQ2',
  reason: 'PERFORMANCE_DEGRADATION: p99 doubled @org/team `x`',
  pinnedAt: new Date('2026-12-01T10:00:00Z'),
  threadLink: 'https://example.slack.com/archives/C1/p1',
};
const key = ['version'];
const v = (version: string) => ({ ok: true as const, version });

describe('what a PR means for a pin', () => {
  it('passes when nothing is pinned, or the pin was ended', () => {
    const change = { touched: true as const, before: v('1.25.0'), after: v('1.26.0') };
    expect(judgePullForPin(undefined, change, key).conclusion).toBe('success');
    expect(judgePullForPin({ ...pin, unpinnedAt: new Date() }, change, key).conclusion).toBe('success');
  });

  it('passes a PR that leaves the version line alone or sets the pinned version', () => {
    expect(judgePullForPin(pin, { touched: false }, key).conclusion).toBe('success');
    expect(
      judgePullForPin(pin, { touched: true, before: v('1.25.3'), after: v('1.25.3') }, key).conclusion,
    ).toBe('success');
    expect(
      judgePullForPin(pin, { touched: true, before: v('1.25.3'), after: v('1.25.0') }, key).conclusion,
    ).toBe('success');
  });

  it('fails a PR that sets another version, or breaks the version line', () => {
    const forward = judgePullForPin(pin, { touched: true, before: v('1.25.0'), after: v('1.25.3') }, key);
    expect(forward).toMatchObject({
      conclusion: 'failure',
      title: 'Pinned at 1.25.0 by R-7KQ2: this PR sets 1.25.3',
    });
    const broken = judgePullForPin(
      pin,
      { touched: true, before: v('1.25.0'), after: { ok: false, problem: 'the file has no key `version`' } },
      key,
    );
    expect(broken.conclusion).toBe('failure');
    const long = judgePullForPin(pin, { touched: true, before: v('1.25.0'), after: v('9'.repeat(500)) }, key);
    expect(long.title.length).toBeLessThan(120);
    expect(statusDescription(long).length).toBeLessThanOrEqual(140);
  });

  it('summarises who pinned, why (quoted: no mention forms), the thread and how to unpin', () => {
    const verdict = judgePullForPin(pin, { touched: true, before: v('1.25.0'), after: v('1.25.3') }, key);
    const summary = checkSummary(pin, verdict, 'fpo-search');
    expect(summary).toContain("(`PERFORMANCE_DEGRADATION: p99 doubled @org/team 'x'`)");
    expect(summary).toContain('[Slack thread](https://example.slack.com/archives/C1/p1)');
    expect(summary).toContain('`/rollback unpin fpo-search <why>`');
  });
});
