import type * as sarif from 'sarif';
import type { Finding, FindingKind, InputError, ResultKind, SarifLevel, ScannerSuppression, SourceRef, ToolRef } from '../../model';
import { computeFingerprint, hashParts } from '../fingerprint';
import { baseOutside, basePrefix, isPlainRelative, joinUri, normalizePath } from '../paths';
import type { FormatParser, ParseContext, ParseResult } from '../types';
import {
  arr,
  cweId,
  describeValue,
  firstLine,
  isObj,
  isoTime,
  num,
  own,
  posInt,
  readScore,
  SCORE_HINT,
  str,
  strings,
  text,
  type Obj,
} from '../values';
import { orderVulnIds } from '../ecosystem';
import { marker } from '../../redact/text';

/**
 * SARIF 2.1.0 (OASIS). The log is untrusted: every field is read defensively and structural problems become
 * InputErrors with a JSON path; a bad result is skipped, the rest of the file is kept.
 */

const LEVELS = new Set<SarifLevel>(['error', 'warning', 'note', 'none']);
const RESULT_KINDS = new Set<ResultKind>(['fail', 'pass', 'review', 'open', 'notApplicable', 'informational']);
const CVE_RE = /\bCVE-\d{4}-\d{4,}\b/gi;
const GHSA_RE = /\bGHSA(?:-[23456789cfghjmpqrvwx]{4}){3}\b/gi;
const ARG_RE = /\{(\d+)\}/g;
const SRCROOT_LIKE = /src|source|root|project|workspace|repo|checkout/i;

type Rule = Partial<sarif.ReportingDescriptor>;

interface RunIndex {
  tool: ToolRef;
  driverRules: Rule[];
  driverById: Map<string, Rule>;
  extRules: Rule[][];
  extById: Map<string, Rule>;
  baseIds: Obj;
  artifacts: unknown[];
  taxonomies: unknown[];
  kindHint?: FindingKind;
  /** `tool.name` lower-cased (a fingerprint part). */
  toolLower: string;
  /** What each rule (or no rule) contributes to a finding, derived once per rule. */
  ruleInfo: Map<Rule | undefined, RuleInfo>;
  /** `resolveBase` per `uriBaseId`. */
  bases: Map<string, { uri?: string; known: boolean; prefix?: string | null; outside?: boolean }>;
}

/** Per-rule derived data; `byRuleId` holds what also depends on the result's rule id (when the result adds nothing). */
interface RuleInfo {
  tags: string[];
  cwes: string[];
  secSev?: number;
  scannerSeverity?: string;
  title: string;
  helpUri?: string;
  defaultLevel?: string;
  fallbackMessage: string;
  byRuleId: Map<string, { cve: string[]; kind: FindingKind }>;
}

const EMPTY_RESULT: Obj = {};
const NO_ARGS: string[] = [];
const CWE_KEYS = ['cwe', 'CWE', 'cwe_id', 'cwes'] as const;
const SECRET_TAG = /^secrets?$/i;
const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function kindFromTool(name: string): FindingKind | undefined {
  const n = name.toLowerCase();
  if (/gitleaks|trufflehog|detect-secrets|secret/.test(n)) return 'secret';
  if (/checkov|tfsec|kics|terrascan|cfn|kube-?linter|kubesec|hadolint/.test(n)) return 'iac';
  if (/dockle|clair|container/.test(n)) return 'container';
  if (/zap|burp|nuclei|nikto|arachni|dast/.test(n)) return 'dast';
  if (/grype|trivy|dependency-check|snyk open source|osv|retire|npm audit|audit|black ?duck|dependabot|ossindex|owasp dependency/.test(n))
    return 'sca';
  return undefined;
}

function readRules(v: unknown): Rule[] {
  return arr(v).map((r) => (isObj(r) ? (r as Rule) : ({} as Rule)));
}

