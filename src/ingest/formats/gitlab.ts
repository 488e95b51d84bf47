/**
 * GitLab security reports (schema v2–v15): SAST, dependency scanning, container scanning, secret detection and DAST,
 * all under one format id. `vulnerabilities[].id` is a per-run UUID and is never used as identity.
 */
import type { Finding, FindingKind, PackageRef, ToolRef } from '../../model';
import { normalizeEcosystem, orderVulnIds } from '../ecosystem';
import { computeFingerprint, hashParts, packageFingerprint } from '../fingerprint';
import type { FormatParser, ParseContext, ParseResult } from '../types';
import { arr, cweId, describeValue, firstLine, isObj, own, posInt, text, uniq, type Obj } from '../values';
import { Collector, cvssVersion, locate } from './collector';
import { marker } from '../../redact/text';
import { ToolSet, toolRef } from './tool-refs';
import { urlWithoutQueryValues } from './urls';
import { looksLikeVulnId, lower, withSection } from './text-fields';

const KIND_BY_TYPE: Record<string, FindingKind> = {
  sast: 'sast',
  dependency_scanning: 'sca',
  container_scanning: 'container',
  cluster_image_scanning: 'container',
  secret_detection: 'secret',
  dast: 'dast',
  api_fuzzing: 'dast',
  coverage_fuzzing: 'sast',
};
/** Analyzers whose "SAST" findings are secrets (old reports put TruffleHog/Gitleaks results under `sast`). */
const SECRET_SCANNERS = new Set(['gitleaks', 'trufflehog']);
/** Identifier types that name the weakness or the advisory, not the scanner's rule. */
const NON_RULE_IDS = new Set(['cve', 'cwe', 'ghsa', 'osvdb', 'owasp', 'wasc', 'elsa', 'rhsa', 'usn', 'dsa']);
const VULN_ID_TYPES = new Set(['cve', 'ghsa']);
/** `trufflehog_rule_id`, `bandit_test_id`, `njsscan_rule_type`, `find_sec_bugs_type` → the tool's id. */
const TOOL_FROM_ID_TYPE = /^([a-z0-9_]+?)_(?:rule_id|test_id|rule_type|type|plugin_id)$/i;
/** Tracking signatures that do not contain line numbers, best first. */
const STABLE_SIGNATURES = ['scope_offset_compressed', 'scope_offset', 'hash'];
const CVE_OR_GHSA = /^(CVE|GHSA)-/i;
const CVE_ID = /^CVE-\d{4}-\d+$/i;
/** Major versions of GitLab's security report schemas (gitlab-org/security-products/security-report-schemas). */
const GITLAB_SCHEMA_MAJORS = new Set(['2', '3', '13', '14', '15']);

const ALLOWED_EMPTY_KEYS = new Set(['vulnerabilities', 'version', 'scan', 'remediations', 'dependency_files', '__comment__', 'schema']);

interface Identifier {
  type: string;
  name?: string;
  value?: string;
  url?: string;
}

function identifiersOf(v: Obj): Identifier[] {
  const out: Identifier[] = [];
  for (const i of arr(own(v, 'identifiers'))) {
    if (!isObj(i)) continue;
    out.push({
      type: (text(own(i, 'type')) ?? '').toLowerCase(),
      name: text(own(i, 'name')),
      value: text(own(i, 'value')),
      url: text(own(i, 'url')),
    });
  }
  return out;
}

function inferKind(v: Obj, scanType: string | undefined, scannerId: string | undefined): FindingKind {
  const type = scanType ?? text(own(v, 'category'));
  let kind = type ? KIND_BY_TYPE[type] : undefined;
  if (!kind) {
    const loc = own(v, 'location');
    if (own(loc, 'image') !== undefined || own(loc, 'operating_system') !== undefined) kind = 'container';
    else if (own(loc, 'hostname') !== undefined) kind = 'dast';
    else if (text(own(own(own(loc, 'dependency'), 'package'), 'name')) && own(loc, 'start_line') === undefined) kind = 'sca';
    else if (own(loc, 'file') !== undefined) kind = 'sast';
    else kind = 'other';
  }
  if (kind === 'sast' && scannerId && SECRET_SCANNERS.has(scannerId.toLowerCase())) kind = 'secret';
  return kind;
}

