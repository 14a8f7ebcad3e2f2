/** Slack user groups, for approvers given as groups. Looked up on demand and cached briefly. */
import type { webApi } from '@slack/bolt';
import type { Person } from '../domain/authority.js';
import type { Directory } from '../ports/slack.js';
import type { Logger } from '../support/log.js';
import { sharedCalls } from '../support/sharedCalls.js';

export function createSlackDirectory(
  client: webApi.WebClient,
  options: { cacheSeconds: number; log: Logger; now?: () => number },
): Directory {
  const groups = sharedCalls<string, string[]>({ keepMs: options.cacheSeconds * 1000, now: options.now });
  // Fresh reads are shared only while running: concurrent clicks ask Slack once, later ones ask again.
  const fresh = sharedCalls<string, string[]>();
  const read = (group: string) =>
    client.usergroups.users.list({ usergroup: group }).then(
      (r) => r.users ?? [],
      (err: unknown) => {
        options.log.warn('user group lookup failed', { usergroup: group, error: err });
        throw err;
      },
    );

  const people = sharedCalls<string, Person>({ keepMs: options.cacheSeconds * 1000, now: options.now });
  // The app's own workspace: a person whose team is another is a Slack Connect member.
  const home = sharedCalls<'team', string | undefined>({ keepMs: Number.POSITIVE_INFINITY });
  const homeTeam = () => home.get('team', async () => (await client.auth.test()).team_id);
  const readPerson = async (user: string): Promise<Person> => {
    const [info, team] = await Promise.all([client.users.info({ user }), homeTeam()]);
    const u = info.user;
    if (!u) throw new Error(`Slack knows no user ${user}`);
    return {
      user,
      guest: u.is_restricted === true || u.is_ultra_restricted === true,
      external: team !== undefined && u.team_id !== undefined && u.team_id !== team,
    };
  };

  return {
    person: (user) => people.get(user, () => readPerson(user)),
    async membersOf(list, opts) {
      const members = (g: string) =>
        opts?.fresh ? fresh.get(g, () => read(g)) : groups.get(g, () => read(g));
      // A group that cannot be read grants nobody: failing closed is the safe side of an approval check.
      const lists = await Promise.all(list.map((g) => members(g).catch(() => [] as string[])));
      return new Set(lists.flat());
    },
  };
}
