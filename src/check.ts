import { closeSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { decompressionLimit, DecompressionLimitError, gunzipFile, sniffFd, sniffFile, unreadableAs, type Sniffed } from './io/gzip';
import { outputPathProblem } from './io/atomic';
import { PRETTY_JSON_MAX_FINDINGS, writeJsonAtomic } from './io/json-writer';
import picomatch from 'picomatch';
import type { InputError } from './model';
import { ingestText, type IngestedFile } from './ingest/index';
import { cutBytes } from './ingest/stream';
import { ingestSarifFile } from './io/file-bytes';
import { cutXmlBytes } from './ingest/xml';
import { MAX_STRING } from './ingest/json';
import { displayName, InputOpenError, openInput, readWholeFd, resolveInputs, sourceLineReader, type OpenedInput } from './io/inputs';
import type { RemotePolicyFetcher } from './io/policy';
import { loadGatingPolicy, type PolicyRef } from './io/policy-source';
import type { PolicyChanges } from './policy/diff';
import { markUnverifiable } from './github/approvals';
import type { VerifiedApproval } from './model';
import { reapply, runEngine, type EngineInput, type RunInfo, type RunResult } from './engine';
import { resolveGateScope, type GateScope } from './gate/scope';
import type { LedgerStore } from './ledger/store';
import type { RunDateRule } from './ledger/track';
import { emptyBook, LedgerError, type LedgerBook } from './ledger/schema';
import { buildReport, reportForWriting, type Report, type ReportTracking } from './report/json';
import { ratedSarifPlan, writeRatedSarifInWorker, writeRatedSarifPlan, type SarifInputFile, type WrittenBy } from './io/rated-sarif';
import type { Logger } from './logger';
import type { Policy } from './policy/compile';
import { loadEnrichmentAsync } from './io/enrichment';
import { readCodeowners } from './io/codeowners';
import type { Codeowners } from './owners/codeowners';
import { UserError, errorMessage } from './errors';

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
  /**
   * Files larger than this many bytes are read by streaming (SARIF only; other files up to MAX_WHOLE_READ are then
   * read whole). Default: DEFECT_GATE_STREAM_THRESHOLD from the environment, else DEFAULT_STREAM_THRESHOLD (8 MiB).
   */
  streamThreshold?: number;
  /** CISA KEV catalog JSON (relative to the workspace) for exploitability enrichment by CVE; none when empty. */
  kevFile?: string;
  /** FIRST EPSS scores CSV (plain or gzipped, relative to the workspace) for enrichment by CVE; none when empty. */
  epssFile?: string;
  /**
   * Largest decompressed size of one gzip-compressed input (bytes). Default: DEFECT_GATE_MAX_DECOMPRESSED from the
   * environment, else MAX_DECOMPRESSED_BYTES (1 GiB; src/io/gzip.ts).
   */
  maxDecompressedBytes?: number;
  /** `verify-approvals` override (action input, CLI flag); default: the policy's `exceptions.verify-approvals`. */
  verifyApprovals?: 'enforce' | 'warn' | 'off';
  /** `gate-scope` (action input, CLI flag); default: the policy's `gate-scope` for the environment, else `run`. */
  gateScope?: GateScope;
}

/**
 * Default size above which inputs are read by streaming (SARIF) instead of as one string: as fast, and the parsed log
 * is never held whole (100,000 results, 47 MB: peak memory 330 → 230 MB).
 */
export const DEFAULT_STREAM_THRESHOLD = 8 * 1024 * 1024;
/** Inputs up to this size that cannot be streamed (other formats, JSON errors) are read whole instead. */
export const MAX_WHOLE_READ = 256 * 1024 * 1024;

function streamThreshold(settings: CheckSettings): number {
  if (settings.streamThreshold !== undefined) return settings.streamThreshold;
  const env = Number(process.env.DEFECT_GATE_STREAM_THRESHOLD);
  return process.env.DEFECT_GATE_STREAM_THRESHOLD && Number.isFinite(env) && env >= 0 ? env : DEFAULT_STREAM_THRESHOLD;
}

/** The ledger for this run: where it is, which book, and whether this run may write it. */
export interface LedgerSettings {
  store: LedgerStore;
  scope: string;
  write: boolean;
  /**
   * How a written run is dated (a run dated before the ledger's last run is refused, src/ledger/track.ts). Default:
   * by the machine's clock, `{clock: () => new Date()}`; the CLI's `--now` gives the date (no clock).
   */
  runDate?: RunDateRule;
}

