/**
 * The reference deployment's CI, simulated: it watches the config repository and moves the
 * healthchecks the way the real pipeline would.
 *
 * - Opening (or pushing to) a pull request deploys that branch to the `pull_request` environments
 *   (development) after a delay.
 * - A new commit on the base branch (a merge) deploys the `merge` environments in order (staging, then
 *   production), each after a delay.
 * - A deploy reads `version` from the config file at that commit and resolves it exactly as CI does,
 *   with the bot's own domain rule (`resolveLikeCi`: newest model.zip under the string prefix), refuses
 *   an iteration without the `passed` marker, and writes the environment's marker object in the bucket
 *   the first time that iteration reaches it.
 */
import { parse } from 'smol-toml';
import { type BucketObject, buildCatalog, namingFrom } from '../src/domain/iterations.js';
import { resolveLikeCi } from '../src/domain/targets.js';

export interface CiRepo {
  /** Pull requests in GitHub's JSON shape. */
  pulls(repo: string): ReadonlyArray<Record<string, unknown>>;
  fileAt(repo: string, ref: string, path: string): string | undefined;
  branchSha(repo: string, branch: string): string | undefined;
}

export interface CiBucket {
  list(): Promise<BucketObject[]>;
  putMarker(key: string, at: Date): Promise<void>;
}

export interface CiEnvironment {
  readonly name: string;
  readonly deployPhase: 'pull_request' | 'merge';
}

export interface CiOptions {
  readonly repo: CiRepo;
  readonly repoName: string;
  readonly configPath: string;
  /** Dotted key path of the version in the config file. */
  readonly versionKey: string;
  readonly baseBranch: string;
  readonly bucket: CiBucket;
  readonly serve: (environment: string, iteration: string, gitSha: string) => void;
  /** In deploy order. */
  readonly environments: readonly CiEnvironment[];
  /** What each environment serves at the start. */
  readonly initial: Readonly<Record<string, { iteration: string; gitSha: string }>>;
  readonly delays: {
    /** PR opened or updated → pull_request environments. */
    readonly pullRequestMs: number;
    /** Merge → the first merge environment; each next one this long after the one before. */
    readonly mergeMs: number;
  };
  readonly tickMs?: number;
  readonly now?: () => number;
  readonly onChange?: () => void;
}

export interface EnvironmentState {
  readonly name: string;
  readonly deployPhase: 'pull_request' | 'merge';
  iteration: string;
  gitSha: string;
  /** What deployed it: "main", "PR #1", or "initial". */
  source: string;
  since: number;
  pending?: { readonly source: string; readonly due: number };
}

export interface CiLogLine {
  readonly at: number;
  readonly text: string;
  readonly ok: boolean;
}

export interface Ci {
  environments(): readonly EnvironmentState[];
  log(): readonly CiLogLine[];
  /** One look at the repository now (the timer does this every tickMs). */
  tick(): void;
  /** Resolves when no deploy is pending or running. */
  idle(): Promise<void>;
  stop(): void;
}

function valueAt(toml: string, keyPath: string): unknown {
  let node: unknown = parse(toml);
  for (const key of keyPath.split('.')) {
    node = node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  }
  return node;
}

