/**
 * The stand-in's data (registered models, their versions, aliases and tags, and runs) and the JSON it
 * answers, in MLflow's shapes: snake_case fields, int64 timestamps as JSON numbers, enums by name, and
 * (as MLflow's message_to_json) empty or unset fields left out: a model with no alias has no `aliases`.
 */
import {
  invalid,
  notFound,
  type Order,
  offsetFromToken,
  pageToken,
  parseNameFilter,
  parseOrderBy,
  versionNumber,
} from './protocol.js';

export type VersionStatus = 'READY' | 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION';
export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

export interface VersionSeed {
  /** Next number when absent (versions are 1, 2, 3… per model). */
  version?: number;
  status?: VersionStatus;
  statusMessage?: string;
  /** `None`, `Staging`, `Production`, `Archived` (MLflow's deprecated stages). Default `None`. */
  stage?: string;
  source?: string;
  runId?: string;
  runLink?: string;
  description?: string;
  tags?: Record<string, string>;
  /** Milliseconds since the epoch. */
  createdAt?: number;
  updatedAt?: number;
}

export interface ModelSeed {
  name: string;
  description?: string;
  tags?: Record<string, string>;
  createdAt?: number;
  versions?: VersionSeed[];
  /** Alias → version number. */
  aliases?: Record<string, number | string>;
}

export interface RunSeed {
  runId: string;
  experimentId?: string;
  runName?: string;
  status?: RunStatus;
  startTime?: number;
  endTime?: number;
  artifactUri?: string;
  /** The latest value of each metric (get-run answers the latest per key). */
  metrics?: Record<string, number>;
  params?: Record<string, string>;
  tags?: Record<string, string>;
}

interface Version {
  name: string;
  version: number;
  createdAt: number;
  updatedAt: number;
  stage: string;
  status: VersionStatus;
  statusMessage?: string;
  source: string;
  runId?: string;
  runLink?: string;
  description?: string;
  tags: Map<string, string>;
}

interface Model {
  name: string;
  createdAt: number;
  updatedAt: number;
  description?: string;
  tags: Map<string, string>;
  versions: Map<number, Version>;
  aliases: Map<string, number>;
  /** The highest version number so far (the next one is this + 1). */
  highest: number;
}

type Json = Record<string, unknown>;

const pairs = (map: Map<string, string>) => [...map].map(([key, value]) => ({ key, value }));
/** message_to_json leaves out unset fields and empty repeated ones. */
function compact(fields: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    out[key] = value;
  }
  return out;
}

export class Registry {
  private readonly models = new Map<string, Model>();
  private readonly runs = new Map<string, RunSeed>();
  /** The stand-in's clock: seeds without times get increasing ones. */
  private clock = Date.UTC(2026, 0, 1);

  private tick(): number {
    this.clock += 1000;
    return this.clock;
  }

  addModel(seed: ModelSeed): void {
    if (this.models.has(seed.name)) throw new Error(`model ${seed.name} is already seeded`);
    const createdAt = seed.createdAt ?? this.tick();
    this.models.set(seed.name, {
      name: seed.name,
      createdAt,
      updatedAt: createdAt,
      description: seed.description,
      tags: new Map(Object.entries(seed.tags ?? {})),
      versions: new Map(),
      aliases: new Map(),
      highest: 0,
    });
    for (const version of seed.versions ?? []) this.addVersion(seed.name, version);
    for (const [alias, version] of Object.entries(seed.aliases ?? {}))
      this.setAlias(seed.name, alias, version);
  }

  addVersion(name: string, seed: VersionSeed = {}): number {
    const model = this.model(name);
    const number = seed.version ?? model.highest + 1;
    model.highest = Math.max(model.highest, number);
    const createdAt = seed.createdAt ?? this.tick();
    model.versions.set(number, {
      name,
      version: number,
      createdAt,
      updatedAt: seed.updatedAt ?? createdAt,
      stage: seed.stage ?? 'None',
      status: seed.status ?? 'READY',
      statusMessage: seed.statusMessage,
      source: seed.source ?? `models:/m-${name}-${number}`,
      runId: seed.runId,
      runLink: seed.runLink,
      description: seed.description,
      tags: new Map(Object.entries(seed.tags ?? {})),
    });
    model.updatedAt = Math.max(model.updatedAt, createdAt);
    return number;
  }

  /** Adds `count` versions fast (10,000 in well under a second); `make(i)` shapes the i-th (from 0). */
  addVersions(name: string, count: number, make: (i: number) => VersionSeed = () => ({})): void {
    for (let i = 0; i < count; i++) this.addVersion(name, make(i));
  }

  addRun(seed: RunSeed): void {
    this.runs.set(seed.runId, seed);
  }

  /** Someone (not the bot) moves or creates an alias. */
  setAlias(name: string, alias: string, version: number | string): void {
    const model = this.model(name);
    const number = Number(version);
    if (!model.versions.has(number)) throw new Error(`model ${name} has no version ${version}`);
    model.aliases.set(alias, number);
  }

  deleteAlias(name: string, alias: string): void {
    this.model(name).aliases.delete(alias);
  }

  aliasOf(name: string, alias: string): string | undefined {
    const version = this.models.get(name)?.aliases.get(alias);
    return version === undefined ? undefined : String(version);
  }

  setVersionTag(name: string, version: number | string, key: string, value: string): void {
    this.version(name, String(version)).tags.set(key, value);
  }

  versionTags(name: string, version: number | string): Record<string, string> {
    return Object.fromEntries(this.version(name, String(version)).tags);
  }

  hasModel(name: string): boolean {
    return this.models.has(name);
  }