function indexRun(run: Obj): RunIndex {
  const toolObj = own(run, 'tool');
  const driver = own(toolObj, 'driver');
  const name = text(own(driver, 'name')) ?? 'unknown SARIF producer';
  const version = text(own(driver, 'semanticVersion')) ?? text(own(driver, 'version'));
  const driverRules = readRules(own(driver, 'rules'));
  const driverById = new Map<string, Rule>();
  for (const r of driverRules) if (typeof r.id === 'string' && !driverById.has(r.id)) driverById.set(r.id, r);
  const extRules: Rule[][] = [];
  const extById = new Map<string, Rule>();
  for (const ext of arr(own(toolObj, 'extensions'))) {
    const rules = readRules(own(ext, 'rules'));
    extRules.push(rules);
    for (const r of rules) if (typeof r.id === 'string' && !extById.has(r.id)) extById.set(r.id, r);
  }
  const baseIds = own(run, 'originalUriBaseIds');
  return {
    tool: version ? { name, version } : { name },
    driverRules,
    driverById,
    extRules,
    extById,
    baseIds: isObj(baseIds) ? baseIds : {},
    artifacts: arr(own(run, 'artifacts')),
    taxonomies: arr(own(run, 'taxonomies')),
    kindHint: kindFromTool(name),
    toolLower: name.toLowerCase(),
    ruleInfo: new Map(),
    bases: new Map(),
  };
}

function findRule(ix: RunIndex, result: Obj, ruleId: string | undefined): Rule | undefined {
  const ref = own(result, 'rule');
  const ruleIndex = num(own(result, 'ruleIndex')) ?? num(own(ref, 'index'));
  const tc = own(ref, 'toolComponent');
  const extIndex = num(own(tc, 'index'));
  if (ruleIndex !== undefined && ruleIndex >= 0) {
    const list = extIndex !== undefined ? ix.extRules[extIndex] : ix.driverRules;
    const r = list?.[ruleIndex];
    if (r && (ruleId === undefined || r.id === undefined || r.id === ruleId)) return r;
  }
  const id = ruleId ?? text(own(ref, 'id'));
  if (id === undefined) return undefined;
  const direct = ix.driverById.get(id) ?? ix.extById.get(id);
  if (direct) return direct;
  // Hierarchical rule ids (SARIF §3.27.5): "CA1000/subrule" falls back to "CA1000".
  const slash = id.indexOf('/');
  if (slash > 0) {
    const parent = id.slice(0, slash);
    return ix.driverById.get(parent) ?? ix.extById.get(parent);
  }
  return undefined;
}

/** Resolves a `uriBaseId` chain through `originalUriBaseIds` (bounded, cycle-safe). */
function resolveBase(ix: RunIndex, baseId: string): { uri?: string; known: boolean } {
  let uri = '';
  let id: string | undefined = baseId;
  const seen = new Set<string>();
  let known = false;
  while (id !== undefined && !seen.has(id) && seen.size < 16) {
    seen.add(id);
    const entry = own(ix.baseIds, id);
    if (!isObj(entry)) break;
    known = true;
    const u = text(own(entry, 'uri'));
    if (u) uri = uri ? joinUri(u, uri) : u;
    id = text(own(entry, 'uriBaseId'));
  }
  return known && uri ? { uri, known } : { known };
}

function ruleInfo(ix: RunIndex, rule: Rule | undefined): RuleInfo {
  let info = ix.ruleInfo.get(rule);
  if (info) return info;
  const ruleProps = rule?.properties;
  const tags = strings(own(ruleProps, 'tags'));
  const helpUri = text(rule?.helpUri);
  const score = readScore(own(ruleProps, 'security-severity')); // (out of range: an input error, see SarifSink.run)
  const secSev = score.score;
  const scannerSeverity =
    text(own(ruleProps, 'problem.severity'))?.toLowerCase() ?? text(own(ruleProps, 'severity'))?.toLowerCase() ?? score.word;
  const defaultLevel = text(own(rule?.defaultConfiguration, 'level'));
  info = {
    tags,
    cwes: collectCwes(ix, rule, EMPTY_RESULT, tags),
    title: firstLine(text(own(rule?.shortDescription, 'text')) ?? text(rule?.name) ?? ''),
    fallbackMessage: text(own(rule?.fullDescription, 'text')) ?? text(own(rule?.shortDescription, 'text')) ?? '',
    byRuleId: new Map(),
    ...(helpUri !== undefined ? { helpUri } : {}),
    ...(secSev !== undefined ? { secSev } : {}),
    ...(scannerSeverity !== undefined ? { scannerSeverity } : {}),
    ...(defaultLevel !== undefined ? { defaultLevel } : {}),
  };
  ix.ruleInfo.set(rule, info);
  return info;
}

