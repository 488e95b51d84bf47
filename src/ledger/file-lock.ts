import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { LedgerError } from './schema';
import { errorMessage } from '../errors';

/**
 * An exclusive lock beside a ledger file (`<ledger>.lock`), held while a run reads, merges and writes it, so that
 * concurrent runs on one machine (a matrix job, two pipelines on one agent) each add their run and lose none.
 *
 * The lock file is created with O_EXCL and holds who took it: `{pid, host, at, token}`. A lock left by a killed run
 * (its process is gone: same host, no such pid) is removed by the next run; removing it is done under a second,
 * short-lived lock (`<ledger>.lock.break`) after reading the lock again, so two runs that both found it stale cannot
 * remove a lock a third run has just taken. A lock of another host, or of a live process, is waited for, at most
 * `waitMs`; then a LedgerLockError names the lock file and what to do.
 *
 * Why not `proper-lockfile`: its staleness is the lock's mtime, refreshed by a timer; a run that holds the event loop
 * longer than the stale time (parsing and writing a large ledger is synchronous) has its lock taken over, which is the
 * lost update this lock exists to prevent. Its last release is from 2021, with three dependencies.
 */

export class LedgerLockError extends LedgerError {
  constructor(
    readonly lockFile: string,
    message: string,
  ) {
    super(lockFile, message);
    this.name = 'LedgerLockError';
  }
}

interface Holder {
  pid: number;
  host: string;
  at: string;
  token: string;
}

export interface LockOptions {
  /** How long to wait for another run's lock; default 120 s. */
  waitMs?: number;
  /** Time to sleep between tries (jittered up to twice this); default 25 ms. */
  pollMs?: number;
}

export const DEFAULT_LOCK_WAIT_MS = 120_000;
/** A break lock older than this was left by a process killed while breaking a stale lock (it is held for microseconds). */
const BREAK_STALE_MS = 10_000;
/** A lock file still empty after this long was left by a process killed between creating and filling it. */
const EMPTY_STALE_MS = 10_000;

function readHolder(path: string): { holder?: Holder; text: string } | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const v = JSON.parse(text) as Partial<Holder>;
    if (typeof v.pid === 'number' && typeof v.host === 'string' && typeof v.token === 'string') {
      return { holder: { pid: v.pid, host: v.host, at: String(v.at), token: v.token }, text };
    }
  } catch {
    // an empty or partly written lock: judged by its age
  }
  return { text };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists, owned by another user.
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

function ageMs(path: string): number | undefined {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Why the lock at `path` (content `seen`) may be removed, or undefined while its holder may still be running. */
function staleReason(path: string, seen: { holder?: Holder; text: string }): string | undefined {
  const h = seen.holder;
  if (!h) {
    const age = ageMs(path);
    return age !== undefined && age > EMPTY_STALE_MS ? `an unreadable lock file ${Math.round(age / 1000)} s old` : undefined;
  }
  if (h.host === hostname() && h.pid !== process.pid && !alive(h.pid)) return `process ${h.pid} that took it at ${h.at} is gone`;
  return undefined;
}

function createExclusive(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** Removes the lock at `path` if it is still the stale one seen (`seenText`); true when it is gone. */
function breakStale(path: string, seenText: string): boolean {
  const breaker = `${path}.break`;
  if (!createExclusive(breaker, `${process.pid}\n`)) {
    const age = ageMs(breaker);
    if (age !== undefined && age > BREAK_STALE_MS) unlinkQuietly(breaker);
    return false;
  }
  try {
    const now = readHolder(path);
    if (!now) return true;
    if (now.text !== seenText) return false; // taken again meanwhile: not ours to remove
    unlinkQuietly(path);
    return true;
  } finally {
    unlinkQuietly(breaker);
  }
}

/**
 * Runs `work` holding the lock `path`. `onStale` is told when a lock left by a killed run was removed.
 * Throws LedgerLockError when the lock cannot be had within `waitMs`.
 */
export async function withFileLock<T>(
  path: string,
  work: () => T | Promise<T>,
  opts: LockOptions & { onStale?: (why: string) => void } = {},
): Promise<T> {
  const waitMs = opts.waitMs ?? DEFAULT_LOCK_WAIT_MS;
  const pollMs = opts.pollMs ?? 25;
  const me: Holder = { pid: process.pid, host: hostname(), at: new Date().toISOString(), token: randomBytes(8).toString('hex') };
  const mine = `${JSON.stringify(me)}\n`;
  const deadline = Date.now() + waitMs;
  let last: { holder?: Holder; text: string } | undefined;
  for (;;) {
    let created: boolean;
    try {
      created = createExclusive(path, mine);
    } catch (err) {
      throw new LedgerLockError(path, `cannot create the ledger lock: ${errorMessage(err)} (the ledger's folder must be writable)`);
    }
    if (created) break;
    last = readHolder(path);
    if (last) {
      const why = staleReason(path, last);
      if (why && breakStale(path, last.text)) {
        opts.onStale?.(`removed the ledger lock ${path} left by a run that did not finish (${why})`);
        continue;
      }
    }
    if (Date.now() >= deadline) {
      const h = last?.holder;
      const who = h ? `process ${h.pid} on ${h.host} since ${h.at}` : 'another run';
      throw new LedgerLockError(
        path,
        `the ledger is locked by ${who}; gave up after ${waitMs < 10_000 ? `${waitMs} ms` : `${Math.round(waitMs / 1000)} s`}. ` +
          `If no defect-gate run is writing this ledger any more, delete ${path} and run again; the ledger was not written.`,
      );
    }
    await sleep(pollMs + Math.floor(Math.random() * pollMs));
  }
  try {
    return await work();
  } finally {
    const still = readHolder(path);
    if (still?.text === mine) unlinkQuietly(path);
  }
}
