// Loaded with `node --import ./bench/rss-hook.mjs …`: writes the process's peak RSS (bytes) to $BENCH_RSS_OUT at exit.
import { writeFileSync } from 'node:fs';

const out = process.env.BENCH_RSS_OUT;
if (out) process.on('exit', () => writeFileSync(out, String(process.resourceUsage().maxRSS * 1024)));
