/**
 * Trivy JSON: SchemaVersion 2 reports (`Results[]` with Vulnerabilities, Misconfigurations, Secrets), Kubernetes
 * reports (`ClusterName` with `Resources[]`, or with `Vulnerabilities[]`/`Misconfigurations[]` per resource), and the
 * legacy top-level array of results. License results are not security findings and are not reported.
 */
import type { Cvss, FindingKind, ScannerSuppression, ToolRef } from '../../model';
import { computeFingerprint } from '../fingerprint';
import type { FormatParser, ParseContext, ParseResult } from '../types';
import { arr, cweId, describeValue, firstLine, isObj, own, posInt, str, text, type Obj } from '../values';
import { Collector, locate } from './collector';
import {
  child,
  dependencyFingerprint,
  makeCvss,
  makeFinding,
  makePackage,
  severityWord,
  splitVersions,
  tag,
  TRUNCATED_HINT,
  UNSAFE_KEYS,
  vulnIds,
} from './dependency-findings';

const FORMAT = 'trivy';

/** Trivy `Type` values of OS package results (legacy reports have no `Class`). */
const OS_TYPES = new Set([
  'alpine',
  'alma',
  'amazon',
  'azurelinux',
  'bottlerocket',
  'cbl-mariner',
  'centos',
  'chainguard',
  'debian',
  'echo',
  'fedora',
  'minimos',
  'opensuse',
  'opensuse.leap',
  'opensuse.tumbleweed',
  'oracle',
  'photon',
  'redhat',
  'rocky',
  'sles',
  'suse',
  'suse linux enterprise micro',
  'ubuntu',
  'wolfi',
]);

/** Artifact types whose targets are not files of the repository. */
const NON_REPO_ARTIFACTS = new Set(['container_image', 'vm', 'cyclonedx', 'spdx', 'aws_account', 'kubernetes']);
/** Types of packages found in built artifacts: the Target is a language name (`Java`, `Node.js`), the file is PkgPath. */
const POST_BUILD_TYPES = new Set([
  'jar',
  'node-pkg',
  'python-pkg',
  'gemspec',
  'gobinary',
  'rustbinary',
  'rust-binary',
  'conda-pkg',
  'julia',
  'wordpress',
]);
const IMAGE_ARTIFACTS = new Set(['container_image', 'vm', 'kubernetes']);

interface Scope {
  tool: ToolRef;
  artifactType?: string;
  /** Kubernetes resource (`namespace/Kind/name`) the results belong to. */
  resource?: string;
  /** The legacy top-level array of results (before SchemaVersion 2), where an empty container is written as `null`. */
  legacy?: boolean;
}

interface ResultInfo {
  target?: string;
  cls?: string;
  type?: string;
  isOs: boolean;
  postBuild: boolean;
  where: { path?: string; location?: string };
  component?: string;
}

/** The report schema this parser reads (`SchemaVersion`; the legacy array has none). */
const KNOWN_SCHEMA = 2;
/** Artifact types whose scan always has a target (the OS packages). */
const IMAGE_TYPES = new Set(['container_image', 'vm']);

/**
 * The members Trivy writes (pkg/types/report.go, pkg/k8s/report/report.go), per object. Most are `omitempty`: their
 * absence means "none". A member not listed here is tolerated when it holds a scalar or a plain object (a later Trivy
 * may add metadata), but not when it could hold findings the parser does not read: an array of objects, or a name
 * that is, or nearly is, one of the findings containers (`vulnerabilities`, `Vulnerabilities_`, `Resultss`).
 */
const REPORT_MEMBERS = new Set([
  'SchemaVersion',
  'Trivy',
  'ReportID',
  'CreatedAt',
  'ArtifactID',
  'ArtifactName',
  'ArtifactType',
  'Metadata',
  'Results',
]);
const RESULT_MEMBERS = new Set([
  'Target',
  'Class',
  'Type',
  'Packages',
  'Vulnerabilities',
  'MisconfSummary',
  'Misconfigurations',
  'Secrets',
  'Licenses',
  'CustomResources',
  'ExperimentalModifiedFindings',
  'ModifiedFindings',
]);
const K8S_MEMBERS = new Set([
  'SchemaVersion',
  'Trivy',
  'ReportID',
  'CreatedAt',
  'ClusterName',
  'Resources',
  'Findings',
  'Vulnerabilities',
  'Misconfigurations',
]);
const RESOURCE_MEMBERS = new Set(['Namespace', 'Kind', 'Name', 'Metadata', 'Results', 'Error']);
/** Names of the members that hold findings (or the objects that hold them), anywhere in a Trivy report. */
const CONTAINERS = ['Results', 'Resources', 'Findings', 'Vulnerabilities', 'Misconfigurations', 'Secrets', 'Licenses', 'ModifiedFindings'];

