#!/usr/bin/env node
import { runCli } from './cli/index';

/** The `defect-gate` executable (dist/cli.js). */
try {
  process.exitCode = await runCli(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    cwd: process.cwd(),
    env: process.env,
    isTTY: process.stdout.isTTY === true,
    now: () => new Date(),
  });
} catch (err) {
  process.stderr.write(`defect-gate: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 2;
}