function vulnIds(ruleId: string, tags: string[]): string[] {
  const cveText = `${ruleId} ${tags.join(' ')}`;
  return orderVulnIds([...(cveText.match(CVE_RE) ?? []), ...(cveText.match(GHSA_RE) ?? [])]);
}

function kindOf(ix: RunIndex, cve: string[], tags: string[]): FindingKind {
  let kind: FindingKind = ix.kindHint ?? (cve.length > 0 ? 'sca' : 'sast');
  if (!ix.kindHint && tags.some((t) => SECRET_TAG.test(t))) kind = 'secret';
  return kind;
}

function formatMessage(msg: unknown, rule: Rule | undefined): string {
  const rawArgs = own(msg, 'arguments');
  const args = rawArgs === undefined ? NO_ARGS : strings(rawArgs);
  let t = str(own(msg, 'text')) ?? '';
  if (!t) t = str(own(msg, 'markdown')) ?? '';
  if (!t) {
    const id = text(own(msg, 'id'));
    const ms = id ? own(rule?.messageStrings, id) : undefined;
    t = str(own(ms, 'text')) ?? str(own(ms, 'markdown')) ?? '';
  }
  if (args.length > 0 && t.includes('{')) t = t.replace(ARG_RE, (m, n: string) => args[Number(n)] ?? m);
  return t;
}

function collectCwes(ix: RunIndex, rule: Rule | undefined, result: Obj, tags: string[]): string[] {
  const out = new Set<string>();
  for (const t of tags) {
    if (/cwe/i.test(t)) {
      const c = cweId(t);
      if (c) out.add(c);
    }
  }
  for (const key of CWE_KEYS) {
    for (const holder of [own(result, 'properties'), rule?.properties]) {
      const v = own(holder, key);
      for (const x of Array.isArray(v) ? v : [v]) {
        const c = cweId(x);
        if (c) out.add(c);
      }
    }
  }
  const taxaRefs = [...arr(own(result, 'taxa')), ...arr(rule?.relationships).map((r) => own(r, 'target'))];
  for (const ref of taxaRefs) {
    const tc = own(ref, 'toolComponent');
    const tcName = text(own(tc, 'name')) ?? text(own(ix.taxonomies[num(own(tc, 'index')) ?? -1], 'name'));
    if (tcName && tcName.toUpperCase() !== 'CWE') continue;
    const id = text(own(ref, 'id'));
    const c = id ? cweId(/^\d+$/.test(id) ? `CWE-${id}` : id) : undefined;
    if (c && (tcName || /cwe/i.test(id ?? ''))) out.add(c);
  }
  return [...out];
}

function pickFingerprint(
  toolLower: string,
  ruleId: string,
  path: string | undefined,
  fps: unknown,
  partial: unknown,
): { fingerprint: string; source: string } | undefined {
  if (isObj(fps)) {
    const keys = Object.keys(fps)
      .filter((k) => text(fps[k]) !== undefined)
      .sort();
    const k = keys[0];
    if (k !== undefined) return { fingerprint: hashParts('sarif-fp', toolLower, k, text(fps[k])), source: `sarif:fingerprints/${k}` };
  }
  if (isObj(partial)) {
    // primaryLocationLineHash (CodeQL, GitHub) is the content-based key: when present, no need to look at the others.
    const plh = Object.prototype.hasOwnProperty.call(partial, 'primaryLocationLineHash')
      ? text(partial.primaryLocationLineHash)
      : undefined;
    if (plh !== undefined) {
      return {
        fingerprint: hashParts('sarif-pfp', toolLower, ruleId, path, 'primaryLocationLineHash', plh),
        source: 'sarif:partialFingerprints/primaryLocationLineHash',
      };
    }
    const keys = Object.keys(partial)
      .filter((k) => text(partial[k]) !== undefined)
      .sort();
    // primaryLocationLineHash (CodeQL, GitHub) is the content-based key; column fingerprints alone are too weak.
    const k = keys.includes('primaryLocationLineHash') ? 'primaryLocationLineHash' : keys.find((x) => !/column/i.test(x));
    if (k !== undefined) {
      return {
        fingerprint: hashParts('sarif-pfp', toolLower, ruleId, path, k, text(partial[k])),
        source: `sarif:partialFingerprints/${k}`,
      };
    }
  }
  return undefined;
}

