// Fails when the last vitest run left a test unfinished or an unhandled error (see test/support/verdict.ts).
import { readFileSync } from 'node:fs';

const verdict = JSON.parse(readFileSync('test-results/verdict.json', 'utf8'));
if (!verdict.ok) {
  console.error(`The test run did not pass cleanly (${verdict.problems.length} problem(s)):`);
  for (const problem of verdict.problems.slice(0, 50)) console.error(`  - ${problem}`);
  process.exit(1);
}
console.log(`All ${verdict.tests} tests finished cleanly.`);
