import { describe, expect, it } from 'vitest';
import type { Approvers } from '../../src/domain/policy.js';
import { describeApprovers, renderNotice } from '../../src/slack/blocks/notices.js';

// Ids shaped like Slack's: anything else is shown as text, never as a mention (mrkdwn.ts).
const approvers: Approvers = { users: ['UALICE0001', 'UBOB000001'], usergroups: ['SMLOPS0001'] };

describe('describeApprovers', () => {
  it('mentions users and user groups in Slack syntax', () => {
    expect(describeApprovers(approvers).text).toBe('<@UALICE0001>, <@UBOB000001>, <!subteam^SMLOPS0001>');
  });

  it('leaves out the requester', () => {
    expect(describeApprovers(approvers, 'UALICE0001').text).toBe('<@UBOB000001>, <!subteam^SMLOPS0001>');
  });

  it('keeps the groups even when the requester is the only listed user', () => {
    expect(describeApprovers({ users: ['UREQ000001'], usergroups: ['S0123ABCD'] }, 'UREQ000001').text).toBe(
      '<!subteam^S0123ABCD>',
    );
  });

  it('says nobody can approve when the lists are empty, or hold only the requester', () => {
    expect(describeApprovers({ users: [], usergroups: [] }).text).toMatch(/^nobody/);
    expect(describeApprovers({ users: ['UREQ000001'], usergroups: [] }, 'UREQ000001').text).toMatch(
      /^nobody/,
    );
  });
});

describe('renderNotice, when a healthcheck answers markup (issue 14, finding 7)', () => {
  const HOSTILE = '<!channel> <https://evil.example|runbook> `x` <@U0BOSS0001>';
  const LIVE = ['<!channel>', '<https://evil', '<@U0BOSS0001>'];

  it('an environment that timed out quotes what it served, inert, though the notice is broadcast', () => {
    for (const notice of [
      renderNotice({
        kind: 'env_failed',
        environment: 'production',
        target: '1.25.0-293a4b5',
        lastSeen: HOSTILE,
        timeoutMinutes: 45,
      }),
      renderNotice({
        kind: 'not_verified',
        id: 'R-7KQ2',
        environment: 'production',
        lastSeen: HOSTILE,
        minutes: 45,
      }),
    ]) {
      for (const markup of LIVE) expect(notice.text.text).not.toContain(markup);
      expect(notice.text.text).toContain(
        "`&lt;!channel&gt; &lt;https://evil.example|runbook&gt; 'x' &lt;@U0BOSS0001&gt;`",
      );
    }
  });
});
