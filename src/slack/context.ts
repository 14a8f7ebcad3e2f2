/**
 * What every Slack listener may use. Listeners stay thin: read the payload, call a workflow, render.
 */
import type { BotConfig } from '../config/botConfig.js';
import type { Logger } from '../log.js';
import type { StatusDeps } from '../workflows/serviceStatus.js';

export interface SlackDeps {
  readonly config: BotConfig;
  readonly status: StatusDeps;
  readonly log: Logger;
}
