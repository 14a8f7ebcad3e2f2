// First-run setup: copies the example env and bot config into place unless they already exist.
// `.env` holds the bot's tokens: it is created readable by its owner only (0600), and an existing one
// that others can read is tightened, whatever the umask or the example file's own mode.
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';

// The same refusal as every entry point's (src/nodeVersion.ts), from package.json's engines: setting up
// on a Node.js the bot cannot run on would only postpone the surprise.
const required = Number(/\d+/.exec(JSON.parse(readFileSync('package.json', 'utf8')).engines.node)[0]);
if (Number.parseInt(process.versions.node, 10) < required) {
  process.stderr.write(
    `rollback-bot needs Node.js ${required} or later, this is Node.js ${process.versions.node}: install Node.js ${required} or 24 (https://nodejs.org, or \`nvm install 24\`), or run \`bash .ci/run\`, which takes Node.js 24 from the npm registry\n`,
  );
  process.exit(1);
}

const files = [
  { example: '.env.example', target: '.env', mode: 0o600 },
  { example: 'rollback-bot.example.toml', target: 'rollback-bot.toml' },
];

for (const { example, target, mode } of files) {
  if (existsSync(target)) {
    console.log(`kept ${target}`);
  } else {
    // Created with its final mode (`wx`: never over a file that appeared meanwhile), so it is never
    // readable by others, not even for an instant.
    writeFileSync(target, readFileSync(example), { flag: 'wx', ...(mode ? { mode } : {}) });
    console.log(`created ${target} from ${example}: fill in your tokens, IDs and URLs`);
  }
  const current = statSync(target).mode & 0o777;
  if (mode !== undefined && (current & 0o077) !== 0) {
    const owner = current & 0o700;
    chmodSync(target, owner);
    console.log(`${target} is now readable by its owner only (mode 0${owner.toString(8)}): it holds secrets`);
  }
}
