import { describe, expect, it } from 'vitest';
import type { Approvers } from '../../src/domain/policy.js';
import { describeApprovers } from '../../src/slack/blocks/notices.js';

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
