/**
 * A process holding the MLflow stand-in (world/mlflow) with big registered models, so that its work
 * (sorting, paging and serializing versions) never runs on the event loop of the bot or of the process
 * measuring it. MLflow stands for a remote service here.
 *
 * Input (env BENCH_MLFLOW): `{ "models": [{ "name": "reco-ranker", "versions": 10000 }] }`. Each model
 * gets that many READY versions tagged `validation_status=passed`, one run each (metrics `auc` and
 * `rmse`), `champion` on the newest, and every 100th version (`championEvery`) tagged
 * `rollback_bot.champion_since` (it reached production). Prints `READY {"url", "control", "loadMs"}` once listening. The control server
 * answers `GET /count?endpoint=runs/get[&method=GET]` with `{"count": n}` and `POST /reset` (forgets
 * the calls so far).
 */
// First: refuses an old Node.js in one line before any other import runs.
import '../../src/nodeVersion.js';
import { sendJson, startHttpServer } from '../../world/http.js';
import { startFakeMlflow } from '../../world/mlflow.js';

interface Input {
  readonly models: ReadonlyArray<{ readonly name: string; readonly versions: number }>;
  /** Every this many versions one reached production (default 100). */
  readonly championEvery?: number;
}

const input = JSON.parse(process.env.BENCH_MLFLOW ?? '') as Input;
const championEvery = input.championEvery ?? 100;
const started = performance.now();
const mlflow = await startFakeMlflow();
for (const model of input.models) {
  mlflow.registry.addModel({ name: model.name });
  const runId = (i: number) => `${model.name}-run-${i + 1}`;
  mlflow.registry.addVersions(model.name, model.versions, (i) => ({
    runId: runId(i),
    tags: {
      validation_status: 'passed',
      ...((i + 1) % championEvery === 0
        ? { 'rollback_bot.champion_since': new Date(Date.UTC(2025, 0, 1) + i * 3_600_000).toISOString() }
        : {}),
    },
  }));
  for (let i = 0; i < model.versions; i++) {
    mlflow.registry.addRun({
      runId: runId(i),
      metrics: { auc: 0.7 + (i % 100) / 1000, rmse: 0.9 - (i % 100) / 1000 },
    });
  }
  mlflow.setAlias(model.name, 'champion', model.versions);
}
const loadMs = performance.now() - started;

const control = await startHttpServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method === 'GET' && url.pathname === '/count') {
    const endpoint = url.searchParams.get('endpoint') ?? '';
    sendJson(res, 200, { count: mlflow.count(url.searchParams.get('method') ?? undefined, endpoint) });
    return;
  }
  if (req.method === 'POST' && url.pathname === '/reset') {
    mlflow.resetCalls();
    sendJson(res, 200, {});
    return;
  }
  sendJson(res, 404, { error: 'not found' });
});

const quit = () => process.exit(0);
process.on('SIGTERM', quit);
process.on('SIGINT', quit);
console.log(`READY ${JSON.stringify({ url: mlflow.url, control: control.url, loadMs })}`);
