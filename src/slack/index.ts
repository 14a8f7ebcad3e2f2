import type { App } from '@slack/bolt';
import { registerCommands } from './commands/index.js';
import type { SlackDeps } from './context.js';

/** Registers every listener; the composition root calls this once. */
export function registerListeners(app: App, deps: SlackDeps): void {
  registerCommands(app, deps);
}
