import { resolve } from 'node:path';

/**
 * The folder of the bundles the end-to-end tests run: the build of the current sources made by the jest global setup
 * (scripts/jest-global-setup.mjs), or the folder named by DEFECT_GATE_DIST. Never silently the committed dist/: a test
 * run without the global setup fails here instead of testing stale bundles.
 */
export function distDir(): string {
  const dir = process.env.DEFECT_GATE_DIST;
  if (!dir) throw new Error('DEFECT_GATE_DIST is not set: run the tests with `npm test` (jest.config.js globalSetup builds the bundles)');
  return resolve(dir);
}
