// First-run setup: copies the example env and bot config into place unless they already exist.
import { copyFileSync, existsSync } from 'node:fs';

for (const [example, target] of [
  ['.env.example', '.env'],
  ['rollback-bot.example.toml', 'rollback-bot.toml'],
]) {
  if (existsSync(target)) {
    console.log(`kept ${target}`);
  } else {
    copyFileSync(example, target);
    console.log(`created ${target} from ${example}: fill in your tokens, IDs and URLs`);
  }
}
