/** Slack user groups, for approvers given as groups. Looked up on demand and cached briefly. */
import type { webApi } from '@slack/bolt';
import type { Logger } from '../log.js';
import type { Directory } from '../workflows/ports.js';

export function createSlackDirectory(
  client: webApi.WebClient,
  options: { cacheSeconds: number; log: Logger; now?: () => number },
): Directory {
  const now = options.now ?? Date.now;
  const cache = new Map<string, { at: number; members: Promise<string[]> }>();

  function members(group: string): Promise<string[]> {
    const hit = cache.get(group);
    if (hit && now() - hit.at < options.cacheSeconds * 1000) return hit.members;
    const lookup = client.usergroups.users.list({ usergroup: group }).then((r) => r.users ?? []);
    cache.set(group, { at: now(), members: lookup });
    lookup.catch((err) => {
      cache.delete(group);
      options.log.warn('user group lookup failed', { usergroup: group, error: err });
    });
    return lookup;
  }

  return {
    async membersOf(groups) {
      // A group that cannot be read grants nobody: failing closed is the safe side of an approval check.
      const lists = await Promise.all(groups.map((g) => members(g).catch(() => [] as string[])));
      return new Set(lists.flat());
    },
  };
}
