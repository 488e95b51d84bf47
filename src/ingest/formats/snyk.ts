/**
 * Snyk Open Source / Snyk Container CLI JSON (`snyk test --json`, `snyk container test --json`): one project object
 * or an array of them (`--all-projects`). Container projects may carry `applications[]` (app dependencies found in the
 * image). Snyk repeats a vulnerability once per dependency path; exact repeats collapse into one finding.
 * Snyk Code output is SARIF and is not handled here.
 */
import type { Finding, FindingKind, PackageRef, ScannerSuppression } from '../../model';
import { normalizeEcosystem, orderVulnIds } from '../ecosystem';
import { packageFingerprint } from '../fingerprint';
import type { FormatParser, ParseContext, ParseResult } from '../types';
import { cweId, firstLine, isObj, num, own, strings, text, uniq, type Obj } from '../values';
import { Collector, cvssVersion, locate } from './collector';
import { ToolSet, toolRef } from './tool-refs';
import { lower } from './text-fields';

const OS_ECOSYSTEMS = new Set(['deb', 'apk', 'rpm']);
const ID_KEYS_SKIPPED = new Set(['CWE', 'NSP']);
const SPACES = /\s+/g;

function isProject(v: unknown): v is Obj {
  if (!isObj(v) || !Array.isArray(own(v, 'vulnerabilities'))) return false;
  if (own(v, 'runs') !== undefined || own(v, 'version') !== undefined) return false;
  return typeof own(v, 'packageManager') === 'string' || typeof own(v, 'ok') === 'boolean';
}

interface ProjectInfo {
  kind: FindingKind;
  ecosystem?: string;
  /** Repository path of the manifest, or the image (and file in it) as a location. */
  target?: string;
  inImage: boolean;
}

function projectInfo(project: Obj, image: string | undefined): ProjectInfo {
  const pm = text(own(project, 'packageManager'));
  const ecosystem = normalizeEcosystem(pm);
  const os = ecosystem !== undefined && OS_ECOSYSTEMS.has(ecosystem);
  const docker = own(project, 'docker') !== undefined && image === undefined;
  const targetFile = text(own(project, 'displayTargetFile')) ?? text(own(project, 'targetFile'));
  if (docker || os) {
    return { kind: 'container', ecosystem, target: text(own(project, 'path')) ?? text(own(project, 'projectName')), inImage: true };
  }
  if (image !== undefined) {
    // An application inside a scanned image: the manifest is a path in the image, not in the repository.
    const where = text(own(project, 'path')) ?? image;
    return { kind: 'sca', ecosystem, target: targetFile ? `${where} (${targetFile})` : where, inImage: true };
  }
  return { kind: 'sca', ecosystem, target: targetFile, inImage: false };
}

function snykPackage(v: Obj, info: ProjectInfo): PackageRef | undefined {
  const packageName = text(own(v, 'packageName'));
  const depName = text(own(v, 'name'));
  let name = packageName ?? depName;
  // OS packages: `name` is `source/binary` (gcc-10/libgcc-s1); the installed binary package is what others report.
  if (packageName && depName && depName !== packageName && depName.startsWith(`${packageName}/`)) {
    name = depName.slice(packageName.length + 1);
  }
  if (!name) return undefined;
  const pkg: PackageRef = { name };
  const eco = info.ecosystem ?? normalizeEcosystem(text(own(v, 'packageManager')));
  if (eco) pkg.ecosystem = eco;
  const version = text(own(v, 'version'));
  if (version) pkg.version = version;
  const fixed = strings(own(v, 'fixedIn'));
  const nearest = text(own(v, 'nearestFixedInVersion'));
  if (fixed.length) pkg.fixedVersions = fixed;
  else if (nearest) pkg.fixedVersions = [nearest];
  return pkg;
}

