// Cold start of small runs (issue #21, "Small runs start fast"): what a check of a small SARIF costs above starting
// Node itself. `node bench/startup.mjs [--quick] [--node=PATH] [--cli=PATH/cli.js] [--runs=N]` prints the rows as a
// Markdown table; bench/run.mjs calls run() for the shared table.
//
// Measured, interleaved so that the machine's drift hits every command alike, median of 15 runs each (7 with --quick):
// `node -e 0`; `node cli.js check SMALL.sarif` (a real 3 KB SARIF from the corpus, text output, no files written);
// the Action bundle (index.js beside cli.js) on the same file, run as the runner runs it (INPUT_* variables, event
// file, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY in a temporary folder, no token: nothing on the network); and
// `node cli.js --help`. Each figure is the difference of two medians of the same run. Bundles: dist/ by default;
// `--cli=` points at another build (`node scripts/build.mjs --out-dir /tmp/x` then `--cli=/tmp/x/cli.js`).
// The target is on wall time; the value also gives the CPU time difference (user + system of the child) and the load
// average: on a machine whose cores are busy with other work, wall times grow with the load, CPU times much less.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** A small real SARIF (nodejsscan, 2 results, 3.4 KB): what a small repository's scanner writes. */
const SMALL = join(ROOT, '__fixtures__/corpus/defectdojo/sarif/njsscan.sarif');
const TARGET_MS = 150;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * One child: its wall time (ms), its CPU time (user + system, ms: from bash's `times`, which reports the children's
 * CPU to the millisecond; less disturbed than wall time when other processes share the cores), exit status, stderr.
 * Its stdout is dropped. The bash wrapper's own cost is in neither figure.
 */
function time(node, argv, opts = {}) {
  const script = 't0=$(date +%s%N); "$@" >/dev/null; s=$?; t1=$(date +%s%N); echo "wall $(( (t1 - t0) / 1000 ))"; times; exit $s';
  const r = spawnSync('bash', ['-c', script, 'bench', node, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 24, ...opts });
  const out = r.stdout?.toString() ?? '';
  const wall = /^wall (\d+)$/m.exec(out);
  // `times`: the shell's own user/system times, then its children's: "0m0.123s 0m0.045s".
  const children =
    out
      .trim()
      .split('\n')
      .at(-1)
      ?.match(/(\d+)m([\d.]+)s/g) ?? [];
  const sec = (t) => {
    const m = /(\d+)m([\d.]+)s/.exec(t);
    return m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
  };
  return {
    ms: wall ? Number(wall[1]) / 1000 : NaN,
    cpuMs: children.length === 2 ? (sec(children[0]) + sec(children[1])) * 1000 : NaN,
    status: r.status,
    stderr: r.stderr?.toString() ?? '',
    error: r.error ?? (wall ? undefined : new Error(`no timing from bash: ${out}`)),
  };
}

/** The Action's files for one run on SMALL: a workspace with the SARIF, an event, the runner's output files. */
function actionFixture(dir) {
  const ws = join(dir, 'workspace');
  mkdirSync(join(ws, 'results'), { recursive: true });
  copyFileSync(SMALL, join(ws, 'results/njsscan.sarif'));
  const eventPath = join(dir, 'event.json');
  writeFileSync(eventPath, JSON.stringify({ ref: 'refs/heads/main' }));
  const output = join(dir, 'output.txt');
  const summary = join(dir, 'summary.md');
  const env = {
    PATH: process.env.PATH ?? '',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: ws,
    GITHUB_EVENT_NAME: 'push',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_REPOSITORY: 'acme/app',
    GITHUB_SHA: 'a'.repeat(40),
    GITHUB_REF: 'refs/heads/main',
    GITHUB_API_URL: 'http://127.0.0.1:9',
    RUNNER_TEMP: dir,
    INPUT_FILES: 'results/*.sarif',
  };
  // The runner gives each step fresh (empty) output files; keep them from growing over the repetitions.
  const reset = () => {
    writeFileSync(output, '');
    writeFileSync(summary, '');
  };
  return { ws, env, reset };
}

/**
 * @param {{ log?: (s: string) => void, node?: string, quick?: boolean, cli?: string, runs?: number }} [opts]
 * @returns {Promise<Array<{ figure: string, value: string, target: string, pass: boolean | undefined }>>}
 */
