/** Who the bot and its workspace are, as the local Slack answers and as its payloads say. */

export interface SlackIdentity {
  readonly bot: { readonly userId: string; readonly botId: string; readonly name: string };
  readonly team: { readonly id: string; readonly domain: string; readonly name: string };
  readonly appId: string;
}

/** The workspace the tests know: the bot is UBOT/BBOT in team T1 (`example`), app A1. */
export const TEST_IDENTITY: SlackIdentity = {
  bot: { userId: 'UBOT', botId: 'BBOT', name: 'rollback-bot' },
  team: { id: 'T1', domain: 'example', name: 'Example' },
  appId: 'A1',
};