/** The suppressions of the (many) results that have none: one frozen array, not one empty array per finding. */
const NO_SUPPRESSIONS = Object.freeze([]) as unknown as ScannerSuppression[];

function suppressionsOf(v: unknown): ScannerSuppression[] {
  if (v === undefined || (Array.isArray(v) && v.length === 0)) return NO_SUPPRESSIONS;
  const out: ScannerSuppression[] = [];
  for (const s of arr(v)) {
    if (!isObj(s)) continue;
    // `state` is a pre-release spelling of `status` seen in real logs (appendix_k.sarif).
    const status = text(own(s, 'status')) ?? text(own(s, 'state'));
    const justification = text(own(s, 'justification'));
    out.push({ kind: text(own(s, 'kind')) ?? 'external', ...(status ? { status } : {}), ...(justification ? { justification } : {}) });
  }
  return out;
}

type Located = Pick<Finding, 'path' | 'location' | 'startLine' | 'endLine' | 'startColumn' | 'endColumn' | 'snippet'>;

function locate(ix: RunIndex, result: Obj, ctx: ParseContext): Located {
  const loc0 = arr(own(result, 'locations'))[0];
  const phys = own(loc0, 'physicalLocation');
  const out: Located = {};
  if (isObj(phys)) {
    let al = own(phys, 'artifactLocation');
    const idx = num(own(al, 'index'));
    let uri = text(own(al, 'uri'));
    if (!uri && idx !== undefined) {
      al = own(ix.artifacts[idx], 'location');
      uri = text(own(al, 'uri'));
    }
    let baseId = text(own(al, 'uriBaseId'));
    if (uri && !baseId && idx !== undefined) baseId = text(own(own(ix.artifacts[idx], 'location'), 'uriBaseId'));
    if (uri) {
      let n: ReturnType<typeof normalizePath> | undefined;
      if (baseId && !HAS_SCHEME.test(uri) && !uri.startsWith('/')) {
        let base = ix.bases.get(baseId);
        if (!base) ix.bases.set(baseId, (base = resolveBase(ix, baseId)));
        // A base inside the workspace (CodeQL's %SRCROOT% on a runner) and a plain relative uri: the base's prefix.
        if (base.uri && base.prefix === undefined) base.prefix = basePrefix(base.uri.trim(), ctx.workspace) ?? null;
        if (typeof base.prefix === 'string' && isPlainRelative(uri)) n = { path: base.prefix + uri };
        else if (base.uri && (base.outside ??= baseOutside(base.uri.trim(), ctx.workspace)) && isPlainRelative(uri)) {
          // A base no such uri joins into the workspace (a checkout scanned elsewhere): what normalizing the joined
          // URI gives (a location), and for a source-root base the uri itself, without normalizing each one.
          if (!SRCROOT_LIKE.test(baseId)) n = { location: joinUri(base.uri.trim(), uri) };
        } else if (base.uri) {
          const full = normalizePath(joinUri(base.uri.trim(), uri), ctx.workspace);
          // The base is outside this workspace (scanned elsewhere): a source-root base still maps to repo paths.
          if ('path' in full || !SRCROOT_LIKE.test(baseId)) n = full;
        }
      }
      n ??= normalizePath(uri, ctx.workspace);
      if ('path' in n) out.path = n.path;
      else out.location = n.location;
    }
    const region = own(phys, 'region');
    const startLine = posInt(own(region, 'startLine'));
    if (startLine !== undefined) {
      out.startLine = startLine;
      out.endLine = posInt(own(region, 'endLine')) ?? startLine;
      const sc = posInt(own(region, 'startColumn'));
      if (sc !== undefined) out.startColumn = sc;
      const ec = posInt(own(region, 'endColumn'));
      if (ec !== undefined) out.endColumn = ec;
    }
    const snip = str(own(own(region, 'snippet'), 'text'));
    if (snip !== undefined) out.snippet = snip;
  }
  if (!out.path && !out.location) {
    const logical = arr(own(loc0, 'logicalLocations'))[0];
    const fq = text(own(logical, 'fullyQualifiedName')) ?? text(own(logical, 'name'));
    if (fq) out.location = fq;
  }
  return out;
}

