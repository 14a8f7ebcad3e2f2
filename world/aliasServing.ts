/**
 * A serving layer that follows an MLflow alias, as a real one does (a model server that reloads
 * `models:/<model>@<alias>`): it watches the stand-in's registry every `pollMs`, and when the alias
 * moves, each environment's healthcheck serves the new version number (`model_version`: "7") after its
 * own delay. What it watches is the registry itself, so a move by the bot (the REST API) and one by
 * someone else (`setAlias`) are followed alike.
 *
 *   const serving = followAlias({ registry: mlflow.registry, model: 'reco-ranker', alias: 'champion',
 *     serve: (env, version) => health.serve(env, version),
 *     environments: [{ name: 'reco-staging', delayMs: 1000 }, { name: 'reco-production', delayMs: 2000 }] });
 *   serving.moves(); serving.serving(); serving.stop();
 */

export interface AliasServingEnvironment {
  /** The healthcheck's environment name (as `FakeHealthchecks.serve` takes it). */
  readonly name: string;
  /** How long after the move this environment serves the new version (default 1500 ms). */
  readonly delayMs?: number;
}

export interface AliasMove {
  /** Milliseconds since the epoch when the follower saw it. */
  readonly at: number;
  /** Undefined when the alias was not set before. */
  readonly from?: string;
  /** Undefined when the alias was deleted. */
  readonly to?: string;
}

export interface EnvironmentServing {
  readonly name: string;
  /** The version number served; undefined until the alias was set once. */
  readonly version?: string;
  /** Milliseconds since the epoch when it started serving `version`. */
  readonly since: number;
  /** A reload under way: the version and when it will be served. */
  readonly pending?: { readonly version: string; readonly due: number };
}

export interface AliasServing {
  /** Every alias move seen, oldest first. */
  moves(): readonly AliasMove[];
  /** What each environment serves now. */
  serving(): readonly EnvironmentServing[];
  /** The alias's version as last seen. */
  aliasVersion(): string | undefined;
  stop(): void;
}

export interface FollowAliasOptions {
  /** Anything that reads an alias: the stand-in's `registry`. */
  readonly registry: { aliasOf(model: string, alias: string): string | undefined };
  readonly model: string;
  readonly alias: string;
  readonly environments: readonly AliasServingEnvironment[];
  /** Points an environment's healthcheck at a version number. */
  readonly serve: (environment: string, version: string) => void;
  /** How often the registry is read (default 250 ms). */
  readonly pollMs?: number;
  /** Called after every change: a move seen, or an environment that now serves it. */
  readonly onChange?: () => void;
  readonly now?: () => number;
}

const DEFAULT_DELAY_MS = 1500;

export function followAlias(options: FollowAliasOptions): AliasServing {
  const now = options.now ?? Date.now;
  const read = () => options.registry.aliasOf(options.model, options.alias);
  const moves: AliasMove[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let seen = read();
  const state = new Map<string, EnvironmentServing>(
    options.environments.map((env) => [env.name, { name: env.name, version: seen, since: now() }]),
  );
  // At the start every environment serves what the alias names (the model was loaded before).
  if (seen !== undefined) for (const env of options.environments) options.serve(env.name, seen);

  const reload = (env: AliasServingEnvironment, version: string) => {
    const delayMs = env.delayMs ?? DEFAULT_DELAY_MS;
    const current = state.get(env.name);
    state.set(env.name, {
      name: env.name,
      version: current?.version,
      since: current?.since ?? now(),
      pending: { version, due: now() + delayMs },
    });
    const timer = setTimeout(() => {
      timers.delete(timer);
      // A later move replaced this reload: only the latest one lands.
      if (state.get(env.name)?.pending?.version !== version) return;
      options.serve(env.name, version);
      state.set(env.name, { name: env.name, version, since: now() });
      options.onChange?.();
    }, delayMs);
    timers.add(timer);
  };

  const check = () => {
    const version = read();
    if (version === seen) return;
    moves.push({ at: now(), from: seen, to: version });
    seen = version;
    // A deleted alias: the servers keep what they loaded.
    if (version !== undefined) for (const env of options.environments) reload(env, version);
    options.onChange?.();
  };
  const poller = setInterval(check, options.pollMs ?? 250);

  return {
    moves: () => [...moves],
    serving: () => options.environments.map((env) => state.get(env.name) as EnvironmentServing),
    aliasVersion: () => seen,
    stop() {
      clearInterval(poller);
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
