/**
 * The Home tab's own buttons: Refresh (republishes for the clicker, read afresh), the page buttons and
 * the service picker (more than a page of services), and Unpin. Each click is acknowledged at once.
 * The active request's buttons and "Roll back to …" on the Home tab are the card's and the versions
 * list's own actions (requestButtons.ts, openModal.ts), which answer a click without a message by DM.
 */
import type {
  AllMiddlewareArgs,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
  StaticSelectAction,
} from '@slack/bolt';
import { findService } from '../../config/botConfig.js';
import { code, md } from '../blocks/mrkdwn.js';
import type { SlackDeps } from '../context.js';
import { readServiceName } from '../payloadValues.js';
import { tellClicker } from './tell.js';

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;
type SelectArgs = SlackActionMiddlewareArgs<BlockAction<StaticSelectAction>> & AllMiddlewareArgs;

export const homeRefreshClick =
  (deps: SlackDeps) =>
  async ({ ack, body }: ButtonArgs): Promise<void> => {
    await ack();
    await deps.home.refresh(body.user.id);
  };

export const homePageClick =
  (deps: SlackDeps) =>
  async ({ ack, action, body }: ButtonArgs): Promise<void> => {
    await ack();
    const page = Number(action.value);
    if (!Number.isInteger(page) || page < 0 || page > 10_000) return;
    await deps.home.showPage(body.user.id, page);
  };

export const homePickService =
  (deps: SlackDeps) =>
  async ({ ack, action, body }: SelectArgs): Promise<void> => {
    await ack();
    const name = readServiceName(action.selected_option?.value);
    if (!name.ok) return;
    await deps.home.showService(body.user.id, name.value);
  };

/**
 * Unpin from the Home tab. Pins belong to another part of the bot (`/rollback unpin`); until it hands
 * the Home tab its unpin, the button says which command does it.
 */
export const homeUnpinClick =
  (deps: SlackDeps) =>
  async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const name = readServiceName(args.action.value);
    const service = name.ok ? findService(deps.config, name.value) : undefined;
    if (!service) return;
    await tellClicker(
      args,
      md`To unpin *${service.name}*, type ${code(`/rollback unpin ${service.name}`)} in ${service.channel ? md`its channel` : 'Slack'}.`,
    );
  };