/**
 * Where a SARIF finding came from. Its JSON path is made when asked for: as a string per finding, built from parts, it
 * took ~150 bytes of each finding's memory. Serialized (toJSON) like the plain SourceRef of other formats.
 */
export class SarifSource implements SourceRef {
  constructor(
    readonly file: string,
    readonly runIndex: number,
    readonly resultIndex: number,
  ) {}
  get format(): string {
    return 'sarif';
  }
  get pointer(): string {
    return `$.runs[${this.runIndex}].results[${this.resultIndex}]`;
  }
  toJSON(): SourceRef {
    return { file: this.file, format: this.format, pointer: this.pointer, runIndex: this.runIndex, resultIndex: this.resultIndex };
  }
}

function parseResult(ix: RunIndex, result: Obj, runIndex: number, resultIndex: number, ctx: ParseContext): Finding {
  const ruleIdRaw = text(own(result, 'ruleId')) ?? text(own(own(result, 'rule'), 'id'));
  const rule = findRule(ix, result, ruleIdRaw);
  const ruleId = ruleIdRaw ?? (typeof rule?.id === 'string' ? rule.id : undefined) ?? 'unknown-rule';
  const info = ruleInfo(ix, rule);
  const message = formatMessage(own(result, 'message'), rule) || info.fallbackMessage;
  const kindRaw = text(own(result, 'kind'));
  const resultKind: ResultKind = kindRaw && RESULT_KINDS.has(kindRaw as ResultKind) ? (kindRaw as ResultKind) : 'fail';
  const levelRaw = text(own(result, 'level')) ?? info.defaultLevel;
  const level: SarifLevel =
    levelRaw && LEVELS.has(levelRaw as SarifLevel) ? (levelRaw as SarifLevel) : resultKind === 'fail' ? 'warning' : 'none';
  const resProps = own(result, 'properties');
  const resScore = readScore(own(resProps, 'security-severity'));
  const secSev = resScore.score ?? info.secSev;
  const resTags = strings(own(resProps, 'tags'));
  let tags: string[];
  let cwe: string[];
  let cve: string[];
  let kind: FindingKind;
  if (resTags.length === 0 && !CWE_KEYS.some((k) => own(resProps, k) !== undefined) && arr(own(result, 'taxa')).length === 0) {
    // The result adds no tags, CWEs or taxa: all of it comes from the rule (and the rule id), derived once.
    // (These arrays are shared between the findings of one rule; nothing changes a finding's arrays in place.)
    tags = info.tags;
    cwe = info.cwes;
    let byId = info.byRuleId.get(ruleId);
    if (!byId) {
      const ids = vulnIds(ruleId, tags);
      byId = { cve: ids, kind: kindOf(ix, ids, tags) };
      if (info.byRuleId.size < 10000) info.byRuleId.set(ruleId, byId);
    }
    cve = byId.cve;
    kind = byId.kind;
  } else {
    tags = resTags.length === 0 ? info.tags : [...new Set([...info.tags, ...resTags])];
    cwe = collectCwes(ix, rule, result, tags);
    cve = vulnIds(ruleId, tags);
    kind = kindOf(ix, cve, tags);
  }
  const loc = locate(ix, result, ctx);

  const scannerSeverity =
    text(own(resProps, 'severity'))?.toLowerCase() ??
    text(own(resProps, 'securityRisk'))?.toLowerCase() ??
    text(own(resProps, 'issue_severity'))?.toLowerCase() ??
    resScore.word ??
    info.scannerSeverity;

  const title = info.title || firstLine(message) || ruleId;
  const helpUri = info.helpUri;

  const fp =
    pickFingerprint(ix.toolLower, ruleId, loc.path, own(result, 'fingerprints'), own(result, 'partialFingerprints')) ??
    computeFingerprint({
      tool: ix.tool.name,
      ruleId,
      path: loc.path ?? loc.location,
      lineText:
        (loc.path && loc.startLine !== undefined ? ctx.sourceLine?.(loc.path, loc.startLine) : undefined) ??
        (loc.snippet !== undefined ? loc.snippet.split('\n').find((l) => l.trim() !== '') : undefined),
      message,
    });

  const first = text(own(own(result, 'provenance'), 'firstDetectionTimeUtc'));
  const baselineState = text(own(result, 'baselineState'));
  // Every member most SARIF findings get, absent ones undefined (JSON and the reports leave them out), in one order,
  // those rating and tracking add included: V8 then keeps them all inside the object, one shape for all. Members
  // added later go to a separate, growing property store: for the rating's, ~150 MB more memory at a million findings,
  // and old-space garbage each time a store grows. (Rare ones — location, snippet, component, exception, SLA … — are left to that store.)
  const f = {
    fingerprint: fp.fingerprint,
    fingerprintSource: fp.source,
    tool: ix.tool,
    source: new SarifSource(ctx.file, runIndex, resultIndex),
    ruleId,
    title,
    message,
    helpUri: helpUri || undefined,
    kind,
    cwe,
    cve,
    tags,
    level,
    resultKind,
    securitySeverity: secSev !== undefined && secSev >= 0 && secSev <= 10 ? secSev : undefined,
    scannerSeverity: scannerSeverity || undefined,
    path: loc.path,
    startLine: loc.startLine,
    endLine: loc.endLine,
    startColumn: loc.startColumn,
    endColumn: loc.endColumn,
    suppressions: suppressionsOf(own(result, 'suppressions')),
    baselineState: baselineState || undefined,
    severity: undefined,
    rank: undefined,
    gated: undefined,
    explanation: undefined,
    status: undefined,
    firstSeen: undefined,
  } as Finding;
  // Rarely set (most results have a file path, no snippet, no detection time): added only where present.
  if (loc.location !== undefined) f.location = loc.location;
  // A secret finding's line is the secret: only its hash is kept (src/redact/).
  if (loc.snippet !== undefined) f.snippet = kind === 'secret' ? marker('secret', loc.snippet) : loc.snippet;
  const detected = isoTime(first);
  if (detected) f.firstDetected = detected;
  return f;
}

