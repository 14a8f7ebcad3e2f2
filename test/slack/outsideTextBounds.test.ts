/**
 * Outside text is bounded before any configured pattern runs on it (audit issue 14, finding 10): a slow
 * pattern is refused at start-up (test/config), and behind that, a word too long to be a version never
 * reaches the pattern, so the acknowledgement Slack waits for is never held.
 */
import { describe, expect, it } from 'vitest';
import type { BotConfig } from '../../src/config/botConfig.js';
import { namingFrom } from '../../src/domain/iterations.js';
import { useHarness } from '../support/harness.js';
import { textOf } from '../support/slackText.js';

const start = useHarness();

// The audit's pattern: on 29 digits JavaScript's backtracking takes seconds, on 41 minutes.
const SLOW = '^(?<version>(\\d+\\.?)+)-(?<sha>[0-9a-f]{7})$';
const withSlowPattern = (config: BotConfig): BotConfig => ({
  ...config,
  services: config.services.map((s) => ({ ...s, iterationPattern: SLOW, naming: namingFrom(SLOW) })),
});

describe('/rollback to <a word too long to be a version>', () => {
  it('is answered at once with what was wrong and what to type, even if a slow pattern slipped through', async () => {
    const h = await start({ adjustConfig: withSlowPattern });
    const word = `${'1'.repeat(29)}${'x'.repeat(36)}`;
    const res = await h.command(`to ${word}`);
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(1000);
    const answer = JSON.parse(res.body);
    expect(answer.response_type).toBe('ephemeral');
    expect(textOf(answer)).toContain(
      '`11111111111111111111…` is 65 characters long: a version or iteration is at most 64. Give a version like `1.24.0`, an iteration like `1.24.0-3f9c2ab`, or `previous`.',
    );
    // Nothing was requested, and the bot answers the next command as usual.
    expect(h.slack.callsTo('chat.postMessage')).toEqual([]);
    const help = await h.command('help');
    expect(help.ms).toBeLessThan(1500);
    expect(textOf(JSON.parse(help.body))).toContain('/rollback status [service]');
  });

  it('is refused before the pattern runs with the shipped pattern too', async () => {
    const h = await start();
    const res = await h.command(`to ${'1.2.3-'.repeat(12)}`);
    expect(textOf(JSON.parse(res.body))).toContain(
      'is 72 characters long: a version or iteration is at most 64',
    );
  });
});
