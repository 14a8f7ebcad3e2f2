/**
 * The MLflow stand-in keeps MLflow's protocol, traps included: search results carry no aliases, an
 * unknown model's search is `{}`, an unset alias is a 400 (not a 404), a version sent as a JSON number
 * is refused, the basic-auth app answers 401/403 in plain text, and search pages with opaque tokens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeMlflow, startFakeMlflow } from '../../world/mlflow.js';

const API = '/api/2.0/mlflow/';
let mlflow: FakeMlflow;

async function call(
  method: string,
  endpoint: string,
  params: Record<string, unknown> = {},
  headers: Record<string, string> = {},
  target: FakeMlflow = mlflow,
): Promise<{ status: number; type: string; text: string; json: () => Record<string, unknown> }> {
  const url = new URL(API + endpoint, target.url);
  const init: RequestInit = { method, headers: { ...headers } };
  if (method === 'GET') {
    for (const [key, value] of Object.entries(params)) url.searchParams.append(key, String(value));
  } else {
    init.body = JSON.stringify(params);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    text,
    json: () => JSON.parse(text),
  };
}

beforeAll(async () => {
  mlflow = await startFakeMlflow({
    models: [
      {
        name: 'fraud',
        description: 'card fraud',
        versions: [
          { runId: 'run-1', tags: { team: 'risk' } },
          { runId: 'run-2' },
          { status: 'FAILED_REGISTRATION' },
        ],
        aliases: { champion: 2, challenger: 3 },
      },
      { name: "o'brien", versions: [{}] },
    ],
    runs: [{ runId: 'run-2', experimentId: '7', metrics: { auc: 0.91, loss: 0.2 }, params: { depth: '6' } }],
  });
  mlflow.registry.addModel({ name: 'big' });
  mlflow.registry.addVersions('big', 2500);
});
afterAll(() => mlflow.close());

describe('registered models and versions', () => {
  it('answers a registered model with its aliases, tags and latest versions in MLflow field names', async () => {
    const res = await call('GET', 'registered-models/get', { name: 'fraud' });
    expect(res.status).toBe(200);
    const model = res.json().registered_model as Record<string, unknown>;
    expect(model).toMatchObject({ name: 'fraud', description: 'card fraud' });
    expect(typeof model.creation_timestamp).toBe('number');
    expect(model.aliases).toEqual([
      { alias: 'champion', version: '2' },
      { alias: 'challenger', version: '3' },
    ]);
    expect(model.latest_versions).toEqual([expect.objectContaining({ version: '3', current_stage: 'None' })]);
    expect(model).not.toHaveProperty('tags'); // empty repeated fields are left out, as message_to_json does
  });

  it('answers 404 RESOURCE_DOES_NOT_EXIST as JSON for an unknown model', async () => {
    const res = await call('GET', 'registered-models/get', { name: 'nope' });
    expect(res.status).toBe(404);
    expect(res.json()).toEqual({
      error_code: 'RESOURCE_DOES_NOT_EXIST',
      message: 'Registered Model with name=nope not found',
    });
  });

  it('answers a version with string version, status by name, tags and its aliases', async () => {
    const res = await call('GET', 'model-versions/get', { name: 'fraud', version: '2' });
    expect(res.json().model_version).toMatchObject({
      name: 'fraud',
      version: '2',
      status: 'READY',
      run_id: 'run-2',
      current_stage: 'None',
      aliases: ['champion'],
    });
    const first = await call('GET', 'model-versions/get', { name: 'fraud', version: '1' });
    expect(first.json().model_version).toMatchObject({ tags: [{ key: 'team', value: 'risk' }] });
    expect(first.json().model_version).not.toHaveProperty('aliases');
  });
});

describe('search', () => {
  it('leaves aliases out of results, as the SQL store does, newest first', async () => {
    const res = await call('GET', 'model-versions/search', { filter: "name='fraud'" });
    const versions = res.json().model_versions as Record<string, unknown>[];
    expect(versions.map((v) => v.version)).toEqual(['3', '2', '1']);
    for (const v of versions) expect(v).not.toHaveProperty('aliases');
    expect(versions[2]?.status).toBe('READY');
    expect(versions[0]?.status).toBe('FAILED_REGISTRATION');
  });

  it('answers {} for a model that does not exist', async () => {
    const res = await call('GET', 'model-versions/search', { filter: "name='nope'" });
    expect(res.status).toBe(200);
    expect(res.text).toBe('{}');
  });

  it('accepts the quoted forms MLflow takes for a name, and refuses other filters', async () => {
    for (const filter of ['name="o\'brien"', ' `name` = "o\'brien" ']) {
      const res = await call('GET', 'model-versions/search', { filter });
      expect((res.json().model_versions as unknown[]).length, filter).toBe(1);
    }
    const spaced = await call('GET', 'model-versions/search', { filter: "name = 'fraud'" });
    expect((spaced.json().model_versions as unknown[]).length).toBe(3);
    const other = await call('GET', 'model-versions/search', { filter: "run_id='run-1'" });
    expect(other.status).toBe(400);
    expect(other.json().error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('pages with opaque tokens, max_results capped at 200,000', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const params: Record<string, unknown> = { filter: "name='big'", max_results: 1000 };
      if (token) params.page_token = token;
      const page = (await call('GET', 'model-versions/search', params)).json();
      seen.push(...(page.model_versions as { version: string }[]).map((v) => v.version));
      token = page.next_page_token as string | undefined;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(2500);
    expect(seen[0]).toBe('2500');

    const all = (await call('GET', 'model-versions/search', { filter: "name='big'" })).json();
    expect((all.model_versions as unknown[]).length).toBe(2500); // the proto's default is 200,000
    expect(all).not.toHaveProperty('next_page_token');
    const tooMany = await call('GET', 'model-versions/search', {
      filter: "name='big'",
      max_results: 200_001,
    });
    expect(tooMany.status).toBe(400);
    const badToken = await call('GET', 'model-versions/search', { filter: "name='big'", page_token: '%%%' });
    expect(badToken.json().error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('generates 10,000 versions fast', async () => {
    const started = performance.now();
    mlflow.registry.addModel({ name: 'huge' });
    mlflow.registry.addVersions('huge', 10_000, (i) => ({ tags: { i: String(i) } }));
    expect(performance.now() - started).toBeLessThan(1000);
    const page = (
      await call('GET', 'model-versions/search', { filter: "name='huge'", max_results: 5 })
    ).json();
    expect((page.model_versions as { version: string }[]).map((v) => v.version)).toEqual([
      '10000',
      '9999',
      '9998',
      '9997',
      '9996',
    ]);
  });
});

describe('aliases and tags', () => {
  it('answers 400 INVALID_PARAMETER_VALUE (not 404) for an alias that is not set', async () => {
    const res = await call('GET', 'registered-models/alias', { name: 'fraud', alias: 'nobody' });
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: 'Registered model alias nobody not found.',
    });
    const set = await call('GET', 'registered-models/alias', { name: 'fraud', alias: 'champion' });
    expect(set.json().model_version).toMatchObject({ version: '2', aliases: ['champion'] });
  });

  it('refuses a version sent as a JSON number, and moves the alias for a string', async () => {
    const number = await call('POST', 'registered-models/alias', {
      name: 'fraud',
      alias: 'champion',
      version: 1,
    });
    expect(number.status).toBe(400);
    expect(number.json().error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(mlflow.registry.aliasOf('fraud', 'champion')).toBe('2');

    const moved = await call('POST', 'registered-models/alias', {
      name: 'fraud',
      alias: 'champion',
      version: '1',
    });
    expect(moved.status).toBe(200);
    expect(moved.json()).toEqual({});
    expect(mlflow.registry.aliasOf('fraud', 'champion')).toBe('1');
    const missing = await call('POST', 'registered-models/alias', {
      name: 'fraud',
      alias: 'champion',
      version: '99',
    });
    expect(missing.status).toBe(404);
    const reserved = await call('POST', 'registered-models/alias', {
      name: 'fraud',
      alias: 'latest',
      version: '1',
    });
    expect(reserved.status).toBe(400);

    const deleted = await call('DELETE', 'registered-models/alias', { name: 'fraud', alias: 'challenger' });
    expect(deleted.status).toBe(200);
    expect(mlflow.registry.aliasOf('fraud', 'challenger')).toBeUndefined();
    mlflow.setAlias('fraud', 'champion', 2); // someone else moves it back
    expect(mlflow.registry.aliasOf('fraud', 'champion')).toBe('2');
  });

  it('sets and deletes version tags with JSON bodies, DELETE included', async () => {
    await call('POST', 'model-versions/set-tag', {
      name: 'fraud',
      version: '2',
      key: 'rolled_back',
      value: 'yes',
    });
    expect(mlflow.registry.versionTags('fraud', 2)).toEqual({ rolled_back: 'yes' });
    await call('DELETE', 'model-versions/delete-tag', { name: 'fraud', version: '2', key: 'rolled_back' });
    expect(mlflow.registry.versionTags('fraud', 2)).toEqual({});
    const wrongMethod = await call('GET', 'model-versions/set-tag', { name: 'fraud' });
    expect(wrongMethod.status).toBe(405);
  });
});

describe('runs', () => {
  it('answers a run with info and data in MLflow field names; 404 for an unknown run', async () => {
    const res = await call('GET', 'runs/get', { run_id: 'run-2' });
    const run = res.json().run as { info: Record<string, unknown>; data: Record<string, unknown> };
    expect(run.info).toMatchObject({
      run_id: 'run-2',
      run_uuid: 'run-2',
      experiment_id: '7',
      status: 'FINISHED',
    });
    expect(run.data.metrics).toEqual([
      expect.objectContaining({ key: 'auc', value: 0.91, step: 0 }),
      expect.objectContaining({ key: 'loss', value: 0.2 }),
    ]);
    const unknown = await call('GET', 'runs/get', { run_id: 'nope' });
    expect(unknown.status).toBe(404);
    expect(unknown.json().error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });
});

describe('auth', () => {
  const basic = (user: string, password: string) => ({
    authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
  });

  it('answers 401 and 403 in plain text, as the basic-auth app does', async () => {
    const secured = await startFakeMlflow({
      users: { bot: 'pw', outsider: 'pw2' },
      models: [{ name: 'fraud', versions: [{}, {}] }],
    });
    try {
      const none = await call('GET', 'registered-models/get', { name: 'fraud' }, {}, secured);
      expect(none.status).toBe(401);
      expect(none.type).not.toContain('json');
      expect(none.text).toMatch(/^You are not authenticated/);
      const wrong = await call(
        'GET',
        'registered-models/get',
        { name: 'fraud' },
        basic('bot', 'nope'),
        secured,
      );
      expect(wrong.status).toBe(401);

      // The default permission is READ: reading works, moving an alias needs EDIT.
      const read = await call('GET', 'registered-models/get', { name: 'fraud' }, basic('bot', 'pw'), secured);
      expect(read.status).toBe(200);
      const move = await call(
        'POST',
        'registered-models/alias',
        { name: 'fraud', alias: 'champion', version: '1' },
        basic('bot', 'pw'),
        secured,
      );
      expect(move.status).toBe(403);
      expect(move.text).toBe('Permission denied');
      secured.setPermission('bot', { model: 'fraud' }, 'EDIT');
      const allowed = await call(
        'POST',
        'registered-models/alias',
        { name: 'fraud', alias: 'champion', version: '1' },
        basic('bot', 'pw'),
        secured,
      );
      expect(allowed.status).toBe(200);

      secured.setPermission('outsider', { model: 'fraud' }, 'NO_PERMISSIONS');
      const denied = await call(
        'GET',
        'registered-models/get',
        { name: 'fraud' },
        basic('outsider', 'pw2'),
        secured,
      );
      expect([denied.status, denied.text]).toEqual([403, 'Permission denied']);
      // Search checks nothing first and filters what the caller cannot read: no versions at all.
      const search = await call(
        'GET',
        'model-versions/search',
        { filter: "name='fraud'" },
        basic('outsider', 'pw2'),
        secured,
      );
      expect([search.status, search.text]).toEqual([200, '{}']);
      expect(secured.calls.at(-1)?.user).toBe('outsider');
    } finally {
      await secured.close();
    }
  });

  it('takes a Bearer token and answers a wrong one with 401', async () => {
    const secured = await startFakeMlflow({ token: 'tok', models: [{ name: 'fraud' }] });
    try {
      const ok = await call(
        'GET',
        'registered-models/get',
        { name: 'fraud' },
        { authorization: 'Bearer tok' },
        secured,
      );
      expect(ok.status).toBe(200);
      const wrong = await call(
        'GET',
        'registered-models/get',
        { name: 'fraud' },
        { authorization: 'Bearer x' },
        secured,
      );
      expect(wrong.status).toBe(401);
    } finally {
      await secured.close();
    }
  });
});

describe('test controls', () => {
  it('counts requests per endpoint and method', async () => {
    mlflow.resetCalls();
    await call('GET', 'runs/get', { run_id: 'run-2' });
    await call('GET', 'runs/get', { run_id: 'nope' });
    expect(mlflow.count('GET', 'runs/get')).toBe(2);
    expect(mlflow.count('POST', 'registered-models/alias')).toBe(0);
    expect(mlflow.calls.map((c) => c.status)).toEqual([200, 404]);
  });

  it('goes down (refused), hangs, cuts connections, delays, and comes back', async () => {
    const fake = await startFakeMlflow({ models: [{ name: 'm' }] });
    try {
      await fake.setMode('down');
      const refused = await call('GET', 'registered-models/get', { name: 'm' }, {}, fake).catch((e) => e);
      expect((refused as { cause?: { code?: string } }).cause?.code).toBe('ECONNREFUSED');
      await fake.setMode('up');
      expect((await call('GET', 'registered-models/get', { name: 'm' }, {}, fake)).status).toBe(200);

      await fake.setMode('hang');
      const hung = await fetch(`${fake.url}${API}registered-models/get?name=m`, {
        signal: AbortSignal.timeout(300),
      }).catch((e: Error) => e);
      expect((hung as Error).name).toBe('TimeoutError');
      await fake.setMode('reset');
      const cut = await call('GET', 'registered-models/get', { name: 'm' }, {}, fake).catch((e) => e);
      expect(cut).toBeInstanceOf(Error);

      await fake.setMode('up');
      fake.setDelay(200);
      const started = performance.now();
      expect((await call('GET', 'registered-models/get', { name: 'm' }, {}, fake)).status).toBe(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    } finally {
      await fake.close();
    }
  });
});
