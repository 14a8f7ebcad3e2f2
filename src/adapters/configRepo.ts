/**
 * The config repository on GitHub: reads the model config file on the base branch, keeping the file's
 * blob sha so a later PR can prove nothing changed under it. One API call per read: rollbacks are
 * counted in calls, and the PR step finds out itself (409) if the file moved meanwhile.
 */
import type { Octokit } from 'octokit';
import { readVersionAt } from '../domain/configFile.js';
import type { ConfigFileAt, ConfigRepo, ConfiguredState } from '../ports/github.js';
import { sharedCalls } from '../support/sharedCalls.js';
import { explainGitHubError, GitHubError } from './github.js';

export { explainGitHubError, GitHubError } from './github.js';

export function createConfigRepo(octokit: Octokit): ConfigRepo {
  // The default branch of a repository changes rarely enough to read it once per process.
  const defaultBranches = sharedCalls<string, string>({ keepMs: Number.POSITIVE_INFINITY });
  function baseBranch(service: ConfigFileAt): Promise<string> {
    if (service.baseBranch) return Promise.resolve(service.baseBranch);
    const { owner, name } = service.repo;
    return defaultBranches.get(`${owner}/${name}`, () =>
      octokit.rest.repos.get({ owner, repo: name }).then((r) => r.data.default_branch),
    );
  }

  // Concurrent reads of one file share a request (a burst of commands, or status during a plan).
  const reads = sharedCalls<string, ConfiguredState>();
  return {
    readConfigured: (service) =>
      reads.get(
        `${service.repo.owner}/${service.repo.name}\u0000${service.baseBranch ?? ''}\u0000${service.configPath}`,
        () => read(service),
      ),
  };

  async function read(service: ConfigFileAt): Promise<ConfiguredState> {
    const { owner, name: repo } = service.repo;
    try {
      const branch = await baseBranch(service);
      const file = await octokit.rest.repos.getContent({
        owner,
        repo,
        path: service.configPath,
        ref: branch,
      });
      const data = file.data;
      if (Array.isArray(data) || data.type !== 'file' || !('content' in data)) {
        throw new GitHubError(`${service.configPath} in ${owner}/${repo} is not a file`);
      }
      const text = Buffer.from(data.content, 'base64').toString('utf8');
      return {
        branch,
        blobSha: data.sha,
        text,
        version: readVersionAt(text, service.versionKey),
        htmlUrl: data.html_url ?? `https://github.com/${owner}/${repo}/blob/${branch}/${service.configPath}`,
      };
    } catch (err) {
      if (err instanceof GitHubError) throw err;
      throw explainGitHubError(err, `reading ${service.configPath} from ${owner}/${repo}`);
    }
  }
}
