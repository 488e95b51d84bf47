import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import picomatch from 'picomatch';
import type { InputError } from './model';
import { ingestText, type IngestedFile } from './ingest/index';
import { displayName, resolveInputs, sourceLineReader } from './io/inputs';
import { loadPolicy } from './io/policy';
import { runEngine, type RunResult } from './engine';
import { buildReport, type Report } from './report/json';
import { buildRatedSarif } from './report/sarif';
import type { Logger } from './logger';
import type { Policy } from './policy/compile';

/**
 * What both shells (Action and CLI) do: find and read the inputs, load the policy, run the pure engine, write the
 * report files. Settings come from one typed object, built by each shell's input reader.
 */

export interface CheckSettings {
  /** Files, directories or globs, relative to the workspace. */
  files: string[];
  /** Policy file path (relative to the workspace); empty for the built-in default. */
  policy?: string;
  /** Gate profile; empty to derive from the event (`pull-request` on pull requests, else `default`). */
  environment?: string;
  /** Event name used to derive the environment (GITHUB_EVENT_NAME). */
  eventName?: string;
  onInputError: 'fail' | 'warn';
  /** Where to write the JSON report (relative to the workspace), if anywhere. */
  reportPath?: string;
  /** Where to write the rated SARIF (relative to the workspace), if anywhere. */
  sarifOutput?: string;
  /** Absolute workspace path (repository root). */
  workspace: string;
  /** `glob=format` overrides for content detection. */
  formatOverrides?: { glob: string; format: string }[];
}

export interface CheckOutcome {
  result: RunResult;
  report: Report;
  policy: Policy;
  policyFile: string;
  /** Paths written (absolute). */
  written: { report?: string; sarif?: string };
}

const PR_EVENTS = new Set(['pull_request', 'pull_request_target', 'pull_request_review', 'merge_group']);

/** The gate profile to use: the explicit one, else derived from the event, falling back to `default`. */
export function chooseEnvironment(policy: Policy, explicit: string | undefined, eventName: string | undefined): string {
  if (explicit) return explicit; // evaluateGate reports an unknown explicit profile with the known ones
  const derived = eventName && PR_EVENTS.has(eventName) ? 'pull-request' : 'default';
  if (policy.gates[derived]) return derived;
  if (policy.gates.default) return 'default';
  const names = Object.keys(policy.gates);
  if (names.length === 1) return names[0] as string;
  return derived;
}

/** Writes a file atomically (temp file + rename), creating parent directories. */
export function writeFileAtomic(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

export function readInputs(settings: CheckSettings, log: Logger): { files: IngestedFile[]; errors: InputError[] } {
  const ws = settings.workspace;
  const { files, errors } = resolveInputs(settings.files, ws);
  const overrides = (settings.formatOverrides ?? []).map((o) => ({ ...o, match: picomatch(o.glob, { dot: true }) }));
  const sourceLine = sourceLineReader(ws);
  const workspacePosix = resolve(ws).replace(/\\/g, '/');
  const out: IngestedFile[] = [];
  for (const abs of files) {
    const name = displayName(abs, ws);
    const format = overrides.find((o) => o.match(name))?.format;
    let text: string;
    try {
      text = readFileSync(abs, 'utf8');
    } catch (err) {
      out.push({
        file: name,
        findings: [],
        tools: [],
        errors: [{ file: name, message: `cannot read the file: ${(err as Error).message}`, severity: 'fatal' }],
      });
      continue;
    }
    const r = ingestText(text, { file: name, workspace: workspacePosix, sourceLine }, format);
    log.debug(`${name}: ${r.format ?? 'unrecognized'}, ${r.findings.length} finding(s), ${r.errors.length} problem(s)`);
    out.push(r);
  }
  return { files: out, errors };
}

/** Runs the whole check. Throws PolicyLoadError (bad policy) and UnknownEnvironmentError (bad environment). */
export function runCheck(settings: CheckSettings, now: Date, log: Logger): CheckOutcome {
  const { policy, file: policyFile } = loadPolicy(settings.policy, settings.workspace);
  const environment = chooseEnvironment(policy, settings.environment, settings.eventName);
  const { files, errors } = readInputs(settings, log);
  // Patterns that matched nothing are input errors of their own, reported like unreadable files.
  const withPatternErrors: IngestedFile[] = [
    ...errors.map((e) => ({ file: e.file, findings: [], tools: [], errors: [e] })),
    ...files,
  ];
  const result = runEngine({ files: withPatternErrors, policy, environment, onInputError: settings.onInputError, now });
  const report = buildReport(result, policyFile);
  const written: CheckOutcome['written'] = {};
  if (settings.reportPath) {
    const p = resolve(settings.workspace, settings.reportPath);
    writeFileAtomic(p, `${JSON.stringify(report, null, 2)}\n`);
    written.report = p;
  }
  if (settings.sarifOutput) {
    const docs = new Map<string, unknown>();
    for (const f of files) if (f.document !== undefined) docs.set(f.file, f.document);
    const p = resolve(settings.workspace, settings.sarifOutput);
    writeFileAtomic(p, `${JSON.stringify(buildRatedSarif(result, policy, docs), null, 2)}\n`);
    written.sarif = p;
  }
  return { result, report, policy, policyFile, written };
}
