// Loaded with `node --import ./bench/rss-hook.mjs …`: at exit, writes the process's peak RSS (bytes) and its CPU time
// (user + system, all threads, ms) to $BENCH_RSS_OUT, one per line.
import { writeFileSync } from 'node:fs';

const out = process.env.BENCH_RSS_OUT;
if (out) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    writeFileSync(out, `${u.maxRSS * 1024}\n${(u.userCPUTime + u.systemCPUTime) / 1000}\n`);
  });
}