  experimentOf(runId: string): string | undefined {
    const run = this.runs.get(runId);
    return run ? (run.experimentId ?? '0') : undefined;
  }

  private model(name: string): Model {
    const model = this.models.get(name);
    if (!model) throw notFound(`Registered Model with name=${name} not found`);
    return model;
  }

  private version(name: string, version: string): Version {
    const number = versionNumber(version);
    const found = this.models.get(name)?.versions.get(number);
    if (!found) throw notFound(`Model Version (name=${name}, version=${version}) not found`);
    return found;
  }

  // What the endpoints answer.

  registeredModelJson(name: string): Json {
    const model = this.model(name);
    // latest_versions: the highest version in each stage (without aliases, as the SQL entity builds them).
    const latest = new Map<string, Version>();
    for (const v of model.versions.values()) {
      const seen = latest.get(v.stage);
      if (!seen || v.version > seen.version) latest.set(v.stage, v);
    }
    return compact({
      name: model.name,
      creation_timestamp: model.createdAt,
      last_updated_timestamp: model.updatedAt,
      description: model.description,
      latest_versions: [...latest.values()].map((v) => this.versionJson(v, false)),
      tags: pairs(model.tags),
      aliases: [...model.aliases].map(([alias, version]) => ({ alias, version: String(version) })),
    });
  }

  modelVersionJson(name: string, version: string): Json {
    return this.versionJson(this.version(name, version), true);
  }

  /** get-model-version-by-alias: an alias that is not set is INVALID_PARAMETER_VALUE, not a 404. */
  aliasVersionJson(name: string, alias: string): Json {
    const version = this.models.get(name)?.aliases.get(alias);
    if (version === undefined) throw invalid(`Registered model alias ${alias} not found.`);
    return this.modelVersionJson(name, String(version));
  }

  private versionJson(v: Version, withAliases: boolean): Json {
    const aliases = withAliases
      ? [...(this.models.get(v.name)?.aliases ?? [])].filter(([, n]) => n === v.version).map(([a]) => a)
      : [];
    return compact({
      name: v.name,
      version: String(v.version),
      creation_timestamp: v.createdAt,
      last_updated_timestamp: v.updatedAt,
      current_stage: v.stage,
      description: v.description,
      source: v.source,
      run_id: v.runId,
      status: v.status,
      status_message: v.statusMessage,
      tags: pairs(v.tags),
      run_link: v.runLink,
      aliases,
    });
  }

  /**
   * search-model-versions. As the SQL store: results carry no `aliases`; a model that does not exist
   * is simply no results (`{}`); `readable` drops models the caller may not read (the auth app's filter).
   */
  search(
    filter: string | undefined,
    max: number,
    orderBy: unknown,
    token: string | undefined,
    readable: (model: string) => boolean,
  ): Json {
    const name = parseNameFilter(filter);
    const order = parseOrderBy(orderBy);
    const offset = offsetFromToken(token);
    const models =
      name === undefined ? [...this.models.values()] : [this.models.get(name)].filter((m) => !!m);
    const matches = models
      .filter((m) => m !== undefined && readable(m.name))
      .flatMap((m) => [...(m as Model).versions.values()]);
    matches.sort(comparator(order));
    const page = matches.slice(offset, offset + max);
    return compact({
      model_versions: page.map((v) => this.versionJson(v, false)),
      next_page_token: offset + max < matches.length ? pageToken(offset + max) : undefined,
    });
  }

  setAliasFromRequest(name: string, alias: string, version: string): void {
    this.version(name, version);
    this.model(name).aliases.set(alias, Number(version));
  }

  deleteAliasFromRequest(name: string, alias: string): void {
    this.model(name).aliases.delete(alias);
  }

  setTagFromRequest(name: string, version: string, key: string, value: string): void {
    if (key.length > 250) throw invalid(`Tag name '${key.slice(0, 20)}…' exceeds the maximum length of 250`);
    this.version(name, version).tags.set(key, value);
  }

  deleteTagFromRequest(name: string, version: string, key: string): void {
    this.version(name, version).tags.delete(key);
  }

  runJson(runId: string): Json {
    const run = this.runs.get(runId);
    if (!run) throw notFound(`Run with id=${runId} not found`);
    const start = run.startTime ?? this.clock;
    const info = compact({
      run_uuid: run.runId,
      experiment_id: run.experimentId ?? '0',
      run_name: run.runName ?? run.runId.slice(0, 8),
      status: run.status ?? 'FINISHED',
      start_time: start,
      end_time: run.endTime,
      artifact_uri: run.artifactUri ?? `mlflow-artifacts:/${run.experimentId ?? '0'}/${run.runId}/artifacts`,
      lifecycle_stage: 'active',
      run_id: run.runId,
    });
    const data = compact({
      metrics: Object.entries(run.metrics ?? {}).map(([key, value]) => ({
        key,
        value: Number.isFinite(value) ? value : String(value),
        timestamp: start,
        step: 0,
      })),
      params: Object.entries(run.params ?? {}).map(([key, value]) => ({ key, value })),
      tags: Object.entries(run.tags ?? {}).map(([key, value]) => ({ key, value })),
    });
    return { info, data };
  }
}

function comparator(order: Order): (a: Version, b: Version) => number {
  const field = (v: Version, key: Order[number]['key']): string | number =>
    key === 'name'
      ? v.name
      : key === 'version_number'
        ? v.version
        : key === 'creation_timestamp'
          ? v.createdAt
          : v.updatedAt;
  return (a, b) => {
    for (const { key, ascending } of order) {
      const x = field(a, key);
      const y = field(b, key);
      if (x !== y) return (x < y ? -1 : 1) * (ascending ? 1 : -1);
    }
    return 0;
  };
}
