// `node bench/org.mjs [--quick] [--repos=5000] [--latency=50] [--node=PATH] [--cli=dist/cli.js] [--cpu-prof=DIR]`:
// `defect-gate report --org` (dist/cli.js: run `npm run build` first, or `--cli=` a build elsewhere) against a simulated
// organization (__tests__/support/org-sim.ts, bundled here with esbuild): N repositories with realistic ledgers written
// by the ledger branch store's writer, GitHub's GraphQL schema, `x-ratelimit-*` headers, and `latency` ms added to
// every answer. Prints every figure of issue #21 ("an organization of 5,000 repositories") with its target and
// pass/fail:
//   full report: API calls <= 60, wall time <= 60 s (and its CPU time and peak RSS);
//   second report, nothing changed: API calls <= 10;
//   a report after 25 pushes (20 ledgers changed): API calls, time;
//   memory: the full report again with V8's old generation capped at 64 MB, about a quarter of the ledgers it reads:
//   it must finish (the report does not hold the ledgers).
// The simulated ledgers are generated once and kept in bench/out/org-sim/ (keyed by the simulator's bundle, hence the
// ledger writer's code): generating 5,000 ledgers costs more CPU than the report reading them, and on 2 cores the
// simulator would otherwise take the report's CPU. `--node=PATH` runs the CLI with another Node (e.g. Node 24) while
// the simulator stays in this one; `--cpu-prof=DIR` writes the CLI's CPU profiles there.
// As a module: `run({ log, node, quick })` returns the rows (bench/run.mjs); `--quick` is 1,000 repositories.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const OUT = join(ROOT, 'bench/out');
const NOW = new Date('2026-06-30T20:00:00Z');
/** The old-generation heap the full report must fit in (about a quarter of the 5,000 ledgers' ~240 MB of JSON). */
const HEAP_CAP_MB = 64;

