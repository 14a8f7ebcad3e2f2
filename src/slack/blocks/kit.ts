/**
 * Small Block Kit helpers shared by the message builders. Slack limits: 50 blocks per message,
 * 3000 characters per section text, 10 fields per section. Every mrkdwn field takes a `Mrkdwn` value
 * (mrkdwn.ts), never a string: text from outside reaches Slack escaped or not at all.
 */
import type { types } from '@slack/bolt';
import { asText, clipMd, joinMd, Mrkdwn } from './mrkdwn.js';

export type Block = types.KnownBlock;

export const MAX_SECTION_TEXT = 3000;
export const MAX_BLOCKS = 50;

/** A message's notification text (Slack renders it as mrkdwn too) and its blocks. */
export interface SlackMessage {
  readonly text: string;
  readonly blocks: Block[];
}

export const message = (text: Mrkdwn, blocks: Block[] = []): SlackMessage => ({ text: text.text, blocks });

/**
 * A mrkdwn text object, for the places that take one outside a section (confirm dialogs). Types keep
 * strings out; a value that got past them anyway (an `any`, a cast) is still shown as text.
 */
export const mrkdwn = (text: Mrkdwn, max = MAX_SECTION_TEXT) => ({
  type: 'mrkdwn' as const,
  text: clipMd(text instanceof Mrkdwn ? text : asText(String(text)), max).text,
});

/** Slack shows plain_text as typed, so it needs no escaping; only its length is limited. */
export const plain = (text: string, max = 150) => ({ type: 'plain_text' as const, text: clip(text, max) });

export const header = (text: string): Block => ({
  type: 'header',
  text: { ...plain(text, 150), emoji: true },
});

export const section = (text: Mrkdwn): Block => ({ type: 'section', text: mrkdwn(text) });

export const fields = (items: readonly Mrkdwn[]): Block => ({
  type: 'section',
  fields: items.slice(0, 10).map((text) => mrkdwn(text, 2000)),
});

export const context = (...texts: Mrkdwn[]): Block => ({
  type: 'context',
  elements: texts.slice(0, 10).map((text) => mrkdwn(text, 3000)),
});

export const divider = (): Block => ({ type: 'divider' });

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

const PARAGRAPH = '\n\n';

/**
 * Packs many mrkdwn paragraphs into as few sections as needed while staying under Slack's limits, so a
 * long list degrades to denser blocks instead of a rejected message.
 */
export function packSections(paragraphs: readonly Mrkdwn[], maxBlocks: number): Block[] {
  if (paragraphs.length <= maxBlocks) return paragraphs.map(section);
  const perBlock = Math.ceil(paragraphs.length / maxBlocks);
  const blocks: Block[] = [];
  for (let i = 0; i < paragraphs.length; i += perBlock) {
    blocks.push(section(joinMd(paragraphs.slice(i, i + perBlock), PARAGRAPH)));
  }
  return blocks;
}
