/**
 * The model registry on MLflow (issue 16), over its REST API. Every call is bounded in time (5 s by
 * default) and every failure is named for people: the true cause of a failed call, MLflow refusing the
 * credentials (401), the permission the bot lacks (403: MLflow only says "Permission denied", so the
 * wording names READ or EDIT on the registered model itself), a model, version or run that is not there.
 *
 * MLflow's traps, handled here: search results carry no aliases (the model's are read instead); search
 * for a model that does not exist answers no versions rather than an error, and an alias that is not
 * set is a 400 INVALID_PARAMETER_VALUE rather than a 404 (both are told apart by reading the model);
 * versions are JSON strings. Credentials are never logged or repeated in a problem.
 */
import type {
  ModelRegistry,
  RegisteredModel,
  RegistryFailureKind,
  RegistryResult,
  RegistryVersion,
  RegistryVersionStatus,
} from '../ports/registry.js';
import {
  createMlflowRest,
  type Json,
  keyValues,
  list,
  type MlflowCredentials,
  millis,
  oneLine,
  type Reply,
  text,
} from './mlflowRest.js';
import { type CallObserver, ignoreCalls } from './outsideCall.js';

export interface MlflowRegistryOptions extends MlflowCredentials {
  /** MLFLOW_TRACKING_URI, e.g. `https://mlflow.internal` (a path prefix is kept). */
  readonly trackingUri: string;
  /** The bound on each call, in milliseconds (default 5000). */
  readonly timeoutMs?: number;
  /** Versions asked per search page: MLflow's own client default, which Databricks also accepts. */
  readonly pageSize?: number;
  readonly fetch?: typeof fetch;
  readonly observe?: CallObserver;
}

export const DEFAULT_TIMEOUT_MS = 5000;
export const DEFAULT_PAGE_SIZE = 1000;
/** Past this many pages (a million versions at the default size) the listing is not believed. */
const MAX_PAGES = 1000;

const UNAUTHENTICATED =
  "MLflow refused the bot's credentials (401) — check MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD";

/** What a call was doing, for the problem line, and what MLflow's auth app wants for it. */
interface Doing {
  readonly what: string;
  readonly model?: string;
  readonly permission: 'READ' | 'EDIT';
  readonly run?: string;
}

type Failed = Extract<RegistryResult<never>, { ok: false }>;
const fail = (kind: RegistryFailureKind, problem: string): Failed => ({ ok: false, kind, problem });

/**
 * The filter MLflow's search understands for one model. MLflow strips the outer quotes and does not
 * unescape, so the quote is chosen to not occur in the name (`name="o'brien"`); a trailing backslash
 * would escape the closing quote.
 */
export function nameFilter(name: string): string | undefined {
  if (name.endsWith('\\')) return undefined;
  if (!name.includes("'")) return `name='${name}'`;
  if (!name.includes('"')) return `name="${name}"`;
  return undefined;
}

const STATUSES = new Set<string>(['READY', 'PENDING_REGISTRATION', 'FAILED_REGISTRATION']);

function toVersion(json: Json): RegistryVersion | undefined {
  const version = text(json.version);
  if (version === undefined || version === '') return undefined;
  const status = text(json.status) ?? '';
  return {
    version,
    // Unset or unknown reads as not ready: the bot never rolls back to a version it cannot vouch for.
    status: (STATUSES.has(status) ? status : 'PENDING_REGISTRATION') as RegistryVersionStatus,
    runId: text(json.run_id) || undefined,
    tags: keyValues(json.tags),
    createdAt: millis(json.creation_timestamp),
    updatedAt: millis(json.last_updated_timestamp),
    source: text(json.source),
    description: text(json.description),
    aliases: Array.isArray(json.aliases)
      ? json.aliases.filter((a): a is string => typeof a === 'string')
      : [],
  };
}

