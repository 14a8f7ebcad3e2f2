/**
 * A pin: after a rollback's PR merged (or its alias moved) the service stays at the rollback's target
 * until an approver unpins it. On GitHub every open PR of the config repository gets a `model-pin`
 * check: failing when it changes the version line to anything but the pinned version, passing
 * otherwise. Pure: what a PR's change means for a pin, and the check's words.
 */
import type { VersionRead } from './configFile.js';

export const PIN_CHECK = 'model-pin';

export interface Pin {
  readonly service: string;
  readonly version: string;
  /** The rollback that pinned it. */
  readonly requestId: string;
  /** The request's reason code and note, as the request said them. */
  readonly reason: string;
  readonly pinnedAt: Date;
  /** Who made the pinning change happen: the PR's merger, or the bot for an alias it moved. */
  readonly pinnedBy?: string;
  /** The pinning request's Slack thread. */
  readonly threadLink?: string;
  readonly unpinnedAt?: Date;
  readonly unpinnedBy?: string;
  readonly unpinNote?: string;
}

export const isPinned = (pin: Pin | undefined): pin is Pin => pin !== undefined && !pin.unpinnedAt;

/**
 * The config file as a PR changes it: untouched (the file, or its version line, is not changed from
 * the PR's merge base), or the version the PR's head sets and the one it started from.
 */
export type PullConfig =
  | { readonly touched: false }
  | { readonly touched: true; readonly before: VersionRead; readonly after: VersionRead };

export type CheckConclusion = 'success' | 'failure';

export interface PinVerdict {
  readonly conclusion: CheckConclusion;
  /** One line: the check run's title, the commit status's description (at most 140 characters). */
  readonly title: string;
  /** Why, for the check run's summary (markdown). */
  readonly why: string;
}

/**
 * What a PR means for the service's pin. Passing when nothing is pinned, when the PR does not change
 * the version line, or when it sets exactly the pinned version; failing when it sets another version,
 * or when its version line cannot be read (a PR that breaks the file must not slip past a pin).
 */
export function judgePullForPin(
  pin: Pin | undefined,
  change: PullConfig,
  keyPath: readonly string[],
): PinVerdict {
  const key = keyPath.join('.');
  if (!isPinned(pin)) {
    return {
      conclusion: 'success',
      title: 'Not pinned',
      why: 'The service is not pinned: any version may merge.',
    };
  }
  if (!change.touched) {
    return {
      conclusion: 'success',
      title: `Pinned at ${pin.version}; this PR leaves the version alone`,
      why: `This PR does not change \`${key}\`.`,
    };
  }
  const { before, after } = change;
  if (after.ok && before.ok && after.version === before.version) {
    return {
      conclusion: 'success',
      title: `Pinned at ${pin.version}; this PR leaves the version alone`,
      why: `This PR changes the config file but not \`${key}\`.`,
    };
  }
  if (after.ok && after.version === pin.version) {
    return {
      conclusion: 'success',
      title: `Sets the pinned version ${pin.version}`,
      why: `This PR sets \`${key}\` to the pinned version.`,
    };
  }
  // What the PR sets is outside text: bounded, and quoted only inside code spans.
  const set = after.ok ? shorten(after.version) : undefined;
  return {
    conclusion: 'failure',
    title: set
      ? `Pinned at ${pin.version} by ${pin.requestId}: this PR sets ${set}`
      : `Pinned at ${pin.version} by ${pin.requestId}: this PR's version line cannot be read`,
    why: set
      ? `This PR sets \`${key}\` to ${inlineCode(set)}, not the pinned \`${pin.version}\`.`
      : `This PR leaves \`${key}\` unreadable: ${inlineCode(after.ok ? '' : after.problem)}.`,
  };
}

const shorten = (text: string): string => (text.length > 64 ? `${text.slice(0, 60)}…` : text);

/** A code span in GitHub markdown: no backtick inside can close it, no @mention or link can form. */
const inlineCode = (text: string): string => `\`${text.replace(/`/g, "'").replace(/[\r\n]+/g, ' ')}\``;

/** The pin in one line: "pinned at 1.25.0 by R-7KQ2 (PERFORMANCE_DEGRADATION: p99 doubled)". */
export const pinLine = (pin: Pin): string => `pinned at ${pin.version} by ${pin.requestId} (${pin.reason})`;

/** The check run's summary: who pinned, why, the thread, and how to unpin. Markdown (GitHub's). */
export function checkSummary(pin: Pin | undefined, verdict: PinVerdict, service: string): string {
  if (!isPinned(pin)) return verdict.why;
  const thread = pin.threadLink ? ` ([Slack thread](${pin.threadLink}))` : '';
  return [
    verdict.why,
    '',
    // The reason is a person's note from Slack: quoted in a code span, so it cannot mention anyone.
    `**${service}** is pinned at \`${pin.version}\` by ${pin.requestId} (${inlineCode(pin.reason)})${thread}, since ${pin.pinnedAt.toISOString()}, until unpinned.`,
    '',
    `To change the version anyway, an approver of ${service} unpins it first, in Slack: \`/rollback unpin ${service} <why>\`. Every open PR's \`${PIN_CHECK}\` check then turns green.`,
  ].join('\n');
}

/** A commit status's description: GitHub keeps at most 140 characters. */
export const statusDescription = (verdict: PinVerdict): string =>
  verdict.conclusion === 'failure' && verdict.title.length <= 110
    ? `${verdict.title}; unpin in Slack first`
    : verdict.title.slice(0, 140);
