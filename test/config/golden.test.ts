import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBotConfig } from '../../src/config/botConfig.js';
import { ConfigError } from '../../src/config/reader.js';

const example = readFileSync(new URL('../../rollback-bot.example.toml', import.meta.url), 'utf8');
const PRODUCTION = 'healthcheck_url = "https://fpo-search.example.com/healthcheck"\ndeploy_phase = "merge"\n';

/** The example with `toml` after the fpo-search production environment (its golden checks). */
const withGolden = (toml: string) => example.replace(PRODUCTION, `${PRODUCTION}\n${toml}\n`);

function problemsOf(text: string, env: Record<string, string> = {}): readonly string[] {
  try {
    parseBotConfig(text, 'bad.toml', env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected the config to be refused');
}

const at = 'services.fpo-search.environments[2].golden[0]';

describe('golden checks in the config', () => {
  it('reads a check with its defaults, a path on the healthcheck host and headers from the environment', () => {
    const config = parseBotConfig(
      withGolden(`
[[services.fpo-search.environments.golden]]
name = "cat image"
method = "POST"
url = "/predict?explain=0"
body = { image = "s3://golden/cat.jpg", top_k = 1 }
headers = { Authorization = "Bearer \${PREDICT_TOKEN}", X-Api-Key = "$API_KEY", X-Team = "search" }
expect = { "/label" = "cat", "/score" = { min = 0.8, max = 1.0 }, "/model" = { matches = '^1\\.25\\.' }, "/tags" = ["a", "b"] }

[[services.fpo-search.environments.golden]]
name = "health of the ranking"
url = "https://rank.fpo-search.example.com/status"
status = 204
`),
      'ok.toml',
      { PREDICT_TOKEN: 's3cr3t', API_KEY: 'k-123' },
    );
    const production = config.services[0]?.environments[2];
    expect(config.services[0]?.environments[0]?.golden).toEqual([]);
    const [cat, ranking] = production?.golden ?? [];
    expect(cat).toMatchObject({
      name: 'cat image',
      method: 'POST',
      url: 'https://fpo-search.example.com/predict?explain=0',
      body: { image: 's3://golden/cat.jpg', top_k: 1 },
      status: 200,
    });
    expect(cat?.headers.map((h) => [h.name, h.value()])).toEqual([
      ['Authorization', 'Bearer s3cr3t'],
      ['X-Api-Key', 'k-123'],
      ['X-Team', 'search'],
    ]);
    expect(cat?.expect.map((e) => [e.pointer, e.rule.kind])).toEqual([
      ['/label', 'equals'],
      ['/score', 'range'],
      ['/model', 'matches'],
      ['/tags', 'equals'],
    ]);
    expect(ranking).toMatchObject({ method: 'GET', status: 204, expect: [], headers: [] });
    // The resolved values never appear in what can be logged or printed.
    expect(JSON.stringify(config)).not.toContain('s3cr3t');
    expect(JSON.stringify(config)).not.toContain('k-123');
  });

  it('refuses a missing variable by name, without showing any value', () => {
    const problems = problemsOf(
      withGolden(`
[[services.fpo-search.environments.golden]]
name = "cat"
url = "/predict"
headers = { Authorization = "Bearer $PREDICT_TOKEN", X-Other = "$SET_ONE" }
`),
      { SET_ONE: 'visible-if-leaked' },
    );
    expect(problems).toEqual([
      `${at}.headers.Authorization: the environment variable PREDICT_TOKEN is not set (the bot reads it at start)`,
    ]);
  });

  it('names every problem at once: pointers, rules, patterns, method, body, status, unknown keys', () => {
    const problems = problemsOf(
      withGolden(`
[[services.fpo-search.environments.golden]]
name = "bad"
method = "DELETE"
url = "ftp://x"
status = 42
colour = "red"
headers = { Host = "x" }
expect = { "label" = "cat", "/a" = { min = 2, max = 1 }, "/b" = { matches = '(\\d+\\.?)+' }, "/c" = { near = 1 }, "/d" = { matches = '(' } }

[[services.fpo-search.environments.golden]]
name = "get with body"
url = "/p"
body = { x = 1 }
`),
    );
    expect(problems).toEqual([
      `${at}.method: expected one of "GET", "POST", "PUT", "PATCH", got string "DELETE"`,
      `${at}.url: expected a full http(s) URL, or a path like "/predict" on the healthcheck host, got "ftp://x"`,
      `${at}.headers.Host: expected an HTTP header name the bot may set (not Host, Content-Length…)`,
      `${at}.status: expected an integer from 100 to 599, got number 42`,
      `${at}.expect."label": a JSON pointer starts with "/" (e.g. "/predictions/0/score")`,
      `${at}.expect."/a": min (2) is greater than max (1)`,
      expect.stringMatching(
        new RegExp(
          `^${at.replace(/[.[\]]/g, '\\$&')}\\.expect\\."/b": refused: the pattern can take super-linear time`,
        ),
      ),
      `${at}.expect."/c": expected a value (equal), { min = …, max = … }, { matches = "…" } or { equals = … }, got a table with "near"`,
      expect.stringContaining(`${at}.expect."/d": expected a regular expression:`),
      `${at}.colour: unknown key (check the spelling against the README)`,
      'services.fpo-search.environments[2].golden[1].body: a GET request has no body: set method = "POST"',
    ]);
  });

  it('refuses two checks of one name in an environment', () => {
    const twice = '[[services.fpo-search.environments.golden]]\nname = "cat"\nurl = "/p"\n';
    expect(problemsOf(withGolden(`${twice}\n${twice}`))).toEqual([
      'services.fpo-search.environments[2].golden: golden check "cat" is listed twice in this environment',
    ]);
  });
});

describe('marking the version rolled back from in the bucket', () => {
  it('is off by default, named "rolled_back", and only for an S3 service', () => {
    const [s3, reco] = parseBotConfig(example).services;
    expect(s3).toMatchObject({ markRolledBack: false, rolledBackObject: 'rolled_back' });
    const on = example.replace(
      'prefix = ""',
      'prefix = ""\nmark_rolled_back = true\nrolled_back_object = "ROLLED_BACK.json"',
    );
    expect(parseBotConfig(on).services[0]).toMatchObject({
      markRolledBack: true,
      rolledBackObject: 'ROLLED_BACK.json',
    });
    expect(reco?.markRolledBack).toBe(false);
    const onRegistry = example.replace('source = "mlflow"', 'source = "mlflow"\nmark_rolled_back = true');
    expect(problemsOf(onRegistry)).toEqual([
      'services.reco.mark_rolled_back: only for source = "s3" (a registry has no bucket)',
    ]);
    expect(
      problemsOf(example.replace('prefix = ""', 'prefix = ""\nrolled_back_object = "a/b"'))[0],
    ).toContain('services.fpo-search.rolled_back_object: expected a file name');
  });
});