const normName = (k: string): string => k.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Whether the edit distance of two short strings is at most `max`. */
function within(a: string, b: string, max: number): boolean {
  if (Math.abs(a.length - b.length) > max) return false;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return (prev[b.length] as number) <= max;
}

/** The findings container `key` is (case-insensitively) or nearly is: `vulnerabilities`, `Vulnerability`, `Results_`. */
function nearContainer(key: string): string | undefined {
  const n = normName(key);
  if (n.length < 4) return undefined;
  return CONTAINERS.find((c) => {
    const m = normName(c);
    if (n === m || within(n, m, 2)) return true;
    let common = 0;
    while (common < n.length && common < m.length && n[common] === m[common]) common++;
    return common >= 6 || common === n.length || common === m.length;
  });
}

/**
 * Input errors for the members of `o` (at `path`) that Trivy does not write there and that may hold findings: a
 * misspelt or re-cased container, or any array of objects. `where` names the object in the message.
 */
function unknownMembers(c: Collector, o: Obj, path: string, known: ReadonlySet<string>, where: string): void {
  for (const key of Object.keys(o)) {
    if (known.has(key) || UNSAFE_KEYS.has(key)) continue;
    const v = own(o, key);
    const near = nearContainer(key);
    const objects = Array.isArray(v) && v.some((x) => isObj(x));
    if (!near && !objects) continue;
    const knownHere = [...known].find((k) => normName(k) === normName(near ?? ''));
    c.error(
      path,
      `unknown member ${JSON.stringify(key)} in ${path}: ${
        near
          ? knownHere
            ? `Trivy writes ${knownHere}`
            : `Trivy does not write ${near} in ${where}`
          : `it holds ${(v as unknown[]).length} object(s) that may be findings, and Trivy writes no such member in ${where}`
      }; what it holds was not read`,
      'check that the file is unedited Trivy JSON output (`trivy … --format json`); if a newer Trivy writes this member, update defect-gate',
    );
  }
}

/**
 * A findings container of a result: absent means none (Trivy writes it with `omitempty`); `null` is what the legacy
 * array format writes for none, but never SchemaVersion 2 (which leaves it out), so there it is an error.
 */
function container(c: Collector, v: unknown, path: string, legacy: boolean): unknown[] {
  if (v === null && !legacy) {
    c.error(
      path,
      'expected an array, found null (Trivy leaves the member out when it has none)',
      'check that the file was not edited or truncated',
    );
    return [];
  }
  return c.array(v, path, TRUNCATED_HINT);
}

function isResultLike(v: unknown): boolean {
  return isObj(v) && typeof own(v, 'Target') === 'string' && ('Vulnerabilities' in v || 'Type' in v || 'Class' in v);
}

function detect(doc: unknown): boolean {
  if (Array.isArray(doc)) return doc.length > 0 && doc.slice(0, 3).every(isResultLike);
  if (!isObj(doc)) return false;
  if (typeof own(doc, 'SchemaVersion') === 'number' && ('Results' in doc || 'ArtifactName' in doc || 'ArtifactType' in doc)) {
    return true;
  }
  if (typeof own(doc, 'ClusterName') === 'string') {
    return ['Resources', 'Findings', 'Vulnerabilities', 'Misconfigurations'].some((k) => Array.isArray(own(doc, k)));
  }
  return false;
}

