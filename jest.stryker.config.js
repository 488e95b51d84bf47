/**
 * Jest for mutation testing (npm run mutate, stryker.config.mjs): the unit tests of the pure core only. No global
 * setup (the end-to-end suites that need the bundles are not run: a mutant is judged by the core's own tests), no
 * summary reporter (it would overwrite .jest-results.json).
 */
import base from './jest.config.js';

const TESTS = {
  escape: ['report.test.ts', 'core-escape.test.ts'],
  gate: ['gate.test.ts', 'gate-scope.test.ts', 'core-*.test.ts'],
  rate: ['rate.test.ts', 'rate/*.test.ts', 'gate.test.ts', 'explain.test.ts', 'core-*.test.ts'],
  exceptions: ['exceptions.test.ts', 'approvals.test.ts', 'core-*.test.ts'],
  redact: ['redact.test.ts', 'manual-findings.test.ts', 'ledger-lines.test.ts', 'core-*.test.ts'],
  input: ['fail-closed.test.ts', 'fail-closed-rules.test.ts', 'stream.test.ts', 'core-*.test.ts'],
  ledger: [
    'ledger.test.ts',
    'ledger-merge.test.ts',
    'ledger-dates.test.ts',
    'ledger-shape.test.ts',
    'ledger-compaction.test.ts',
    'ledger-lines.test.ts',
    'metrics.test.ts',
    'core-*.test.ts',
  ],
};
TESTS.all = [...new Set(Object.values(TESTS).flat())];

/**
 * One file of a scope (MUTATE_FILE) whose scope's list holds slow suites that cannot judge it better than its own tests:
 * a shorter list. Fewer tests can only leave more mutants alive, never fewer (the score cannot be inflated this way).
 * shape.ts (the ledger's fast shape check): the compaction test's simulated year and the metrics suites read ledgers
 * too, but only through the same check that ledger-shape.test.ts compares with zod member by member.
 */
const FILE_TESTS = {
  'src/ledger/shape.ts': ['ledger-shape.test.ts', 'ledger.test.ts', 'ledger-merge.test.ts', 'core-*.test.ts'],
};
const only = process.env.MUTATE_FILE !== undefined ? FILE_TESTS[process.env.MUTATE_FILE] : undefined;

export default {
  ...base,
  globalSetup: undefined,
  globalTeardown: undefined,
  reporters: ['default'],
  // Each mutant loads only the test files holding the tests that cover it (see the file).
  testSequencer: '<rootDir>/scripts/jest-stryker-sequencer.cjs',
  // A mutant run stops at the first test file with a failing test (see the file).
  runner: '<rootDir>/scripts/jest-stryker-runner.cjs',
  // Stryker's sandbox holds a copy of package.json: no haste name collision warning per run.
  modulePathIgnorePatterns: ['<rootDir>/.stryker-tmp'],
  // Only the tests of the part being mutated (MUTATE_SCOPE, see stryker.config.mjs): a shorter initial run.
  testMatch: (only ?? TESTS[process.env.MUTATE_SCOPE ?? 'all'] ?? TESTS.all).map((f) => `<rootDir>/__tests__/${f}`),
};
