/**
 * The `/rollback` grammar, shared by Slack and the CLI. Pure: text in, a command or a
 * precise complaint with the usage line out.
 */
import { type IterationNaming, parseIterationName } from './iterations.js';
import { isSemVer } from './semver.js';

export const REASONS = ['MANUAL_REQUEST', 'PERFORMANCE_DEGRADATION', 'TEST_FAILURE', 'DRIFT_SEVERE'] as const;
export type Reason = (typeof REASONS)[number];

export const USAGE = {
  help: '/rollback help',
  status: '/rollback status [service]',
  versions: '/rollback versions [service] [count]',
  to: '/rollback to <version|previous> [service] [reason=CODE] [--dry-run] [--force] [note…]',
  history: '/rollback history [service] [count]',
  cancel: '/rollback cancel <request-id>',
  unpin: '/rollback unpin [service] <note…>',
  modal: '/rollback',
} as const;

export type Target =
  | { readonly kind: 'previous' }
  | { readonly kind: 'version'; readonly version: string }
  | { readonly kind: 'iteration'; readonly iteration: string; readonly version: string };

export type Command =
  | { readonly kind: 'modal' }
  | { readonly kind: 'help' }
  | { readonly kind: 'status'; readonly service: string }
  | { readonly kind: 'versions'; readonly service: string; readonly count: number }
  | { readonly kind: 'history'; readonly service: string; readonly count: number }
  | { readonly kind: 'cancel'; readonly requestId: string }
  | { readonly kind: 'unpin'; readonly service: string; readonly note: string }
  | {
      readonly kind: 'to';
      readonly service: string;
      readonly target: Target;
      readonly reason: Reason;
      readonly dryRun: boolean;
      readonly force: boolean;
      readonly note: string;
    };

export type Parsed =
  | { readonly ok: true; readonly command: Command }
  | { readonly ok: false; readonly problem: string; readonly usage: string };

export interface KnownService {
  readonly name: string;
  readonly naming: IterationNaming;
}

const MAX_COUNT = 50;
/**
 * Bounds on outside text before any pattern runs on it (the service's iteration_pattern among them):
 * whatever a pattern costs per character, a command stays cheap. Real versions and iterations are about
 * 15 to 40 characters; a note is a sentence or two.
 */
export const MAX_COMMAND_CHARS = 2000;
export const MAX_WORD_CHARS = 64;

/** A long word quoted in a complaint: its start, so the answer stays short. */
const shortened = (word: string): string => (word.length > 24 ? `${word.slice(0, 20)}…` : word);

/**
 * `channelService`: the service whose channel the command was typed in; like the only service of a
 * one-service bot, it is meant when a command names none.
 */
export function parseCommand(
  text: string,
  services: readonly KnownService[],
  options: { readonly channelService?: string } = {},
): Parsed {
  const fail = (problem: string, usage: string): Parsed => ({ ok: false, problem, usage });
  if (text.length > MAX_COMMAND_CHARS) {
    return fail(
      `That command is ${text.length} characters long; the most is ${MAX_COMMAND_CHARS}. Shorten the note, or put the details in the request's thread.`,
      Object.values(USAGE).join('\n'),
    );
  }
  const words = text.trim().split(/\s+/).filter(Boolean);
  const sub = words.shift()?.toLowerCase();
  const only = services.length === 1 ? services[0] : services.find((s) => s.name === options.channelService);
  const names = services.map((s) => `\`${s.name}\``).join(', ');

  /** Takes the service from `words` (any position) or falls back to the only one. */
  const takeService = (usage: string): KnownService | Parsed => {
    const known = new Set(services.map((s) => s.name));
    const index = words.findIndex((w) => known.has(w));
    if (index >= 0) {
      const [name] = words.splice(index, 1);
      return services.find((s) => s.name === name) as KnownService;
    }
    if (only) return only;
    const guess = words.find((w) => /^[a-z][a-z0-9._-]*$/.test(w) && !isSemVer(w) && w !== 'previous');
    return fail(
      guess ? `There is no service named \`${guess}\`. Services: ${names}.` : `Say which service: ${names}.`,
      usage,
    );
  };
  const isParsed = (x: KnownService | Parsed): x is Parsed => 'ok' in x;

  const takeCount = (usage: string, fallback: number): number | Parsed => {
    const word = words.shift();
    if (word === undefined) return fallback;
    const n = Number(word);
    if (!/^\d+$/.test(word) || n < 1 || n > MAX_COUNT) {
      return fail(
        only || services.some((s) => s.name === word)
          ? `\`${word}\` is not a count: give a number from 1 to ${MAX_COUNT}.`
          : `There is no service named \`${word}\`, and it is not a count from 1 to ${MAX_COUNT}. Services: ${names}.`,
        usage,
      );
    }
    return n;
  };
  const rejectExtra = (usage: string, serviceNamed: boolean): Parsed | undefined => {
    if (words.length === 0) return undefined;
    const first = words[0] ?? '';
    // With one service the name is optional, so a stray word is most likely a mistyped service.
    if (!serviceNamed && /^[a-z][a-z0-9._-]*$/.test(first)) {
      return fail(`There is no service named \`${first}\`. Services: ${names}.`, usage);
    }
    return fail(`Unexpected \`${words.join(' ')}\`.`, usage);
  };
  const named = () => words.some((w) => services.some((s) => s.name === w));

  switch (sub) {
    case undefined:
      return { ok: true, command: { kind: 'modal' } };
    case 'help':
    case '-h':
    case '--help':
      return { ok: true, command: { kind: 'help' } };
    case 'status': {
      const serviceNamed = named();
      const service = takeService(USAGE.status);
      if (isParsed(service)) return service;
      return (
        rejectExtra(USAGE.status, serviceNamed) ?? {
          ok: true,
          command: { kind: 'status', service: service.name },
        }
      );
    }
    case 'versions':
    case 'history': {
      const usage = USAGE[sub];
      const serviceNamed = named();
      const service = takeService(usage);
      if (isParsed(service)) return service;
      const count = takeCount(usage, 10);
      if (typeof count !== 'number') return count;
      return (
        rejectExtra(usage, serviceNamed) ?? { ok: true, command: { kind: sub, service: service.name, count } }
      );
    }
    case 'cancel': {
      const id = words.shift();
      if (!id) return fail('Say which request to cancel, e.g. `/rollback cancel R-7KQ2`.', USAGE.cancel);
      if (id.length > MAX_WORD_CHARS) {
        return fail(
          `\`${shortened(id)}\` (${id.length} characters) is not a request id: give one like \`R-7KQ2\`, as shown on the request card.`,
          USAGE.cancel,
        );
      }
      return (
        rejectExtra(USAGE.cancel, true) ?? {
          ok: true,
          command: { kind: 'cancel', requestId: id.toUpperCase() },
        }
      );
    }
    case 'unpin': {
      // The service, when named, comes first: the rest is the note (which may name a service).
      const first = words[0];
      let service: KnownService | undefined;
      if (first !== undefined && services.some((s) => s.name === first)) {
        words.shift();
        service = services.find((s) => s.name === first);
      } else service = only;
      if (!service) return fail(`Say which service to unpin: ${names}.`, USAGE.unpin);
      const note = words.join(' ');
      if (!note) {
        return fail(
          `Say why in a note, e.g. \`/rollback unpin ${service.name} 1.26.1 fixes the regression\`: it goes in the audit trail and the thread.`,
          USAGE.unpin,
        );
      }
      return { ok: true, command: { kind: 'unpin', service: service.name, note } };
    }
    case 'to':
      return parseTo(words, services, only, takeService, isParsed, fail);
    default:
      return fail(
        `Unknown subcommand \`${sub}\`. Try one of: help, status, versions, to, history, cancel, unpin.`,
        Object.values(USAGE).join('\n'),
      );
  }
}

