// The floor: read + JSON.parse of the same file in the same Node. Prints {"ms", "rss"}.
import { readFileSync } from 'node:fs';

const t = performance.now();
const doc = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const ms = performance.now() - t;
process.stdout.write(JSON.stringify({ ms, rss: process.resourceUsage().maxRSS * 1024, runs: doc.runs.length }));
