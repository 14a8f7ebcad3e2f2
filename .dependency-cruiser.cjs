/**
 * The layers of src/, as rules (checked in .ci/run by `npm run deps`):
 *   domain ← config ← ports ← adapters, workflows ← slack, http, terminal ← app ← main, cli
 * (`words/`: what people read, shared by the Slack layer and the terminal.)
 * Pure rules in domain/ import nothing else; ports (src/ports/) name what workflows need from the
 * outside and import only domain/; adapters implement ports and never see workflows or Slack glue;
 * workflows see ports, never adapters; the Slack, HTTP and terminal layers never import each other.
 * `support` is cross-cutting plumbing (logging, metrics, shared calls) any layer above domain may use.
 *
 * Outside src/: world/ is the local stand-in for everything the bot talks to, shared by the tests, the
 * benchmarks and the demo; so it sees none of them, and the benchmarks and the demo never reach into
 * test/ (what they share with the tests lives in world/).
 */
const DOMAIN = '^src/domain/';
const CONFIG = '^src/config/';
const PORTS = '^src/ports/';
const ADAPTERS = '^src/adapters/';
const WORKFLOWS = '^src/workflows/';
const SLACK = '^src/slack/';
const HTTP = '^src/http/';
const TERMINAL = '^src/terminal/';
const SUPPORT = '^src/support/';
const WORDS = '^src/words/';
const TOP = '^src/((app|background|main|cli|nodeVersion)[.]ts$|app/)';

/** `from` may import only what `allowed` matches (node built-ins and packages aside). */
const only = (name, from, allowed, comment) => ({
  name,
  comment,
  severity: 'error',
  from: { path: from },
  to: { path: '^src/', pathNot: allowed },
});

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'A cycle makes two modules one.',
      from: {},
      to: { circular: true },
    },
    only('domain-is-pure', DOMAIN, [DOMAIN], 'Rules take values and return values.'),
    only('config-reads-domain-only', CONFIG, [DOMAIN, CONFIG]),
    only('ports-name-domain-only', PORTS, [DOMAIN, PORTS], 'Interfaces to the outside speak domain types.'),
    only('support-is-plumbing', SUPPORT, [DOMAIN, SUPPORT]),
    only(
      'words-are-text',
      WORDS,
      [DOMAIN, PORTS, WORDS, SUPPORT],
      'What people read, shared by Slack and the terminal.',
    ),
    only('adapters-implement-ports', ADAPTERS, [DOMAIN, CONFIG, PORTS, ADAPTERS, SUPPORT]),
    only(
      'workflows-use-ports',
      WORKFLOWS,
      [DOMAIN, CONFIG, PORTS, WORKFLOWS, SUPPORT],
      'Never an adapter, Bolt or HTTP.',
    ),
    only('slack-is-glue', SLACK, [DOMAIN, CONFIG, PORTS, WORKFLOWS, SLACK, WORDS, SUPPORT]),
    only('http-is-routes', HTTP, [DOMAIN, CONFIG, PORTS, WORKFLOWS, HTTP, SUPPORT]),
    only('terminal-prints', TERMINAL, [DOMAIN, CONFIG, PORTS, WORKFLOWS, TERMINAL, WORDS, SUPPORT]),
    {
      name: 'nothing-imports-the-top',
      severity: 'error',
      comment: 'The composition root and entry points are imported by nobody below them.',
      from: { path: '^src/', pathNot: TOP },
      to: { path: TOP },
    },
    {
      name: 'world-stands-alone',
      severity: 'error',
      comment: 'The local world serves tests, benchmarks and the demo alike, so it imports none of them.',
      from: { path: '^world/' },
      to: { path: '^(test|bench|demo)/' },
    },
    {
      name: 'bench-and-demo-skip-tests',
      severity: 'error',
      comment: 'What the benchmarks and the demo share with the tests belongs in world/, not test/.',
      from: { path: '^(bench|demo)/' },
      to: { path: '^test/' },
    },
    {
      name: 'src-never-imports-outside',
      severity: 'error',
      comment: 'The shipped code (src/) stands on its own: no fake, test, benchmark or demo in it.',
      from: { path: '^src/' },
      to: { path: '^(world|test|bench|demo)/' },
    },
    {
      name: 'everything-in-a-layer',
      severity: 'error',
      comment: 'A new top-level module must say which layer it belongs to (move it into one).',
      from: { path: '^src/[^/]+[.]ts$', pathNot: TOP },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^dist/' },
  },
};
