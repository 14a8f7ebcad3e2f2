/**
 * The serving layer that follows an MLflow alias (world/aliasServing.ts): a move over the stand-in's
 * REST API reaches each healthcheck after that environment's delay, and only the latest move lands.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type AliasServing, followAlias } from '../../world/aliasServing.js';
import { type FakeHealthchecks, startFakeHealthchecks } from '../../world/healthchecks.js';
import { type FakeMlflow, startFakeMlflow } from '../../world/mlflow.js';

const MODEL = 'reco-ranker';
let mlflow: FakeMlflow | undefined;
let health: FakeHealthchecks | undefined;
let serving: AliasServing | undefined;

afterEach(async () => {
  serving?.stop();
  await mlflow?.close();
  await health?.close();
  serving = undefined;
  mlflow = undefined;
  health = undefined;
});

async function served(env: string): Promise<string | undefined> {
  const res = await fetch(health?.urlFor(env) ?? '');
  return ((await res.json()) as { model_version?: string }).model_version;
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 3000): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return Date.now() - started;
}

describe('a serving layer following an MLflow alias', () => {
  it('serves the alias at once, and a move after each environment’s delay', async () => {
    mlflow = await startFakeMlflow({
      models: [{ name: MODEL, versions: [{}, {}, {}], aliases: { champion: 3 } }],
    });
    health = await startFakeHealthchecks();
    let changes = 0;
    serving = followAlias({
      registry: mlflow.registry,
      model: MODEL,
      alias: 'champion',
      serve: (env, version) => health?.serve(env, version),
      environments: [
        { name: 'staging', delayMs: 100 },
        { name: 'production', delayMs: 1000 },
      ],
      pollMs: 20,
      onChange: () => {
        changes += 1;
      },
    });
    expect(await served('staging')).toBe('3');
    expect(await served('production')).toBe('3');

    // The bot's way: the REST API.
    const res = await fetch(`${mlflow.url}/api/2.0/mlflow/registered-models/alias`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: MODEL, alias: 'champion', version: '1' }),
    });
    expect(res.status).toBe(200);
    await until(() => serving?.moves().length === 1);
    expect(serving.moves()[0]).toMatchObject({ from: '3', to: '1' });
    expect(serving.serving().map((e) => e.pending?.version)).toEqual(['1', '1']);
    expect(await served('production')).toBe('3');
    await until(async () => (await served('staging')) === '1');
    expect(await served('production')).toBe('3');
    await until(async () => (await served('production')) === '1');
    expect(serving.serving().map((e) => [e.name, e.version, e.pending])).toEqual([
      ['staging', '1', undefined],
      ['production', '1', undefined],
    ]);
    expect(changes).toBe(3);
  });

  it('lands only the latest of two quick moves', async () => {
    mlflow = await startFakeMlflow({
      models: [{ name: MODEL, versions: [{}, {}, {}], aliases: { champion: 3 } }],
    });
    health = await startFakeHealthchecks();
    const log: string[] = [];
    serving = followAlias({
      registry: mlflow.registry,
      model: MODEL,
      alias: 'champion',
      serve: (env, version) => log.push(`${env}=${version}`),
      environments: [{ name: 'production', delayMs: 150 }],
      pollMs: 10,
    });
    mlflow.setAlias(MODEL, 'champion', 2);
    await until(() => serving?.moves().length === 1);
    mlflow.setAlias(MODEL, 'champion', 1);
    await until(() => log.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(log).toEqual(['production=3', 'production=1']);
    expect(serving.moves().map((m) => m.to)).toEqual(['2', '1']);
  });
});
