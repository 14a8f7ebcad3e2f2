/**
 * What every workflow is given: the bot's config, the ports (database, GitHub, Slack, the model
 * sources), a logger, the clock and this process's identity. The composition root builds it; tests
 * and the demo pass their own clients into the same adapters.
 */
import type { BotConfig } from '../config/botConfig.js';
import type { PinChecks, PullRequests } from '../ports/github.js';
import type { WorkflowMetrics } from '../ports/metrics.js';
import type { StatusDeps } from '../ports/models.js';
import type { AlertPosts, Directory, RequestCards } from '../ports/slack.js';
import type { SnsPublisher } from '../ports/sns.js';
import type { Store } from '../ports/store.js';
import type { Logger } from '../support/log.js';

export interface WorkflowDeps {
  readonly config: BotConfig;
  readonly status: StatusDeps;
  readonly store: Store;
  readonly cards: RequestCards;
  readonly directory: Directory;
  readonly pulls: PullRequests;
  /** The `model-pin` check on the config repositories' open PRs. */
  readonly checks: PinChecks;
  readonly alerts: AlertPosts;
  readonly log: Logger;
  readonly now: () => Date;
  /** This process, in leases and claims (host, pid and a random part). */
  readonly replicaId: string;
  readonly metrics: WorkflowMetrics;
  /** Outcomes to a service's SNS topic (`[notify] sns_topic_arn`). */
  readonly publisher: SnsPublisher;
}
