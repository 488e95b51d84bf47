// Mutation testing of the pure core: `npm run mutate` (all of it) or one part at a time:
//   MUTATE_SCOPE=gate npm run mutate        (rate | gate | exceptions | ledger | escape | redact | input)
// Each scope keeps its own incremental file (reports/stryker-incremental-<scope>.json), so a rerun tests only the
// mutants whose code or tests changed. Not part of .ci/run (minutes to hours on a small machine). Scores are recorded
// in docs/development.md; `node scripts/mutation-summary.mjs` prints them per folder from the JSON reports.
// One file of a scope, with the scope's tests, its own incremental file and report (reports/mutation/<scope>--<file>.json,
// counted by the summary for that file when it is newer than the scope's report): on a loaded machine a whole scope may
// not finish in one sitting, one file does.
//   MUTATE_SCOPE=rate MUTATE_FILE=src/rate/group.ts npm run mutate
export const SCOPES = {
  rate: ['src/rate/**/*.ts'],
  gate: ['src/gate/**/*.ts'],
  // With the exceptions section's compile step and version ranges (src/policy/ since issue #15).
  exceptions: ['src/exceptions/**/*.ts', 'src/policy/exceptions.ts', 'src/policy/version-range.ts'],
  // The pure ledger (merge, SLA clocks, format checks and the fast shape check, compaction, day counts), not the stores
  // (file, branch) nor the lock.
  ledger: [
    'src/ledger/track.ts',
    'src/ledger/sla.ts',
    'src/ledger/schema.ts',
    'src/ledger/shape.ts',
    'src/ledger/compact.ts',
    'src/ledger/time.ts',
    'src/ledger/lines.ts',
  ],
  escape: ['src/text/escape.ts'],
  // Secret redaction of scanner text and of JSON documents written back (rated SARIF).
  redact: ['src/redact/**/*.ts'],
  // The fail-closed checks of input files that are not the streaming reader: JSON syntax positions, long strings cut,
  // nesting depth pruned.
  input: ['src/ingest/json.ts', 'src/ingest/depth.ts'],
};
const scope = process.env.MUTATE_SCOPE ?? 'all';
if (scope !== 'all' && !(scope in SCOPES)) throw new Error(`MUTATE_SCOPE=${scope}: expected one of ${Object.keys(SCOPES).join(', ')}`);
const file = process.env.MUTATE_FILE;
const inScope = (f, globs) =>
  globs.some((g) => (g.endsWith('/**/*.ts') ? f.startsWith(g.slice(0, -'**/*.ts'.length)) && f.endsWith('.ts') : f === g));
if (file !== undefined && (scope === 'all' || !inScope(file, SCOPES[scope])))
  throw new Error(
    `MUTATE_FILE=${file}: expected a file of MUTATE_SCOPE (${scope === 'all' ? 'set MUTATE_SCOPE too' : SCOPES[scope].join(', ')})`,
  );
const name = file === undefined ? scope : `${scope}--${file.replace(/^.*\//, '').replace(/\.ts$/, '')}`;
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
  mutate: file !== undefined ? [file] : scope === 'all' ? Object.values(SCOPES).flat() : SCOPES[scope],
  coverageAnalysis: 'perTest',
  incremental: true,
  incrementalFile: `reports/stryker-incremental-${name}.json`,
  concurrency: 2,
  timeoutMS: 20000,
  reporters: ['clear-text', 'progress-append-only', 'json'],
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  thresholds: { high: 85, low: 70, break: null },
  ignorePatterns: ['dist', 'bench/out', 'coverage', 'reports', '.stryker-tmp'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