/**
 * The SARIF parser as a sink, fed a log piece by piece: the top-level `version`, then each run (without its results,
 * or with them), then each result of that run. `parseSarif` feeds it a parsed document; the streaming reader
 * (src/ingest/stream.ts) feeds it runs and results as they are read, so both give the same findings and errors.
 */
export class SarifSink {
  readonly findings: Finding[] = [];
  readonly errors: InputError[] = [];
  readonly tools: ToolRef[] = [];

  constructor(private readonly ctx: ParseContext) {}

  err(jsonPath: string, message: string, severity: InputError['severity'], hint?: string): void {
    this.errors.push({ file: this.ctx.file, jsonPath, message, severity, ...(hint ? { hint } : {}) });
  }

  /** Checks the log's `version`; false (with a fatal error) when it is not 2.1.0. */
  version(version: unknown): boolean {
    if (version === '2.1.0') return true;
    this.err(
      '$.version',
      `SARIF version ${describeValue(version)} is not supported: expected "2.1.0"`,
      'fatal',
      'ask the scanner for SARIF 2.1.0 output',
    );
    return false;
  }

  /** Checks the log's `runs`; false (with a fatal error) when it is not an array. */
  runs(runs: unknown): boolean {
    if (Array.isArray(runs)) return true;
    this.err('$.runs', `expected an array of runs, found ${typeName(runs)}`, 'fatal', 'the file is not a valid SARIF 2.1.0 log');
    return false;
  }

  /**
   * A log whose `runs` is `[]`: no tool reported anything, not even that it found nothing. A "scan incomplete" error;
   * the policy's `incomplete-scans` `default` (the tool is unknown) may turn it into a warning.
   */
  noRuns(): void {
    this.errors.push({
      file: this.ctx.file,
      jsonPath: '$.runs',
      message: 'no runs: the scanner produced no results; an empty scan is a run with "results": []',
      severity: 'fatal',
      hint: 'check that the scanner step succeeded and wrote its output, or accept logs without runs with `incomplete-scans: {default: warn}` in the policy',
      incompleteScan: { tool: 'default' },
    });
  }

