import { describe, expect, it } from 'vitest';
import type { Approvers } from '../../src/domain/policy.js';
import { describeApprovers, renderNotice } from '../../src/slack/blocks/notices.js';

const approvers: Approvers = { users: ['U_ALICE', 'U_BOB'], usergroups: ['S_MLOPS'] };

describe('describeApprovers', () => {
  it('mentions users and user groups in Slack syntax', () => {
    expect(describeApprovers(approvers)).toBe('<@U_ALICE>, <@U_BOB>, <!subteam^S_MLOPS>');
  });

  it('leaves out the requester', () => {
    expect(describeApprovers(approvers, 'U_ALICE')).toBe('<@U_BOB>, <!subteam^S_MLOPS>');
  });

  it('keeps the groups even when the requester is the only listed user', () => {
    expect(describeApprovers({ users: ['U_REQ'], usergroups: ['S0123ABCD'] }, 'U_REQ')).toBe(
      '<!subteam^S0123ABCD>',
    );
  });

  it('says nobody can approve when the lists are empty, or hold only the requester', () => {
    expect(describeApprovers({ users: [], usergroups: [] })).toMatch(/^nobody/);
    expect(describeApprovers({ users: ['U_REQ'], usergroups: [] }, 'U_REQ')).toMatch(/^nobody/);
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
      for (const markup of LIVE) expect(notice.text).not.toContain(markup);
      expect(notice.text).toContain(
        "`&lt;!channel&gt; &lt;https://evil.example|runbook&gt; 'x' &lt;@U0BOSS0001&gt;`",
      );
    }
  });
});
