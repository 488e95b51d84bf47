// Writes jest's totals to .jest-results.json so .ci/run can print the closing "N passed, N failed" line.
const fs = require('node:fs');
class SummaryReporter {
  onRunComplete(_contexts, results) {
    fs.writeFileSync(
      '.jest-results.json',
      JSON.stringify({
        passed: results.numPassedTests,
        failed: results.numFailedTests,
        skipped: results.numPendingTests + results.numTodoTests,
        suitesFailed: results.numFailedTestSuites + results.numRuntimeErrorTestSuites,
      }),
    );
  }
}
module.exports = SummaryReporter;
