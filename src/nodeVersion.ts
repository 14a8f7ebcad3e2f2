/**
 * Refuses a Node.js too old for the bot, in one line, before anything else is loaded. On Node 20,
 * better-sqlite3 13 crashes the process with a segfault (and the AWS SDK warns first), which says
 * nothing about the cause. Every entry point imports this module FIRST: ES modules run in import order,
 * so with no import of its own it exits before any later import (better-sqlite3 among them) is run.
 * The bound is package.json's `engines` (test/nodeVersion.test.ts keeps the two equal).
 */

export const REQUIRED_NODE_MAJOR = 22;

/** The line to print when `version` (e.g. "20.20.2") is too old, or undefined. */
export function nodeVersionProblem(version: string): string | undefined {
  const major = Number.parseInt(version.replace(/^v/, ''), 10);
  if (Number.isInteger(major) && major >= REQUIRED_NODE_MAJOR) return undefined;
  return `rollback-bot needs Node.js ${REQUIRED_NODE_MAJOR} or later, this is Node.js ${version}: install Node.js ${REQUIRED_NODE_MAJOR} or 24 (https://nodejs.org, or \`nvm install 24\`), or run \`bash .ci/run\`, which takes Node.js 24 from the npm registry`;
}

const problem = nodeVersionProblem(process.versions.node);
if (problem !== undefined) {
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}