function trackingFingerprint(v: Obj): { fingerprint: string; source: string } | undefined {
  const sigs: { algorithm: string; value: string }[] = [];
  for (const item of arr(own(own(v, 'tracking'), 'items'))) {
    for (const s of arr(own(item, 'signatures'))) {
      const algorithm = text(own(s, 'algorithm'));
      const value = text(own(s, 'value'));
      if (algorithm && value) sigs.push({ algorithm, value });
    }
  }
  for (const algorithm of STABLE_SIGNATURES) {
    const values = sigs.filter((s) => s.algorithm === algorithm).map((s) => s.value);
    if (values.length) return { fingerprint: hashParts('gitlab-tracking', algorithm, ...values), source: `gitlab:tracking/${algorithm}` };
  }
  return undefined;
}

interface ReportContext {
  scanType?: string;
  tool?: ToolRef;
  scannerId?: string;
  /** dependency file path → package manager */
  managers: Map<string, string>;
  tools: ToolSet;
  ctx: ParseContext;
}

function findingTool(v: Obj, ids: Identifier[], r: ReportContext): { tool: ToolRef; scannerId?: string } {
  if (r.tool) return { tool: r.tool, scannerId: r.scannerId };
  const scanner = own(v, 'scanner');
  const scannerId = text(own(scanner, 'id'));
  const name = text(own(scanner, 'name')) ?? scannerId;
  if (name) return { tool: r.tools.add(toolRef(name)), scannerId: scannerId ?? name };
  for (const i of ids) {
    const m = TOOL_FROM_ID_TYPE.exec(i.type);
    if (m?.[1]) return { tool: r.tools.add(toolRef(m[1])), scannerId: m[1] };
  }
  return { tool: r.tools.add(toolRef('GitLab security report')) };
}