export interface CheckOptions {
  ledger?: LedgerSettings;
  /** Fill "introduced / fixed by this PR" (pull-request runs). */
  pullRequest?: boolean;
  run?: RunInfo;
  /** Reads `owner/repo/path@ref` base policies (`extends`) through the GitHub API; without it they are an error. */
  fetchPolicy?: RemotePolicyFetcher;
  /**
   * Read the policy (and every file it includes) at this commit instead of the workspace: pull requests are gated by
   * their base branch's policy (src/io/policy-source.ts); what the workspace policy changes is in `result.policyChanges`.
   */
  policyRef?: PolicyRef;
  /**
   * Verifies the approvals of the policy's exceptions (`exceptions.approvers`) from GitHub's records
   * (src/github/approvals.ts); absent: exceptions that need verified approvals do not apply (fail closed).
   */
  verifyApprovals?: (policy: Policy, cache: Map<string, VerifiedApproval>) => Promise<void>;
  /** Without `verifyApprovals`: what the run needs to verify them (one line, e.g. the CLI's flags). */
  approvalsHelp?: string;
  /**
   * CODEOWNERS to route findings with, when the shell read it elsewhere (e.g. from the base branch); `null` for none.
   * Default: read from the workspace (src/io/codeowners.ts).
   */
  codeowners?: Codeowners | null | ((policy: Policy) => Promise<Codeowners | null | undefined>);
  /** Only the first this many findings of the result need the report order (EngineInput.sortTop). */
  sortTop?: number;
  /**
   * Work of the caller on the result (the CLI renders its Markdown) done while the output files are written, before
   * the JSON report: a worker thread writes a large rated SARIF meanwhile, and the check waits for it at the end.
   */
  whileWriting?: (result: RunResult) => void;
}