  /**
   * Starts run `r` (its `results`, if present, are not read here). Returns the run's index for `result`, or undefined
   * when its results are to be skipped (not a run object; `results` absent, null or not an array — pass that value
   * as `results`, or `[]` when results will be streamed).
   */
  run(run: unknown, r: number, results: unknown): RunIndex | undefined {
    const rp = `$.runs[${r}]`;
    if (!isObj(run)) {
      this.err(rp, `expected a run object, found ${typeName(run)}`, 'partial');
      return undefined;
    }
    if (!isObj(own(own(run, 'tool'), 'driver')))
      this.err(`${rp}.tool.driver`, 'expected a tool.driver object naming the scanner', 'partial');
    const ix = indexRun(run);
    this.invocations(run, rp, ix.tool.name);
    if (results === undefined || results === null) {
      // SARIF §3.14.23: absent or null `results` means the tool did not produce results (it failed or was stopped);
      // `[]` means it ran and found nothing. GitHub code scanning rejects such a run too.
      this.err(
        `${rp}.results`,
        `scan incomplete: the ${firstLine(ix.tool.name, 100)} run has ${results === null ? '"results": null' : 'no "results"'}, which in SARIF means the tool produced no results (an empty array is a scan that found nothing)`,
        'partial',
        'check that the scanner step succeeded and wrote all of its output',
      );
      return undefined;
    }
    if (!Array.isArray(results)) {
      this.err(
        `${rp}.results`,
        `expected an array of results, found ${typeName(results)}`,
        'partial',
        'this run was skipped; the other runs were used',
      );
      return undefined;
    }
    // Only a run whose results are read counts as a tool that ran (a tool that ran fixes what it no longer reports).
    this.tools.push(ix.tool);
    this.ruleScores(ix.driverRules, `${rp}.tool.driver.rules`);
    ix.extRules.forEach((rules, e) => this.ruleScores(rules, `${rp}.tool.extensions[${e}].rules`));
    return ix;
  }

  /** Rules' `security-severity` that is not a score from 0 to 10: an error at its path (the rule is used without it). */
  private ruleScores(rules: Rule[], path: string): void {
    for (let k = 0; k < rules.length; k++) {
      const props = rules[k]?.properties;
      const v = own(props, 'security-severity');
      if (v === undefined) continue;
      const r = readScore(v);
      if (r.problem) this.err(`${path}[${k}].properties.security-severity`, r.problem, 'partial', SCORE_HINT);
    }
  }

  /**
   * Checks that the run's invocations completed: `executionSuccessful` false (or not a boolean) is a "scan incomplete"
   * error, which the policy's `incomplete-scans` may turn into a warning per tool; error-level
   * `toolExecutionNotifications` of a successful run (e.g. CodeQL files it could not extract) are scanner warnings,
   * counted.
   */
  private invocations(run: Obj, rp: string, tool: string): void {
    const list = own(run, 'invocations');
    // Absent: the tool does not describe its invocation (common, and allowed). `null` is not a SARIF value here: it
    // would hide the invocation's executionSuccessful and notifications.
    if (list === undefined) return;
    if (!Array.isArray(list)) {
      this.err(
        `${rp}.invocations`,
        `expected an array of invocations, found ${typeName(list)}`,
        'partial',
        'whether the scan completed cannot be told',
      );
      return;
    }
    const name = firstLine(tool, 100);
    for (let k = 0; k < list.length; k++) {
      const inv: unknown = list[k];
      const ip = `${rp}.invocations[${k}]`;
      if (!isObj(inv)) {
        this.err(ip, `expected an invocation object, found ${typeName(inv)}`, 'partial', 'whether the scan completed cannot be told');
        continue;
      }
      const ok = own(inv, 'executionSuccessful');
      // The scanner's own errors (files it could not scan): a value that is not an array of notification objects would
      // silently drop them (and the warning they give), so it is an input error (SARIF: an array, never null).
      const rawNotes = own(inv, 'toolExecutionNotifications');
      if (rawNotes !== undefined && !Array.isArray(rawNotes)) {
        this.err(
          `${ip}.toolExecutionNotifications`,
          `expected an array of notifications, found ${typeName(rawNotes)}`,
          'partial',
          'the errors the scanner reported (files it could not scan) cannot be read: check that the file was not edited or truncated',
        );
      } else if (Array.isArray(rawNotes)) {
        for (let j = 0; j < rawNotes.length; j++) {
          if (!isObj(rawNotes[j])) {
            this.err(
              `${ip}.toolExecutionNotifications[${j}]`,
              `expected a notification object, found ${typeName(rawNotes[j])}`,
              'partial',
              'this notification was skipped: check that the file was not edited or truncated',
            );
          }
        }
      }
      const notes = arr(rawNotes).filter((x) => text(own(x, 'level')) === 'error');
      const firstNote = notes.length > 0 ? text(own(own(notes[0], 'message'), 'text')) : undefined;
      const example = firstNote ? ` (first: ${describeValue(firstLine(firstNote, 200), 200)})` : '';
      if (ok !== true) {
        const what =
          ok === false
            ? 'executionSuccessful is false'
            : ok === undefined
              ? 'executionSuccessful is missing'
              : `executionSuccessful is ${describeValue(ok)}, not a boolean`;
        const exit = str(own(inv, 'exitCode'));
        const why = text(own(inv, 'exitCodeDescription')) ?? text(own(inv, 'exitSignalName'));
        this.errors.push({
          file: this.ctx.file,
          jsonPath: `${ip}.executionSuccessful`,
          message: `scan incomplete: ${name} says its run did not complete (${what}${exit !== undefined ? `, exit code ${exit}` : ''}${why ? `: ${describeValue(firstLine(why, 200), 200)}` : ''})${notes.length > 0 ? `; ${notes.length} error notification(s)${example}` : ''}: findings may be missing`,
          severity: 'partial',
          hint: `fix the scan and run it again, or accept this tool's partial results with \`incomplete-scans: {${JSON.stringify(name)}: warn}\` in the policy`,
          incompleteScan: { tool },
        });
      } else if (notes.length > 0) {
        this.err(
          `${ip}.toolExecutionNotifications`,
          `${name} reported ${notes.length} error(s) while scanning${example}: the affected files may not have been scanned`,
          'scanner',
        );
      }
    }
  }