function vulnIds(v: Obj): string[] {
  const ids: string[] = [];
  const identifiers = own(v, 'identifiers');
  if (isObj(identifiers)) {
    for (const key of Object.keys(identifiers)) {
      if (ID_KEYS_SKIPPED.has(key)) continue;
      for (const id of strings(own(identifiers, key))) ids.push(id);
    }
  }
  const id = text(own(v, 'id'));
  if (id && !id.startsWith('snyk:lic:')) ids.push(id);
  return orderVulnIds(ids);
}

function toFinding(
  p: Collector,
  v: Obj,
  pointer: string,
  paths: number,
  info: ProjectInfo,
  suppressions: ScannerSuppression[],
  ctx: ParseContext,
  tool: Finding['tool'],
): Finding {
  const id = text(own(v, 'id')) ?? 'unknown';
  const pkg = snykPackage(v, info);
  const cve = vulnIds(v);
  const identifiers = own(v, 'identifiers');
  const cwe = uniq(
    strings(own(identifiers, 'CWE'))
      .map(cweId)
      .filter((c): c is string => !!c),
  );
  const title = firstLine(text(own(v, 'title')) ?? id);
  let message = text(own(v, 'description')) ?? title;
  const from = own(v, 'from');
  if (Array.isArray(from) && from.length) {
    const chain = from.map((x) => text(x) ?? '?').join(' > ');
    message += `\n\nIntroduced through ${paths === 1 ? 'one dependency path' : `${paths} dependency paths`}, e.g. ${chain}`;
  }
  const tags: string[] = [info.kind];
  const type = text(own(v, 'type'));
  if (type === 'license') tags.push('license');
  if (own(v, 'isUpgradable') === true) tags.push('upgradable');
  if (own(v, 'isPatchable') === true) tags.push('patchable');
  if (own(v, 'malicious') === true) tags.push('malicious');
  const maturity = text(own(v, 'exploit'));
  if (maturity && maturity !== 'Not Defined') tags.push(`exploit:${maturity.toLowerCase().replace(SPACES, '-')}`);
  const f: Finding = {
    fingerprint: pkg ? packageFingerprint(pkg, cve[0] ?? id) : packageFingerprint({ name: id }, id),
    fingerprintSource: 'package',
    tool,
    source: { file: ctx.file, format: 'snyk', pointer },
    ruleId: id,
    title,
    message,
    kind: info.kind,
    cwe,
    cve,
    tags,
    resultKind: 'fail',
    suppressions,
  };
  if (id.startsWith('SNYK-')) f.helpUri = `https://security.snyk.io/vuln/${encodeURIComponent(id)}`;
  const severity = lower(text(own(v, 'severity')));
  if (severity) f.scannerSeverity = severity;
  const vector = text(own(v, 'CVSSv3'));
  const score = p.score(own(v, 'cvssScore'), `${pointer}.cvssScore`);
  if (vector || score !== undefined) {
    f.cvss = { version: cvssVersion(vector, { bareV2: false }) ?? '3' };
    if (score !== undefined) f.cvss.score = score;
    if (vector) f.cvss.vector = vector;
  }
  const epss = own(v, 'epssDetails');
  if (isObj(epss)) {
    const probability = num(own(epss, 'probability'));
    const percentile = num(own(epss, 'percentile'));
    if (probability !== undefined || percentile !== undefined) {
      f.exploit = {};
      if (probability !== undefined) f.exploit.epss = probability;
      if (percentile !== undefined) f.exploit.epssPercentile = percentile;
    }
  }
  if (pkg) {
    f.package = pkg;
    f.component = pkg.version ? `${pkg.name}@${pkg.version}` : pkg.name;
  }
  if (info.target) {
    if (info.inImage) f.location = info.target;
    else Object.assign(f, locate(info.target, ctx.workspace));
  }
  return f;
}

