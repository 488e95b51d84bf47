// `node bench/org.mjs [--repos=5000] [--latency=50] [--node=PATH] [--cli=dist/cli.js]`: `defect-gate report --org` (dist/cli.js: run
// `npm run build` first) against a simulated organization (__tests__/support/org-sim.ts, bundled here with esbuild):
// N repositories with realistic ledgers written by the ledger branch store's writer, GitHub's GraphQL schema,
// `x-ratelimit-*` headers, and `latency` ms added to every answer. Prints every figure of issue #21 ("an
// organization of 5,000 repositories") with its target and pass/fail:
//   full report: API calls <= 60, wall time <= 60 s (and its peak RSS);
//   second report, nothing changed: API calls <= 10;
//   a report after 25 pushes (20 ledgers changed): API calls, time.
// `--node=PATH` runs the CLI with another Node (e.g. Node 24) while the simulator stays in this one.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const arg = (name, dflt) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : dflt;
};
const REPOS = Number(arg('repos', '5000'));
const LATENCY = Number(arg('latency', '50'));
const NODE = arg('node', process.execPath);
const CLI = arg('cli', 'dist/cli.js');
const OUT = resolve('bench/out');
mkdirSync(OUT, { recursive: true });
const log = (s) => process.stdout.write(`${s}\n`);
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);

const simFile = join(OUT, 'org-sim.mjs');
await build({
  entryPoints: ['__tests__/support/org-sim.ts'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  outfile: simFile,
  logLevel: 'warning',
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
const { OrgSim } = await import(pathToFileURL(simFile).href);

const NOW = new Date('2026-06-30T20:00:00Z');
const sim = new OrgSim({ repos: REPOS, now: NOW, latencyMs: LATENCY });
const url = await sim.start();
const cache = join(OUT, 'org-cache');
rmSync(cache, { recursive: true, force: true });

/** Runs the CLI as a child (async: the simulator answers from this process); wall time, peak RSS, CPU time. */
function run(extra) {
  const rssFile = join(OUT, `org-rss-${process.pid}.txt`);
  rmSync(rssFile, { force: true });
  const argv = [
    '--import',
    './bench/rss-hook.mjs',
    CLI,
    'report',
    '--org',
    sim.org,
    '--format',
    'json',
    '-o',
    join(OUT, 'org-report.json'),
    '--api-url',
    url,
    '--cache',
    cache,
    '--now',
    NOW.toISOString(),
    ...extra,
  ];
  const t = performance.now();
  return new Promise((ok, fail) => {
    const child = spawn(NODE, argv, {
      env: { ...process.env, GITHUB_TOKEN: 'bench', BENCH_RSS_OUT: rssFile },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', (status) => {
      const ms = performance.now() - t;
      const [rss, cpuMs] = existsSync(rssFile) ? readFileSync(rssFile, 'utf8').trim().split('\n').map(Number) : [NaN, NaN];
      if (status !== 0) fail(new Error(`report --org exited ${status}:\n${stderr}`));
      else ok({ ms, rss, cpuMs, stderr });
    });
  });
}

const rows = [];
const row = (figure, value, target, pass) => rows.push({ figure, value, target, pass });
const MB = (b) => `${(b / 1048576).toFixed(0)} MB`;
const s = (ms) => `${(ms / 1000).toFixed(1)} s`;

log(`org bench: ${REPOS} repositories, ${LATENCY} ms per call, CLI on ${NODE === process.execPath ? `node ${process.version}` : NODE}`);
sim.resetCounts();
const first = await run(['--export', 'ndjson', join(OUT, 'org-findings.ndjson')]);
const firstCalls = sim.calls;
const rowsLine = /export: .* \((\d+) rows\)/.exec(first.stderr)?.[1] ?? '?';
row('full report: API calls', `${firstCalls} (${sim.graphqlCalls} GraphQL, ${sim.restCalls} REST)`, '<= 60', firstCalls <= 60);
row('full report: wall time', s(first.ms), '<= 60 s', first.ms <= 60_000);
row('full report: peak RSS', MB(first.rss), 'measured', true);
row('full report: CPU time', s(first.cpuMs), 'measured', true);
row('NDJSON export rows', rowsLine, 'measured', true);

sim.resetCounts();
const second = await run([]);
row(
  'second report, nothing changed: API calls',
  `${sim.calls} (${sim.graphqlCalls} GraphQL, ${sim.restCalls} REST)`,
  '<= 10',
  sim.calls <= 10,
);
row('second report, nothing changed: wall time', s(second.ms), 'measured', true);

for (let i = 0; i < 20; i++) sim.touchLedger((i * 251) % REPOS);
for (let i = 0; i < 5; i++) sim.touchCode((i * 397 + 3) % REPOS);
sim.resetCounts();
const third = await run([]);
row(
  'after 25 pushes (20 ledgers changed): API calls',
  `${sim.calls} (${sim.graphqlCalls} GraphQL, ${sim.restCalls} REST)`,
  '<= 10',
  sim.calls <= 10,
);
row('after 25 pushes: wall time', s(third.ms), 'measured', true);
await sim.close();
if (sim.errors.length) throw new Error(`the simulator saw invalid requests:\n${sim.errors.slice(0, 5).join('\n')}`);

const w = [Math.max(...rows.map((r) => r.figure.length)), Math.max(...rows.map((r) => r.value.length)), 9];
log(`| ${'figure'.padEnd(w[0])} | ${'value'.padEnd(w[1])} | ${'target'.padEnd(w[2])} | result |`);
log(`|${'-'.repeat(w[0] + 2)}|${'-'.repeat(w[1] + 2)}|${'-'.repeat(w[2] + 2)}|--------|`);
for (const r of rows)
  log(
    `| ${r.figure.padEnd(w[0])} | ${r.value.padEnd(w[1])} | ${r.target.padEnd(w[2])} | ${r.target === 'measured' ? '—     ' : r.pass ? 'pass  ' : 'FAIL  '} |`,
  );
log(
  `\n${first.stderr
    .trim()
    .split('\n')
    .filter((l) => /API calls/.test(l))
    .join('\n')}`,
);
process.exitCode = rows.every((r) => r.pass) ? 0 : 1;
