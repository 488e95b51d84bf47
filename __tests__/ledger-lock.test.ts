import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { FileLedgerStore } from '../src/ledger/file-store';
import { LedgerLockError } from '../src/ledger/file-lock';
import type { LedgerBook } from '../src/ledger/schema';
import { runCli } from '../src/cli';

/**
 * The file ledger's lock (src/ledger/file-lock.ts): a lock or a temporary file left by a killed run does not block the
 * next run; a lock that is held is waited for, at most the bounded wait, then the run fails with the lock file named.
 */

let dir: string;
let holderJs: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dg-ledger-lock-'));
  holderJs = join(dir, 'holder.mjs');
  // A real writer that takes the ledger lock, starts writing its temporary file, says so and then hangs (to be killed).
  await build({
    stdin: {
      contents: `
        import { writeFileSync } from 'node:fs';
        import { withFileLock } from './src/ledger/file-lock';
        const ledger = process.argv[2];
        await withFileLock(ledger + '.lock', async () => {
          writeFileSync(ledger + '.' + process.pid + '.' + Date.now() + '.tmp', '{"schema": "defect-gate-led');
          process.stdout.write('locked\\n');
          await new Promise(() => setInterval(() => undefined, 1000));
        });`,
      resolveDir: resolve('.'),
      loader: 'ts',
    },
    outfile: holderJs,
    bundle: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'warning',
  });
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts a holder of the lock of `ledger`; resolves once it holds it and has begun its temporary file. */
function holdLock(ledger: string): Promise<ChildProcess> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [holderJs, ledger], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('locked')) ok(child);
    });
    child.on('error', fail);
    child.on('exit', (code) => fail(new Error(`lock holder exited with ${code}`)));
  });
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((ok) => {
    if (child.exitCode !== null || child.signalCode !== null) return ok();
    child.removeAllListeners('exit');
    child.on('exit', () => ok());
    child.kill('SIGKILL');
  });
}

const T = new Date('2026-03-01T00:00:00Z');
const addRun =
  (at: string) =>
  (b: LedgerBook): LedgerBook => ({
    ...b,
    runs: [
      ...b.runs,
      { at, environment: 'default', tools: ['T'], open: {}, new: 0, fixed: 0, reopened: 0, slaBreached: 0, slaDueSoon: 0, verdict: 'pass' },
    ],
  });

function folder(name: string): string {
  const d = join(dir, name);
  mkdirSync(d);
  return d;
}

