/**
 * Requests whose card was never posted: the replica that stored one died before posting it. Left alone,
 * such a request is invisible and blocks every new one for its service. Post the card now, or, if the
 * request expired meanwhile, end it and say so in the channel.
 */

import type { WorkflowDeps } from '../ports.js';
import { audit } from './audit.js';
import { expireIfDue } from './decide.js';

export async function repairCardless(deps: WorkflowDeps, graceMs: number): Promise<number> {
  let repaired = 0;
  for (const request of await deps.store.withoutCard(new Date(deps.now().getTime() - graceMs))) {
    const lease = `card:${request.id}`;
    if (!(await deps.store.acquireLease(lease, deps.replicaId, 60_000))) continue;
    try {
      const fresh = await deps.store.getRequest(request.id);
      if (!fresh || fresh.cardTs) continue;
      if (await expireIfDue(deps, fresh)) {
        repaired++;
        continue;
      }
      const card = await deps.cards.publish(fresh);
      await deps.store.update(fresh.id, { cardTs: card.ts, channel: card.channel });
      await audit(deps, { requestId: fresh.id, service: fresh.service, kind: 'card_repaired' });
      deps.log.warn('posted the card of a request whose card was never posted', { request: fresh.id });
      repaired++;
    } catch (err) {
      deps.log.error('posting a missing card failed', { request: request.id, error: err });
    } finally {
      await deps.store.releaseLease(lease, deps.replicaId).catch(() => undefined);
    }
  }
  return repaired;
}