/** Ignored issues (`filtered.ignore[]`) with the reason of the first ignore rule. */
function ignoreSuppression(v: Obj): ScannerSuppression[] {
  const s: ScannerSuppression = { kind: 'external', status: 'accepted' };
  const rules = own(v, 'filtered');
  const first = Array.isArray(own(rules, 'ignored')) ? (own(rules, 'ignored') as unknown[])[0] : undefined;
  const reason = text(own(first, 'reason'));
  if (reason) s.justification = reason;
  return [s];
}

function parseProject(
  project: Obj,
  path: string,
  image: string | undefined,
  p: Collector,
  ctx: ParseContext,
  out: Finding[],
  tool: Finding['tool'],
): void {
  const info = projectInfo(project, image);
  const lists: { items: unknown[]; path: string; ignored: boolean }[] = [
    // Snyk writes `vulnerabilities` for every tested project (`[]` when clean; a project it could not test has `error`).
    {
      items: p.required(own(project, 'vulnerabilities'), `${path}.vulnerabilities`, 'a Snyk project lists its findings in vulnerabilities'),
      path: `${path}.vulnerabilities`,
      ignored: false,
    },
  ];
  const filtered = own(project, 'filtered');
  if (isObj(filtered)) {
    lists.push({ items: p.array(own(filtered, 'ignore'), `${path}.filtered.ignore`), path: `${path}.filtered.ignore`, ignored: true });
  }
  for (const list of lists) {
    // Exact repeats (same issue, installed package and version; one per dependency path) collapse into one finding.
    const seen = new Map<string, { v: Obj; pointer: string; paths: number }>();
    list.items.forEach((item, i) => {
      const pointer = `${list.path}[${i}]`;
      const v = p.object(item, pointer, 'the vulnerability was skipped');
      if (!v) return;
      const key = `${text(own(v, 'id')) ?? ''}\u0000${text(own(v, 'name')) ?? text(own(v, 'packageName')) ?? ''}\u0000${text(own(v, 'version')) ?? ''}`;
      const known = seen.get(key);
      if (known) known.paths++;
      else seen.set(key, { v, pointer, paths: 1 });
    });
    for (const { v, pointer, paths } of seen.values()) {
      out.push(toFinding(p, v, pointer, paths, info, list.ignored ? ignoreSuppression(v) : [], ctx, tool));
    }
  }
  if (image === undefined && info.kind === 'container') {
    const imageName = text(own(project, 'path')) ?? text(own(project, 'projectName')) ?? 'image';
    p.array(own(project, 'applications'), `${path}.applications`).forEach((app, ai) => {
      const appPath = `${path}.applications[${ai}]`;
      const a = p.object(app, appPath, 'the application was skipped');
      if (a) parseProject(a, appPath, imageName, p, ctx, out, tool);
    });
  }
}

export const snykParser: FormatParser = {
  id: 'snyk',
  label: 'Snyk Open Source / Container JSON',
  syntax: 'json',
  detect(doc) {
    if (Array.isArray(doc)) return doc.length > 0 && isProject(doc[0]) && doc.every(isObj);
    return isProject(doc);
  },
  parse(doc, ctx): ParseResult {
    const p = new Collector(ctx.file, 'snyk');
    const findings: Finding[] = [];
    const tools = new ToolSet();
    const projects: { v: unknown; path: string }[] = Array.isArray(doc)
      ? doc.map((v, i) => ({ v, path: `$[${i}]` }))
      : [{ v: doc, path: '$' }];
    for (const { v, path } of projects) {
      const project = p.object(v, path, 'the project was skipped');
      if (!project) continue;
      const error = text(own(project, 'error'));
      if (error && !Array.isArray(own(project, 'vulnerabilities'))) {
        p.error(path, `Snyk could not test this project: ${firstLine(error)}`, 'the project was skipped');
        continue;
      }
      const tool = tools.add(toolRef(own(project, 'docker') !== undefined ? 'Snyk Container' : 'Snyk Open Source'));
      parseProject(project, path, undefined, p, ctx, findings, tool);
    }
    return { findings, errors: p.errors, tools: tools.list() };
  },
};