export interface CheckOutcome {
  result: RunResult;
  report: Report;
  policy: Policy;
  policyFile: string;
  /** Paths written (absolute), and whether the ledger was written. */
  written: { report?: string; sarif?: string; ledger: boolean };
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

/** The inputs as ingested, and where the SARIF ones were read from (the rated SARIF is written from those files). */
export interface ReadInputs {
  files: IngestedFile[];
  errors: InputError[];
  sarif: SarifInputFile[];
  /** Deletes the decompressed copies of gzip-compressed inputs (once the rated SARIF, read from them, is written). */
  cleanup(): void;
}

/**
 * Reads every input. Files are recognized by their first bytes: gzip-compressed ones are decompressed as a stream,
 * within the limit (settings.maxDecompressedBytes), to a temporary file read like any other (see `cleanup`); UTF-16,
 * UTF-32 and other archive formats are fatal input errors that name the encoding.
 */
export async function readInputs(settings: CheckSettings, log: Logger): Promise<ReadInputs> {
  const ws = settings.workspace;
  const { files, targets, errors } = resolveInputs(settings.files, ws);
  const overrides = (settings.formatOverrides ?? []).map((o) => ({ ...o, match: picomatch(o.glob, { dot: true }) }));
  const sourceLine = sourceLineReader(ws);
  const workspacePosix = resolve(ws).replace(/\\/g, '/');
  const threshold = streamThreshold(settings);
  const out: IngestedFile[] = [];
  const sarif: SarifInputFile[] = [];
  const limit = settings.maxDecompressedBytes ?? decompressionLimit();
  let tmp: string | undefined;
  const cleanup = () => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    tmp = undefined;
  };
  try {
    for (const [index, given] of files.entries()) {
      const name = displayName(given, ws);
      const target = targets.get(given);
      let shown = target ? `${name} (link to ${target})` : name;
      const format = overrides.find((o) => o.match(name))?.format;
      const failed = (message: string, hint: string) => {
        out.push({
          file: name,
          ...(target ? { target } : {}),
          findings: [],
          tools: [],
          errors: [{ file: name, message, hint, severity: 'fatal' }],
        });
        log.debug(`read ${shown}: ${message}`);
      };
      // Opened once and checked (what is read is the workspace file that was checked: no link swapped meanwhile), then
      // read only through the descriptor, or, when gzip-compressed, through its decompressed copy in a private folder.
      let opened: OpenedInput;
      try {
        opened = openInput(given, ws);
      } catch (err) {
        if (!(err instanceof InputOpenError)) throw err;
        failed(err.message, err.hint);
        continue;
      }
      try {
        /** The descriptor of the input, or the path of its decompressed copy. */
        let abs: number | string = opened.fd;
        let identity = { dev: opened.dev, ino: opened.ino };
        let sniffed: Sniffed | undefined;
        try {
          sniffed = sniffFd(opened.fd);
        } catch {
          // reported by the read below
        }
        const unreadable = sniffed && unreadableAs(sniffed);
        if (unreadable) {
          failed(unreadable.message, unreadable.hint);
          continue;
        }
        if (sniffed?.kind === 'gzip') {
          tmp ??= mkdtempSync(join(tmpdir(), 'defect-gate-gunzip-'));
          const dest = join(tmp, String(index));
          let size: number;
          try {
            size = await gunzipFile(abs, dest, limit);
          } catch (err) {
            rmSync(dest, { force: true });
            if (err instanceof DecompressionLimitError) {
              failed(
                `gzip-compressed file: ${err.message}`,
                'if the report is genuine, decompress it in an earlier step (or raise DEFECT_GATE_MAX_DECOMPRESSED)',
              );
            } else {
              failed(
                `cannot decompress the gzip-compressed file: ${errorMessage(err)}`,
                'check that the step that wrote or downloaded it finished (a cut-off .gz file is a common cause)',
              );
            }
            continue;
          }
          const inner = sniffFile(dest);
          const innerUnreadable =
            inner.kind === 'gzip'
              ? { message: 'the file is gzip-compressed twice', hint: 'decompress it once in an earlier step' }
              : unreadableAs(inner);
          if (innerUnreadable) {
            failed(`gzip-compressed file: ${innerUnreadable.message}`, innerUnreadable.hint);
            continue;
          }
          shown += ` (gzip, ${size} bytes decompressed)`;
          abs = dest;
        }
        let stamp = { size: opened.size, mtimeMs: opened.mtimeMs };
        if (typeof abs === 'string') {
          try {
            const st = statSync(abs);
            stamp = { size: st.size, mtimeMs: st.mtimeMs };
            identity = { dev: st.dev, ino: st.ino };
          } catch {
            // reported by the read below
          }
        }
        const src = abs;
        const readAll = (): Buffer => (typeof src === 'number' ? readWholeFd(src) : readFileSync(src));
        const ctx = { file: name, workspace: workspacePosix, sourceLine };
        const whole = (): IngestedFile => {
          let text: string;
          let cut: string | undefined;
          try {
            const buf = readAll();
            // Strings longer than MAX_STRING cut on the bytes, before the text is decoded: the file costs its bytes once,
            // not its bytes and its text (and the parser's copies of a long string).
            cut = cutLongBytes(buf);
            text = cut ?? buf.toString('utf8');
          } catch (err) {
            return {
              file: name,
              findings: [],
              tools: [],
              errors: [{ file: name, message: `cannot read the file: ${errorMessage(err)}`, severity: 'fatal' }],
            };
          }
          const r = ingestText(text, ctx, format, undefined, { keepDocument: false });
          // Errors at a line and column name them in the file as it is: read again without cutting (rare).
          if (cut !== undefined && r.errors.some((e) => e.line !== undefined)) {
            return ingestText(readAll().toString('utf8'), ctx, format, undefined, { keepDocument: false });
          }
          return r;
        };
        let r: IngestedFile;
        if (stamp.size > threshold) {
          let streamed = true;
          const fallback = (): IngestedFile => {
            streamed = false;
            return whole();
          };
          r = ingestSarifFile(abs, ctx, format, stamp.size <= MAX_WHOLE_READ ? { fallback } : {});
          log.debug(
            `read ${shown}: ${stamp.size} bytes, ${streamed ? 'streamed' : 'read whole'}: ${r.format ?? 'unrecognized'}, ${r.findings.length} finding(s), ${r.errors.length} problem(s)`,
          );
        } else {
          r = whole();
          log.debug(`read ${shown}: ${r.format ?? 'unrecognized'}, ${r.findings.length} finding(s), ${r.errors.length} problem(s)`);
        }
        if (target) r.target = target;
        if (r.format === 'sarif') sarif.push({ file: name, path: typeof abs === 'string' ? abs : given, ...stamp, ...identity });
        out.push(r);
      } finally {
        closeSync(opened.fd);
      }
    }
  } catch (err) {
    cleanup();
    throw err;
  }
  return { files: out, errors, sarif, cleanup };
}

