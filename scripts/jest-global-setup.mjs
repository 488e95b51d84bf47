// Jest global setup: builds the bundles from the current sources into a temporary folder and tells the tests where
// (DEFECT_GATE_DIST, inherited by the test workers). The end-to-end suites (the Action run as the runner runs it, the
// rated SARIF worker thread) run that build, so a change in src/ is tested by `npm test` without `npm run build`.
// The committed dist/ is checked separately by .ci/run (a fresh build must not differ from it).
//
// DEFECT_GATE_DIST set beforehand (e.g. DEFECT_GATE_DIST=dist to test the committed bundles) skips the build.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildBundles } from './build.mjs';

export default async function globalSetup() {
  if (process.env.DEFECT_GATE_DIST) {
    process.env.DEFECT_GATE_DIST = resolve(process.env.DEFECT_GATE_DIST);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'defect-gate-dist-'));
  await buildBundles(dir);
  process.env.DEFECT_GATE_DIST = dir;
  process.env.DEFECT_GATE_DIST_TEMPORARY = '1';
}
