// Removes the temporary build made by scripts/jest-global-setup.mjs (never a folder it did not create).
import { rmSync } from 'node:fs';

export default async function globalTeardown() {
  if (process.env.DEFECT_GATE_DIST_TEMPORARY === '1' && process.env.DEFECT_GATE_DIST) {
    rmSync(process.env.DEFECT_GATE_DIST, { recursive: true, force: true });
  }
}
