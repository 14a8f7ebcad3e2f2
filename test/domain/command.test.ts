import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/domain/command.js';
import { namingFrom } from '../../src/domain/iterations.js';

const one = [{ name: 'fpo-search', naming: namingFrom() }];
const two = [...one, { name: 'ranker', naming: namingFrom() }];

describe('/rollback grammar', () => {
  it('reads the read-only subcommands, with the service optional when only one exists', () => {
    expect(parseCommand('', one)).toEqual({ ok: true, command: { kind: 'modal' } });
    expect(parseCommand('  help ', one)).toEqual({ ok: true, command: { kind: 'help' } });
    expect(parseCommand('status', one)).toEqual({
      ok: true,
      command: { kind: 'status', service: 'fpo-search' },
    });
    expect(parseCommand('versions 5', one)).toEqual({
      ok: true,
      command: { kind: 'versions', service: 'fpo-search', count: 5 },
    });
    expect(parseCommand('versions ranker 3', two)).toEqual({
      ok: true,
      command: { kind: 'versions', service: 'ranker', count: 3 },
    });
    expect(parseCommand('history', one)).toMatchObject({ ok: true, command: { kind: 'history', count: 10 } });
    expect(parseCommand('cancel r-7kq2', one)).toEqual({
      ok: true,
      command: { kind: 'cancel', requestId: 'R-7KQ2' },
    });
  });

  it('reads unpin: the service first when named, the rest the required note', () => {
    expect(parseCommand('unpin fpo-search 1.26.1 fixes it', one)).toEqual({
      ok: true,
      command: { kind: 'unpin', service: 'fpo-search', note: '1.26.1 fixes it' },
    });
    expect(parseCommand('unpin ranker ranker is fixed', two)).toEqual({
      ok: true,
      command: { kind: 'unpin', service: 'ranker', note: 'ranker is fixed' },
    });
    expect(parseCommand('unpin released', one)).toMatchObject({
      command: { service: 'fpo-search', note: 'released' },
    });
    expect(parseCommand('unpin fpo-search', one)).toMatchObject({
      ok: false,
      usage: '/rollback unpin [service] <note…>',
    });
    expect(parseCommand('unpin it is fixed', two)).toMatchObject({ ok: false });
  });

  it('reads a rollback request with options anywhere and the rest as the note', () => {
    expect(
      parseCommand('to previous reason=performance_degradation --dry-run p99 doubled since 10:00', one),
    ).toEqual({
      ok: true,
      command: {
        kind: 'to',
        service: 'fpo-search',
        target: { kind: 'previous' },
        reason: 'PERFORMANCE_DEGRADATION',
        dryRun: true,
        force: false,
        note: 'p99 doubled since 10:00',
      },
    });
    expect(parseCommand('to 1.24.0-3f9c2ab ranker --force bad deploy', two)).toMatchObject({
      ok: true,
      command: {
        service: 'ranker',
        target: { kind: 'iteration', iteration: '1.24.0-3f9c2ab', version: '1.24.0' },
        force: true,
        reason: 'MANUAL_REQUEST',
        note: 'bad deploy',
      },
    });
    expect(parseCommand('to 1.24.0', one)).toMatchObject({
      command: { target: { kind: 'version', version: '1.24.0' } },
    });
  });

  it('says what was wrong and gives the usage line', () => {
    expect(parseCommand('rollbak', one)).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/Unknown subcommand `rollbak`/),
    });
    expect(parseCommand('status nope', two)).toEqual({
      ok: false,
      problem: 'There is no service named `nope`. Services: `fpo-search`, `ranker`.',
      usage: '/rollback status [service]',
    });
    expect(parseCommand('status', two)).toMatchObject({
      ok: false,
      problem: 'Say which service: `fpo-search`, `ranker`.',
    });
    expect(parseCommand('versions 0', one)).toMatchObject({
      ok: false,
      problem: '`0` is not a count: give a number from 1 to 50.',
    });
    expect(parseCommand('versions lots', one)).toMatchObject({
      ok: false,
      problem: '`lots` is not a count: give a number from 1 to 50.',
    });
    expect(parseCommand('status fpo-search extra', one)).toMatchObject({
      ok: false,
      problem: 'Unexpected `extra`.',
    });
    expect(parseCommand('to', one)).toMatchObject({
      ok: false,
      usage: expect.stringContaining('/rollback to <version|previous>'),
    });
    expect(parseCommand('to banana', one)).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/`banana` is not a version/),
    });
    expect(parseCommand('to 1.24.0 reason=OOPS', one)).toMatchObject({
      ok: false,
      problem:
        'Unknown reason `OOPS`. Reasons: MANUAL_REQUEST, PERFORMANCE_DEGRADATION, TEST_FAILURE, DRIFT_SEVERE.',
    });
    expect(parseCommand('to fpo-search 1.24.0', one)).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/Put the version first/),
    });
    expect(parseCommand('to 1.24.0 --yolo', one)).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/Unknown option `--yolo`/),
    });
    expect(parseCommand('cancel', one)).toMatchObject({ ok: false, usage: '/rollback cancel <request-id>' });
  });

  it('bounds outside text before any pattern runs on it, saying what to type instead', () => {
    const long = `${'1'.repeat(70)}x`;
    expect(parseCommand(`to ${long}`, one)).toEqual({
      ok: false,
      problem:
        '`11111111111111111111…` is 71 characters long: a version or iteration is at most 64. Give a version like `1.24.0`, an iteration like `1.24.0-3f9c2ab`, or `previous`.',
      usage: expect.stringContaining('/rollback to <version|previous>'),
    });
    // 64 characters are still read (and then refused for what they are).
    expect(parseCommand(`to ${'1'.repeat(64)}`, one)).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/is not a version/),
    });
    expect(parseCommand(`cancel R-${'A'.repeat(70)}`, one)).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/\(72 characters\) is not a request id: give one like `R-7KQ2`/),
    });
    expect(parseCommand(`to 1.24.0 ${'note '.repeat(500)}`, one)).toMatchObject({
      ok: false,
      problem:
        "That command is 2510 characters long; the most is 2000. Shorten the note, or put the details in the request's thread.",
    });
    expect(parseCommand(`to 1.24.0 ${'a long note '.repeat(100)}`, one)).toMatchObject({ ok: true });
  });

  it('never runs an iteration pattern on a word past the bound, however slow the pattern', () => {
    // A pattern the config refuses at start-up (see regexSafety.ts), run here as if one slipped through:
    // on 29 digits it backtracks for seconds; past the bound it is never run.
    const slow = [
      { name: 'fpo-search', naming: namingFrom('^(?<version>(\\d+\\.?)+)-(?<sha>[0-9a-f]{7})$') },
    ];
    const started = performance.now();
    expect(parseCommand(`to ${'1'.repeat(29)}${'x'.repeat(36)}`, slow)).toMatchObject({ ok: false });
    expect(performance.now() - started).toBeLessThan(100);
  });
});

describe('the service of the channel', () => {
  it('is meant by a command that names none; a named service still wins', () => {
    const here = { channelService: 'ranker' };
    expect(parseCommand('status', two, here)).toEqual({
      ok: true,
      command: { kind: 'status', service: 'ranker' },
    });
    expect(parseCommand('status fpo-search', two, here)).toMatchObject({
      command: { service: 'fpo-search' },
    });
    expect(parseCommand('to previous', two, here)).toMatchObject({
      command: { kind: 'to', service: 'ranker' },
    });
    // Elsewhere (no service's channel) the command must say which.
    expect(parseCommand('status', two)).toMatchObject({
      ok: false,
      problem: expect.stringContaining('Say which service'),
    });
  });
});
