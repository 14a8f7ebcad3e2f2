/**
 * One way to start the local world: the stand-ins for everything the bot talks to, each on its own
 * 127.0.0.1 port. The in-process tests (test/support/harness.ts), the process tests
 * (test/support/world.ts), the benchmarks (bench/lib/world.ts) and the demo (demo/start.ts) all start
 * it here, each naming the services it needs: a service runs when its key is in the options, and its
 * handle is then in the result. close() stops them all, in the reverse order of starting.
 */
import { createModelBucket } from '../src/adapters/modelBucket.js';
import { type Ci, type CiOptions, startCi } from './ci.js';
import { type FakeGitHub, type StartFakeGitHubOptions, startFakeGitHub } from './github.js';
import { type FakeHealthchecks, startFakeHealthchecks } from './healthchecks.js';
import { type FakeMlflow, type StartFakeMlflowOptions, startFakeMlflow } from './mlflow.js';
import {
  type FakeS3,
  type FakeS3Object,
  loadBucketListing,
  type StartFakeS3Options,
  startFakeS3,
} from './s3.js';
import { type FakeSlack, type FakeSlackOptions, startFakeSlack } from './slack/fake.js';
import { type LocalSns, localSns } from './sns.js';
import { type FakeSnsPublish, startFakeSnsPublish } from './snsPublish.js';
import { type FakeSocketMode, type FakeSocketModeOptions, startFakeSocketMode } from './socketMode.js';

export interface LocalWorldOptions {
  /** The Web API and response URLs (world/slack). */
  slack?: FakeSlackOptions;
  /** A Socket Mode endpoint, handed out by Slack's `apps.connections.open` for `appToken` only. */
  socketMode?: FakeSocketModeOptions & { appToken: string };
  github?: StartFakeGitHubOptions;
  /** s3rver with one bucket; `objects` default to the fixture listing. */
  s3?: Omit<StartFakeS3Options, 'objects'> & { objects?: FakeS3Object[] };
  /** What each environment's healthcheck serves at the start. */
  healthchecks?: { serve?: Readonly<Record<string, { iteration: string; gitSha?: string }>> };
  /** A simulated CI following GitHub's PRs and merges (needs github, s3 and healthchecks). */
  ci?: Omit<CiOptions, 'repo' | 'bucket' | 'serve'> & { bucket: string };
  /** SNS signing with the test key, and a certificate fetcher that trusts only it. */
  sns?: Record<string, never>;
  /** SNS's Publish (the Query API), recording what the bot publishes (world/snsPublish). */
  snsPublish?: Record<string, never>;
  /** An MLflow tracking server's model registry (world/mlflow). */
  mlflow?: StartFakeMlflowOptions;
}

/** The handle of each service, by its key in the options. */
export interface LocalServices {
  slack: FakeSlack;
  socketMode: FakeSocketMode;
  github: FakeGitHub;
  s3: FakeS3;
  healthchecks: FakeHealthchecks;
  ci: Ci;
  sns: LocalSns;
  snsPublish: FakeSnsPublish;
  mlflow: FakeMlflow;
}

/** The services `O` asked for (optional where `O` may leave them out), and close(). */
export type LocalWorld<O extends LocalWorldOptions> = {
  readonly [K in keyof O as K extends keyof LocalServices ? K : never]: K extends keyof LocalServices
    ? LocalServices[K]
    : never;
} & { close(): Promise<void> };

interface Started<T> {
  handle: T;
  close(): Promise<void> | void;
}

type Independent = 'socketMode' | 'github' | 's3' | 'healthchecks' | 'sns' | 'snsPublish' | 'mlflow';

/**
 * Services that need no other, started together. The place to add one more stand-in: its options in
 * LocalWorldOptions, its handle in LocalServices, its starter here.
 */
const INDEPENDENT: {
  [K in Independent]: (options: NonNullable<LocalWorldOptions[K]>) => Promise<Started<LocalServices[K]>>;
} = {
  socketMode: async (o) => closable(await startFakeSocketMode(o)),
  github: async (o) => closable(await startFakeGitHub(o)),
  s3: async (o) => closable(await startFakeS3({ ...o, objects: o.objects ?? (await loadBucketListing()) })),
  healthchecks: async (o) => {
    const health = await startFakeHealthchecks();
    for (const [env, at] of Object.entries(o.serve ?? {})) health.serve(env, at.iteration, at.gitSha);
    return closable(health);
  },
  sns: async () => ({ handle: localSns(), close: () => undefined }),
  snsPublish: async () => closable(await startFakeSnsPublish()),
  mlflow: async (o) => closable(await startFakeMlflow(o)),
};

const closable = <T extends { close(): Promise<void> }>(handle: T): Started<T> => ({
  handle,
  close: () => handle.close(),
});

export async function startLocalWorld<const O extends LocalWorldOptions>(options: O): Promise<LocalWorld<O>> {
  const services: Partial<LocalServices> = {};
  const closers: Array<() => Promise<void> | void> = [];
  const close = async () => {
    const errors: unknown[] = [];
    for (const fn of closers.splice(0).reverse()) {
      await Promise.resolve()
        .then(fn)
        .catch((err: unknown) => errors.push(err));
    }
    if (errors.length) throw new AggregateError(errors, 'the local world did not close cleanly');
  };
  const keep = <K extends keyof LocalServices>(key: K, started: Started<LocalServices[K]>) => {
    services[key] = started.handle;
    closers.push(started.close);
  };

  try {
    await Promise.all(
      (Object.keys(INDEPENDENT) as Independent[]).map(async (key) => {
        const given = options[key];
        if (given === undefined) return;
        const starter = INDEPENDENT[key] as (o: typeof given) => Promise<Started<LocalServices[typeof key]>>;
        keep(key, await starter(given));
      }),
    );
    // Slack after Socket Mode: its apps.connections.open hands out the endpoint's URLs.
    if (options.slack) {
      const endpoint = services.socketMode;
      const socketMode = endpoint &&
        options.socketMode && { endpoint, appToken: options.socketMode.appToken };
      keep(
        'slack',
        closable(await startFakeSlack({ ...options.slack, ...(socketMode ? { socketMode } : {}) })),
      );
    }
    if (options.ci) keep('ci', startWorldCi(options.ci, services));
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
  return { ...services, close } as unknown as LocalWorld<O>;
}

/** CI reads the config repository, resolves versions from the bucket, and moves the healthchecks. */
function startWorldCi(options: NonNullable<LocalWorldOptions['ci']>, services: Partial<LocalServices>) {
  const { github, s3, healthchecks } = services;
  if (!github || !s3 || !healthchecks) throw new Error('the local CI needs github, s3 and healthchecks');
  const bucket = createModelBucket(s3.client(), { cacheSeconds: 0 });
  const ci = startCi({
    ...options,
    repo: github,
    bucket: {
      list: () => bucket.list(options.bucket, ''),
      putMarker: (key, at) => s3.putObjects([{ key, lastModified: at, size: 0 }]),
    },
    serve: (env, iteration, gitSha) => healthchecks.serve(env, iteration, gitSha),
  });
  return { handle: ci, close: () => ci.stop() };
}
