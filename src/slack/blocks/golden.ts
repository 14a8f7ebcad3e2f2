/**
 * Golden check results in words: each failing check with what was expected against what came back. The
 * actual values are the checked service's answers (outside text): they go through code(), escaped, cut.
 */
import type { GoldenMismatch, GoldenOutcome } from '../../domain/golden.js';
import { code, joinMd, type Mrkdwn, md } from './mrkdwn.js';

/** Lines shown at most in a thread message (the rest are counted). */
const MAX_LINES = 10;

function mismatchText(m: GoldenMismatch): Mrkdwn {
  if (m.what === 'request') return md`no answer: ${m.actual}`;
  if (m.what === 'status') return md`status expected ${code(m.expected)}, got ${code(m.actual)}`;
  if (m.what === 'body') return md`expected ${m.expected}, got ${m.actual}`;
  return md`${code(m.what)} expected ${code(m.expected)}, got ${code(m.actual)}`;
}

/** One line per mismatch of the failing checks: `• *cat image*: `/label` expected `= "cat"`, got `"dog"``. */
export function goldenFailureLines(failed: readonly GoldenOutcome[]): Mrkdwn {
  const lines = failed.flatMap((g) => g.mismatches.map((m) => md`• *${g.name}*: ${mismatchText(m)}`));
  const shown = lines.slice(0, MAX_LINES);
  if (lines.length > shown.length) shown.push(md`• …and ${lines.length - shown.length} more`);
  return joinMd(shown, '\n');
}

/** A short summary for the card: the first mismatch of the first failing check, and how many failed. */
export function goldenSummary(golden: readonly GoldenOutcome[]): Mrkdwn {
  const failed = golden.filter((g) => !g.ok);
  if (failed.length === 0) return md`golden checks pass (${golden.length})`;
  const first = failed[0] as GoldenOutcome;
  const m = first.mismatches[0];
  return md`golden check *${first.name}* fails${m ? md`: ${mismatchText(m)}` : ''}${
    failed.length > 1 ? ` (${failed.length} of ${golden.length} fail)` : ''
  }`;
}
