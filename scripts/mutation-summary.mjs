#!/usr/bin/env node
/**
 * The mutation score per folder, from StrykerJS's JSON reports (reports/mutation/<scope>.json, written by
 * `npm run mutate`; format: mutation-testing-report-schema, per-file mutants with a `status`).
 *
 *   node scripts/mutation-summary.mjs              # the table
 *   node scripts/mutation-summary.mjs --survivors  # and every surviving / uncovered mutant (file:line, mutator, original → replacement)
 *   node scripts/mutation-summary.mjs --check      # exit 1 when a folder is below the target (85 %)
 *   node scripts/mutation-summary.mjs --dir other/reports/mutation
 *   node scripts/mutation-summary.mjs --record     # and write what the reports hold into docs/mutation-record.json
 *
 * The reports are git-ignored (a checkout, CI or a later session has none) and a whole run takes hours on two cores,
 * so what was measured is also kept in git: `--record` writes, per file the reports hold, its counts, its surviving
 * and uncovered mutants and the sha256 of the source that was mutated (docs/mutation-record.json). A file no report
 * holds is counted from the record, marked "recorded" with its date, and "stale" when its source changed since: a
 * stale file does not reach the target (run its scope again).
 *
 * A file found in several reports (e.g. `rate.json` and `all.json`) is counted once, from the newest report. Score =
 * (killed + timed out) / (killed + timed out + survived + no coverage), as Stryker computes it: compile and runtime
 * errors and ignored mutants are not valid mutants. Timed-out mutants count as killed but are shown apart: on a loaded
 * machine a timeout is weaker evidence than a failing assertion. A file the scopes of stryker.config.mjs mutate that no
 * report holds is listed as not measured, and its folder does not reach the target.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { SCOPES } from '../stryker.config.mjs';

const TARGET = 85;
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const dirArg = args.indexOf('--dir');
const dir = resolve(dirArg >= 0 && args[dirArg + 1] ? args[dirArg + 1] : 'reports/mutation');

const RECORD = 'docs/mutation-record.json';
const sha256 = (text) => createHash('sha256').update(text).digest('hex');
const record = existsSync(RECORD) ? JSON.parse(readFileSync(RECORD, 'utf8')) : { files: {} };
if (!existsSync(dir) && Object.keys(record.files).length === 0) {
  console.error(`mutation-summary: no reports in ${dir}: run \`npm run mutate\` (or MUTATE_SCOPE=<scope> npm run mutate) first`);
  process.exit(2);
}
const reports = (existsSync(dir) ? readdirSync(dir) : [])
  .filter((n) => n.endsWith('.json'))
  .map((n) => ({ name: n, path: join(dir, n), mtime: statSync(join(dir, n)).mtimeMs }))
  .sort((a, b) => b.mtime - a.mtime);
if (reports.length === 0 && Object.keys(record.files).length === 0) {
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

/** The source text a mutant replaces, on one line. */
function originalText(source, m) {
  const s = m.location?.start;
  const e = m.location?.end;
  if (!source || !s || !e) return '';
  const lines = source.split('\n');
  const text =
    s.line === e.line
      ? (lines[s.line - 1] ?? '').slice(s.column - 1, e.column - 1)
      : [
          (lines[s.line - 1] ?? '').slice(s.column - 1),
          ...lines.slice(s.line, e.line - 1),
          (lines[e.line - 1] ?? '').slice(0, e.column - 1),
        ].join('\n');
  return text.replace(/\s+/g, ' ').trim();
}

const STATUSES = ['Killed', 'Timeout', 'Survived', 'NoCoverage', 'CompileError', 'RuntimeError', 'Ignored', 'Pending'];
const isLeft = (status) => status === 'Survived' || status === 'NoCoverage';

// --record: what the reports hold, per file: counts, the mutants left with their original text, the source's hash.
if (flag('--record')) {
  for (const [file, { report, mutants, source }] of files) {
    if (source === undefined) continue;
    record.files[file] = {
      measured: `${new Date(report.mtime).toISOString().slice(0, 16)}Z`,
      report: report.name,
      sha256: sha256(source),
      counts: Object.fromEntries(STATUSES.map((st) => [st, mutants.filter((m) => m.status === st).length])),
      left: mutants
        .filter((m) => isLeft(m.status))
        .map((m) => ({
          status: m.status,
          line: m.location?.start?.line,
          column: m.location?.start?.column,
          mutator: m.mutatorName,
          original: originalText(source, m).slice(0, 200),
          replacement: String(m.replacement ?? '').slice(0, 200),
        })),
    };
  }
  const sorted = Object.fromEntries(Object.entries(record.files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  writeFileSync(RECORD, `${JSON.stringify({ files: sorted }, null, 2)}\n`);
  console.log(`mutation-summary: ${files.size} file(s) from the reports recorded in ${RECORD}`);
}

// Files no report holds, counted from the record; stale when the source changed since it was measured.
const stale = [];
for (const [file, r] of Object.entries(record.files)) {
  if (files.has(file) || !existsSync(file)) continue;
  const mutants = [];
  for (const st of STATUSES) {
    const listed = isLeft(st) ? r.left.filter((l) => l.status === st).length : 0;
    for (let k = listed; k < (r.counts[st] ?? 0); k++) mutants.push({ status: st });
  }
  for (const l of r.left)
    mutants.push({
      status: l.status,
      mutatorName: l.mutator,
      replacement: l.replacement,
      original: l.original,
      location: { start: { line: l.line, column: l.column } },
    });
  const changed = sha256(readFileSync(file, 'utf8')) !== r.sha256;
  if (changed) stale.push(file);
  files.set(file, { report: { name: `record of ${r.measured}${changed ? ' (stale)' : ''}`, path: RECORD }, mutants, source: undefined });
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
    if (isLeft(m.status)) left.push({ file, m, source });
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
  const old = stale.filter((f) => folderOf(f) === folder).length;
  const ok = s !== undefined && s >= TARGET && missing === 0 && old === 0;
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
    ok ? 'yes' : missing > 0 ? `NO (${missing} file(s) not measured)` : old > 0 ? `NO (${old} file(s) changed since recorded)` : 'NO',
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
  ts !== undefined && ts >= TARGET && unmeasured.length === 0 && stale.length === 0
    ? 'yes'
    : unmeasured.length > 0
      ? `NO (${unmeasured.length} file(s) not measured)`
      : stale.length > 0
        ? `NO (${stale.length} file(s) changed since recorded)`
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
if (unmeasured.length > 0) console.log(`\nNot measured (no report or record holds them): ${unmeasured.join(', ')}`);
if (stale.length > 0) console.log(`\nChanged since recorded in ${RECORD} (run their scope again): ${stale.join(', ')}`);
if (total.Ignored > 0 || total.Pending > 0) console.log(`\n(not counted: ${total.Ignored} ignored, ${total.Pending} pending)`);

if (flag('--survivors')) {
  console.log(`\nSurviving and uncovered mutants (${left.length}):`);
  for (const { file, m, source } of left) {
    const s = m.location?.start;
    const original = m.original ?? originalText(source, m);
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
