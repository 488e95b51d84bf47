#!/usr/bin/env node
import module from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli/index';

/** The `defect-gate` executable (dist/cli.js). */

// Node's compile cache (Node ≥ 22.1; absent on Node 20, where this does nothing): the command's chunks (imported by
// runCli) are compiled once and their code cache reused by later runs, which start that much faster (issue #21). It
// lives in the user's own cache folder, not in a shared temporary folder where another user could plant compiled code;
// NODE_COMPILE_CACHE=DIR chooses another folder, NODE_DISABLE_COMPILE_CACHE=1 turns it off (both Node's own). A cache
// that cannot be created (read-only home) is no error: Node says so in the returned status and runs uncached.
const enableCompileCache = (module as { enableCompileCache?: (dir?: string) => unknown }).enableCompileCache;
if (enableCompileCache && !process.env.NODE_COMPILE_CACHE) {
  const cacheHome = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  enableCompileCache(join(cacheHome, 'defect-gate', 'node-compile-cache'));
}

// `defect-gate … | head`: a reader that stops early closes the pipe; that is not an error of ours.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(process.exitCode ?? 0);
  });
}
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
