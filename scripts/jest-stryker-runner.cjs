/**
 * Jest runner for mutation testing only (jest.stryker.config.js): a mutant run stops at the first test file with a
 * failing test. Stryker's jest runner cannot use jest's `bail` (in a single run jest exits the process when it bails)
 * and so runs every file that holds a covering test, even after the mutant is killed; Stryker itself only needs one
 * failing test (its `disableBail` is off by default). A mutant that survives still runs every file: only the time of
 * killed mutants changes, never a status. Outside a mutant run (`__STRYKER_ACTIVE_MUTANT__` unset) it is jest's runner.
 */
const TestRunner = require('jest-runner').default;

class BailOnFirstFailingFile extends TestRunner {
  async runTests(tests, watcher, options) {
    if (!process.env.__STRYKER_ACTIVE_MUTANT__ || !options.serial || tests.length < 2) return super.runTests(tests, watcher, options);
    let failed = false;
    const offSuccess = this.on('test-file-success', ([, result]) => {
      if (result.numFailingTests > 0 || result.testExecError) failed = true;
    });
    const offFailure = this.on('test-file-failure', () => {
      failed = true;
    });
    try {
      for (const test of tests) {
        if (failed) break;
        await super.runTests([test], watcher, options);
      }
    } finally {
      offSuccess();
      offFailure();
    }
  }
}

module.exports = BailOnFirstFailingFile;
