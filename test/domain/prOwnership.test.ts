import { describe, expect, it } from 'vitest';
import { judgeChanges, judgePull, patchLines } from '../../src/domain/prOwnership.js';

const BOT = 'rollback-bot';
const PLANNED = { before: 'version = "1.25.3"', after: 'version = "1.25.0"' };
const PATCH = '@@ -1,3 +1,3 @@\n # search\n-version = "1.25.3"\n+version = "1.25.0"\n max_epochs = 5';
const expected = { botLogin: BOT, path: 'search-config.toml', diff: PLANNED };

describe('judgePull', () => {
  const ours = {
    number: 7,
    authorLogin: BOT,
    headRepo: 'example-org/fpo-search',
    headRef: 'rollback/x-r-1abc-q',
  };
  const want = { botLogin: BOT, repo: 'example-org/fpo-search', branch: 'rollback/x-r-1abc-q' };

  it('accepts the bot’s PR from the stored branch of the repository itself', () => {
    expect(judgePull(ours, want)).toEqual({ ok: true });
  });

  it('refuses a fork, another branch, or another author, naming which', () => {
    expect(judgePull({ ...ours, headRepo: 'mallory/fpo-search' }, want)).toMatchObject({
      ok: false,
      problem: expect.stringContaining('a fork'),
    });
    expect(judgePull({ ...ours, headRef: 'totally-unrelated' }, want)).toMatchObject({
      problem: expect.stringContaining("not from the request's branch"),
    });
    expect(judgePull({ ...ours, authorLogin: 'mallory' }, want)).toMatchObject({
      problem: 'PR #7 was opened by mallory, not by the bot (rollback-bot)',
    });
    expect(judgePull({ ...ours, authorLogin: undefined }, want)).toMatchObject({ ok: false });
  });

  it('shows an author’s login as plain text only', () => {
    const verdict = judgePull({ ...ours, authorLogin: '<!channel>' }, want);
    expect(verdict.ok ? '' : verdict.problem).not.toContain('<');
  });
});

describe('patchLines', () => {
  it('reads removed and added lines, not the file headers or context', () => {
    expect(patchLines(`--- a/x\n+++ b/x\n${PATCH}`)).toEqual({
      removed: ['version = "1.25.3"'],
      added: ['version = "1.25.0"'],
    });
  });
});

describe('judgeChanges', () => {
  const file = { filename: 'search-config.toml', status: 'modified', patch: PATCH };

  it('accepts a branch with no commits yet (an attempt died before committing)', () => {
    expect(judgeChanges({ commits: [], files: [] }, expected)).toEqual({ ok: true });
  });

  it('accepts the bot’s commits making exactly the planned line', () => {
    expect(
      judgeChanges({ commits: [{ sha: 'a'.repeat(40), authorLogin: BOT }], files: [file] }, expected),
    ).toEqual({ ok: true });
  });

  it('refuses a commit by anyone else, even one changing nothing', () => {
    const verdict = judgeChanges(
      { commits: [{ sha: 'abcdef1234', authorLogin: 'mallory' }], files: [] },
      expected,
    );
    expect(verdict).toEqual({ ok: false, problem: 'commit abcdef1 is by mallory, not by the bot' });
    expect(judgeChanges({ commits: [{ sha: 'abcdef1234' }], files: [] }, expected)).toMatchObject({
      problem: 'commit abcdef1 is by nobody GitHub knows, not by the bot',
    });
  });

  it('refuses another file, another line, or more than the one line', () => {
    const commits = [{ sha: 'b'.repeat(40), authorLogin: BOT }];
    expect(
      judgeChanges(
        { commits, files: [file, { filename: '.github/workflows/deploy.yml', status: 'added' }] },
        expected,
      ),
    ).toMatchObject({ problem: 'it changes .github/workflows/deploy.yml besides search-config.toml' });
    expect(
      judgeChanges({ commits, files: [{ ...file, patch: PATCH.replace('1.25.0', '1.24.0') }] }, expected),
    ).toMatchObject({ ok: false });
    expect(
      judgeChanges({ commits, files: [{ ...file, patch: `${PATCH}\n+[extra]` }] }, expected),
    ).toMatchObject({ problem: expect.stringContaining('1 removed, 2 added') });
    expect(judgeChanges({ commits, files: [{ ...file, patch: undefined }] }, expected)).toMatchObject({
      ok: false,
    });
    expect(judgeChanges({ commits, files: [file] }, { ...expected, diff: undefined })).toMatchObject({
      ok: false,
    });
  });
});