export async function run({ log = () => {}, node = process.execPath, quick = false, cli, runs } = {}) {
  const cliPath = resolve(cli ?? join(ROOT, 'dist/cli.js'));
  const actionPath = join(dirname(cliPath), 'index.js');
  const n = runs ?? (quick ? 7 : 15);
  const target = `≤ ${TARGET_MS} ms`;
  const unmeasured = (figure, why) => ({ figure, value: `not measured: ${why}`, target, pass: undefined });
  const figures = {
    check: 'check of a small SARIF (3 KB, text output, no files) − `node -e 0`',
    action: 'the Action (index.js) on the same SARIF − `node -e 0`',
    help: '`--help` − `node -e 0`',
  };
  if (!existsSync(cliPath)) {
    const why = `${cliPath} does not exist (npm run build, or --cli=PATH)`;
    return Object.values(figures).map((f) => unmeasured(f, why));
  }
  const dir = mkdtempSync(join(tmpdir(), 'defect-gate-startup-'));
  try {
    const action = existsSync(actionPath) ? actionFixture(dir) : undefined;
    const commands = {
      bare: () => time(node, ['-e', '0']),
      check: () => time(node, [cliPath, 'check', '--no-color', SMALL], { cwd: dirname(SMALL) }),
      help: () => time(node, [cliPath, '--help']),
      ...(action
        ? {
            action: () => {
              action.reset();
              return time(node, [actionPath], { cwd: action.ws, env: action.env });
            },
          }
        : {}),
    };
    // One warm-up round (file cache, the compile cache when the bundle enables one), then n interleaved rounds.
    const samples = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
    const cpu = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
    const failures = {};
    for (let round = -1; round < n; round++) {
      for (const [name, cmd] of Object.entries(commands)) {
        const r = cmd();
        // check exits 1 when the default policy's gate fails on the file's findings: that is a verdict, not an error.
        const ok = !r.error && (r.status === 0 || (r.status === 1 && name !== 'bare' && name !== 'help'));
        if (!ok) failures[name] ??= r.error?.message ?? `exit ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`;
        if (round >= 0) {
          samples[name].push(r.ms);
          cpu[name].push(r.cpuMs);
        }
      }
    }
    const bare = median(samples.bare);
    const bareCpu = median(cpu.bare);
    const load = loadavg()[0].toFixed(1);
    log(`startup: node -e 0 median ${bare.toFixed(0)} ms (CPU ${bareCpu.toFixed(0)} ms) over ${n} runs (${node}), load ${load}`);
    const row = (key) => {
      if (failures.bare) return unmeasured(figures[key], `node -e 0 failed (${failures.bare})`);
      if (!samples[key]) return unmeasured(figures[key], `${actionPath} does not exist`);
      if (failures[key]) return unmeasured(figures[key], `the run failed (${failures[key]})`);
      const m = median(samples[key]);
      const extra = m - bare;
      const extraCpu = median(cpu[key]) - bareCpu;
      log(`startup: ${key} median ${m.toFixed(0)} ms (CPU ${median(cpu[key]).toFixed(0)} ms)`);
      return {
        figure: figures[key],
        value: `${extra.toFixed(0)} ms (${m.toFixed(0)} − ${bare.toFixed(0)} ms, median of ${n}; CPU +${extraCpu.toFixed(0)} ms; load ${load})`,
        target,
        pass: extra <= TARGET_MS,
      };
    };
    const rows = [row('check'), row('action'), row('help')];
    const sizes = [cliPath, actionPath]
      .filter((f) => existsSync(f))
      .map((f) => `${f.slice(dirname(cliPath).length + 1)} ${(statSync(f).size / 1024).toFixed(0)} KiB`);
    log(`startup: entry bundles ${sizes.join(', ')}`);
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const opt = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const rows = await run({
    log: (s) => process.stderr.write(`${s}\n`),
    node: opt('node') ?? process.execPath,
    quick: process.argv.includes('--quick'),
    cli: opt('cli'),
    runs: opt('runs') ? Number(opt('runs')) : undefined,
  });
  const pass = (p) => (p === undefined ? '–' : p ? 'pass' : 'FAIL');
  process.stdout.write('| figure | value | target | pass |\n|---|---|---|---|\n');
  for (const r of rows) process.stdout.write(`| ${r.figure} | ${r.value} | ${r.target} | ${pass(r.pass)} |\n`);
}
