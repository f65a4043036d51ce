import fs from 'node:fs';
import type { FullResult, Reporter, Suite } from '@playwright/test/reporter';
import { VITEST_COUNTS, type VitestCounts } from './vitest.counts-reporter.js';

/**
 * Ends the run with the plain `N passed, N failed, N skipped` line that CI reads. Under `npm test`, Vitest ran
 * first in the same chain, so its counts are added and the one line covers the whole suite.
 */
export default class SummaryReporter implements Reporter {
  private root: Suite | undefined;

  printsToStdio(): boolean {
    return true;
  }

  onBegin(_config: unknown, suite: Suite): void {
    this.root = suite;
  }

  onEnd(result: FullResult): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const test of this.root?.allTests() ?? []) {
      const outcome = test.outcome();
      if (outcome === 'expected' || outcome === 'flaky') passed++;
      else if (outcome === 'unexpected') failed++;
      else skipped++;
    }
    // A run that broke before any test (a crash in global setup, a config error) must not read as a pass.
    if (result.status !== 'passed' && failed === 0) failed++;
    if (process.env.npm_lifecycle_event === 'test' && fs.existsSync(VITEST_COUNTS)) {
      const vitest = JSON.parse(fs.readFileSync(VITEST_COUNTS, 'utf8')) as VitestCounts;
      passed += vitest.passed;
      failed += vitest.failed;
      skipped += vitest.skipped;
    }
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
