/**
 * What every Slack listener may use. Listeners stay thin: read the payload, call a workflow, render.
 */
import type { BotConfig } from '../config/botConfig.js';
import type { AlarmRef } from '../domain/request.js';
import type { StatusDeps } from '../ports/models.js';
import type { Logger } from '../support/log.js';
import type { WorkflowDeps } from '../workflows/deps.js';
import type { HomeTab } from './home.js';

export interface SlackDeps {
  readonly config: BotConfig;
  readonly status: StatusDeps;
  readonly workflows: WorkflowDeps;
  readonly log: Logger;
  /** The Home tab: published on open, republished on changes, its buttons. */
  readonly home: HomeTab;
  /** Looks up an alarm a modal was opened from (an alert thread). */
  readonly alarmFor?: (key: string) => Promise<AlarmRef | undefined>;
}