function cvssOf(c: Collector, v: Obj, pointer: string): Cvss | undefined {
  const all = own(v, 'CVSS');
  if (!isObj(all)) return undefined;
  const sources: string[] = [];
  const preferred = text(own(v, 'SeveritySource'));
  if (preferred) sources.push(preferred);
  if (preferred !== 'nvd') sources.push('nvd');
  for (const k of Object.keys(all)) if (!sources.includes(k) && !UNSAFE_KEYS.has(k)) sources.push(k);
  const pick = (scoreKey: string, vectorKey: string, version: string | undefined): Cvss | undefined => {
    for (const s of sources) {
      const e = own(all, s);
      const score = c.score(own(e, scoreKey), child(child(child(pointer, 'CVSS'), s), scoreKey));
      const vector = text(own(e, vectorKey));
      if (score !== undefined || vector) return makeCvss(version, score, vector);
    }
    return undefined;
  };
  return pick('V3Score', 'V3Vector', undefined) ?? pick('V40Score', 'V40Vector', '4.0') ?? pick('V2Score', 'V2Vector', '2.0');
}

function resultInfo(r: Obj, scope: Scope, ctx: ParseContext): ResultInfo {
  const target = text(own(r, 'Target'));
  const cls = text(own(r, 'Class'));
  const type = text(own(r, 'Type'));
  const isOs = cls === 'os-pkgs' || (cls === undefined && type !== undefined && OS_TYPES.has(type.toLowerCase()));
  let where: ResultInfo['where'] = {};
  let component: string | undefined;
  if (scope.resource) {
    component = scope.resource;
    where = { location: target ? `${scope.resource} (${target})` : scope.resource };
  } else if (target) {
    if (isOs || (scope.artifactType && NON_REPO_ARTIFACTS.has(scope.artifactType))) {
      where = { location: target };
      component = target;
    } else {
      where = locate(target, ctx.workspace);
    }
  }
  const postBuild = type !== undefined && POST_BUILD_TYPES.has(type.toLowerCase());
  if (postBuild && 'path' in where) {
    // `Java`, `Node.js` …: not a file; the vulnerability's PkgPath says where the package is.
    where = {};
    component = target;
  }
  return { target, cls, type, isOs, postBuild, where, component };
}

function vulnerability(
  c: Collector,
  v: Obj,
  pointer: string,
  info: ResultInfo,
  scope: Scope,
  ctx: ParseContext,
  suppressions: ScannerSuppression[],
  extraTags: string[],
): void {
  const id = text(own(v, 'VulnerabilityID'));
  const pkgName = text(own(v, 'PkgName'));
  if (!id || !pkgName) {
    c.error(pointer, `vulnerability without ${id ? 'PkgName' : 'VulnerabilityID'}`, 'the record was skipped');
    return;
  }
  const identifier = own(v, 'PkgIdentifier');
  const ref = text(own(v, 'Ref'));
  const purl = text(own(identifier, 'PURL')) ?? (ref?.startsWith('pkg:') ? ref : undefined);
  const version = text(own(v, 'InstalledVersion'));
  const pkg = makePackage(pkgName, version, purl, info.type, splitVersions(own(v, 'FixedVersion')));
  const cve = vulnIds(id, own(v, 'VendorIDs'));
  const title = text(own(v, 'Title'));
  const description = text(own(v, 'Description'));
  const status = text(own(v, 'Status'));
  const fixed = pkg.fixedVersions?.join(', ');
  const pkgLine = `Package: ${pkgName}${version ? `@${version}` : ''}${fixed ? `; fixed in ${fixed}` : ''}${info.target ? `; target: ${info.target}` : ''}`;
  const pkgPath = text(own(v, 'PkgPath'));
  const kind: FindingKind =
    info.isOs || (scope.artifactType !== undefined && IMAGE_ARTIFACTS.has(scope.artifactType)) ? 'container' : 'sca';
  c.add(
    makeFinding(c, {
      ...dependencyFingerprint(pkg, cve, id),
      tool: scope.tool,
      pointer,
      ruleId: id,
      title: title ? firstLine(title) : description ? firstLine(description) : `${id} in ${pkgName}`,
      message: [description ?? title ?? id, pkgLine].join('\n\n'),
      helpUri: text(own(v, 'PrimaryURL')) ?? text(arr(own(v, 'References'))[0]),
      kind,
      cwe: cwes(own(v, 'CweIDs')),
      cve,
      tags: [...tag('status', status), ...extraTags],
      scannerSeverity: severityWord(own(v, 'Severity')),
      cvss: cvssOf(c, v, pointer),
      ...(info.postBuild && pkgPath && !info.where.location ? locate(pkgPath, ctx.workspace) : info.where),
      component: info.component ?? pkgPath,
      package: pkg,
      suppressions,
      published: text(own(v, 'PublishedDate')),
    }),
  );
}

