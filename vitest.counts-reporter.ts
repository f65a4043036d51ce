import fs from 'node:fs';
import path from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

/** Where `npm test` leaves Vitest's counts for the Playwright run after it (playwright.summary-reporter.ts). */
export const VITEST_COUNTS = 'test-results/vitest-counts.json';

export interface VitestCounts {
  passed: number;
  failed: number;
  skipped: number;
}

/** Writes the run's counts, silently: the last line of the output stays the summary line CI reads. */
export default class CountsReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts: VitestCounts = { passed: 0, failed: 0, skipped: 0 };
    for (const module of testModules) {
      const tests = [...module.children.allTests()];
      for (const test of tests) {
        const state = test.result().state;
        if (state === 'passed') counts.passed++;
        else if (state === 'failed') counts.failed++;
        else counts.skipped++;
      }
      if (module.state() === 'failed' && tests.length === 0) counts.failed++;
    }
    fs.mkdirSync(path.dirname(VITEST_COUNTS), { recursive: true });
    fs.writeFileSync(VITEST_COUNTS, JSON.stringify(counts));
  }
}
