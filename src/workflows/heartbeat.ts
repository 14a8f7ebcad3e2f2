/**
 * This process's heartbeat in the database: every `intervalMs` it says it is alive for three intervals
 * more. Claims (leases, thread posts, cards) name their holder, and any replica may take over a claim
 * whose holder's heartbeat lapsed, so work a killed process held resumes within seconds instead of
 * after the claim's own expiry. The timer is independent of any round (a slow round never makes a live
 * process look dead) and unref'd (it never keeps a stopping process up).
 */
import type { Store } from '../ports/store.js';
import type { Logger } from '../support/log.js';

/** A replica counts as dead this many heartbeat intervals after its last one. */
export const ALIVE_INTERVALS = 3;

export interface Heartbeat {
  /** Stops beating and says so: what this process still holds may be taken over at once. */
  stop(): Promise<void>;
}

export async function startHeartbeat(
  store: Store,
  replicaId: string,
  options: { readonly intervalMs: number; readonly log: Logger },
): Promise<Heartbeat> {
  const { intervalMs, log } = options;
  let beating: Promise<void> | undefined;
  let failing = false;
  const beat = () => {
    beating ??= store
      .heartbeat(replicaId, intervalMs * ALIVE_INTERVALS)
      .then(
        () => {
          if (failing) log.info('heartbeat written again', { replica: replicaId });
          failing = false;
        },
        (err) => {
          if (!failing) log.warn('the heartbeat could not be written', { replica: replicaId, error: err });
          failing = true;
        },
      )
      .finally(() => {
        beating = undefined;
      });
    return beating;
  };
  // Before any claim is made: a claim of a process without a heartbeat only ends with its own expiry.
  await beat();
  const timer = setInterval(() => void beat(), intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await beating;
      await store.retire(replicaId).catch((err) => log.warn('retiring the heartbeat failed', { error: err }));
    },
  };
}
