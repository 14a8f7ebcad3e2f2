/** A plan as Slack text: checks and the one-line diff. Shared by the card, dry runs and refusals. */
import type { Plan } from '../../domain/plan.js';
import { type Block, code, escapeMrkdwn as esc, section } from './kit.js';

export const checkLines = (plan: Plan): string =>
  plan.checks.map((c) => `${c.ok ? ':white_check_mark:' : ':x:'} ${esc(c.text)}`).join('\n');

export function diffText(plan: Plan): string {
  if (!plan.diff) return '_no change_';
  return esc(
    `\`\`\`@@ ${plan.configPath} line ${plan.diff.lineNumber} @@\n- ${plan.diff.before}\n+ ${plan.diff.after}\`\`\``,
  );
}

export function fromText(plan: Plan): string {
  return plan.from
    .map((f) => `${f.environment} ${f.modelVersion ? code(f.modelVersion) : '_unreadable_'}`)
    .join('\n');
}

export function toText(plan: Plan): string {
  return `${code(plan.targetVersion)} → CI deploys ${plan.targetIteration ? code(plan.targetIteration) : '_nothing_'}`;
}

export function planBlocks(plan: Plan): Block[] {
  return [section(`*Checks*\n${checkLines(plan)}`), section(`*Diff*\n${diffText(plan)}`)];
}
