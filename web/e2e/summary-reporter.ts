// Prints the plain closing line CI reads: "playwright: N passed, N failed".
import type { FullResult, Reporter, TestCase, TestResult } from "@playwright/test/reporter";

export default class SummaryReporter implements Reporter {
  private passed = 0;
  private failed = 0;
  private skipped = 0;

  onTestEnd(test: TestCase, result: TestResult): void {
    if (result.status === "skipped") this.skipped += 1;
    else if (test.outcome() === "expected" || test.outcome() === "flaky") this.passed += 1;
    else this.failed += 1;
  }

  onEnd(_: FullResult): void {
    console.log(`\nplaywright: ${this.passed} passed, ${this.failed} failed, ${this.skipped} skipped`);
  }
}