export function createMlflowRegistry(options: MlflowRegistryOptions): ModelRegistry {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const rest = createMlflowRest({
    trackingUri: options.trackingUri,
    credentials: options,
    timeoutMs,
    fetch: options.fetch,
    observe: options.observe ?? ignoreCalls,
  });
  const at = `MLflow at ${rest.host}`;

  /** The problem for a reply that is not the answer, in words for whoever asked the bot. */
  function explain(reply: Exclude<Reply, { kind: 'ok' }>, doing: Doing): Failed {
    if (reply.kind === 'failed')
      return fail(kindOf(reply.failure.outcome), `${doing.what}: ${at} — ${reply.failure.text}`);
    if (reply.kind === 'unreadable')
      return fail(
        'unreadable',
        `${doing.what}: ${at} answered something that is not MLflow's JSON (${reply.detail})`,
      );
    const { status, errorCode, message } = reply;
    if (status === 401 || errorCode === 'UNAUTHENTICATED') return fail('unauthenticated', UNAUTHENTICATED);
    if (status === 403 || errorCode === 'PERMISSION_DENIED') {
      const needs = doing.run
        ? `READ permission on the experiment of run ${doing.run}`
        : `${doing.permission} permission on registered model ${doing.model}`;
      return fail('denied', `MLflow denied the bot (403) ${doing.what.toLowerCase()}: it needs ${needs}`);
    }
    if (errorCode === 'RESOURCE_DOES_NOT_EXIST') {
      if (doing.run) return fail('not_found', `MLflow has no run ${doing.run}`);
      return fail('not_found', `MLflow has no registered model named ${doing.model}`);
    }
    if (status === 400 || errorCode === 'INVALID_PARAMETER_VALUE')
      return fail(
        'invalid',
        `MLflow refused ${doing.what.toLowerCase()} (${status} ${errorCode ?? ''}): ${oneLine(message ?? '')}`.replace(
          ' )',
          ')',
        ),
      );
    const detail = [errorCode, message && oneLine(message)].filter(Boolean).join(': ');
    return fail('http', `${doing.what}: ${at} answered HTTP ${status}${detail ? ` (${detail})` : ''}`);
  }

  async function getModel(name: string): Promise<RegistryResult<RegisteredModel>> {
    const doing: Doing = { what: `Reading registered model ${name}`, model: name, permission: 'READ' };
    const reply = await rest.call('GET', 'registered-models/get', { name });
    if (reply.kind !== 'ok') return explain(reply, doing);
    const model = reply.body.registered_model as Json | undefined;
    if (!model || typeof model !== 'object' || text(model.name) === undefined)
      return explain({ kind: 'unreadable', detail: 'no registered_model in the answer' }, doing);
    const aliases: Record<string, string> = {};
    for (const a of list(model.aliases)) {
      if (typeof a.alias === 'string' && typeof a.version === 'string') aliases[a.alias] = a.version;
    }
    return {
      ok: true,
      value: {
        name: text(model.name) ?? name,
        aliases,
        tags: keyValues(model.tags),
        description: text(model.description),
        createdAt: millis(model.creation_timestamp),
        updatedAt: millis(model.last_updated_timestamp),
      },
    };
  }

  /** After an answer that could mean "no such model": the model's own read tells (and names a 403). */
  async function unlessNoModel<T>(
    name: string,
    otherwise: () => RegistryResult<T>,
  ): Promise<RegistryResult<T>> {
    const model = await getModel(name);
    return model.ok ? otherwise() : model;
  }

  async function searchVersions(name: string): Promise<RegistryResult<RegistryVersion[]>> {
    const doing: Doing = { what: `Listing the versions of ${name}`, model: name, permission: 'READ' };
    const filter = nameFilter(name);
    if (filter === undefined)
      return fail(
        'invalid',
        `MLflow's search cannot express the model name ${name} (it holds both quote marks or ends in \\)`,
      );
    const byVersion = new Map<string, RegistryVersion>();
    const tokens = new Set<string>();
    let token: string | undefined;
    for (let page = 0; ; page++) {
      if (page >= MAX_PAGES)
        return fail(
          'unreadable',
          `${doing.what}: ${at} kept answering pages past ${MAX_PAGES * pageSize} versions`,
        );
      // Oldest first: a version registered meanwhile lands on a later page instead of shifting this one.
      const reply = await rest.call('GET', 'model-versions/search', {
        filter,
        max_results: pageSize,
        order_by: 'version_number ASC',
        page_token: token,
      });
      if (reply.kind !== 'ok') return explain(reply, doing);
      for (const item of list(reply.body.model_versions)) {
        const version = toVersion(item);
        if (version) byVersion.set(version.version, version);
      }
      token = text(reply.body.next_page_token) || undefined;
      if (!token) break;
      if (tokens.has(token)) return fail('unreadable', `${doing.what}: ${at} repeated a page token`);
      tokens.add(token);
    }
    const versions = [...byVersion.values()].sort((a, b) => Number(b.version) - Number(a.version));
    // MLflow answers `{}` for a model that does not exist, and filters out models the bot cannot read.
    if (versions.length === 0) return unlessNoModel(name, () => ({ ok: true, value: versions }));
    return { ok: true, value: versions };
  }

  async function getAliasVersion(
    name: string,
    alias: string,
  ): Promise<RegistryResult<RegistryVersion | null>> {
    const doing: Doing = { what: `Reading alias ${alias} of ${name}`, model: name, permission: 'READ' };
    const reply = await rest.call('GET', 'registered-models/alias', { name, alias });
    if (reply.kind === 'ok') {
      const version = toVersion((reply.body.model_version ?? {}) as Json);
      if (!version) return explain({ kind: 'unreadable', detail: 'no model_version in the answer' }, doing);
      return { ok: true, value: version };
    }
    // An alias that is not set: MLflow's 400 (Unity Catalog says 404); the same answer for no model.
    const unset =
      reply.kind === 'status' &&
      (reply.errorCode === 'RESOURCE_DOES_NOT_EXIST' ||
        (reply.errorCode === 'INVALID_PARAMETER_VALUE' && /alias .* not found/i.test(reply.message ?? '')));
    if (unset) return unlessNoModel(name, () => ({ ok: true, value: null }));
    return explain(reply, doing);
  }

  /** POST or DELETE answered `{}`; a 404 is either the model or the version, told apart by reading. */
  async function write(
    endpoint: string,
    body: Json,
    doing: Doing,
    version: string,
  ): Promise<RegistryResult<void>> {
    const reply = await rest.call('POST', endpoint, body);
    if (reply.kind === 'ok') return { ok: true, value: undefined };
    if (reply.kind === 'status' && reply.errorCode === 'RESOURCE_DOES_NOT_EXIST')
      return unlessNoModel(doing.model ?? '', () =>
        fail('not_found', `MLflow has no version ${version} of registered model ${doing.model}`),
      );
    return explain(reply, doing);
  }

  return {
    getModel,
    searchVersions,
    getAliasVersion,
    // MLflow wants every field a JSON string: a number for `version` is refused (400).
    setAlias: (model, alias, version) =>
      write(
        'registered-models/alias',
        { name: model, alias, version: String(version) },
        { what: `Moving alias ${alias} of ${model} to version ${version}`, model, permission: 'EDIT' },
        String(version),
      ),
    setVersionTag: (model, version, key, value) =>
      write(
        'model-versions/set-tag',
        { name: model, version: String(version), key, value },
        { what: `Tagging version ${version} of ${model}`, model, permission: 'EDIT' },
        String(version),
      ),
    async getRunMetrics(runId) {
      const doing: Doing = { what: `Reading run ${runId}`, run: runId, permission: 'READ' };
      const reply = await rest.call('GET', 'runs/get', { run_id: runId });
      if (reply.kind !== 'ok') return explain(reply, doing);
      const data = ((reply.body.run as Json | undefined)?.data ?? {}) as Json;
      const metrics: Record<string, number> = {};
      // NaN and infinities come as strings in proto JSON ("NaN", "Infinity").
      for (const m of list(data.metrics)) {
        if (typeof m.key === 'string') metrics[m.key] = Number(m.value);
      }
      return { ok: true, value: metrics };
    },
  };
}

function kindOf(outcome: string): RegistryFailureKind {
  switch (outcome) {
    case 'timeout':
    case 'dns':
    case 'refused':
    case 'reset':
    case 'tls':
      return outcome;
    case 'http_4xx':
    case 'http_5xx':
      return 'http';
    default:
      // A call that failed for no cause node names: the connection did not give an answer.
      return 'reset';
  }
}
