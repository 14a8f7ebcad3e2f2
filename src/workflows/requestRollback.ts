/**
 * Asking for a rollback: build the plan from fresh facts, refuse on any failed check, otherwise store a
 * pending request and post its card. A dry run shows the same plan and writes only an audit record.
 */
import type { ServiceConfig } from '../config/botConfig.js';
import type { Reason, Target } from '../domain/command.js';
import { buildPlan, failedChecks, type Plan, refuseForActive } from '../domain/plan.js';
import { approvalsNeeded, expiresAt } from '../domain/policy.js';
import { branchName } from '../domain/prText.js';
import {
  type AlarmRef,
  BOT_REQUESTER,
  newBranchToken,
  newRequestId,
  type RollbackRequest,
  type Trigger,
} from '../domain/request.js';
import { audit } from './audit.js';
import { type AskRefusal, checkRequester } from './authority.js';
import type { WorkflowDeps } from './deps.js';
import { gatherEvidence } from './evidence.js';
import { move } from './lifecycle.js';
import { getServiceStatus } from './serviceStatus.js';

export interface RollbackAsk {
  readonly service: ServiceConfig;
  readonly target: Target;
  readonly reason: Reason;
  readonly note: string;
  readonly force: boolean;
  readonly dryRun: boolean;
  readonly requester: string;
  /** The requester's Slack name, for the audit trail. */
  readonly requesterName?: string;
  readonly channel?: string;
  /** Post the card as a reply in this thread (an alert's), also shown in the channel. */
  readonly threadTs?: string;
  readonly alarm?: AlarmRef;
  /** When the bot opens the request itself: the alarm or alert message behind it. */
  readonly trigger?: Trigger;
  /** The channel the person asked from (the channel guardrail); undefined: not checked. */
  readonly askedIn?: string;
}

export type AskOutcome =
  | { readonly kind: 'unavailable'; readonly why: string }
  /** This person may not ask for this (who, where, how often): nothing was planned. */
  | { readonly kind: 'not_allowed'; readonly service: ServiceConfig; readonly refusal: AskRefusal }
  | { readonly kind: 'refused'; readonly plan: Plan; readonly why: readonly string[] }
  | { readonly kind: 'dry_run'; readonly plan: Plan }
  /** The card could not be posted, so the request was withdrawn (nobody could approve it). */
  | { readonly kind: 'card_failed'; readonly channel: string; readonly error: string }
  | { readonly kind: 'created'; readonly request: RollbackRequest };

/** Reads the facts a plan needs, fresh enough to bind approvals to. */
export async function makePlan(
  deps: Pick<WorkflowDeps, 'status' | 'store' | 'now'>,
  ask: Pick<RollbackAsk, 'service' | 'target' | 'force'>,
  excludeRequest?: string,
  options: { readonly evidence?: boolean } = {},
): Promise<{ ok: true; plan: Plan } | { ok: false; problem: string }> {
  const status = await getServiceStatus(deps.status, ask.service);
  const registry = ask.service.mlflow;
  if (!status.catalog.ok) {
    const source = registry ? `the MLflow model ${registry.model}` : 'the model bucket';
    return { ok: false, problem: `${source} could not be read: ${status.catalog.problem}` };
  }
  if (!status.configured.ok) {
    const source =
      ask.service.action === 'registry_alias' && registry
        ? `the alias ${registry.alias} of ${registry.model}`
        : 'the config repo';
    return { ok: false, problem: `${source} could not be read: ${status.configured.problem}` };
  }
  const [active, lastRollback, rolledBackFrom] = await Promise.all([
    deps.store.findActive(ask.service.name),
    deps.store.lastRollbackAction(ask.service.name),
    deps.store.rolledBackFrom(ask.service.name),
  ]);
  const plan = buildPlan({
    service: ask.service,
    catalog: status.catalog.value,
    configured: status.configured.value,
    target: ask.target,
    served: status.environments.map((e) => ({
      environment: e.environment,
      modelVersion: e.ok ? e.modelVersion : undefined,
    })),
    liveVersion: status.live?.version,
    rolledBackFrom,
    activeRequest:
      active && active.id !== excludeRequest ? { id: active.id, state: active.state } : undefined,
    lastRollback,
    force: ask.force,
    now: deps.now(),
  });
  if (!options.evidence || !plan.targetVersion) return { ok: true, plan };
  // The metrics shown on the card: read once, with the plan (a re-check before the write skips them).
  const found = await gatherEvidence(deps.status, status, [plan.targetVersion]);
  const evidence = { target: found.rows.get(plan.targetVersion), live: found.live, keys: found.keys };
  return { ok: true, plan: { ...plan, evidence } };
}

/**
 * Stores the request. The database refuses a second active request for the service (whatever replica
 * or click raced this one) and an id already taken (a new one is drawn).
 */
