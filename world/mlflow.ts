/**
 * A local stand-in for an MLflow tracking server's model registry (issue 16), for tests and demos: no
 * MLflow can be installed here. It answers the endpoints the bot uses, on 127.0.0.1 port 0, exactly as
 * MLflow's protocol defines them. Read for the protocol (never copied), in github.com/mlflow/mlflow:
 *   - mlflow/protos/model_registry.proto at 05e6cc9b8487945522c87e3f1a9ffc04eb2ecc2d (paths, methods,
 *     messages; SearchModelVersions.max_results defaults to 200000);
 *   - mlflow/protos/service.proto at 0026b08dc1b90b63efce78302b7d6df63f1eac63 (GetRun, Run, RunInfo, Metric);
 *   - mlflow/store/model_registry/sqlalchemy_store.py at d2087888955c623ef73fc2c72f14970d2a11434d (search
 *     leaves out aliases, default order, page tokens, "Registered model alias … not found." as
 *     INVALID_PARAMETER_VALUE) and mlflow/store/model_registry/__init__.py (1000 default, 200_000 cap);
 *   - mlflow/server/handlers.py (0007c018091c370eac5bea5cc09038f0af736303 and the newest stored
 *     version: GET reads the query string, other methods a JSON body; `version` must be a JSON string;
 *     max_results ≤ 200_000; errors as `{error_code, message}`);
 *   - mlflow/server/auth/__init__.py (000d336a1aa8c48094d37b6e6a6a7f9447b8538d and earlier: 401 and
 *     403 "Permission denied" as plain text, not JSON; READ/EDIT/MANAGE per registered model; search
 *     results filtered to readable models).
 * Bearer tokens stand for a Databricks-like workspace: a wrong token is a JSON 401, a denial a JSON 403.
 *
 *   const mlflow = await startFakeMlflow({ users: { bot: 'pw' }, models: [{ name: 'fraud', versions: [{}, {}], aliases: { champion: 2 } }] });
 *   mlflow.registry.addVersions('fraud', 10_000); mlflow.setAlias('fraud', 'champion', 1);
 *   mlflow.count('POST', 'registered-models/alias'); await mlflow.setMode('down'); await mlflow.close();
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Access, type AuthOptions, type Permission } from './mlflow/auth.js';
import { MlflowError, readParams } from './mlflow/protocol.js';
import { type ModelSeed, Registry, type RunSeed } from './mlflow/registry.js';
import { routesOf } from './mlflow/routes.js';

export type { Permission } from './mlflow/auth.js';
export type { ModelSeed, RunSeed, VersionSeed } from './mlflow/registry.js';
export { Registry } from './mlflow/registry.js';

export interface StartFakeMlflowOptions extends AuthOptions {
  models?: ModelSeed[];
  runs?: RunSeed[];
  /** Every answer waits this long first. */
  delayMs?: number;
}

/** `up` answers; `hang` takes requests and never answers; `reset` cuts each connection; `down` refuses. */
export type FakeMlflowMode = 'up' | 'hang' | 'reset' | 'down';

export interface MlflowCall {
  method: string;
  /** The endpoint under /api/2.0/mlflow/, e.g. `registered-models/alias`. */
  endpoint: string;
  query: Record<string, string>;
  /** The parsed JSON body (not for GET). */
  body: unknown;
  /** The status answered; 0 while unanswered (hanging, cut). */
  status: number;
  user?: string;
}

export interface FakeMlflow {
  /** `http://127.0.0.1:<port>`: the tracking URI. */
  url: string;
  /** Seeding and inspection: addModel, addVersion(s), addRun, setAlias, aliasOf, versionTags… */
  registry: Registry;
  calls: MlflowCall[];
  /** How many requests reached `endpoint` (e.g. `runs/get`), of `method` when given. */
  count(method: string | undefined, endpoint: string): number;
  resetCalls(): void;
  /** Someone else moves (or creates) an alias. */
  setAlias(name: string, alias: string, version: number | string): void;
  /** What `user` may do on a registered model or an experiment (runs). */
  setPermission(user: string, on: { model: string } | { experiment: string }, permission: Permission): void;
  setDelay(ms: number): void;
  setMode(mode: FakeMlflowMode): Promise<void>;
  close(): Promise<void>;
}

const PREFIX = '/api/2.0/mlflow/';