/** The simulator, bundled (it is TypeScript, and imports the ledger writer from src/). */
async function loadSim() {
  mkdirSync(OUT, { recursive: true });
  const simFile = join(OUT, 'org-sim.mjs');
  await build({
    entryPoints: [join(ROOT, '__tests__/support/org-sim.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: simFile,
    logLevel: 'warning',
    absWorkingDir: ROOT,
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  const key = createHash('sha256').update(readFileSync(simFile)).digest('hex').slice(0, 16);
  const { OrgSim } = await import(`${pathToFileURL(simFile).href}?${key}`);
  return { OrgSim, key };
}

/**
 * @param {{ log?: (s: string) => void, node?: string, quick?: boolean, repos?: number, latency?: number, cli?: string, cpuProf?: string }} o
 * @returns {Promise<Array<{ figure: string, value: string, target: string, pass: boolean | undefined }>>}
 */
export async function run(o = {}) {
  const log = o.log ?? ((s) => process.stdout.write(`${s}\n`));
  const node = o.node ?? process.execPath;
  const repos = o.repos ?? (o.quick ? 1000 : 5000);
  const latency = o.latency ?? 50;
  const cli = resolve(ROOT, o.cli ?? 'dist/cli.js');
  const full = repos >= 5000;
  const rows = [];
  const row = (figure, value, target, pass) => rows.push({ figure: `org (${repos} repositories): ${figure}`, value, target, pass });
  if (!existsSync(cli)) {
    row('full report', `not measured: ${cli} is missing (run \`npm run build\` first)`, '≤ 60 calls, ≤ 60 s', undefined);
    return rows;
  }
  const { OrgSim, key } = await loadSim();
  let sim = new OrgSim({ repos, now: NOW, latencyMs: latency, diskCache: { dir: join(OUT, 'org-sim'), key } });
  // Ledgers of another simulator build or other options: ~250 MB each, not reused.
  for (const d of readdirSync(join(OUT, 'org-sim')))
    if (join(OUT, 'org-sim', d) !== sim.diskDir) rmSync(join(OUT, 'org-sim', d), { recursive: true, force: true });
  let t = performance.now();
  sim.pregenerate();
  log(
    `org bench: ${repos} repositories, ${latency} ms per call, CLI on ${node === process.execPath ? `node ${process.version}` : node}; simulated ledgers ${sim.generated ? `generated (${sim.generated})` : 'read from bench/out/org-sim'} in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
  let url = await sim.start();
  const cache = join(OUT, 'org-cache');
  rmSync(cache, { recursive: true, force: true });
  const load = () => `load ${loadavg()[0].toFixed(1)}`;

  /** Runs the CLI as a child (async: the simulator answers from this process); wall time, peak RSS, CPU time. */
  const runCli = (extra, nodeFlags = []) => {
    const rssFile = join(OUT, `org-rss-${process.pid}.txt`);
    rmSync(rssFile, { force: true });
    const argv = [
      ...nodeFlags,
      ...(o.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${o.cpuProf}`] : []),
      '--import',
      pathToFileURL(join(ROOT, 'bench/rss-hook.mjs')).href,
      cli,
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
    const loadBefore = loadavg()[0];
    const t0 = performance.now();
    return new Promise((ok, fail) => {
      const child = spawn(node, argv, {
        cwd: ROOT,
        env: { ...process.env, GITHUB_TOKEN: 'bench', BENCH_RSS_OUT: rssFile },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', fail);
      child.on('close', (status) => {
        const ms = performance.now() - t0;
        const [rss, cpuMs] = existsSync(rssFile) ? readFileSync(rssFile, 'utf8').trim().split('\n').map(Number) : [NaN, NaN];
        if (status !== 0) fail(new Error(`report --org exited ${status}:\n${stderr}`));
        else ok({ ms, rss, cpuMs, stderr, load: `load ${loadBefore.toFixed(1)} → ${loadavg()[0].toFixed(1)}` });
      });
    });
  };

  const MB = (b) => `${(b / 1048576).toFixed(0)} MB`;
  const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
  const calls = () => `${sim.calls} (${sim.graphqlCalls} GraphQL, ${sim.restCalls} REST)`;
  // Targets are the issue's, at 5,000 repositories: a smaller (quick) run measures them but does not judge them.
  const judge = (ok) => (full ? ok : undefined);
  try {
    sim.resetCounts();
    t = performance.now();
    const first = await runCli(['--export', 'ndjson', join(OUT, 'org-findings.ndjson')]);
    const firstCalls = sim.calls;
    const exportRows = /export: .* \((\d+) rows\)/.exec(first.stderr)?.[1] ?? '?';
    row('full report: API calls', calls(), '≤ 60', judge(firstCalls <= 60));
    row(
      'full report (with --export ndjson): wall time',
      `${s(first.ms)} (CLI CPU ${s(first.cpuMs)}, peak RSS ${MB(first.rss)}; ${first.load})${full ? '' : ' — quick: the target is at 5,000 repositories'}`,
      '≤ 60 s',
      judge(first.ms <= 60_000),
    );
    log(
      `full report: ${s(first.ms)}, CPU ${s(first.cpuMs)}, peak RSS ${MB(first.rss)}, ${exportRows} NDJSON rows, ${first.load}; ${first.stderr.trim().split('\n').slice(-2).join('; ')}`,
    );

    sim.resetCounts();
    const second = await runCli([]);
    row('second report, nothing changed: API calls', calls(), '≤ 10', judge(sim.calls <= 10));
    log(`second report: ${s(second.ms)}, CPU ${s(second.cpuMs)}, ${second.load}`);

    for (let i = 0; i < 20; i++) sim.touchLedger((i * 251) % repos);
    for (let i = 0; i < 5; i++) sim.touchCode((i * 397 + 3) % repos);
    sim.resetCounts();
    const third = await runCli([]);
    row('report after 25 pushes (20 ledgers changed): API calls', calls(), '≤ 10 (as a second report)', judge(sim.calls <= 10));
    log(`after 25 pushes: ${s(third.ms)}, CPU ${s(third.cpuMs)}, ${third.load}`);
  } finally {
    await sim.close();
  }
  checkRequests(sim);

  // The report aggregates ledgers as a stream, so memory must not hold them. Peak RSS says little (V8 grows its heap
  // while nothing presses it: the same report peaks 350-460 MB from run to run); a heap too small to hold the ledgers
  // says it: the full report again, from an empty cache, with V8's old generation capped at HEAP_CAP_MB, must succeed.
  if (full) {
    const files = readdirSync(sim.diskDir).filter((f) => /^\d+-0-/.test(f)); // version 0 of each ledger: what it reads
    const ledgerBytes = files.reduce((n, f) => n + statSync(join(sim.diskDir, f)).size, 0);
    sim = new OrgSim({ repos, now: NOW, latencyMs: latency, diskCache: { dir: join(OUT, 'org-sim'), key } });
    url = await sim.start();
    rmSync(cache, { recursive: true, force: true });
    let capped;
    try {
      capped = await runCli(['--export', 'ndjson', join(OUT, 'org-findings.ndjson')], [`--max-old-space-size=${HEAP_CAP_MB}`]);
    } catch (err) {
      capped = { failed: /heap out of memory/i.test(String(err)) ? 'JavaScript heap out of memory' : String(err).split('\n')[0] };
    } finally {
      await sim.close();
    }
    checkRequests(sim);
    row(
      `full report with V8's old generation capped at ${HEAP_CAP_MB} MB (the ${files.length.toLocaleString('en')} ledgers it reads: ${MB(ledgerBytes)})`,
      capped.failed ? `failed: ${capped.failed}` : `done (${s(capped.ms)}, CLI CPU ${s(capped.cpuMs)}, peak RSS ${MB(capped.rss)})`,
      'done (ledgers are not held)',
      !capped.failed,
    );
    log(
      `capped heap (${HEAP_CAP_MB} MB): ${capped.failed ? `failed: ${capped.failed}` : `${s(capped.ms)}, peak RSS ${MB(capped.rss)}`}; ledgers ${MB(ledgerBytes)}`,
    );
  }
  log(`(${load()} at the end)`);
  return rows;
}

/** Every request the simulator answered was valid (it validates each against GitHub's schemas). */
function checkRequests(sim) {
  if (sim.errors.length) throw new Error(`the simulator saw invalid requests:\n${sim.errors.slice(0, 5).join('\n')}`);
}

/** The rows as a Markdown table. */
export function table(rows) {
  const res = (r) => (r.pass === undefined ? '—' : r.pass ? 'pass' : '**FAIL**');
  return [
    '| figure | value | target | result |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.figure} | ${r.value} | ${r.target} | ${res(r)} |`),
  ].join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name) => process.argv.find((x) => x.startsWith(`--${name}=`))?.slice(name.length + 3);
  const num = (name) => (arg(name) !== undefined ? Number(arg(name)) : undefined);
  const rows = await run({
    quick: process.argv.includes('--quick'),
    node: arg('node'),
    repos: num('repos'),
    latency: num('latency'),
    cli: arg('cli'),
    cpuProf: arg('cpu-prof'),
  });
  process.stdout.write(`\n${table(rows)}\n`);
  process.exitCode = rows.every((r) => r.pass !== false) ? 0 : 1;
}
