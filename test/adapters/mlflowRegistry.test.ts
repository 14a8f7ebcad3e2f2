/**
 * The bot's MLflow client against the stand-in, over real HTTP: every page read, credentials as MLflow
 * clients send them, and every failure named, within the time bound, in words that say what to fix.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMlflowRegistry, nameFilter } from '../../src/adapters/mlflowRegistry.js';
import type { ModelRegistry } from '../../src/ports/registry.js';
import { type FakeMlflow, type ModelSeed, startFakeMlflow } from '../../world/mlflow.js';

const models = (): ModelSeed[] => [
  {
    name: 'fraud',
    versions: [
      { runId: 'run-1', tags: { team: 'risk' }, source: 's3://models/fraud/1' },
      { runId: 'run-2' },
      { status: 'FAILED_REGISTRATION' },
    ],
    aliases: { champion: 3 },
  },
  { name: "o'brien", versions: [{}] },
  { name: 'empty' },
];

let mlflow: FakeMlflow;
let registry: ModelRegistry;

beforeAll(async () => {
  mlflow = await startFakeMlflow({
    models: models(),
    runs: [{ runId: 'run-2', experimentId: '7', metrics: { auc: 0.91, loss: 0.2 } }],
  });
  mlflow.registry.addModel({ name: 'big' });
  mlflow.registry.addVersions('big', 2500, (i) => ({ runId: `run-${i}` }));
  registry = createMlflowRegistry({ trackingUri: mlflow.url, timeoutMs: 2000 });
});
afterAll(() => mlflow.close());

describe('reading the registry', () => {
  it('reads every page of 2,500 versions, 1000 at a time, newest first, without reading any run', async () => {
    mlflow.resetCalls();
    const result = await registry.searchVersions('big');
    if (!result.ok) throw new Error(result.problem);
    expect(result.value).toHaveLength(2500);
    expect(result.value[0]?.version).toBe('2500');
    expect(result.value.at(-1)?.version).toBe('1');
    const searches = mlflow.calls.filter((c) => c.endpoint === 'model-versions/search');
    expect(searches).toHaveLength(3);
    expect(searches.map((c) => c.query.max_results)).toEqual(['1000', '1000', '1000']);
    expect(searches[0]?.query.filter).toBe("name='big'");
    expect(mlflow.count(undefined, 'runs/get')).toBe(0);
  });

  it('reads versions with their status, run, tags and source; aliases come from the model', async () => {
    const versions = await registry.searchVersions('fraud');
    if (!versions.ok) throw new Error(versions.problem);
    expect(versions.value.map((v) => [v.version, v.status])).toEqual([
      ['3', 'FAILED_REGISTRATION'],
      ['2', 'READY'],
      ['1', 'READY'],
    ]);
    expect(versions.value[2]).toMatchObject({
      runId: 'run-1',
      tags: { team: 'risk' },
      source: 's3://models/fraud/1',
      aliases: [],
    });
    expect(versions.value[2]?.createdAt).toBeInstanceOf(Date);
    const model = await registry.getModel('fraud');
    expect(model.ok && model.value.aliases).toEqual({ champion: '3' });
  });

  it('finds a model whose name holds a quote', async () => {
    expect(nameFilter("o'brien")).toBe('name="o\'brien"');
    expect(nameFilter('a\'b"c')).toBeUndefined();
    const result = await registry.searchVersions("o'brien");
    expect(result.ok && result.value.map((v) => v.version)).toEqual(['1']);
  });

  it('tells a model with no versions from a model that does not exist', async () => {
    expect(await registry.searchVersions('empty')).toEqual({ ok: true, value: [] });
    const missing = await registry.searchVersions('nope');
    expect(missing).toEqual({
      ok: false,
      kind: 'not_found',
      problem: 'MLflow has no registered model named nope',
    });
    expect(await registry.getModel('nope')).toEqual(missing);
  });

  it('answers null for an alias that is not set, and not_found when the model is not there', async () => {
    expect(await registry.getAliasVersion('fraud', 'challenger')).toEqual({ ok: true, value: null });
    const champion = await registry.getAliasVersion('fraud', 'champion');
    expect(champion.ok && champion.value).toMatchObject({ version: '3', aliases: ['champion'] });
    const missing = await registry.getAliasVersion('nope', 'champion');
    expect(missing.ok === false && missing.kind).toBe('not_found');
  });

  it('reads the metrics of a run, and names a run that is not there', async () => {
    expect(await registry.getRunMetrics('run-2')).toEqual({ ok: true, value: { auc: 0.91, loss: 0.2 } });
    expect(await registry.getRunMetrics('gone')).toEqual({
      ok: false,
      kind: 'not_found',
      problem: 'MLflow has no run gone',
    });
  });
});

describe('writing to the registry', () => {
  it('moves the alias with exactly one POST, the version as a string', async () => {
    mlflow.resetCalls();
    expect(await registry.setAlias('fraud', 'champion', '2')).toEqual({ ok: true, value: undefined });
    expect(mlflow.count('POST', 'registered-models/alias')).toBe(1);
    expect(mlflow.calls[0]?.body).toEqual({ name: 'fraud', alias: 'champion', version: '2' });
    expect(mlflow.registry.aliasOf('fraud', 'champion')).toBe('2');
  });

  it('names a version or a model that is not there', async () => {
    const noVersion = await registry.setAlias('fraud', 'champion', '99');
    expect(noVersion).toEqual({
      ok: false,
      kind: 'not_found',
      problem: 'MLflow has no version 99 of registered model fraud',
    });
    const noModel = await registry.setVersionTag('nope', '1', 'k', 'v');
    expect(noModel.ok === false && noModel.problem).toBe('MLflow has no registered model named nope');
    const reserved = await registry.setAlias('fraud', 'latest', '1');
    expect(reserved.ok === false && reserved.kind).toBe('invalid');
  });

  it('tags a version', async () => {
    expect((await registry.setVersionTag('fraud', '1', 'rollback.from', '3')).ok).toBe(true);
    expect(mlflow.registry.versionTags('fraud', 1)).toEqual({ team: 'risk', 'rollback.from': '3' });
  });
});

describe('credentials and permissions', () => {
  it('sends a token as Bearer, and names a refused one without repeating it', async () => {
    const secured = await startFakeMlflow({ token: 's3cret-token', tokenUser: 'bot', models: models() });
    try {
      const good = createMlflowRegistry({ trackingUri: secured.url, token: 's3cret-token' });
      expect((await good.getModel('fraud')).ok).toBe(true);
      expect(secured.calls.at(-1)?.user).toBe('bot');
      const bad = createMlflowRegistry({ trackingUri: secured.url, token: 'wrong-token' });
      const refused = await bad.getModel('fraud');
      expect(refused).toEqual({
        ok: false,
        kind: 'unauthenticated',
        problem:
          "MLflow refused the bot's credentials (401) — check MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD",
      });
      secured.setPermission('bot', { model: 'fraud' }, 'READ');
      const denied = await good.setAlias('fraud', 'champion', '1');
      expect(denied.ok === false && denied.kind).toBe('denied');
    } finally {
      await secured.close();
    }
  });

  it('sends a username and password as basic auth; 403 names the permission needed', async () => {
    const secured = await startFakeMlflow({ username: 'bot', password: 'pa55word', models: models() });
    try {
      const bot = createMlflowRegistry({ trackingUri: secured.url, username: 'bot', password: 'pa55word' });
      // MLflow's default permission is READ: reading works, moving the alias needs EDIT.
      expect((await bot.searchVersions('fraud')).ok).toBe(true);
      const move = await bot.setAlias('fraud', 'champion', '1');
      expect(move).toEqual({
        ok: false,
        kind: 'denied',
        problem:
          'MLflow denied the bot (403) moving alias champion of fraud to version 1: it needs EDIT permission on registered model fraud',
      });
      const tag = await bot.setVersionTag('fraud', '1', 'k', 'v');
      expect(tag.ok === false && tag.problem).toContain('needs EDIT permission on registered model fraud');
      secured.setPermission('bot', { model: 'fraud' }, 'EDIT');
      expect((await bot.setAlias('fraud', 'champion', '1')).ok).toBe(true);

      // Without READ, search answers nothing (MLflow filters it): the model's read names the permission.
      secured.setPermission('bot', { model: 'fraud' }, 'NO_PERMISSIONS');
      const hidden = await bot.searchVersions('fraud');
      expect(hidden.ok === false && hidden.problem).toBe(
        'MLflow denied the bot (403) reading registered model fraud: it needs READ permission on registered model fraud',
      );
      secured.setPermission('bot', { experiment: '0' }, 'NO_PERMISSIONS');
      secured.registry.addRun({ runId: 'r0' });
      const run = await bot.getRunMetrics('r0');
      expect(run.ok === false && run.problem).toContain('needs READ permission on the experiment of run r0');

      const wrong = createMlflowRegistry({ trackingUri: secured.url, username: 'bot', password: 'guess' });
      const refused = await wrong.getModel('fraud');
      expect(refused.ok === false && refused.kind).toBe('unauthenticated');
      expect(JSON.stringify(refused)).not.toContain('guess');
    } finally {
      await secured.close();
    }
  });
});

describe('failures, within the bound', () => {
  it('names a server that is down (refused) at once', async () => {
    const fake = await startFakeMlflow({ models: models() });
    const client = createMlflowRegistry({ trackingUri: fake.url, timeoutMs: 500 });
    await fake.setMode('down');
    try {
      const started = performance.now();
      const result = await client.getModel('fraud');
      expect(result.ok === false && result.kind).toBe('refused');
      expect(result.ok === false && result.problem).toMatch(
        /^Reading registered model fraud: MLflow at 127\.0\.0\.1:\d+ — connection refused/,
      );
      expect(performance.now() - started).toBeLessThan(2000);
    } finally {
      await fake.close();
    }
  });

  it('gives up on a server that hangs after timeoutMs, answered in under 2 s', async () => {
    const fake = await startFakeMlflow({ models: models() });
    const client = createMlflowRegistry({ trackingUri: fake.url, timeoutMs: 500 });
    await fake.setMode('hang');
    try {
      const started = performance.now();
      const result = await client.searchVersions('fraud');
      const elapsed = performance.now() - started;
      expect(result).toEqual({
        ok: false,
        kind: 'timeout',
        problem: expect.stringContaining('no answer within 0.5 s (timeout)'),
      });
      expect(elapsed).toBeGreaterThanOrEqual(450);
      expect(elapsed).toBeLessThan(2000);
    } finally {
      await fake.close();
    }
  });

  it('names a cut connection, and reports each call to the observer', async () => {
    const fake = await startFakeMlflow({ models: models() });
    const seen: string[] = [];
    const client = createMlflowRegistry({
      trackingUri: fake.url,
      timeoutMs: 500,
      observe: (system, outcome) => seen.push(`${system}:${outcome}`),
    });
    try {
      expect((await client.getModel('fraud')).ok).toBe(true);
      await fake.setMode('reset');
      const cut = await client.getModel('fraud');
      expect(cut.ok === false && cut.kind).toBe('reset');
      expect(seen).toEqual(['mlflow:ok', 'mlflow:reset']);
    } finally {
      await fake.close();
    }
  });

  it('names an answer that is not MLflow at all', async () => {
    const client = createMlflowRegistry({ trackingUri: `${mlflow.url}/not-mlflow`, timeoutMs: 500 });
    const result = await client.getModel('fraud');
    expect(result).toMatchObject({ ok: false, kind: 'http' });
    expect(result.ok === false && result.problem).toContain('answered HTTP 404');
  });
});
