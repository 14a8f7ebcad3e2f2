/** What the bot measures of itself, as its layers report it; adapters/metrics.ts keeps the Prometheus side. */

/** Durations the workflows know best; the composition root turns them into Prometheus histograms. */
export interface WorkflowMetrics {
  requestToPr(seconds: number): void;
  prToVerified(seconds: number): void;
  /** Time to restore (production verified), from the alarm and from the request: both are observed. */
  timeToRestore(from: 'alarm' | 'request', seconds: number): void;
}

export type SlackKind = 'command' | 'action' | 'view' | 'event' | 'other';

/** Each Slack request, counted by kind, name and outcome (the Slack layer's middleware reports it). */
export interface SlackRequestMetrics {
  slackRequest(kind: SlackKind, name: string, outcome: string, seconds: number): void;
}