describe('file ledger lock', () => {
  it('a lock and a temporary file left by a killed run: the next run removes them and writes', async () => {
    const d = folder('killed');
    const ledger = join(d, 'ledger.json');
    const store = new FileLedgerStore(ledger, () => T);
    await store.update('default', addRun('2026-02-01T00:00:00.000Z'));
    const holder = await holdLock(ledger);
    try {
      expect(readdirSync(d).sort()).toEqual(
        ['ledger.json', `ledger.json.${holder.pid}.`, 'ledger.json.lock'].map((f) => expect.stringContaining(f)),
      );
    } finally {
      await killed(holder); // SIGKILL: no cleanup of its own
    }
    const notes: string[] = [];
    const next = new FileLedgerStore(ledger, () => T, 'ledger.json', { waitMs: 10_000, onStale: (m) => notes.push(m) });
    await next.update('default', addRun('2026-03-01T00:00:00.000Z'));
    expect((await next.read('default'))?.runs.map((r) => r.at)).toEqual(['2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z']);
    expect(readdirSync(d)).toEqual(['ledger.json']);
    expect(notes).toEqual([
      expect.stringContaining(`removed the ledger lock ${ledger}.lock left by a run that did not finish (process ${holder.pid} `),
    ]);
  });

  it('a lock held by a running process is waited for, then the run fails naming the lock file; the ledger is untouched', async () => {
    const d = folder('held');
    const ledger = join(d, 'ledger.json');
    await new FileLedgerStore(ledger, () => T).update('default', addRun('2026-02-01T00:00:00.000Z'));
    const before = readFileSync(ledger, 'utf8');
    const holder = await holdLock(ledger);
    try {
      const store = new FileLedgerStore(ledger, () => T, 'ledger.json', { waitMs: 300 });
      const started = Date.now();
      const err = await store.update('default', addRun('2026-03-01T00:00:00.000Z')).catch((e: unknown) => e);
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
      expect(err).toBeInstanceOf(LedgerLockError);
      expect((err as Error).message).toBe(
        `${ledger}.lock: the ledger is locked by process ${holder.pid} on ${hostname()} since ${JSON.parse(readFileSync(`${ledger}.lock`, 'utf8')).at}; gave up after 300 ms. ` +
          `If no defect-gate run is writing this ledger any more, delete ${ledger}.lock and run again; the ledger was not written.`,
      );
      expect(readFileSync(ledger, 'utf8')).toBe(before);

      // The CLI: the run fails (exit 2) with that message, instead of passing without its run in the ledger.
      writeFileSync(join(d, 'r.sarif'), JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { name: 'T' } }, results: [] }] }));
      let stderr = '';
      const code = await runCli(['check', 'r.sarif', '--ledger', 'file:ledger.json'], {
        stdout: () => undefined,
        stderr: (s) => (stderr += s),
        cwd: d,
        env: { DEFECT_GATE_LEDGER_LOCK_WAIT_MS: '200' },
        isTTY: false,
        now: () => new Date('2026-03-01T00:00:00Z'),
      });
      expect(code).toBe(2);
      expect(stderr).toContain(`defect-gate: ${ledger}.lock: the ledger is locked by process ${holder.pid}`);
      expect(stderr).toContain(`delete ${ledger}.lock and run again`);
      expect(readFileSync(ledger, 'utf8')).toBe(before);
    } finally {
      await killed(holder);
    }
  });

  it('removes an empty lock file only when it is old (a writer killed between creating and filling it)', async () => {
    const d = folder('empty');
    const ledger = join(d, 'ledger.json');
    writeFileSync(`${ledger}.lock`, '');
    const store = new FileLedgerStore(ledger, () => T, 'ledger.json', { waitMs: 200 });
    await expect(store.update('default', addRun('2026-03-01T00:00:00.000Z'))).rejects.toThrow(LedgerLockError);
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${ledger}.lock`, old, old);
    await store.update('default', addRun('2026-03-01T00:00:00.000Z'));
    expect(readdirSync(d)).toEqual(['ledger.json']);
  });

  it('does not remove a lock of another machine (its process cannot be checked from here)', async () => {
    const d = folder('foreign');
    const ledger = join(d, 'ledger.json');
    const lock = JSON.stringify({ pid: 2 ** 22 + 7, host: `not-${hostname()}`, at: '2026-03-01T00:00:00.000Z', token: 'x' });
    writeFileSync(`${ledger}.lock`, lock);
    const store = new FileLedgerStore(ledger, () => T, 'ledger.json', { waitMs: 200 });
    await expect(store.update('default', addRun('2026-03-01T00:00:00.000Z'))).rejects.toThrow(
      `the ledger is locked by process ${2 ** 22 + 7} on not-${hostname()}`,
    );
    expect(readFileSync(`${ledger}.lock`, 'utf8')).toBe(lock);
    expect(existsSync(ledger)).toBe(false);
  });

  it('updates of one process take turns too', async () => {
    const d = folder('inprocess');
    const ledger = join(d, 'ledger.json');
    const store = new FileLedgerStore(ledger, () => T);
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.update('default', addRun(`2026-03-01T00:00:0${i}.000Z`))));
    expect((await store.read('default'))?.runs).toHaveLength(10);
    expect(readdirSync(d)).toEqual(['ledger.json']);
  });
});
