/**
 * The registries of every MLflow service: one client per tracking URI and time bound, credentials from
 * the environment as MLflow's clients read them. A model's version listing is kept for
 * `catalog_cache_seconds` like a bucket listing (a `versions` after a `status` asks MLflow nothing), and
 * concurrent reads share one call; writes drop what is kept so the next read sees them.
 */
import type { MlflowEnv } from '../config/env.js';
import type {
  ModelRegistries,
  ModelRegistry,
  RegistryAt,
  RegistryResult,
  RegistryVersion,
} from '../ports/registry.js';
import { sharedCalls } from '../support/sharedCalls.js';
import { createMlflowRegistry } from './mlflowRegistry.js';
import type { CallObserver } from './outsideCall.js';

export function createMlflowRegistries(options: {
  readonly env: MlflowEnv;
  readonly cacheSeconds: number;
  readonly fetch?: typeof fetch;
  readonly observe?: CallObserver;
}): ModelRegistries {
  const clients = new Map<string, ModelRegistry>();
  const listings = sharedCalls<string, RegistryResult<RegistryVersion[]>>({
    keepMs: options.cacheSeconds * 1000,
  });
  // A run's metrics are read for the rows a message shows; a finished run's do not change.
  const runs = sharedCalls<string, RegistryResult<Record<string, number>>>({ keepMs: 600_000 });

  function cached(uri: string, client: ModelRegistry): ModelRegistry {
    const forget = <T>(result: T): T => {
      listings.clear();
      return result;
    };
    return {
      ...client,
      searchVersions: async (name) => {
        const result = await listings.get(`${uri}\u0000${name}`, () => client.searchVersions(name));
        // A failure is not kept: the next command asks again.
        if (!result.ok) listings.clear();
        return result;
      },
      getRunMetrics: async (runId) => {
        const result = await runs.get(`${uri}\u0000${runId}`, () => client.getRunMetrics(runId));
        if (!result.ok) runs.clear();
        return result;
      },
      setAlias: async (...args) => forget(await client.setAlias(...args)),
      setVersionTag: async (...args) => forget(await client.setVersionTag(...args)),
    };
  }

  return {
    of(service: RegistryAt): ModelRegistry {
      const uri = service.mlflow?.trackingUri ?? options.env.trackingUri ?? '';
      const timeoutMs = service.mlflow?.timeoutMs ?? 5000;
      const key = `${uri}\u0000${timeoutMs}`;
      let client = clients.get(key);
      if (!client) {
        client = cached(
          uri,
          createMlflowRegistry({
            trackingUri: uri,
            timeoutMs,
            token: options.env.token,
            username: options.env.username,
            password: options.env.password,
            fetch: options.fetch,
            observe: options.observe,
          }),
        );
        clients.set(key, client);
      }
      return client;
    },
    invalidate: () => listings.clear(),
  };
}
