/**
 * One helper for "concurrent callers share one call" and "keep the answer a while": the bucket listing,
 * the config file, healthcheck reads, user groups, a service's status. A failed call is never kept, so
 * the next caller tries again.
 */
export interface SharedCalls<K, V> {
  /** The running or kept call for `key`, or `run()` started now and shared. */
  get(key: K, run: () => Promise<V>): Promise<V>;
  /** Forgets everything kept (calls already running still finish for their callers). */
  clear(): void;
}

export function sharedCalls<K, V>(
  options: {
    /** How long a result is kept after it arrived: 0 (default) only while running, Infinity forever. */
    readonly keepMs?: number;
    readonly now?: () => number;
  } = {},
): SharedCalls<K, V> {
  const keepMs = options.keepMs ?? 0;
  const now = options.now ?? Date.now;
  const entries = new Map<K, { promise: Promise<V>; settledAt?: number }>();
  return {
    get(key, run) {
      const hit = entries.get(key);
      if (hit && (hit.settledAt === undefined || now() - hit.settledAt < keepMs)) return hit.promise;
      const entry: { promise: Promise<V>; settledAt?: number } = { promise: run() };
      entries.set(key, entry);
      entry.promise.then(
        () => {
          if (entries.get(key) !== entry) return;
          if (keepMs > 0) entry.settledAt = now();
          else entries.delete(key);
        },
        () => {
          if (entries.get(key) === entry) entries.delete(key);
        },
      );
      return entry.promise;
    },
    clear() {
      entries.clear();
    },
  };
}

/** Lets pending I/O (new Slack requests among it) run before the caller goes on. */
export const yieldToIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const turns: Array<() => void> = [];
function nextOne(): void {
  turns.shift()?.();
  if (turns.length > 0) setImmediate(nextOne);
}

/**
 * Waits for a turn of the event loop of one's own: callers resume one per turn, in order, with pending
 * I/O between each. Fifty follow-ups released together (a shared answer arriving) then cannot hold the
 * loop in one go, and other people's requests are acknowledged between them.
 */
export function takeTurn(): Promise<void> {
  return new Promise((resolve) => {
    turns.push(resolve);
    if (turns.length === 1) setImmediate(nextOne);
  });
}
