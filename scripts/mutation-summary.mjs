#!/usr/bin/env node
/**
 * The mutation score per folder, from StrykerJS's JSON reports (reports/mutation/<scope>.json, written by
 * `npm run mutate`; format: mutation-testing-report-schema, per-file mutants with a `status`).
 *
 *   node scripts/mutation-summary.mjs              # the table
 *   node scripts/mutation-summary.mjs --survivors  # and every surviving / uncovered mutant (file:line, mutator, original → replacement)
 *   node scripts/mutation-summary.mjs --check      # exit 1 when a folder is below the target (85 %)
 *   node scripts/mutation-summary.mjs --dir other/reports/mutation
 *
 * A file found in several reports (e.g. `rate.json` and `all.json`) is counted once, from the newest report. Score =
 * (killed + timed out) / (killed + timed out + survived + no coverage), as Stryker computes it: compile and runtime
 * errors and ignored mutants are not valid mutants. Timed-out mutants count as killed but are shown apart: on a loaded
 * machine a timeout is weaker evidence than a failing assertion. A file the scopes of stryker.config.mjs mutate that no
 * report holds is listed as not measured, and its folder does not reach the target.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { SCOPES } from '../stryker.config.mjs';

const TARGET = 85;
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const dirArg = args.indexOf('--dir');
const dir = resolve(dirArg >= 0 && args[dirArg + 1] ? args[dirArg + 1] : 'reports/mutation');

if (!existsSync(dir)) {
  console.error(`mutation-summary: no reports in ${dir}: run \`npm run mutate\` (or MUTATE_SCOPE=<scope> npm run mutate) first`);
  process.exit(2);
}
const reports = readdirSync(dir)
  .filter((n) => n.endsWith('.json'))
  .map((n) => ({ name: n, path: join(dir, n), mtime: statSync(join(dir, n)).mtimeMs }))
  .sort((a, b) => b.mtime - a.mtime);
if (reports.length === 0) {
  console.error(`mutation-summary: no *.json report in ${dir}: run \`npm run mutate\` first`);
  process.exit(2);
}

/** file (relative to the project) → { report, mutants, source } from the newest report that has it. */
const files = new Map();
for (const r of reports) {
  let json;
  try {
    json = JSON.parse(readFileSync(r.path, 'utf8'));
  } catch (e) {
    console.error(`mutation-summary: ${r.path} is not a readable JSON report (${e.message}); delete it or rerun its scope`);
    process.exit(2);
  }
  if (!json || typeof json.files !== 'object' || json.files === null) {
    console.error(`mutation-summary: ${r.path} has no "files" object: not a Stryker JSON report (mutation-testing-report-schema)`);
    process.exit(2);
  }
  for (const [p, f] of Object.entries(json.files)) {
    const file = isAbsolute(p) ? relative(process.cwd(), p) : p;
    if (files.has(file)) continue;
    if (!Array.isArray(f?.mutants)) {
      console.error(`mutation-summary: ${r.path}: file ${p} has no "mutants" array`);
      process.exit(2);
    }
    files.set(file, { report: r, mutants: f.mutants, source: typeof f.source === 'string' ? f.source : undefined });
  }
}

/** Files the scopes mutate (stryker.config.mjs) that no report holds: a folder with such files has no complete score. */
function expand(glob) {
  if (!glob.endsWith('/**/*.ts')) return existsSync(glob) ? [glob] : [];
  const walk = (d) =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.ts') ? [join(d, e.name)] : [],
    );
  const root = glob.slice(0, -'/**/*.ts'.length);
  return existsSync(root) ? walk(root) : [];
}
const unmeasured = [...new Set(Object.values(SCOPES).flat().flatMap(expand))].filter((f) => !files.has(f)).sort();

const STATUSES = ['Killed', 'Timeout', 'Survived', 'NoCoverage', 'CompileError', 'RuntimeError', 'Ignored', 'Pending'];
const empty = () => Object.fromEntries(STATUSES.map((s) => [s, 0]));
const folderOf = (file) => file.split('/').slice(0, -1).join('/') || '.';

