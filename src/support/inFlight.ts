/**
 * Work the process has accepted and not finished: HTTP requests being answered and Slack listeners
 * still doing their follow-up after the ack. A drain waits for it to reach zero (bounded by the caller).
 */
export interface InFlight {
  /** Counts `work` until it settles; returns it. */
  track<T>(work: Promise<T>): Promise<T>;
  readonly count: number;
  /** Resolves once nothing is in flight (at once when nothing is). */
  idle(): Promise<void>;
}

export function createInFlight(): InFlight {
  const pending = new Set<Promise<unknown>>();
  let waiters: Array<() => void> = [];
  const settle = () => {
    if (pending.size > 0) return;
    const ready = waiters;
    waiters = [];
    for (const w of ready) w();
  };
  return {
    track(work) {
      const entry = work.finally(() => {
        pending.delete(entry);
        settle();
      });
      pending.add(entry);
      entry.catch(() => undefined);
      return work;
    },
    get count() {
      return pending.size;
    },
    idle() {
      if (pending.size === 0) return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
  };
}