  /** Parses result `i` of run `r`; returns the finding, or undefined when the result was skipped. */
  result(ix: RunIndex, res: unknown, r: number, i: number): Finding | undefined {
    // The result's JSON path, made only for an error (findings get a SarifSource).
    const p = (): string => `$.runs[${r}].results[${i}]`;
    if (!isObj(res)) {
      this.err(p(), `expected a result object, found ${typeName(res)}`, 'partial', 'this result was skipped');
      return undefined;
    }
    const locs = own(res, 'locations');
    if (locs !== undefined && locs !== null && !Array.isArray(locs)) {
      this.err(
        `${p()}.locations`,
        `expected an array of locations, found ${typeName(locs)}`,
        'partial',
        'this result was kept without a location',
      );
    }
    const msg = own(res, 'message');
    if (msg !== undefined && !isObj(msg)) {
      this.err(
        `${p()}.message`,
        `expected a message object, found ${typeName(msg)}`,
        'partial',
        'this result was kept with an empty message',
      );
    }
    const score = own(own(res, 'properties'), 'security-severity');
    if (score !== undefined) {
      const sr = readScore(score);
      if (sr.problem) this.err(`${p()}.properties.security-severity`, sr.problem, 'partial', SCORE_HINT);
    }
    const f = parseResult(ix, res, r, i, this.ctx);
    this.findings.push(f);
    return f;
  }

  done(): ParseResult {
    return { findings: this.findings, errors: this.errors, tools: this.tools };
  }
}

export type { RunIndex as SarifRunIndex };

function parseSarif(doc: unknown, ctx: ParseContext): ParseResult {
  const sink = new SarifSink(ctx);
  if (!sink.version(own(doc, 'version'))) return sink.done();
  const runs = own(doc, 'runs');
  if (!sink.runs(runs)) return sink.done();
  if ((runs as unknown[]).length === 0) sink.noRuns();
  (runs as unknown[]).forEach((run, r) => {
    const results = own(run, 'results');
    const ix = sink.run(run, r, results);
    if (!ix) return;
    const list = results as unknown[];
    for (let i = 0; i < list.length; i++) sink.result(ix, list[i], r, i);
  });
  return sink.done();
}

export const sarifParser: FormatParser = {
  id: 'sarif',
  label: 'SARIF 2.1.0',
  syntax: 'json',
  detect(doc) {
    if (!isObj(doc) || !('runs' in doc)) return false;
    const schema = str(own(doc, '$schema')) ?? '';
    return 'version' in doc || /sarif/i.test(schema);
  },
  parse: parseSarif,
};