const byFolder = new Map();
const total = empty();
const left = [];
for (const [file, { report, mutants, source }] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
  const folder = folderOf(file);
  const row = byFolder.get(folder) ?? { counts: empty(), files: 0, reports: new Set() };
  byFolder.set(folder, row);
  row.files++;
  row.reports.add(report.name);
  for (const m of mutants) {
    if (!STATUSES.includes(m.status)) {
      console.error(`mutation-summary: ${report.path}: mutant ${m.id} of ${file} has an unknown status "${m.status}"`);
      process.exit(2);
    }
    row.counts[m.status]++;
    total[m.status]++;
    if (m.status === 'Survived' || m.status === 'NoCoverage') left.push({ file, m, source });
  }
}

function score(c) {
  const detected = c.Killed + c.Timeout;
  const valid = detected + c.Survived + c.NoCoverage;
  return valid === 0 ? undefined : (100 * detected) / valid;
}
const pct = (s) => (s === undefined ? 'n/a' : `${s.toFixed(2)} %`);

const header = [
  'folder',
  'files',
  'mutants',
  'killed',
  'timed out',
  'survived',
  'no coverage',
  'errors',
  'score',
  `>= ${TARGET} %`,
  'report',
];
const rows = [];
let below = 0;
for (const f of unmeasured) if (!byFolder.has(folderOf(f))) byFolder.set(folderOf(f), { counts: empty(), files: 0, reports: new Set() });
for (const [folder, { counts: c, files: n, reports: rs }] of [...byFolder].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
  const s = score(c);
  const missing = unmeasured.filter((f) => folderOf(f) === folder).length;
  const ok = s !== undefined && s >= TARGET && missing === 0;
  if (!ok) below++;
  const valid = c.Killed + c.Timeout + c.Survived + c.NoCoverage;
  rows.push([
    folder,
    n,
    valid,
    c.Killed,
    c.Timeout,
    c.Survived,
    c.NoCoverage,
    c.CompileError + c.RuntimeError,
    pct(s),
    ok ? 'yes' : missing > 0 ? `NO (${missing} file(s) not measured)` : 'NO',
    [...rs].join(', '),
  ]);
}
const tv = total.Killed + total.Timeout + total.Survived + total.NoCoverage;
const ts = score(total);
rows.push([
  'all',
  files.size,
  tv,
  total.Killed,
  total.Timeout,
  total.Survived,
  total.NoCoverage,
  total.CompileError + total.RuntimeError,
  pct(ts),
  ts !== undefined && ts >= TARGET && unmeasured.length === 0
    ? 'yes'
    : unmeasured.length > 0
      ? `NO (${unmeasured.length} file(s) not measured)`
      : 'NO',
  '',
]);

const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
const line = (r) =>
  r.map((v, i) => (i === 0 || i === r.length - 1 ? String(v).padEnd(widths[i]) : String(v).padStart(widths[i]))).join('  ');
console.log(
  `\nMutation score per folder (target >= ${TARGET} %; from ${reports.map((r) => `${r.name} ${new Date(r.mtime).toISOString().slice(0, 16)}Z`).join(', ')})\n`,
);
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));
if (unmeasured.length > 0) console.log(`\nNot measured (no report holds them): ${unmeasured.join(', ')}`);
if (total.Ignored > 0 || total.Pending > 0) console.log(`\n(not counted: ${total.Ignored} ignored, ${total.Pending} pending)`);

if (flag('--survivors')) {
  console.log(`\nSurviving and uncovered mutants (${left.length}):`);
  for (const { file, m, source } of left) {
    const s = m.location?.start;
    const e = m.location?.end;
    let original = '';
    if (source && s && e) {
      const lines = source.split('\n');
      const text =
        s.line === e.line
          ? (lines[s.line - 1] ?? '').slice(s.column - 1, e.column - 1)
          : [
              (lines[s.line - 1] ?? '').slice(s.column - 1),
              ...lines.slice(s.line, e.line - 1),
              (lines[e.line - 1] ?? '').slice(0, e.column - 1),
            ].join('\n');
      original = text.replace(/\s+/g, ' ').trim();
    }
    const clip = (t) => (t.length > 100 ? `${t.slice(0, 100)}…` : t);
    console.log(
      `  ${file}:${s?.line ?? '?'}:${s?.column ?? '?'}  ${m.status}  ${m.mutatorName}  ${clip(original)}  →  ${clip(String(m.replacement ?? ''))}`,
    );
  }
}

if (flag('--check') && below > 0) {
  console.error(`\n${below} folder(s) below ${TARGET} %`);
  process.exit(1);
}
