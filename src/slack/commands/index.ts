import type { App } from '@slack/bolt';
import type { SlackDeps } from '../context.js';
import { rollbackCommand } from './rollback.js';

export function registerCommands(app: App, deps: SlackDeps): void {
  app.command('/rollback', rollbackCommand(deps));
}