/**
 * The text of a file read whole with its long strings cut (JSON strings, or XML character data) as ingest cuts them,
 * decoding only the kept parts; undefined when nothing is cut (or the file is small).
 */
export function cutLongBytes(buf: Buffer): string | undefined {
  if (buf.length <= MAX_STRING + 64) return undefined;
  let i = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  while (i < buf.length && (buf[i] === 0x20 || buf[i] === 0x09 || buf[i] === 0x0a || buf[i] === 0x0d)) i++;
  if (buf[i] === 0x3c) return cutXmlBytes(buf);
  return buf[i] === 0x7b || buf[i] === 0x5b ? cutBytes(buf, 0, buf.length) : undefined;
}

/** An output path (`report`, `sarif-output`) that cannot be written, found before the run: a usage error. */
export class OutputPathError extends UserError {
  constructor(
    /** The setting: the CLI flag is `--${option}`, the Action input `${option}`. */
    override readonly option: 'report' | 'sarif-output',
    readonly path: string,
    why: string,
  ) {
    super('usage', `cannot write the ${option === 'report' ? 'JSON report' : 'rated SARIF'} to ${JSON.stringify(path)}: ${why}`, option);
    this.name = 'OutputPathError';
  }
}

/** Throws OutputPathError when an output path names a directory (or lies below a file). */
export function checkOutputPaths(settings: Pick<CheckSettings, 'reportPath' | 'sarifOutput' | 'workspace'>): void {
  for (const [option, p] of [
    ['report', settings.reportPath],
    ['sarif-output', settings.sarifOutput],
  ] as const) {
    if (!p) continue;
    const why = outputPathProblem(resolve(settings.workspace, p));
    if (why) throw new OutputPathError(option, p, why);
  }
}

/**
 * Runs the whole check. Throws PolicyLoadError (bad policy), UnknownEnvironmentError (bad environment) and
 * OutputPathError (an output path that names a directory).
 * A ledger that cannot be read is an input error (fail closed); a LedgerError while writing it (locked, backdated run)
 * is thrown; another failure to write it is a warning.
 */
export async function runCheck(settings: CheckSettings, now: Date, log: Logger, opts: CheckOptions = {}): Promise<CheckOutcome> {
  checkOutputPaths(settings);
  const gating = await loadGatingPolicy(settings.policy, settings.workspace, opts.policyRef, opts.fetchPolicy);
  for (const note of gating.notes) log.info(note);
  const { policy, file: policyFile } = gating;
  const environment = chooseEnvironment(policy, settings.environment, settings.eventName);
  const { files, errors, sarif, cleanup } = await readInputs(settings, log);
  try {
    return await checkRead(settings, now, log, opts, {
      policy,
      policyFile,
      environment,
      files,
      errors,
      sarif,
      ...(gating.changes ? { changes: gating.changes } : {}),
    });
  } finally {
    cleanup();
  }
}

/** `exceptions.approvers`: verify each exception's approval, or say once that approvals are not verified. */
async function checkApprovals(
  policy: Policy,
  settings: CheckSettings,
  opts: CheckOptions,
  log: Logger,
  cache: Map<string, VerifiedApproval>,
): Promise<void> {
  const ex = policy.exceptions;
  if (settings.verifyApprovals) ex.verify = settings.verifyApprovals;
  if (!ex.approvers || ex.entries.length === 0) return;
  if (ex.verify === 'off') {
    log.warning('exception approvals were not verified (verify-approvals: off): exceptions apply on their approved-by text');
    return;
  }
  if (!opts.verifyApprovals) {
    markUnverifiable(
      ex,
      'approvals are verified through the GitHub API, which this run cannot use (no token or repository); set verify-approvals: off to skip',
    );
    log.warning(
      `exception approvals cannot be verified without the GitHub API: exceptions that need them do not apply${opts.approvalsHelp ? `; ${opts.approvalsHelp}` : ''}`,
    );
    return;
  }
  await opts.verifyApprovals(policy, cache);
  const bad = ex.entries.filter((e) => e.approval?.problem);
  if (bad.length > 0) {
    log.warning(
      `${bad.length} exception(s) with unverified approvals${ex.verify === 'enforce' ? ' do not apply' : ' (verify-approvals: warn: they apply)'}: ${bad
        .slice(0, 5)
        .map((e) => `${e.id}: ${e.approval?.problem ?? ''}`)
        .join('; ')}${bad.length > 5 ? '; …' : ''}`,
    );
  }
}