function cwes(v: unknown): string[] {
  const out = new Set<string>();
  for (const x of arr(v)) {
    const id = cweId(x);
    if (id) out.add(id);
  }
  return [...out];
}

interface CodeInfo {
  causeText?: string;
  snippet?: string;
}

/** Text of the cause lines of `CauseMetadata.Code.Lines`, and the first cause line (for fingerprints). */
function codeInfo(cause: unknown, startLine: number | undefined): CodeInfo {
  const lines = arr(own(own(cause, 'Code'), 'Lines'));
  const picked: string[] = [];
  let causeText: string | undefined;
  for (const l of lines) {
    const content = str(own(l, 'Content'));
    if (content === undefined) continue;
    if (own(l, 'IsCause') === true || lines.length === 1) picked.push(content);
    if (causeText === undefined && startLine !== undefined && posInt(own(l, 'Number')) === startLine) causeText = content;
  }
  return { causeText, snippet: picked.length > 0 ? picked.slice(0, 20).join('\n') : undefined };
}

function misconfiguration(
  c: Collector,
  m: Obj,
  pointer: string,
  info: ResultInfo,
  scope: Scope,
  ctx: ParseContext,
  suppressions: ScannerSuppression[],
  extraTags: string[],
): void {
  const ruleId = text(own(m, 'ID')) ?? text(own(m, 'AVDID'));
  if (!ruleId) {
    c.error(pointer, 'misconfiguration without ID', 'the record was skipped');
    return;
  }
  const status = text(own(m, 'Status'))?.toUpperCase();
  const cause = own(m, 'CauseMetadata');
  const startLine = posInt(own(cause, 'StartLine'));
  const endLine = posInt(own(cause, 'EndLine'));
  const title = text(own(m, 'Title'));
  const msg = text(own(m, 'Message'));
  const description = text(own(m, 'Description'));
  const resolution = text(own(m, 'Resolution'));
  const resource = text(own(cause, 'Resource'));
  const code = codeInfo(cause, startLine);
  const path = info.where.path;
  const lineText = (path && startLine !== undefined ? ctx.sourceLine?.(path, startLine) : undefined) ?? code.causeText;
  const fp = computeFingerprint({
    tool: 'trivy',
    ruleId,
    path: path ?? info.where.location,
    lineText,
    message: [msg ?? title ?? ruleId, resource].filter(Boolean).join(' '),
  });
  const sup = [...suppressions];
  if (status === 'EXCEPTION') sup.push({ kind: 'external', status: 'accepted', justification: 'Trivy exception (policy exception)' });
  c.add(
    makeFinding(c, {
      fingerprint: fp.fingerprint,
      fingerprintSource: fp.source,
      tool: scope.tool,
      pointer,
      ruleId,
      title: firstLine(title ?? msg ?? ruleId),
      message: [msg ?? title ?? ruleId, description, resolution ? `Resolution: ${resolution}` : undefined].filter(Boolean).join('\n\n'),
      helpUri: text(own(m, 'PrimaryURL')) ?? text(arr(own(m, 'References'))[0]),
      kind: 'iac',
      tags: [...tag('type', own(m, 'Type')), ...extraTags],
      scannerSeverity: severityWord(own(m, 'Severity')),
      resultKind: status === 'PASS' ? 'pass' : 'fail',
      ...info.where,
      startLine,
      endLine: endLine !== undefined && startLine !== undefined && endLine >= startLine ? endLine : undefined,
      snippet: code.snippet,
      component: info.component ?? resource,
      suppressions: sup,
    }),
  );
}

