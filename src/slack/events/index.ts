import type { App } from '@slack/bolt';
import type { SlackDeps } from '../context.js';
import { alertMessage } from './alertMessages.js';
import { appHomeOpened } from './appHome.js';

export function registerEvents(app: App, deps: SlackDeps): void {
  app.message(alertMessage(deps));
  app.event('app_home_opened', appHomeOpened(deps));
}