function toFinding(v: Obj, pointer: string, r: ReportContext): Finding {
  const ids = identifiersOf(v);
  const { tool, scannerId } = findingTool(v, ids, r);
  const kind = inferKind(v, r.scanType, scannerId);
  const legacyKey = text(own(v, 'cve'));
  const cve = orderVulnIds([
    ...ids.filter((i) => VULN_ID_TYPES.has(i.type)).map((i) => i.value ?? i.name),
    ...ids.filter((i) => !VULN_ID_TYPES.has(i.type) && looksLikeVulnId(i.value) && CVE_OR_GHSA.test(i.value ?? '')).map((i) => i.value),
    legacyKey && CVE_ID.test(legacyKey) ? legacyKey : undefined,
  ]);
  const cwe = uniq(
    ids
      .filter((i) => i.type === 'cwe')
      .map((i) => cweId(i.value ?? i.name) ?? cweId(i.name))
      .filter((c): c is string => !!c),
  );
  const primary = ids.find((i) => !NON_RULE_IDS.has(i.type));
  const primaryId = primary?.value ?? primary?.name;
  const ruleId =
    (kind === 'sca' || kind === 'container' ? (cve[0] ?? primaryId) : (primaryId ?? cve[0])) ??
    text(own(v, 'name')) ??
    legacyKey ??
    'unknown';
  const title = firstLine(text(own(v, 'name')) ?? text(own(v, 'message')) ?? ruleId);
  const message = withSection(text(own(v, 'description')) ?? text(own(v, 'message')) ?? title, 'Solution', text(own(v, 'solution')));
  const tags: string[] = [kind];
  const confidence = lower(text(own(v, 'confidence')));
  if (confidence) tags.push(`confidence:${confidence}`);
  for (const i of ids) if (i.type && !NON_RULE_IDS.has(i.type) && i !== primary && i.value) tags.push(`${i.type}:${i.value}`);
  const f: Finding = {
    fingerprint: '',
    fingerprintSource: '',
    tool,
    source: { file: r.ctx.file, format: 'gitlab', pointer },
    ruleId,
    title,
    message,
    kind,
    cwe,
    cve,
    tags,
    resultKind: 'fail',
    suppressions: [],
  };
  const helpUri = primary?.url ?? ids.find((i) => i.url)?.url ?? text(own(arr(own(v, 'links'))[0], 'url'));
  if (helpUri) f.helpUri = helpUri;
  const severity = lower(text(own(v, 'severity')));
  if (severity) f.scannerSeverity = severity;
  const vector = arr(own(v, 'cvss_vectors'))
    .map((c) => text(own(c, 'vector')))
    .find((x) => x !== undefined);
  if (vector) f.cvss = { version: cvssVersion(vector) ?? '2.0', vector };

  const loc = own(v, 'location');
  const file = text(own(loc, 'file'));
  const dep = own(loc, 'dependency');
  const pkgName = text(own(own(dep, 'package'), 'name'));
  let pkg: PackageRef | undefined;
  if ((kind === 'sca' || kind === 'container') && pkgName) {
    pkg = { name: pkgName };
    const eco = normalizeEcosystem(kind === 'container' ? text(own(loc, 'operating_system')) : file ? r.managers.get(file) : undefined);
    if (eco) pkg.ecosystem = eco;
    const version = text(own(dep, 'version'));
    if (version) pkg.version = version;
    f.package = pkg;
    f.component = version ? `${pkgName}@${version}` : pkgName;
  }

  if (kind === 'dast') {
    const host = text(own(loc, 'hostname')) ?? '';
    const url = `${host}${text(own(loc, 'path')) ?? ''}`;
    const method = (text(own(loc, 'method')) ?? '').toUpperCase();
    const param = text(own(loc, 'param')) ?? '';
    if (url) f.location = url;
    if (method) tags.push(`method:${method}`);
    if (param) tags.push(`param:${param}`);
    f.fingerprint = hashParts('gitlab-dast', tool.name.toLowerCase(), ruleId, method, urlWithoutQueryValues(url), param);
    f.fingerprintSource = 'computed:url';
    return f;
  }
  if (kind === 'container') {
    const image = text(own(loc, 'image'));
    if (image) f.location = image;
  } else {
    Object.assign(f, locate(file, r.ctx.workspace));
    const start = posInt(own(loc, 'start_line'));
    const end = posInt(own(loc, 'end_line'));
    if (start !== undefined) {
      f.startLine = start;
      if (end !== undefined && end >= start) f.endLine = end;
    }
  }
  const extract = text(own(v, 'raw_source_code_extract'));
  // A secret detection's extract is the secret: only its hash is kept (src/redact/).
  if (kind === 'secret' && extract) f.snippet = marker('secret', extract);
  if (pkg) {
    f.fingerprint = packageFingerprint(pkg, cve[0] ?? ruleId);
    f.fingerprintSource = 'package';
    return f;
  }
  const tracked = trackingFingerprint(v);
  if (tracked) {
    f.fingerprint = tracked.fingerprint;
    f.fingerprintSource = tracked.source;
    return f;
  }
  const lineText = (f.path && f.startLine !== undefined ? r.ctx.sourceLine?.(f.path, f.startLine) : undefined) ?? extract;
  // The legacy `cve` field of SAST/secret reports is the analyzer's own key (file:rule, sometimes with a line
  // number, which the message normalization strips); it identifies the finding better than the description.
  const key = legacyKey && !cve.includes(legacyKey.toUpperCase()) ? legacyKey : message;
  const fp = computeFingerprint({ tool: tool.name, ruleId, path: f.path ?? f.location, lineText, message: key });
  f.fingerprint = fp.fingerprint;
  f.fingerprintSource = fp.source;
  return f;
}

