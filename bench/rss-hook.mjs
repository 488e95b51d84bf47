// Loaded with `node --import ./bench/rss-hook.mjs …`: at exit, writes the process's peak RSS (bytes, see
// bench/peak-rss.mjs for why not `process.resourceUsage().maxRSS`) and its CPU time (user + system, all threads, ms)
// to $BENCH_RSS_OUT, one per line.
import { writeFileSync } from 'node:fs';
import { peakRss } from './peak-rss.mjs';

const out = process.env.BENCH_RSS_OUT;
if (out) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    writeFileSync(out, `${peakRss()}\n${(u.userCPUTime + u.systemCPUTime) / 1000}\n`);
  });
}