async function store(
  deps: WorkflowDeps,
  request: RollbackRequest,
  service: ServiceConfig,
): Promise<{ ok: true; request: RollbackRequest } | { ok: false; active?: RollbackRequest }> {
  for (let i = 0; i < 20; i++) {
    const id = i === 0 ? request.id : newRequestId();
    const token = newBranchToken((n) => crypto.getRandomValues(new Uint8Array(n)));
    const branch = branchName(service.pr.branchPrefix, service.name, request.plan.targetVersion, id, token);
    const candidate = { ...request, id, branch };
    // Stored with this process as the one posting its card: if it dies first, another replica posts it.
    const created = await deps.store.createRequest(candidate, deps.replicaId);
    if (created.ok) return { ok: true, request: candidate };
    if (created.problem === 'service_active')
      return { ok: false, active: await deps.store.findActive(request.service) };
  }
  throw new Error('could not find a free request id');
}

export async function requestRollback(deps: WorkflowDeps, ask: RollbackAsk): Promise<AskOutcome> {
  const { service } = ask;
  if (ask.force && ask.note.trim() === '') {
    return {
      kind: 'unavailable',
      why: '`--force` is break-glass: add a note saying why the cooldown must be lifted.',
    };
  }
  // Who, where and how often first: a stranger's request must not cost a plan, nor hold the one slot.
  if (ask.requester !== BOT_REQUESTER && !ask.dryRun) {
    const allowed = await checkRequester(deps, service, {
      user: ask.requester,
      name: ask.requesterName,
      channel: ask.askedIn,
      force: ask.force,
    });
    if (!allowed.ok) return { kind: 'not_allowed', service, refusal: allowed.refusal };
  }
  const made = await makePlan(deps, ask, undefined, { evidence: true });
  if (!made.ok) return { kind: 'unavailable', why: made.problem };
  const { plan } = made;
  const summary = {
    target: plan.targetIteration ?? plan.targetVersion,
    configured: plan.configuredVersion,
    reason: ask.reason,
    failed: failedChecks(plan).map((c) => c.id),
  };

  // A dry run and a refusal write nothing but their audit record.
  if (ask.dryRun || !plan.ok) {
    await audit(deps, {
      service: service.name,
      kind: ask.dryRun ? 'dry_run' : 'refused',
      actor: ask.requester,
      actorName: ask.requesterName,
      detail: summary,
    });
    return ask.dryRun
      ? { kind: 'dry_run', plan }
      : { kind: 'refused', plan, why: failedChecks(plan).map((c) => c.text) };
  }

  const now = deps.now();
  const draft: RollbackRequest = {
    id: newRequestId(),
    service: service.name,
    state: 'pending',
    requester: ask.requester,
    requesterName: ask.requesterName,
    reason: ask.reason,
    note: ask.note,
    force: plan.forced,
    plan,
    approvalsRequired: approvalsNeeded(service.approvalsRequired, {
      forced: plan.forced,
      botOpened: ask.requester === BOT_REQUESTER,
    }),
    approvals: [],
    createdAt: now,
    expiresAt: expiresAt(now, service.requestTtlMinutes),
    updatedAt: now,
    channel: ask.channel ?? service.channel,
    threadTs: ask.threadTs,
    alarm: ask.alarm,
    trigger: ask.trigger,
  };
  const stored = await store(deps, draft, service);
  if (!stored.ok) {
    // Another request won the race between the plan's check and the insert.
    const active = stored.active ?? { id: 'another request', state: 'pending' as const };
    const refused = refuseForActive(plan, active, service.name);
    await audit(deps, {
      service: service.name,
      kind: 'refused',
      actor: ask.requester,
      actorName: ask.requesterName,
      detail: { ...summary, failed: ['no_active_request'] },
    });
    return { kind: 'refused', plan: refused, why: failedChecks(refused).map((c) => c.text) };
  }
  const request = stored.request;
  await audit(deps, {
    requestId: request.id,
    service: service.name,
    kind: 'requested',
    actor: ask.requester,
    actorName: ask.requesterName,
    detail: {
      ...summary,
      note: ask.note,
      forced: plan.forced,
      approvalsRequired: request.approvalsRequired,
      ...(ask.trigger ? { trigger: ask.trigger } : {}),
    },
  });

  try {
    const card = await deps.cards.publish(request);
    await deps.store.update(request.id, { cardTs: card.ts, channel: card.channel });
  } catch (err) {
    // Nobody can approve a request without its card: withdraw it rather than leave it invisible.
    const error = (err as Error).message;
    await move(deps, request, 'withdraw', {
      patch: { lastError: `card not posted: ${error}` },
      detail: { error },
    });
    return { kind: 'card_failed', channel: request.channel, error };
  }
  return { kind: 'created', request: (await deps.store.getRequest(request.id)) ?? request };
}
