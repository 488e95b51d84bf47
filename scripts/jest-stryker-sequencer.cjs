/**
 * Jest test sequencer for mutation testing only (jest.stryker.config.js): each mutant runs only the test files that
 * hold the tests covering it.
 *
 * Stryker's jest runner runs a mutant with `testNamePattern` = the full names of the tests that cover it, but jest
 * still loads every test file of the scope and runs its module and describe code: in ESM mode that is most of the time
 * of a mutant (13 files for `rate`, where one or two hold its tests). Here:
 * - the dry run (no `testNamePattern`) runs everything, and `cacheResults` records which file each test full name is
 *   in (`<rootDir>/.stryker-test-files.json`, in Stryker's sandbox, shared by its test runner processes);
 * - a mutant run (`__STRYKER_ACTIVE_MUTANT__` set, a `testNamePattern`) keeps the files with at least one test whose
 *   full name the pattern matches, as jest itself matches it (case-insensitive regular expression on the full name).
 *   Tests in the other files would be filtered out by jest anyway: the outcome is the same, minus loading them.
 *   The file with the most covering tests comes first (scripts/jest-stryker-runner.cjs stops at the first failure).
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
    const hits = new Map();
    for (const [file, names] of Object.entries(record)) {
      const n = names.filter((name) => re.test(name)).length;
      if (n > 0) hits.set(file, n);
    }
    // The file with the most covering tests first: with scripts/jest-stryker-runner.cjs a killed mutant stops at the
    // first file with a failing test.
    const chosen = sorted.filter((t) => hits.has(t.path)).sort((a, b) => hits.get(b.path) - hits.get(a.path));
    // A pattern that matches no recorded test (a test added since the dry run): every file, as jest would.
    return chosen.length > 0 ? chosen : sorted;
  }

  cacheResults(tests, results) {
    super.cacheResults(tests, results);
    if (this.globalConfig.testNamePattern || process.env.__STRYKER_ACTIVE_MUTANT__) return;
    const record = {};
    for (const r of results.testResults) record[r.testFilePath] = r.testResults.map((t) => t.fullName);
    writeFileSync(this.recordPath(), JSON.stringify(record));
  }
}

module.exports = StrykerSequencer;