/** The rest of runCheck, once the inputs are read (their decompressed copies are deleted when it ends). */
async function checkRead(
  settings: CheckSettings,
  now: Date,
  log: Logger,
  opts: CheckOptions,
  read: { policy: Policy; policyFile: string; environment: string; changes?: PolicyChanges } & Omit<ReadInputs, 'cleanup'>,
): Promise<CheckOutcome> {
  const { policy, policyFile, environment, files, errors, sarif } = read;
  // `ledger` without a ledger is refused before the ledger and approvals are read (GateScopeError: a usage error).
  const gateScope = resolveGateScope(settings.gateScope, policy, environment, opts.ledger !== undefined);
  // Patterns that matched nothing are input errors of their own, reported like unreadable files.
  const withPatternErrors: IngestedFile[] = [...errors.map((e) => ({ file: e.file, findings: [], tools: [], errors: [e] })), ...files];
  // Enrichment files that cannot be used are input errors too (fail closed): a missing KEV file must not pass a gate.
  const enrichment = await loadEnrichmentAsync({ kevFile: settings.kevFile, epssFile: settings.epssFile }, settings.workspace);
  for (const file of new Set(enrichment.errors.map((e) => e.file))) {
    withPatternErrors.push({ file, findings: [], tools: [], errors: enrichment.errors.filter((e) => e.file === file) });
  }
  for (const note of enrichment.notes) log.debug(`enrichment: ${note}`);
  for (const warning of enrichment.warnings) log.warning(`enrichment: ${warning}`);
  let book: LedgerBook | undefined;
  let ledgerReadable = false;
  if (opts.ledger) {
    try {
      book = (await opts.ledger.store.read(opts.ledger.scope)) ?? emptyBook();
      ledgerReadable = true;
    } catch (err) {
      const message = `cannot read the ledger (scope ${opts.ledger.scope}): ${errorMessage(err)}`;
      withPatternErrors.push({
        file: opts.ledger.store.describe,
        findings: [],
        tools: [],
        errors: [
          {
            file: opts.ledger.store.describe,
            message,
            hint: "statuses and SLA clocks need it; check the path or the token's permissions",
            severity: 'fatal',
            input: { name: `the ledger ${opts.ledger.store.describe}`, reason: errorMessage(err) },
          },
        ],
      });
    }
  }
  // Verified approvals: the ledger keeps earlier runs' verdicts by exception id and content hash (no calls for those).
  const approvalCache = new Map<string, VerifiedApproval>(Object.entries(book?.approvals ?? {}));
  const knownApprovals = approvalCache.size;
  await checkApprovals(policy, settings, opts, log, approvalCache);
  const approvals = approvalCache.size > knownApprovals ? Object.fromEntries(approvalCache) : undefined;
  let codeowners: Codeowners | undefined;
  const given = typeof opts.codeowners === 'function' ? await opts.codeowners(policy) : opts.codeowners;
  if (given !== undefined) codeowners = given ?? undefined;
  else {
    const read = readCodeowners(settings.workspace);
    for (const w of read.warnings) log.warning(`CODEOWNERS: ${w}`);
    codeowners = read.codeowners;
  }
  // A run that writes the ledger keeps shallow copies of the findings as read: when the ledger changed since it was
  // read (another run wrote it), this run is merged again into the latest book (reapply) from them, because the
  // engine rates the findings themselves in place (issue #21: rated copies made every later pass of a ledger run
  // slower; rating, exceptions, owners and tracking set members of a finding, never what is inside them).
  let asRead =
    opts.ledger?.write && ledgerReadable
      ? withPatternErrors.map((f) => ({ ...f, findings: f.findings.map((x) => ({ ...x })) }))
      : undefined;
  const engineInput: EngineInput = {
    files: withPatternErrors,
    ...(codeowners ? { codeowners } : {}),
    policy,
    environment,
    onInputError: settings.onInputError,
    now,
    ...(book ? { ledger: book } : {}),
    ...(opts.pullRequest ? { pullRequest: true } : {}),
    ...(opts.run ? { run: opts.run } : {}),
    ...(approvals ? { approvals } : {}),
    ...(enrichment.enrichment ? { enrichment: enrichment.enrichment } : {}),
    // The ingested findings are this run's own: rated in place (a ledger write that must merge again uses `asRead`).
    inPlace: true,
    // A run to be written is refused when dated before the ledger's last run, here and again on the latest book.
    ...(opts.ledger?.write && ledgerReadable ? { runDate: opts.ledger.runDate ?? { clock: () => new Date() } } : {}),
    // An unreadable ledger is an input error that fails the gate (on-input-error: fail), as in `run` scope.
    ...(gateScope === 'ledger' && book ? { gateScope } : {}),
    // Files written here (the report, the rated SARIF) list every finding in order.
    ...(opts.sortTop !== undefined && !settings.reportPath && !settings.sarifOutput ? { sortTop: opts.sortTop } : {}),
  };
  const result = runEngine(engineInput);
  if (read.changes) result.policyChanges = read.changes;
  const written: CheckOutcome['written'] = { ledger: false };
  if (opts.ledger && opts.ledger.write && ledgerReadable) {
    try {
      // Re-applied to the latest book inside the store, so a concurrent writer's run is not lost; when the latest book
      // is the one this run read (nothing written since: the store hands back what it read), its result stands.
      const again: EngineInput = { ...engineInput, files: asRead ?? [] };
      await opts.ledger.store.update(opts.ledger.scope, (latest) => (latest === book ? result.nextLedger : reapply(latest, again)));
      written.ledger = true;
      log.info(`ledger ${opts.ledger.store.describe} (scope ${opts.ledger.scope}) updated`);
    } catch (err) {
      // A ledger that refuses this run (locked by another run, a backdated run) fails it: the run would be lost.
      if (err instanceof LedgerError) throw err;
      log.warning(`could not write the ledger ${opts.ledger.store.describe}: ${errorMessage(err)}`);
    }
  }
  // Nothing below reads the input files' finding lists (result.findings has every finding): let them go before the
  // reports are written, so that ingested findings rated into copies (ledger runs) are not held twice.
  for (const f of files) f.findings = [];
  asRead = undefined;
  const tracking: ReportTracking = {
    ...(opts.ledger ? { ledger: opts.ledger.store.describe, scope: opts.ledger.scope } : {}),
    written: written.ledger,
  };
  const space = result.findings.length > PRETTY_JSON_MAX_FINDINGS ? 0 : 2;
  // The rated SARIF is written from the input files, read again (src/io/rated-sarif.ts): the parsed logs are not kept.
  // For large inputs a worker thread writes it while this one writes the JSON report.
  const sarifPath = settings.sarifOutput ? resolve(settings.workspace, settings.sarifOutput) : undefined;
  const plan = () => ratedSarifPlan(result, policy, sarif, space);
  let sarifWrite: Promise<WrittenBy> | undefined;
  if (sarifPath && sarif.reduce((sum, s) => sum + s.size, 0) > streamThreshold(settings)) {
    sarifWrite = writeRatedSarifInWorker(sarifPath, plan);
    // Awaited below; without this a rejection while the report is written would count as unhandled.
    sarifWrite.catch(() => undefined);
  }
  try {
    opts.whileWriting?.(result);
    if (settings.reportPath) {
      // Written entry by entry (reportForWriting): the report's million findings are not held as objects.
      const p = resolve(settings.workspace, settings.reportPath);
      writeJsonAtomic(p, reportForWriting(result, policyFile, tracking), space);
      written.report = p;
    }
  } catch (err) {
    await sarifWrite?.catch(() => undefined); // no worker left writing when the check ends
    throw err;
  }
  if (sarifPath) {
    if (sarifWrite) log.debug(`rated SARIF written ${(await sarifWrite) === 'worker' ? 'by a worker thread' : 'in the main thread'}`);
    else writeRatedSarifPlan(sarifPath, plan());
    written.sarif = sarifPath;
  }
  // The report object is built only when a caller reads it (`--format json`, the Action's counts).
  let report: Report | undefined;
  return {
    result,
    get report(): Report {
      return (report ??= buildReport(result, policyFile, tracking));
    },
    policy,
    policyFile,
    written,
  };
}
