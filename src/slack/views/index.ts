import type { App } from '@slack/bolt';
import { REJECT_MODAL, REQUEST_MODAL, UNPIN_MODAL } from '../blocks/requestModal.js';
import type { SlackDeps } from '../context.js';
import { rejectSubmitted, requestSubmitted, unpinSubmitted } from './submissions.js';

export function registerViews(app: App, deps: SlackDeps): void {
  app.view(REQUEST_MODAL, requestSubmitted(deps));
  app.view(REJECT_MODAL, rejectSubmitted(deps));
  app.view(UNPIN_MODAL, unpinSubmitted(deps));
}