function secret(
  c: Collector,
  s: Obj,
  pointer: string,
  info: ResultInfo,
  scope: Scope,
  ctx: ParseContext,
  suppressions: ScannerSuppression[],
  extraTags: string[],
): void {
  const ruleId = text(own(s, 'RuleID'));
  if (!ruleId) {
    c.error(pointer, 'secret without RuleID', 'the record was skipped');
    return;
  }
  const startLine = posInt(own(s, 'StartLine'));
  const endLine = posInt(own(s, 'EndLine'));
  const title = text(own(s, 'Title')) ?? ruleId;
  const category = text(own(s, 'Category'));
  const path = info.where.path;
  const code = codeInfo(own(s, 'Code'), startLine);
  // Trivy masks the secret in Match and Code; it is only hashed here, never copied into the finding.
  const lineText =
    (path && startLine !== undefined ? ctx.sourceLine?.(path, startLine) : undefined) ?? code.causeText ?? text(own(s, 'Match'));
  const fp = computeFingerprint({ tool: 'trivy', ruleId, path: path ?? info.where.location, lineText, message: title });
  c.add(
    makeFinding(c, {
      fingerprint: fp.fingerprint,
      fingerprintSource: fp.source,
      tool: scope.tool,
      pointer,
      ruleId,
      title: firstLine(title),
      message: `${title}${category ? ` (${category})` : ''}${info.target ? ` in ${info.target}` : ''}`,
      kind: 'secret',
      tags: [...tag('category', category), ...extraTags],
      scannerSeverity: severityWord(own(s, 'Severity')),
      ...info.where,
      startLine,
      endLine: endLine !== undefined && startLine !== undefined && endLine >= startLine ? endLine : undefined,
      component: info.component,
      suppressions,
    }),
  );
}

function results(c: Collector, list: unknown, path: string, scope: Scope, ctx: ParseContext): void {
  const items = c.array(list, path, TRUNCATED_HINT);
  items.forEach((r, i) => {
    const rp = child(path, i);
    const res = c.object(r, rp);
    if (!res) return;
    unknownMembers(c, res, rp, RESULT_MEMBERS, 'a result');
    const info = resultInfo(res, scope, ctx);
    const each = (key: string, parse: typeof vulnerability) =>
      container(c, own(res, key), child(rp, key), scope.legacy === true).forEach((v, j) => {
        const p = child(child(rp, key), j);
        const o = c.object(v, p);
        if (o) parse(c, o, p, info, scope, ctx, [], []);
      });
    each('Vulnerabilities', vulnerability);
    each('Misconfigurations', misconfiguration);
    each('Secrets', secret);
    // `--show-suppressed`: findings Trivy suppressed (VEX, .trivyignore), reported with the reason. Trivy writes them
    // as ExperimentalModifiedFindings; ModifiedFindings is read too.
    for (const mfKey of ['ExperimentalModifiedFindings', 'ModifiedFindings']) {
      container(c, own(res, mfKey), child(rp, mfKey), scope.legacy === true).forEach((mf, j) => {
        const p = child(child(rp, mfKey), j);
        const o = c.object(mf, p);
        if (!o) return;
        const inner = own(o, 'Finding');
        const fp = child(p, 'Finding');
        const f = c.object(inner, fp);
        if (!f) return;
        const sup: ScannerSuppression = { kind: 'external', status: text(own(o, 'Status'))?.toLowerCase() ?? 'ignored' };
        const why = [text(own(o, 'Statement')), text(own(o, 'Source'))].filter(Boolean).join(' — ');
        if (why) sup.justification = why;
        const extra = tag('suppressed-by', own(o, 'Source'));
        const type = text(own(o, 'Type'))?.toLowerCase();
        if (type === 'vulnerability') vulnerability(c, f, fp, info, scope, ctx, [sup], extra);
        else if (type === 'misconfiguration' || type === 'misconfig') misconfiguration(c, f, fp, info, scope, ctx, [sup], extra);
        else if (type === 'secret') secret(c, f, fp, info, scope, ctx, [sup], extra);
      });
    }
  });
}