export function startCi(options: CiOptions): Ci {
  const now = options.now ?? Date.now;
  const envs: EnvironmentState[] = options.environments.map((e) => {
    const start = options.initial[e.name];
    return {
      name: e.name,
      deployPhase: e.deployPhase,
      iteration: start?.iteration ?? '',
      gitSha: start?.gitSha ?? '',
      source: 'initial',
      since: now(),
    };
  });
  const lines: CiLogLine[] = [];
  const timers = new Map<string, NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  const seenHeads = new Set<string>();
  let baseSha = options.repo.branchSha(options.repoName, options.baseBranch);
  let stopped = false;

  const changed = () => options.onChange?.();
  const say = (text: string, ok = true) => {
    lines.push({ at: now(), text, ok });
    if (lines.length > 50) lines.shift();
    changed();
  };

  /** Deploys the config at `sha` to one environment; false when CI refuses. */
  async function deploy(env: EnvironmentState, sha: string, source: string): Promise<boolean> {
    const text = options.repo.fileAt(options.repoName, sha, options.configPath);
    const version = text === undefined ? undefined : valueAt(text, options.versionKey);
    if (typeof version !== 'string') {
      say(`${env.name}: ${options.configPath} at ${sha.slice(0, 7)} has no ${options.versionKey}`, false);
      return false;
    }
    const catalog = buildCatalog(await options.bucket.list(), {
      prefix: '',
      naming: namingFrom(),
      environments: envs.map((e) => e.name),
    });
    const model = resolveLikeCi(catalog, version);
    if (!model) {
      say(`${env.name}: no model.zip under "${version}", deploy failed`, false);
      return false;
    }
    const iteration = catalog.iterations.get(model.directory);
    if (iteration?.validation !== 'passed') {
      say(`${env.name}: refused ${model.directory} (no passed marker)`, false);
      return false;
    }
    const gitSha = sha.slice(0, 7);
    options.serve(env.name, model.directory, gitSha);
    Object.assign(env, { iteration: model.directory, gitSha, source, since: now(), pending: undefined });
    if (!iteration.reached[env.name])
      await options.bucket.putMarker(`${model.directory}/${env.name}`, new Date(now()));
    say(`${env.name} ← ${model.directory} (${version} from ${source})`);
    return true;
  }

  function schedule(env: EnvironmentState, sha: string, source: string, delayMs: number, then?: () => void) {
    clearTimeout(timers.get(env.name));
    env.pending = { source, due: now() + delayMs };
    changed();
    const timer = setTimeout(() => {
      timers.delete(env.name);
      if (stopped) return;
      const job = deploy(env, sha, source)
        .then((ok) => {
          if (ok) then?.();
          else {
            env.pending = undefined;
            changed();
          }
        })
        .catch((err: Error) => {
          env.pending = undefined;
          say(`${env.name}: deploy failed: ${err.message}`, false);
        })
        .finally(() => running.delete(job));
      running.add(job);
    }, delayMs);
    timers.set(env.name, timer);
  }

  /** Merge environments one after the other. */
  function promote(sha: string, index: number): void {
    const merged = envs.filter((e) => e.deployPhase === 'merge');
    const env = merged[index];
    if (!env) return;
    schedule(env, sha, options.baseBranch, options.delays.mergeMs, () => promote(sha, index + 1));
  }

  function tick(): void {
    if (stopped) return;
    for (const pr of options.repo.pulls(options.repoName)) {
      const head = (pr.head as { sha?: unknown } | undefined)?.sha;
      if (pr.state !== 'open' || typeof head !== 'string') continue;
      const key = `${String(pr.number)}@${head}`;
      if (seenHeads.has(key)) continue;
      seenHeads.add(key);
      say(`PR #${String(pr.number)} at ${head.slice(0, 7)}: deploying the branch`);
      for (const env of envs.filter((e) => e.deployPhase === 'pull_request')) {
        schedule(env, head, `PR #${String(pr.number)}`, options.delays.pullRequestMs);
      }
    }
    const base = options.repo.branchSha(options.repoName, options.baseBranch);
    if (base && base !== baseSha) {
      baseSha = base;
      say(`${options.baseBranch} moved to ${base.slice(0, 7)}: deploying`);
      promote(base, 0);
    }
  }

  const ticker = setInterval(tick, options.tickMs ?? 250);
  ticker.unref();

  return {
    environments: () => envs,
    log: () => lines,
    tick,
    async idle() {
      while (timers.size > 0 || running.size > 0) {
        await Promise.allSettled([...running]);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    stop() {
      stopped = true;
      clearInterval(ticker);
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}
