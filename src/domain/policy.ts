/**
 * Who may approve, how many approvals a request needs, and when it expires. Two-key: the requester
 * never counts, whatever lists they are on.
 */
export interface Approvers {
  readonly users: readonly string[];
  readonly usergroups: readonly string[];
}

export type ApprovalVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly problem: 'requester' | 'not_approver' | 'already_approved' };

export function mayApprove(input: {
  readonly user: string;
  readonly requester: string;
  readonly approvers: Approvers;
  /** Members of the approver user groups, as looked up in Slack. */
  readonly groupMembers: ReadonlySet<string>;
  readonly approvedBy: readonly string[];
}): ApprovalVerdict {
  if (input.user === input.requester) return { ok: false, problem: 'requester' };
  if (!isApprover(input.user, input.approvers, input.groupMembers)) {
    return { ok: false, problem: 'not_approver' };
  }
  if (input.approvedBy.includes(input.user)) return { ok: false, problem: 'already_approved' };
  return { ok: true };
}

/**
 * Approvals a request needs. Break-glass (cooldown lifted with --force) needs one more key than usual.
 * Nobody stands behind a request the bot opened itself (on an alarm), so it needs one more approval than
 * a person's request: two distinct people, as behind every rollback.
 */
export function approvalsNeeded(
  configured: number,
  options: { readonly forced: boolean; readonly botOpened: boolean },
): number {
  return configured + (options.forced ? 1 : 0) + (options.botOpened ? 1 : 0);
}

/** Listed, or in a listed user group. Says nothing of whether this person asked (see mayApprove). */
export function isApprover(user: string, approvers: Approvers, groupMembers: ReadonlySet<string>): boolean {
  return approvers.users.includes(user) || groupMembers.has(user);
}

export function expiresAt(createdAt: Date, ttlMinutes: number): Date {
  return new Date(createdAt.getTime() + ttlMinutes * 60_000);
}
