// `node bench/hostile.mjs [--mb=300]` (also run by `npm run bench` without --quick): peak RSS of `defect-gate check`
// on hostile shapes — one scanner string of N MB in a SARIF log (streamed, with and without the rated SARIF), in a
// SARIF log read whole, in a Trivy JSON report and in a ZAP XML report — printed as RSS / input size against the
// target of issue #14 (≤ 2× the input on every shape), with pass or fail. Memory is measured here, never asserted in
// tests. Uses dist/: run `npm run build` first. Files go to bench/out/ (gitignored) and are deleted after each run.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const OUT = 'bench/out';
const TARGET = 2;
/** Files read whole are limited to 256 MiB (src/check.ts MAX_WHOLE_READ): their shapes stay below it. */
const MAX_WHOLE_MB = 250;

/** Writes head + `mb` MiB of `x` + tail to `file`, 1 MiB at a time. */
function write(file, head, mb, tail) {
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, head);
    const chunk = Buffer.alloc(1 << 20, 'x');
    for (let i = 0; i < mb; i++) writeSync(fd, chunk);
    writeSync(fd, tail);
  } finally {
    closeSync(fd);
  }
}

const SARIF_HEAD =
  '{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"Bench","rules":[{"id":"r1"}]}},"results":[{"ruleId":"r1","level":"error","message":{"text":"';
const SARIF_TAIL = '"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"src/a.js"},"region":{"startLine":1}}}]}]}]}\n';
const TRIVY_HEAD =
  '{"SchemaVersion":2,"ArtifactName":"img","ArtifactType":"container_image","Results":[{"Target":"img (debian 12)","Class":"os-pkgs","Type":"debian","Vulnerabilities":[{"VulnerabilityID":"CVE-2024-0001","PkgName":"openssl","InstalledVersion":"3.0.0","Severity":"HIGH","Title":"t","Description":"';
const TRIVY_TAIL = '"}]}]}\n';
const ZAP_HEAD =
  '<?xml version="1.0"?>\n<OWASPZAPReport version="2.14.0"><site name="http://x" host="x" port="80" ssl="false"><alerts><alertitem><pluginid>10020</pluginid><alertRef>10020</alertRef><alert>X-Frame</alert><name>X-Frame</name><riskcode>2</riskcode><confidence>2</confidence><riskdesc>Medium (Medium)</riskdesc><desc>';
const ZAP_TAIL =
  '</desc><instances><instance><uri>http://x/</uri><method>GET</method></instance></instances><count>1</count><solution>s</solution><cweid>1021</cweid><wascid>15</wascid><sourceid>1</sourceid></alertitem></alerts></site></OWASPZAPReport>\n';

/** One check with every output (JSON report; rated SARIF when `sarif`); its peak RSS (bytes) and exit status. */
function check(file, { sarif = false, env = {} } = {}) {
  const rssFile = join(OUT, `hostile-rss-${process.pid}.txt`);
  rmSync(rssFile, { force: true });
  const outputs = ['--report', join(OUT, 'hostile-report.json'), ...(sarif ? ['--sarif-output', join(OUT, 'hostile-rated.sarif')] : [])];
  const r = spawnSync(
    process.execPath,
    ['--import', './bench/rss-hook.mjs', 'dist/cli.js', 'check', ...outputs, '--format', 'markdown', '--on-input-error', 'warn', file],
    {
      env: { ...process.env, ...env, BENCH_RSS_OUT: rssFile },
      stdio: ['ignore', 'ignore', 'pipe'],
      maxBuffer: 1 << 26,
    },
  );
  const rss = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8').split('\n')[0]) : undefined;
  rmSync(join(OUT, 'hostile-report.json'), { force: true });
  rmSync(join(OUT, 'hostile-rated.sarif'), { force: true });
  return { rss, status: r.status, stderr: r.stderr?.toString() ?? '' };
}

/** Measures every shape with a string of `mb` MiB; prints a Markdown table; returns the rows. */
export function hostile(mb = 300, log = (s) => process.stdout.write(`${s}\n`)) {
  mkdirSync(OUT, { recursive: true });
  const whole = Math.min(mb, MAX_WHOLE_MB);
  const shapes = [
    { name: `SARIF, one ${mb} MB message, streamed`, ext: 'sarif', head: SARIF_HEAD, tail: SARIF_TAIL, mb },
    {
      name: `SARIF, one ${mb} MB message, streamed, with --sarif-output`,
      ext: 'sarif',
      head: SARIF_HEAD,
      tail: SARIF_TAIL,
      mb,
      sarif: true,
    },
    {
      name: `SARIF, one ${whole} MB message, read whole, with --sarif-output`,
      ext: 'sarif',
      head: SARIF_HEAD,
      tail: SARIF_TAIL,
      mb: whole,
      sarif: true,
      env: { DEFECT_GATE_STREAM_THRESHOLD: String(1e15) },
    },
    { name: `Trivy JSON, one ${whole} MB Description (read whole)`, ext: 'json', head: TRIVY_HEAD, tail: TRIVY_TAIL, mb: whole },
    { name: `ZAP XML, one ${whole} MB desc (read whole)`, ext: 'xml', head: ZAP_HEAD, tail: ZAP_TAIL, mb: whole },
  ];
  const rows = [];
  // The process's own cost, for reading the ratios of small sizes (the target is on the whole RSS).
  const tiny = join(OUT, 'hostile-tiny.sarif');
  write(tiny, SARIF_HEAD, 0, SARIF_TAIL);
  const base = check(tiny, { sarif: true }).rss;
  rmSync(tiny, { force: true });
  log(`\npeak RSS of the same check on a tiny file: ${base ? `${(base / 1048576).toFixed(0)} MB` : 'not measured'}`);
  log(`\n| hostile shape | input | peak RSS | RSS / input | target ≤ ${TARGET}× |`);
  log('|---|---|---|---|---|');
  for (const s of shapes) {
    const file = join(OUT, `hostile.${s.ext}`);
    write(file, s.head, s.mb, s.tail);
    const size = statSync(file).size;
    const r = check(file, { sarif: s.sarif, env: s.env });
    rmSync(file, { force: true });
    const failed = r.status !== 0 && r.status !== 1 ? `exit ${r.status}: ${r.stderr.split('\n').slice(0, 2).join(' ')}` : undefined;
    const ratio = r.rss ? r.rss / size : undefined;
    const pass = !failed && ratio !== undefined && ratio <= TARGET;
    rows.push({
      shape: s.name,
      inputMB: Math.round(size / 1048576),
      rssMB: r.rss ? Math.round(r.rss / 1048576) : undefined,
      ratio,
      pass,
      failed,
    });
    log(
      `| ${s.name} | ${(size / 1048576).toFixed(0)} MB | ${r.rss ? `${(r.rss / 1048576).toFixed(0)} MB` : '–'} | ${ratio?.toFixed(2) ?? '–'}× | ${pass ? 'pass' : `FAIL${failed ? ` (${failed})` : ''}`} |`,
    );
  }
  const failing = rows.filter((r) => !r.pass).length;
  log(
    `hostile shapes: ${rows.length - failing} of ${rows.length} within ${TARGET}× the input${failing ? ` (${failing} not: issue #14)` : ''}`,
  );
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const arg = process.argv.slice(2).find((a) => a.startsWith('--mb='));
  const mb = arg ? Number(arg.slice('--mb='.length)) : 300;
  if (!Number.isInteger(mb) || mb < 1) throw new Error(`--mb must be a whole number of MiB, got ${JSON.stringify(arg)}`);
  hostile(mb);
}