function resources(c: Collector, list: unknown, path: string, tool: ToolRef, ctx: ParseContext): void {
  container(c, list, path, false).forEach((r, i) => {
    const rp = child(path, i);
    const res = c.object(r, rp);
    if (!res) return;
    unknownMembers(c, res, rp, RESOURCE_MEMBERS, 'a Kubernetes resource');
    const resource = [text(own(res, 'Namespace')), text(own(res, 'Kind')), text(own(res, 'Name'))].filter(Boolean).join('/') || undefined;
    // Trivy writes the error that stopped a resource's scan in `Error` (and whatever it found before, if anything).
    const scanError = text(own(res, 'Error'));
    if (scanError) {
      c.errors.push({
        file: c.file,
        jsonPath: child(rp, 'Error'),
        message: `scan incomplete: Trivy could not scan ${resource ?? 'a Kubernetes resource'} (${describeValue(firstLine(scanError, 200), 200)}): findings may be missing`,
        severity: 'partial',
        hint: 'fix the scan and run it again, or accept this tool\'s partial results with `incomplete-scans: {"Trivy": warn}` in the policy',
        incompleteScan: { tool: tool.name },
      });
    }
    const list = own(res, 'Results');
    if (list === null)
      c.error(
        child(rp, 'Results'),
        'expected an array of results, found null (Trivy leaves Results out when it has none)',
        'check that the file was not edited or truncated',
      );
    else results(c, list, child(rp, 'Results'), { tool, resource, artifactType: 'kubernetes' }, ctx);
  });
}

function parse(doc: unknown, ctx: ParseContext): ParseResult {
  const c = new Collector(ctx.file, FORMAT);
  const tool: ToolRef = { name: 'Trivy' };
  if (Array.isArray(doc)) {
    results(c, doc, '$', { tool, legacy: true }, ctx);
  } else if (isObj(doc)) {
    const version = text(own(own(doc, 'Trivy'), 'Version'));
    if (version) tool.version = version;
    if (typeof own(doc, 'ClusterName') === 'string' && !('Results' in doc)) {
      unknownMembers(c, doc, '$', K8S_MEMBERS, 'a Kubernetes report');
      // `Findings`: the consolidated report (`trivy k8s --report all`).
      for (const key of ['Resources', 'Findings', 'Vulnerabilities', 'Misconfigurations']) {
        if (key in doc) resources(c, own(doc, key), `$.${key}`, tool, ctx);
      }
    } else {
      unknownMembers(c, doc, '$', REPORT_MEMBERS, 'a report');
      const artifactType = text(own(doc, 'ArtifactType'))?.toLowerCase();
      const list = own(doc, 'Results');
      const version = own(doc, 'SchemaVersion');
      if (version !== KNOWN_SCHEMA) {
        // A later schema may move the findings: a warning while its Results are read as version 2, an error if not.
        c.error(
          '$.SchemaVersion',
          `Trivy report SchemaVersion ${describeValue(version)} is not known (expected ${KNOWN_SCHEMA})${Array.isArray(list) ? ': read as version 2' : ''}`,
          Array.isArray(list)
            ? 'check the findings against the report, and update defect-gate'
            : 'update defect-gate, or ask Trivy for SchemaVersion 2 output',
          Array.isArray(list) ? 'scanner' : 'partial',
        );
      }
      if (list === undefined && !IMAGE_TYPES.has(artifactType ?? '')) {
        // Trivy writes `Results` with `omitempty` (pkg/types/report.go): a filesystem or repository scan in which no
        // target (lock file, IaC file, secret) was found has no `Results`. That is a clean report.
      } else if (list === null) {
        c.error(
          '$.Results',
          'expected an array of results, found null (Trivy leaves Results out when it has none)',
          'check that the file was not edited or truncated',
        );
      } else if (list === undefined) {
        // An image always has at least its OS packages as a target (corpus scheme_2_no_vuln.json: a clean image lists
        // its OS target without vulnerabilities); no Results at all means nothing of the image was scanned.
        c.error(
          '$.Results',
          `scan incomplete: the ${artifactType} report has no Results, not even the image's OS packages (a clean image lists its targets without vulnerabilities)`,
          'check the Trivy step (unsupported OS, or the scan failed)',
        );
      } else {
        results(c, list, '$.Results', { tool, artifactType }, ctx);
      }
    }
  } else {
    c.error(
      '$',
      `expected a Trivy report (an object or an array of results), found ${doc === null ? 'null' : typeof doc}`,
      undefined,
      'fatal',
    );
  }
  return { findings: c.findings, errors: c.errors, tools: [tool] };
}

export const trivyParser: FormatParser = {
  id: FORMAT,
  label: 'Trivy JSON',
  syntax: 'json',
  detect,
  // Old Trivy versions wrote an array of results: `[]` when nothing was scanned cannot be detected, but fits when forced.
  fits: (doc: unknown) => (Array.isArray(doc) && doc.length === 0) || detect(doc),
  parse,
};
