/**
 * A vitest reporter that writes the run's verdict to test-results/verdict.json: every test that did not
 * pass or was not deliberately skipped, and every unhandled error. Vitest 4 exits 0 when a test worker
 * dies (a native crash, a kill): its tests stay "pending" and the run still says "passed". `npm test`
 * checks this file afterwards (scripts/check-test-run.mjs), so such a run fails.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Reporter, SerializedError, TestModule } from 'vitest/node';

export default class Verdict implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, errors: ReadonlyArray<SerializedError>): void {
    const problems: string[] = [];
    let tests = 0;
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        tests++;
        const state = test.result().state;
        if (state === 'failed' || state === 'pending')
          problems.push(`${state}: ${module.moduleId} > ${test.fullName}`);
      }
      if (!module.ok()) problems.push(`module did not finish cleanly: ${module.moduleId}`);
    }
    for (const error of errors) problems.push(`unhandled: ${error.message ?? String(error)}`);
    mkdirSync('test-results', { recursive: true });
    writeFileSync(
      'test-results/verdict.json',
      JSON.stringify({ ok: problems.length === 0, tests, problems }, null, 2),
    );
  }
}
