import type { App } from '@slack/bolt';
import { SHOW_VERSIONS_ACTION } from '../blocks/alertCard.js';
import { HOME_ACTIONS } from '../blocks/home.js';
import { ACTIONS } from '../blocks/requestCard.js';
import { OPEN_MODAL_ACTION, SERVICE_SELECT } from '../blocks/requestModal.js';
import type { SlackDeps } from '../context.js';
import { homePageClick, homePickService, homeRefreshClick, homeUnpinClick } from './home.js';
import { openModalClick, serviceSelected, showVersionsClick } from './openModal.js';
import { approveClick, cancelClick, rejectClick, retryClick } from './requestButtons.js';

export function registerActions(app: App, deps: SlackDeps): void {
  app.action(ACTIONS.approve, approveClick(deps));
  app.action(ACTIONS.reject, rejectClick(deps));
  app.action(ACTIONS.cancel, cancelClick(deps));
  app.action(ACTIONS.retry, retryClick(deps));
  app.action(OPEN_MODAL_ACTION, openModalClick(deps));
  app.action(SERVICE_SELECT, serviceSelected(deps));
  app.action(SHOW_VERSIONS_ACTION, showVersionsClick(deps));
  app.action(HOME_ACTIONS.refresh, homeRefreshClick(deps));
  app.action(new RegExp(`^${HOME_ACTIONS.page}_(prev|next)$`), homePageClick(deps));
  app.action(HOME_ACTIONS.pick, homePickService(deps));
  app.action(HOME_ACTIONS.unpin, homeUnpinClick(deps));
}
