/**
 * Small Block Kit helpers shared by the message builders. Slack limits: 50 blocks per message,
 * 3000 characters per section text, 10 fields per section.
 */
import type { types } from '@slack/bolt';

export type Block = types.KnownBlock;

export const MAX_SECTION_TEXT = 3000;
export const MAX_BLOCKS = 50;

export const header = (text: string): Block => ({
  type: 'header',
  text: { type: 'plain_text', text: text.slice(0, 150), emoji: true },
});

export const section = (text: string): Block => ({
  type: 'section',
  text: { type: 'mrkdwn', text: clip(text, MAX_SECTION_TEXT) },
});

export const fields = (items: readonly string[]): Block => ({
  type: 'section',
  fields: items.slice(0, 10).map((text) => ({ type: 'mrkdwn' as const, text: clip(text, 2000) })),
});

export const context = (...texts: string[]): Block => ({
  type: 'context',
  elements: texts.slice(0, 10).map((text) => ({ type: 'mrkdwn' as const, text: clip(text, 3000) })),
});

export const divider = (): Block => ({ type: 'divider' });

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Slack renders this in each reader's own time zone; the fallback is UTC. */
export function slackDate(date: Date, format = '{date_short} {time}'): string {
  const fallback = `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<!date^${Math.floor(date.getTime() / 1000)}^${format}|${fallback}>`;
}

/**
 * Makes text from outside the bot (anything a person typed, a healthcheck, an alarm, a file) inert in
 * mrkdwn: Slack's formatting reference names `&`, `<` and `>` as the only control characters, and with
 * them escaped no `<!channel>`, `<!here>`, `<@U…>`, `<!subteam^…>` or `<url|masked link>` can form.
 */
export const escapeMrkdwn = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export const code = (text: string): string => `\`${escapeMrkdwn(text.replace(/`/g, "'"))}\``;

/**
 * Packs many mrkdwn paragraphs into as few sections as needed while staying under Slack's limits, so a
 * long list degrades to denser blocks instead of a rejected message.
 */
export function packSections(paragraphs: readonly string[], maxBlocks: number): Block[] {
  if (paragraphs.length <= maxBlocks) return paragraphs.map(section);
  const perBlock = Math.ceil(paragraphs.length / maxBlocks);
  const blocks: Block[] = [];
  for (let i = 0; i < paragraphs.length; i += perBlock) {
    blocks.push(section(paragraphs.slice(i, i + perBlock).join('\n\n')));
  }
  return blocks;
}
