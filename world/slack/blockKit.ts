/**
 * Slack's checks on a view the app sends (views.publish): what Slack refuses with `invalid_blocks` or
 * `invalid_arguments` instead of showing. The limits are Slack's documented ones (Block Kit reference):
 * 100 blocks per view, 3000 characters in a section's text, 10 fields of 2000, 150 in a header, 25
 * elements in an actions block, 10 in a context, 75 in a button's text, 2000 in its value, 255 in an
 * action_id, 100 options in a select, 3000 in private_metadata.
 */
import { SlackApiError } from './model.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Why the view is refused, or undefined when Slack would take it. */
export function viewProblems(view: unknown): string[] {
  const problems: string[] = [];
  const bad = (where: string, what: string): void => {
    problems.push(`${where}: ${what}`);
  };
  const text = (where: string, t: unknown, max: number, kinds = ['plain_text', 'mrkdwn']) => {
    if (!isObject(t) || typeof t.text !== 'string') {
      bad(where, 'must be a text object');
      return;
    }
    if (!kinds.includes(String(t.type))) bad(where, `type must be ${kinds.join(' or ')}`);
    if (t.text.length === 0) bad(where, 'must not be empty');
    if (t.text.length > max) bad(where, `must be at most ${max} characters (${t.text.length})`);
  };
  const element = (where: string, e: unknown) => {
    if (!isObject(e)) {
      bad(where, 'must be an object');
      return;
    }
    if (typeof e.action_id === 'string' && e.action_id.length > 255) bad(where, 'action_id over 255');
    if (e.type === 'button') {
      text(`${where}.text`, e.text, 75, ['plain_text']);
      if (typeof e.value === 'string' && e.value.length > 2000) bad(where, 'value over 2000 characters');
    } else if (e.type === 'static_select') {
      text(`${where}.placeholder`, e.placeholder, 150, ['plain_text']);
      const options = e.options;
      if (!Array.isArray(options) || options.length === 0 || options.length > 100)
        bad(where, 'options: 1 to 100');
      else
        for (const [i, o] of options.entries()) {
          text(`${where}.options[${i}].text`, isObject(o) ? o.text : undefined, 75, ['plain_text']);
          if (!isObject(o) || typeof o.value !== 'string' || o.value.length > 150)
            bad(`${where}.options[${i}]`, 'value: up to 150 characters');
        }
    } else bad(where, `element type ${String(e.type)} not checked here`);
  };
  if (!isObject(view)) return ['view: must be an object'];
  if (view.type !== 'home') bad('view.type', 'must be home');
  if (typeof view.private_metadata === 'string' && view.private_metadata.length > 3000)
    bad('view.private_metadata', 'over 3000 characters');
  const blocks = view.blocks;
  if (!Array.isArray(blocks)) return [...problems, 'view.blocks: must be an array'];
  if (blocks.length > 100) bad('view.blocks', `at most 100 blocks (${blocks.length})`);
  const ids = new Set<string>();
  blocks.forEach((b, i) => {
    const where = `blocks[${i}]`;
    if (!isObject(b)) {
      bad(where, 'must be an object');
      return;
    }
    if (typeof b.block_id === 'string') {
      if (ids.has(b.block_id)) bad(where, `duplicate block_id ${b.block_id}`);
      ids.add(b.block_id);
      if (b.block_id.length > 255) bad(where, 'block_id over 255');
    }
    switch (b.type) {
      case 'header':
        text(`${where}.text`, b.text, 150, ['plain_text']);
        break;
      case 'section':
        if (b.text === undefined && b.fields === undefined) bad(where, 'needs text or fields');
        if (b.text !== undefined) text(`${where}.text`, b.text, 3000);
        if (b.fields !== undefined) {
          if (!Array.isArray(b.fields) || b.fields.length > 10) bad(`${where}.fields`, 'at most 10');
          else for (const [j, f] of b.fields.entries()) text(`${where}.fields[${j}]`, f, 2000);
        }
        if (b.accessory !== undefined) element(`${where}.accessory`, b.accessory);
        break;
      case 'context':
        if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 10)
          bad(`${where}.elements`, '1 to 10');
        else for (const [j, e] of b.elements.entries()) text(`${where}.elements[${j}]`, e, 3000);
        break;
      case 'actions':
        if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 25)
          bad(`${where}.elements`, '1 to 25');
        else for (const [j, e] of b.elements.entries()) element(`${where}.elements[${j}]`, e);
        break;
      case 'divider':
        break;
      default:
        bad(where, `block type ${String(b.type)} not checked here`);
    }
  });
  return problems;
}

/** Throws Slack's error for a view it would refuse; `problems` go along as Slack's response_metadata. */
export function checkHomeView(view: unknown): void {
  const problems = viewProblems(view);
  if (problems.length > 0) throw new SlackApiError('invalid_blocks', problems);
}
