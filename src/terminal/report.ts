/**
 * `rollback-bot report <R-id> --markdown`: a postmortem draft of one request, for a person to finish.
 * What, why, who, the timeline as a table (UTC, ISO 8601), the durations, the links, the preserved
 * version and the pin when known, and the playbook's next steps. Outside text (notes, names) is quoted
 * as it is; the CLI's printable() keeps terminal controls out.
 */
import { describeStep, formatDuration, type Report } from '../domain/timeline.js';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s+/g, ' ');
const dur = (s: number | null | undefined) => (s === null || s === undefined ? 'n/a' : formatDuration(s));

export function renderReportMarkdown(r: Report): string {
  const restore = r.time_to_restore_seconds;
  const who = [
    `- Requested by: ${r.requester_name ?? r.requester}${r.requester_name ? ` (${r.requester})` : ''}`,
    ...r.steps
      .filter(
        (s) =>
          s.step === 'approval' || s.step === 'merged' || s.step === 'rejected' || s.step === 'cancelled',
      )
      .filter((s) => s.by)
      .map((s) => `- ${describeStep({ ...s, by: undefined, by_name: undefined })} by: ${s.by_name ?? s.by}`),
  ];
  const rows = r.steps.map(
    (s) =>
      `| ${s.at} | ${cell(describeStep(s))} | ${s.since_previous_seconds === undefined ? '' : `+${dur(s.since_previous_seconds)}`} |`,
  );
  const links = [
    r.links.thread ? `- Thread: ${r.links.thread}` : undefined,
    r.links.pr ? `- PR: ${r.links.pr}` : undefined,
    r.links.alarm ? `- Alarm: ${r.links.alarm}` : r.alarm ? `- Alarm: ${r.alarm}` : undefined,
  ].filter((l): l is string => l !== undefined);
  return [
    `# Rollback ${r.request}: ${r.service} ${r.from ?? '?'} → ${r.to}`,
    '',
    `Outcome: **${r.outcome.replace(/_/g, ' ')}**`,
    '',
    '## What',
    '',
    `${r.service} was rolled back from ${r.from ?? 'an unknown version'} to ${r.to}.`,
    '',
    '## Why',
    '',
    `Reason: ${r.reason}${r.alarm ? `; alarm ${r.alarm}` : ''}.`,
    ...(r.note ? ['', `> ${cell(r.note)}`] : []),
    '',
    '## Who',
    '',
    ...who,
    '',
    '## Timeline (UTC)',
    '',
    '| At | Step | Since the step before |',
    '| --- | --- | --- |',
    ...rows,
    '',
    `- Time to restore, from the alarm to production verified: ${r.alarm ? dur(restore.from_alarm) : 'n/a (no alarm)'}`,
    `- Time to restore, from the request to production verified: ${dur(restore.from_request)}`,
    `- Time to decide, from the request to the last approval: ${dur(r.time_to_decide_seconds)}`,
    '',
    '## Links',
    '',
    ...(links.length ? links : ['- none recorded']),
    ...(r.preserved
      ? [
          '',
          '## Preserved version',
          '',
          `- ${r.preserved.version}${r.preserved.where ? ` at ${r.preserved.where}` : ''}`,
        ]
      : []),
    ...(r.pin
      ? [
          '',
          '## Pin',
          '',
          `- ${r.service} pinned to ${r.pin.version}${r.pin.by ? ` by ${r.pin.by}` : ''}${r.pin.until ? ` until ${r.pin.until}` : ''}${r.pin.reason ? `: ${cell(r.pin.reason)}` : ''}`,
        ]
      : []),
    '',
    '## Next steps',
    '',
    ...r.next_steps.map((s) => `- [ ] ${s}`),
    '',
  ].join('\n');
}
