/** Jest in ESM mode with ts-jest (see package.json "test"). */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json', 'yml'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }],
    '^.+\\.yml$': '<rootDir>/scripts/jest-text-transform.cjs',
  },
  testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
  testTimeout: 30000,
  // Builds the bundles from the current sources into a temporary folder for the end-to-end suites (DEFECT_GATE_DIST).
  globalSetup: '<rootDir>/scripts/jest-global-setup.mjs',
  globalTeardown: '<rootDir>/scripts/jest-global-teardown.mjs',
  reporters: ['default', ['<rootDir>/scripts/jest-summary-reporter.cjs', {}]],
};
