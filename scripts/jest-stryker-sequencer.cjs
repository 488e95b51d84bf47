/**
 * Jest test sequencer for mutation testing only (jest.stryker.config.js): each mutant runs only the test files that
 * hold the tests covering it.
 *
 * Stryker's jest runner runs a mutant with `testNamePattern` = the full names of the tests that cover it, but jest
 * still loads every test file of the scope and runs its module and describe code: in ESM mode that is most of the time
 * of a mutant (13 files for `rate`, where one or two hold its tests). Here:
 * - the dry run (no `testNamePattern`) runs everything, and `cacheResults` records which file each test full name is
 *   in, and how long it took (`<rootDir>/.stryker-test-files.json`, in Stryker's sandbox, shared by its test runner processes);
 * - a mutant run (`__STRYKER_ACTIVE_MUTANT__` set, a `testNamePattern`) keeps the files with at least one test whose
 *   full name the pattern matches, as jest itself matches it (case-insensitive regular expression on the full name).
 *   Tests in the other files would be filtered out by jest anyway: the outcome is the same, minus loading them.
 *   The file whose covering tests ran fastest comes first (scripts/jest-stryker-runner.cjs stops at the first failure).
 * Without the record (or outside Stryker) it changes nothing.
 */
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;

const RECORD = '.stryker-test-files.json';

class StrykerSequencer extends Sequencer {
  constructor(options) {
    super(options);
    this.globalConfig = options.globalConfig;
  }

  recordPath() {
    return join(this.globalConfig.rootDir, RECORD);
  }

  async sort(tests) {
    const sorted = await super.sort(tests);
    const pattern = this.globalConfig.testNamePattern;
    if (!pattern || !process.env.__STRYKER_ACTIVE_MUTANT__) return sorted;
    let record;
    try {
      record = JSON.parse(readFileSync(this.recordPath(), 'utf8'));
    } catch {
      return sorted; // no dry run recorded here: run every file, as jest would
    }
    const re = new RegExp(pattern, 'i');
    const cost = new Map();
    for (const [file, tests] of Object.entries(record)) {
      const matching = tests.filter(([name]) => re.test(name));
      if (matching.length > 0)
        cost.set(
          file,
          matching.reduce((ms, [, d]) => ms + d, 0),
        );
    }
    // The file whose covering tests took the least time in the dry run first (unit tests of the mutated code, as a
    // rule): with scripts/jest-stryker-runner.cjs a killed mutant stops at the first file with a failing test.
    const chosen = sorted.filter((t) => cost.has(t.path)).sort((a, b) => cost.get(a.path) - cost.get(b.path));
    // A pattern that matches no recorded test (a test added since the dry run): every file, as jest would.
    return chosen.length > 0 ? chosen : sorted;
  }

  cacheResults(tests, results) {
    super.cacheResults(tests, results);
    if (this.globalConfig.testNamePattern || process.env.__STRYKER_ACTIVE_MUTANT__) return;
    const record = {};
    for (const r of results.testResults) record[r.testFilePath] = r.testResults.map((t) => [t.fullName, t.duration ?? 0]);
    writeFileSync(this.recordPath(), JSON.stringify(record));
  }
}

module.exports = StrykerSequencer;
