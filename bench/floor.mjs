// The floor: read + JSON.parse of the same file in the same Node. Prints {"ms", "rss", "runs"}.
// `node bench/floor.mjs FILE [BYTES OUT]`: then also serializes the parsed results again with JSON.stringify, as many
// times over as it takes to make BYTES bytes of JSON, and writes them to OUT (removed after): the floor plus making
// and writing as much JSON as the check's outputs hold, with V8's own serializer and nothing else.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { peakRss } from './peak-rss.mjs';

const t = performance.now();
const doc = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const [toWrite, out] = [Number(process.argv[3] ?? 0), process.argv[4]];
if (toWrite > 0 && out) {
  const results = doc.runs.flatMap((r) => r.results ?? []);
  const fd = openSync(out, 'w');
  for (let left = toWrite, i = 0; left > 0 && results.length > 0; i = (i + 64) % results.length) {
    const text = JSON.stringify(results.slice(i, i + 64));
    writeSync(fd, text);
    left -= Buffer.byteLength(text);
  }
  closeSync(fd);
}
const ms = performance.now() - t;
if (out) rmSync(out, { force: true });
process.stdout.write(JSON.stringify({ ms, rss: peakRss(), runs: doc.runs.length }));