export const gitlabParser: FormatParser = {
  id: 'gitlab',
  label: 'GitLab security report (SAST, dependency, container, secret, DAST)',
  syntax: 'json',
  detect(doc) {
    if (!isObj(doc)) return false;
    const vulns = own(doc, 'vulnerabilities');
    if (!Array.isArray(vulns)) return false;
    // Snyk projects, SARIF, CycloneDX, npm audit are not GitLab reports.
    for (const k of ['runs', 'packageManager', 'ok', 'bomFormat', 'auditReportVersion', 'projectName'])
      if (own(doc, k) !== undefined) return false;
    if (typeof own(doc, 'version') === 'string' || isObj(own(doc, 'scan'))) return true;
    const first = vulns[0];
    if (first !== undefined) return isObj(first) && isObj(own(first, 'location')) && Array.isArray(own(first, 'identifiers'));
    return Object.keys(doc).every((k) => ALLOWED_EMPTY_KEYS.has(k));
  },
  parse(doc, ctx): ParseResult {
    const p = new Collector(ctx.file, 'gitlab');
    const findings: Finding[] = [];
    const tools = new ToolSet();
    const scan = own(doc, 'scan');
    const scanner = isObj(own(scan, 'scanner')) ? own(scan, 'scanner') : own(scan, 'analyzer');
    const scannerName = text(own(scanner, 'name')) ?? text(own(scanner, 'id'));
    const r: ReportContext = {
      scanType: text(own(scan, 'type')),
      tool: scannerName ? tools.add(toolRef(scannerName, text(own(scanner, 'version')))) : undefined,
      scannerId: text(own(scanner, 'id')),
      managers: new Map(),
      tools,
      ctx,
    };
    // The security report schema's version (the corpus: 2.3, 3.0.0, 13.1.0, 14.0.0, 14.0.6; GitLab publishes 15.x).
    const version = own(doc, 'version');
    if (version !== undefined && !GITLAB_SCHEMA_MAJORS.has(String(version).split('.')[0] ?? '')) {
      p.unknownVersion('$.version', 'GitLab security report schema version', version, `${[...GITLAB_SCHEMA_MAJORS].join('.x, ')}.x`);
    }
    for (const df of p.array(own(doc, 'dependency_files'), '$.dependency_files')) {
      const path = text(own(df, 'path'));
      const pm = text(own(df, 'package_manager'));
      if (path && pm) r.managers.set(path, pm);
    }
    // GitLab security report schema: `scan.status` is "success" or "failure"; a failed scan's list is not complete.
    const status = own(scan, 'status');
    if (status !== undefined && status !== 'success') {
      const name = scannerName ?? 'the GitLab analyzer';
      const errors = arr(own(scan, 'messages')).filter((m) => text(own(m, 'level')) === 'fatal' || text(own(m, 'level')) === 'error');
      const first = errors.length > 0 ? text(own(errors[0], 'value')) : undefined;
      p.errors.push({
        file: ctx.file,
        jsonPath: '$.scan.status',
        message: `scan incomplete: ${name} reports scan status ${describeValue(status)}${first ? ` (${describeValue(firstLine(first, 200), 200)})` : ''}: findings may be missing`,
        severity: 'partial',
        hint: `fix the scan and run it again, or accept this tool's partial results with \`incomplete-scans: {${JSON.stringify(name)}: warn}\` in the policy`,
        incompleteScan: { tool: name },
      });
    }
    p.required(
      own(doc, 'vulnerabilities'),
      '$.vulnerabilities',
      'a GitLab security report lists its findings in vulnerabilities (required by its schema)',
    ).forEach((v, i) => {
      const pointer = `$.vulnerabilities[${i}]`;
      const o = p.object(v, pointer, 'the vulnerability was skipped');
      if (o) findings.push(toFinding(o, pointer, r));
    });
    return { findings, errors: p.errors, tools: tools.list() };
  },
};
