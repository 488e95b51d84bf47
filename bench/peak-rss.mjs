// The peak resident set size of this process, in bytes, for the bench's children (bench/rss-hook.mjs, bench/floor.mjs).
// On Linux it is VmHWM of /proc/self/status, the high-water mark of this process's own memory. Not
// `process.resourceUsage().maxRSS` (getrusage's ru_maxrss): Linux keeps that figure across fork and exec, so a child
// reports at least the RSS its parent had when it spawned it — a `node -e 0` spawned by a bench holding 1.5 GB reports
// 1.5 GB. Elsewhere (no /proc) maxRSS is all there is: run the bench's modules alone there to read their RSS.
import { readFileSync } from 'node:fs';

/** @returns {number} bytes */
export function peakRss() {
  try {
    const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kb !== undefined) return Number(kb) * 1024;
  } catch {
    // not Linux: below
  }
  return process.resourceUsage().maxRSS * 1024;
}