export async function startFakeMlflow(options: StartFakeMlflowOptions = {}): Promise<FakeMlflow> {
  const registry = new Registry();
  for (const model of options.models ?? []) registry.addModel(model);
  for (const run of options.runs ?? []) registry.addRun(run);
  const access = new Access(options);
  const routes = routesOf(registry);
  const knownEndpoints = new Set(Object.keys(routes).map((key) => key.split(' ')[1]));
  const calls: MlflowCall[] = [];
  let delayMs = options.delayMs ?? 0;
  let mode: FakeMlflowMode = 'up';
  const timers = new Set<NodeJS.Timeout>();

  function send(
    res: http.ServerResponse,
    call: MlflowCall,
    status: number,
    contentType: string,
    body: string,
    headers: Record<string, string> = {},
  ): void {
    call.status = status;
    if (res.destroyed) return;
    res.writeHead(status, {
      'content-type': contentType,
      'content-length': Buffer.byteLength(body),
      ...headers,
    });
    res.end(body);
  }

  function answer(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    call: MlflowCall,
    url: URL,
    params: Record<string, unknown>,
  ) {
    const who = access.authenticate(req.headers.authorization);
    if ('status' in who) return send(res, call, who.status, who.contentType, who.body, who.headers);
    const user = who.user;
    if (user !== undefined) call.user = user;
    const route = routes[`${call.method} ${call.endpoint}`];
    if (!route) {
      // Flask's own answers for a path it does not know, or a method the path does not take.
      const known = url.pathname.startsWith(PREFIX) && knownEndpoints.has(call.endpoint);
      return send(
        res,
        call,
        known ? 405 : 404,
        'text/html; charset=utf-8',
        known ? 'Method Not Allowed' : 'Not Found',
      );
    }
    if (route.need) {
      const resource =
        route.need.on === 'model'
          ? `model:${String(params.name ?? '')}`
          : `experiment:${registry.experimentOf(String(params.run_id ?? params.run_uuid ?? '')) ?? ''}`;
      if (!access.allows(user, resource, route.need.level)) {
        const refusal = access.denied();
        return send(res, call, refusal.status, refusal.contentType, refusal.body);
      }
    }
    try {
      const data = route.handle(params, (model) => access.allows(user, `model:${model}`, 'read'));
      send(res, call, 200, 'application/json', JSON.stringify(data));
    } catch (err) {
      if (!(err instanceof MlflowError)) throw err;
      send(res, call, err.status, 'application/json', JSON.stringify(err.json()));
    }
  }

  function handle(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const params = readParams(method, url.searchParams, body);
    const call: MlflowCall = {
      method,
      endpoint: url.pathname.startsWith(PREFIX) ? url.pathname.slice(PREFIX.length) : url.pathname,
      query: Object.fromEntries(url.searchParams),
      body: method === 'GET' ? undefined : params,
      status: 0,
    };
    calls.push(call);
    if (mode === 'hang') return;
    if (mode === 'reset') {
      req.socket.destroy();
      return;
    }
    if (delayMs <= 0) {
      answer(req, res, call, url, params);
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      answer(req, res, call, url, params);
    }, delayMs);
    timers.add(timer);
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', () => res.destroy());
    req.on('end', () => {
      try {
        handle(req, res, Buffer.concat(chunks));
      } catch (err) {
        // A bug in the stand-in: MLflow would answer 500 INTERNAL_ERROR; say what broke.
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({ error_code: 'INTERNAL_ERROR', message: String((err as Error)?.stack ?? err) }),
          );
        }
      }
    });
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      if (!server.listening) return resolve();
      server.close(() => resolve());
      // Clients keep sockets alive, and hanging requests would otherwise hold close() forever.
      server.closeAllConnections();
    });
  await listen(0);
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    registry,
    calls,
    count: (method, endpoint) =>
      calls.filter((c) => c.endpoint === endpoint && (method === undefined || c.method === method)).length,
    resetCalls: () => {
      calls.length = 0;
    },
    setAlias: (name, alias, version) => registry.setAlias(name, alias, version),
    setPermission: (user, on, permission) =>
      access.set(user, 'model' in on ? `model:${on.model}` : `experiment:${on.experiment}`, permission),
    setDelay: (ms) => {
      delayMs = ms;
    },
    async setMode(next) {
      if (next === 'down' && mode !== 'down') await stop();
      else if (next !== 'down' && mode === 'down') await listen(port);
      else if (mode === 'hang' && next !== 'hang') server.closeAllConnections();
      mode = next;
    },
    close() {
      closing ??= stop();
      return closing;
    },
  };
}
