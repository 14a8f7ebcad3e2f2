import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHealthchecks } from '../../src/adapters/healthcheck.js';
import type { EnvironmentConfig } from '../../src/config/botConfig.js';
import { describeHealthError } from '../../src/words/health.js';
import { readFixture } from '../../world/fixtures.js';
import { type FakeHealthchecks, startFakeHealthchecks } from '../../world/healthchecks.js';
import { startHttpServer } from '../../world/http.js';
import { closedPortUrl } from '../../world/ports.js';

let fake: FakeHealthchecks;
const env = (name: string, url = fake.urlFor(name)): EnvironmentConfig => ({
  name,
  healthcheckUrl: url,
  deployPhase: 'merge',
  field: 'model_version',
});

beforeAll(async () => {
  fake = await startFakeHealthchecks({
    production: { raw: readFixture('healthcheck-production.json') },
    slow: { delayMs: 2000, body: { model_version: '1.0.0-aaaaaaa', healthy: true } },
    broken: { raw: '{"model_version": "1.25.3-' },
    failing: { status: 503, body: { error: 'down' } },
    partial: { body: { git_sha1: 'abc1234', healthy: true } },
    sick: { body: { git_sha1: 'abc1234', model_version: '1.25.3-3a4b5c6', healthy: false } },
    escapes: {
      body: { git_sha1: 'abc1234', model_version: '1.25.3-3a4b5c6\u001b[31m\u0007', healthy: true },
    },
    bidi: { body: { git_sha1: 'abc1234', model_version: '1.25.3-\u202e6c5b4a3', healthy: true } },
    markup: {
      body: {
        git_sha1: 'abc1234',
        model_version: '<!channel> <https://evil.example|runbook>',
        healthy: true,
      },
    },
    rambling: { body: { git_sha1: 'abc1234', model_version: `${'1'.repeat(200)}x`, healthy: true } },
  });
});
afterAll(() => fake.close());

describe('healthchecks', () => {
  const checks = () => createHealthchecks({ timeoutMs: 300 });

  it('reads the reported model, sha, health and latency', async () => {
    const r = await checks().read(env('production'));
    expect(r).toMatchObject({ ok: true, modelVersion: '1.25.3-3a4b5c6', gitSha: '9e8d7c6', healthy: true });
    expect(r.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('gives a precise error per environment, all read concurrently', async () => {
    const started = performance.now();
    const results = await checks().readAll([
      env('slow'),
      env('broken'),
      env('failing'),
      env('partial'),
      env('sick'),
      env('gone', `${await closedPortUrl()}/healthcheck`),
      env('production'),
    ]);
    // One slow environment costs one timeout, not one per environment.
    expect(performance.now() - started).toBeLessThan(1500);
    expect(results.map((r) => (r.ok ? 'ok' : r.error.kind))).toEqual([
      'timeout',
      'invalid_json',
      'status',
      'missing_field',
      'ok',
      'network',
      'ok',
    ]);
    expect(results[2]).toMatchObject({ error: { kind: 'status', status: 503 } });
    expect(results[3]).toMatchObject({ error: { kind: 'missing_field', field: 'model_version' } });
    expect(results[4]).toMatchObject({ ok: true, healthy: false });
    expect(results[5]).toMatchObject({ error: { kind: 'network', detail: 'ECONNREFUSED' } });
  });

  it('refuses a model_version no model can have, without repeating it (issue 14, finding 7)', async () => {
    const [escapes, bidi, markup] = await checks().readAll([env('escapes'), env('bidi'), env('markup')]);
    expect(escapes).toMatchObject({
      ok: false,
      error: { kind: 'bad_field', field: 'model_version', why: 'holds control or format characters' },
    });
    expect(bidi).toMatchObject({ ok: false, error: { kind: 'bad_field' } });
    if (escapes?.ok === false)
      expect(describeHealthError(escapes.error)).toBe(
        "answer's `model_version` holds control or format characters",
      );
    // Printable text that is merely not an iteration is read as it is: every display escapes it.
    expect(markup).toMatchObject({ ok: true, modelVersion: '<!channel> <https://evil.example|runbook>' });
  });

  it('refuses a model_version longer than any real one (the iteration pattern runs on it)', async () => {
    const r = await checks().read(env('rambling'));
    expect(r).toMatchObject({
      ok: false,
      error: { kind: 'field_too_long', field: 'model_version', length: 201, max: 64 },
    });
    expect(r.ok ? '' : describeHealthError(r.error)).toBe(
      "answer's `model_version` is 201 characters long (at most 64)",
    );
  });

  it('reads at most 64 KB of an answer, naming the URL and the bound', async () => {
    // A declared length past the bound, and a body streamed without end (no length): both stop early.
    const padded = JSON.stringify({
      model_version: '1.25.3-3a4b5c6',
      healthy: true,
      pad: 'x'.repeat(70_000),
    });
    let chunksSent = 0;
    const endless = await startHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"model_version":"1.25.3-3a4b5c6","pad":"');
      const more = () => {
        if (res.destroyed || chunksSent > 10_000) return;
        chunksSent++;
        if (res.write('y'.repeat(16_384))) setImmediate(more);
        else res.once('drain', more);
      };
      more();
    });
    fake.set('padded', { raw: padded });
    try {
      const reads = createHealthchecks({ timeoutMs: 5000 });
      const big = await reads.read(env('padded'));
      expect(big).toMatchObject({
        ok: false,
        error: { kind: 'too_large', url: fake.urlFor('padded'), limitBytes: 65_536 },
      });
      expect(big.ok ? '' : describeHealthError(big.error)).toBe(
        `answer from ${fake.urlFor('padded')} is larger than 64 KB (not a healthcheck?)`,
      );
      const started = performance.now();
      const stream = await reads.read(env('endless', `${endless.url}/healthcheck`));
      expect(stream).toMatchObject({ ok: false, error: { kind: 'too_large', limitBytes: 65_536 } });
      // Stopped at the bound, not at the time limit, having taken a few chunks rather than all of them.
      expect(performance.now() - started).toBeLessThan(2000);
      expect(chunksSent).toBeLessThan(200);
    } finally {
      await endless.close();
    }
  });
});
