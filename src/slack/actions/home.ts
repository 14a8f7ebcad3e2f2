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
import { isPinned } from '../../domain/pin.js';
import { md } from '../blocks/mrkdwn.js';
import { unpinModal } from '../blocks/requestModal.js';
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
 * Unpin from the Home tab: a form asks for the note `/rollback unpin <service> <note>` carries (who may
 * is checked when it is submitted, like the command). A trigger lives 3 seconds: the form opens first.
 */
export const homeUnpinClick =
  (deps: SlackDeps) =>
  async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const name = readServiceName(args.action.value);
    const service = name.ok ? findService(deps.config, name.value) : undefined;
    if (!service) return;
    const pin = await deps.workflows.store.getPin(service.name);
    if (!isPinned(pin)) {
      await tellClicker(args, md`${service.name} is not pinned (any more): nothing to unpin.`);
      return;
    }
    await args.client.views.open({
      trigger_id: args.body.trigger_id,
      view: unpinModal(service.name, pin.version),
    });
  };
