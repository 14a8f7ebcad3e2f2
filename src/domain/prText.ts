/**
 * The texts of a rollback PR: branch, title, commit message and body. The branch is fixed when the
 * request is made and stored with it (its random part makes it unguessable), so a retry uses the same
 * branch and finds its own PR.
 */
import type { RollbackRequest } from './request.js';

/** For people reading the PR; never used to match a PR to a request (anyone can write it in a body). */
export const REQUEST_MARKER = (id: string) => `<!-- rollback-bot request=${id} -->`;

/**
 * `token` is the request's random part (`newBranchToken`); requests stored before it existed have none
 * and keep the name they were given then.
 */
export function branchName(
  prefix: string,
  service: string,
  version: string,
  requestId: string,
  token?: string,
): string {
  const name = `${prefix}${service}-${version}-${requestId.toLowerCase()}${token ? `-${token}` : ''}`;
  return name.replace(/[^A-Za-z0-9._/-]/g, '-');
}

/**
 * Text a person typed, made inert in a PR body: no @-mention of users or teams, no issue reference
 * that could close an issue on merge (`fixes #12`, `org/repo#12`, `GH-12`), no HTML (a comment could
 * forge our request marker), no link or table markup. A zero-width space keeps it readable.
 */
export function githubText(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([@#])/g, '$1\u200b')
    .replace(/\b(gh)-(\d)/gi, '$1-\u200b$2')
    .replace(/([[\]|`*_~\\])/g, '\\$1');
}

/** Iteration names run to about 15 characters; this leaves room for long custom patterns. */
export const MAX_NAME_IN_PR = 64;

/**
 * A name read from outside (what a healthcheck says it serves) reduced to the alphabet of model names,
 * `[A-Za-z0-9._-]`, every other character replaced by `_` and the whole capped: in a title, a commit
 * message or a body it can then form no mention, no issue reference (`fixes #12` closes an issue on
 * merge), no link, no HTML and no markup, whatever GitHub renders. Unlike `githubText` it does not try
 * to keep the text readable: a real model name passes unchanged, and anything else only needs to look
 * wrong to the reviewer.
 */
export function githubName(text: string): string {
  const safe = text.replace(/[^A-Za-z0-9._-]/g, '_').replace(/(www)\./gi, '$1_');
  return safe.length <= MAX_NAME_IN_PR ? safe : `${safe.slice(0, MAX_NAME_IN_PR - 3)}...`;
}

export function renderTitle(template: string, request: RollbackRequest): string {
  const live = request.plan.from.at(-1)?.modelVersion ?? request.plan.configuredVersion ?? 'unknown';
  const values: Record<string, string> = {
    service: request.service,
    version: request.plan.targetVersion,
    iteration: request.plan.targetIteration ?? request.plan.targetVersion,
    // The title is also the commit message, where `fixes #12` would close an issue on merge.
    from: githubName(live),
    reason: request.reason,
    request: request.id,
  };
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);
}

export function renderBody(
  request: RollbackRequest,
  extras: { readonly permalink?: string; readonly keyPath: string },
): string {
  const { plan } = request;
  const from = plan.from
    .map((f) => `${f.environment}: \`${f.modelVersion ? githubName(f.modelVersion) : 'unreadable'}\``)
    .join(', ');
  const rows = [
    ['From', from],
    ['To', `\`${plan.targetVersion}\`; CI deploys \`${plan.targetIteration ?? '?'}\``],
    ['Configured before', `\`${plan.configuredVersion ?? '?'}\` on \`${plan.branch}\``],
    ['Reason', `\`${request.reason}\``],
    ['Note', request.note ? githubText(request.note) : '_none_'],
    ['Requested by', `Slack user ${request.requester}`],
    ['Approved by', request.approvals.map((a) => `Slack user ${a.user}`).join(', ') || '_none_'],
    ['Request', extras.permalink ? `[${request.id} in Slack](${extras.permalink})` : request.id],
  ];
  if (request.alarm) {
    rows.push([
      'Alarm',
      `${githubText(request.alarm.name)} (${request.alarm.state} at ${request.alarm.at.toISOString()}): ${githubText(request.alarm.reason)}`,
    ]);
  }
  const lines = [
    `## Model rollback ${request.id}${request.force ? ' (BREAK-GLASS: cooldown lifted with --force)' : ''}`,
    '',
    `Rolls **${request.service}** back to \`${plan.targetVersion}\` by changing only \`${extras.keyPath}\` in \`${plan.configPath}\`. CI treats a lower version as a rollback and does not retrain.`,
    '',
    '| | |',
    '| --- | --- |',
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
    '',
    '### Checks',
    ...plan.checks.map((c) => `- ${c.ok ? '✅' : '❌'} ${c.text}`),
  ];
  if (plan.diff) {
    lines.push('', '### Diff', '```diff', `- ${plan.diff.before}`, `+ ${plan.diff.after}`, '```');
  }
  lines.push('', REQUEST_MARKER(request.id));
  return lines.join('\n');
}
