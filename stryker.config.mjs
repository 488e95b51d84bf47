// Mutation testing of the pure core: `npm run mutate` (all of it) or one part at a time:
//   MUTATE_SCOPE=gate npm run mutate        (rate | gate | exceptions | ledger | escape)
// Each scope keeps its own incremental file (reports/stryker-incremental-<scope>.json), so a rerun tests only the
// mutants whose code or tests changed. Not part of .ci/run (minutes to hours on a small machine). Scores are recorded
// in docs/development.md.
const SCOPES = {
  rate: ['src/rate/**/*.ts'],
  gate: ['src/gate/**/*.ts'],
  // With the exceptions section's compile step and version ranges (src/policy/ since issue #15).
  exceptions: ['src/exceptions/**/*.ts', 'src/policy/exceptions.ts', 'src/policy/version-range.ts'],
  // The pure ledger (merge, SLA clocks, format checks), not the stores (file, branch).
  ledger: ['src/ledger/track.ts', 'src/ledger/sla.ts', 'src/ledger/schema.ts'],
  escape: ['src/text/escape.ts'],
};
const scope = process.env.MUTATE_SCOPE ?? 'all';
if (scope !== 'all' && !(scope in SCOPES)) throw new Error(`MUTATE_SCOPE=${scope}: expected one of ${Object.keys(SCOPES).join(', ')}`);
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  // jest runs in ESM mode (ts-jest useESM), which needs the VM modules flag in the test runner's process.
  testRunnerNodeArgs: ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning'],
  jest: { projectType: 'custom', configFile: 'jest.stryker.config.js', enableFindRelatedTests: false },
  // The TypeScript checker (STRYKER_CHECK_TYPES=1) drops mutants that do not compile, at the cost of a type check per
  // mutant; without it they run as JavaScript (ts-jest diagnostics are off) and most are killed anyway.
  ...(process.env.STRYKER_CHECK_TYPES === '1'
    ? { checkers: ['typescript'], tsconfigFile: 'tsconfig.json', typescriptChecker: { prioritizePerformanceOverAccuracy: true } }
    : {}),
  // Static mutants (module-level constants) rerun every test; they are left out by default on small machines
  // (STRYKER_STATIC=1 includes them).
  ignoreStatic: process.env.STRYKER_STATIC !== '1',
  mutate: scope === 'all' ? Object.values(SCOPES).flat() : SCOPES[scope],
  coverageAnalysis: 'perTest',
  incremental: true,
  incrementalFile: `reports/stryker-incremental-${scope}.json`,
  concurrency: 2,
  timeoutMS: 20000,
  reporters: ['clear-text', 'progress-append-only', 'json'],
  jsonReporter: { fileName: `reports/mutation/${scope}.json` },
  thresholds: { high: 85, low: 70, break: null },
  ignorePatterns: ['dist', 'bench/out', 'coverage', 'reports', '.stryker-tmp'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