function parseTo(
  words: string[],
  services: readonly KnownService[],
  /** The service meant when none is named (the only one, or the channel's). */
  only: KnownService | undefined,
  takeService: (usage: string) => KnownService | Parsed,
  isParsed: (x: KnownService | Parsed) => x is Parsed,
  fail: (error: string, usage: string) => Parsed,
): Parsed {
  const usage = USAGE.to;
  const targetWord = words.shift();
  if (!targetWord || targetWord.startsWith('reason=') || targetWord.startsWith('--')) {
    return fail(
      'Say which version to roll back to: a version like `1.24.0`, an iteration, or `previous`.',
      usage,
    );
  }
  if (services.some((s) => s.name === targetWord)) {
    return fail(`Put the version first: \`/rollback to <version> ${targetWord}\`.`, usage);
  }
  // The service may follow the version; only the word right after it is a candidate, the rest is the note.
  const next = words[0];
  let service: KnownService | Parsed;
  if (next !== undefined && services.some((s) => s.name === next)) {
    words.shift();
    service = services.find((s) => s.name === next) as KnownService;
  } else if (only) {
    service = only;
  } else {
    service = takeService(usage);
  }
  if (isParsed(service)) return service;

  if (targetWord.length > MAX_WORD_CHARS) {
    return fail(
      `\`${shortened(targetWord)}\` is ${targetWord.length} characters long: a version or iteration is at most ${MAX_WORD_CHARS}. Give a version like \`1.24.0\`, an iteration like \`1.24.0-3f9c2ab\`, or \`previous\`.`,
      usage,
    );
  }
  let target: Target;
  if (targetWord.toLowerCase() === 'previous') target = { kind: 'previous' };
  else {
    const iteration = parseIterationName(targetWord, service.naming);
    if (iteration) target = { kind: 'iteration', iteration: targetWord, version: iteration.version };
    else if (isSemVer(targetWord)) target = { kind: 'version', version: targetWord };
    else {
      return fail(
        `\`${targetWord}\` is not a version: give one like \`1.24.0\`, an iteration like \`1.24.0-3f9c2ab\`, or \`previous\`.`,
        usage,
      );
    }
  }

  let reason: Reason = 'MANUAL_REQUEST';
  let dryRun = false;
  let force = false;
  const note: string[] = [];
  for (const word of words) {
    const lower = word.toLowerCase();
    if (lower.startsWith('reason=')) {
      const code = word.slice('reason='.length).toUpperCase();
      if (!(REASONS as readonly string[]).includes(code)) {
        return fail(`Unknown reason \`${code || '(empty)'}\`. Reasons: ${REASONS.join(', ')}.`, usage);
      }
      reason = code as Reason;
    } else if (lower === '--dry-run') dryRun = true;
    else if (lower === '--force') force = true;
    else if (lower.startsWith('--')) {
      return fail(`Unknown option \`${word}\`. Options: \`--dry-run\`, \`--force\`.`, usage);
    } else note.push(word);
  }
  return {
    ok: true,
    command: { kind: 'to', service: service.name, target, reason, dryRun, force, note: note.join(' ') },
  };
}
