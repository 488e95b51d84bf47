/**
 * Semgrep JSON (`semgrep --json`): `results[]` (code findings, and Supply Chain findings with `extra.sca_info`) and
 * `errors[]` (scanner errors, reported as `scanner` InputErrors: they warn, the findings are intact). Also the Semgrep App deployments API listing of Supply
 * Chain vulnerabilities (`{vulns: [...], hasMore, cursor}`).
 */
import type { ScannerSuppression, ToolRef } from '../../model';
import { computeFingerprint } from '../fingerprint';
import type { FormatParser, ParseContext, ParseResult } from '../types';
import { arr, cweId, firstLine, isObj, own, posInt, strings, text, type Obj } from '../values';
import { Collector, locate } from './collector';
import {
  dependencyFingerprint,
  ghsaFromUrl,
  makeFinding,
  makePackage,
  severityWord,
  tag,
  TRUNCATED_HINT,
  vulnIds,
} from './dependency-findings';

const FORMAT = 'semgrep';
const PLACEHOLDER = 'requires login';
const NEWLINE = /\r?\n/;

const NOT_SEMGREP_KEYS = ['metrics', 'generated_at', 'vulnerabilities', 'runs', 'scan'];

function detect(doc: unknown): boolean {
  if (!isObj(doc)) return false;
  const results = own(doc, 'results');
  if (Array.isArray(results)) {
    if (NOT_SEMGREP_KEYS.some((k) => k in doc)) return false;
    if (results.length === 0) return Array.isArray(own(doc, 'errors')) && !('experimental_config' in doc);
    const first = results[0];
    return isObj(first) && typeof own(first, 'check_id') === 'string' && ('extra' in first || 'start' in first);
  }
  const vulns = own(doc, 'vulns');
  if (Array.isArray(vulns) && ('hasMore' in doc || 'cursor' in doc)) {
    return vulns.length === 0 || (isObj(vulns[0]) && isObj(own(vulns[0], 'advisory')));
  }
  return false;
}

function cwesOf(v: unknown): string[] {
  const out = new Set<string>();
  for (const x of Array.isArray(v) ? v : [v]) {
    const id = cweId(x);
    if (id) out.add(id);
  }
  return [...out];
}

/** `A01:2017 - Injection` → `owasp:A01:2017`. */
function owaspTags(v: unknown): string[] {
  const out: string[] = [];
  for (const x of Array.isArray(v) ? v : [v]) {
    const s = text(x);
    if (s) out.push(`owasp:${s.split(' - ')[0]?.trim() ?? s}`);
  }
  return out;
}

function realText(v: unknown): string | undefined {
  const s = text(v);
  return s && s !== PLACEHOLDER ? s : undefined;
}

function result(c: Collector, r: Obj, pointer: string, tool: ToolRef, ctx: ParseContext): void {
  const ruleId = text(own(r, 'check_id'));
  if (!ruleId) {
    c.error(pointer, 'result without check_id', 'the record was skipped');
    return;
  }
  const extra = isObj(own(r, 'extra')) ? (own(r, 'extra') as Obj) : {};
  const meta = isObj(own(extra, 'metadata')) ? (own(extra, 'metadata') as Obj) : {};
  const message = text(own(extra, 'message')) ?? ruleId;
  const where = locate(text(own(r, 'path')), ctx.workspace);
  const start = own(r, 'start');
  const end = own(r, 'end');
  const startLine = posInt(own(start, 'line'));
  const endLine = posInt(own(end, 'line'));
  const lines = realText(own(extra, 'lines')) !== undefined ? (own(extra, 'lines') as string) : undefined;
  const references = strings(own(meta, 'references'));
  const suppressions: ScannerSuppression[] =
    own(extra, 'is_ignored') === true ? [{ kind: 'inSource', status: 'accepted', justification: 'nosemgrep' }] : [];
  const secSev = c.score(own(meta, 'security-severity'), `${pointer}.extra.metadata.security-severity`);
  const tags = [
    ...owaspTags(own(meta, 'owasp')),
    ...tag('category', own(meta, 'category')),
    ...tag('confidence', text(own(meta, 'confidence'))?.toLowerCase()),
    ...tag('likelihood', text(own(meta, 'likelihood'))?.toLowerCase()),
    ...tag('impact', text(own(meta, 'impact'))?.toLowerCase()),
    ...strings(own(meta, 'subcategory')).map((s) => `subcategory:${s}`),
  ];
  const common = {
    tool,
    pointer,
    ruleId,
    title: firstLine(message),
    message,
    helpUri: text(own(meta, 'shortlink')) ?? text(own(meta, 'source')) ?? references[0],
    cwe: cwesOf(own(meta, 'cwe')),
    scannerSeverity: severityWord(own(extra, 'severity')),
    securitySeverity: secSev !== undefined && secSev >= 0 && secSev <= 10 ? secSev : undefined,
    ...where,
    startLine,
    endLine: endLine !== undefined && startLine !== undefined && endLine >= startLine ? endLine : undefined,
    startColumn: posInt(own(start, 'col')),
    endColumn: posInt(own(end, 'col')),
    snippet: lines,
    suppressions,
  };

  const sca = own(extra, 'sca_info');
  if (isObj(sca)) {
    const match = own(sca, 'dependency_match');
    const found = own(match, 'found_dependency');
    const name = text(own(found, 'package')) ?? text(own(own(match, 'dependency_pattern'), 'package'));
    if (name) {
      const fixes: string[] = [];
      for (const f of arr(own(meta, 'sca-fix-versions'))) {
        const v = isObj(f) ? text(own(f, name)) : text(f);
        if (v) fixes.push(v);
      }
      const eco = text(own(found, 'ecosystem')) ?? text(own(own(match, 'dependency_pattern'), 'ecosystem'));
      const pkg = makePackage(name, text(own(found, 'version')), undefined, eco, fixes);
      const cve = vulnIds(own(meta, 'sca-vuln-database-identifier'), own(meta, 'ghsa_id'), references.map(ghsaFromUrl));
      const lockfile = text(own(found, 'lockfile_path')) ?? text(own(match, 'lockfile'));
      const reachable = own(sca, 'reachable');
      c.add(
        makeFinding(c, {
          ...dependencyFingerprint(pkg, cve, ruleId),
          ...common,
          ...(lockfile && !common.path ? locate(lockfile, ctx.workspace) : {}),
          kind: 'sca',
          cve,
          tags: [
            ...tags,
            ...(typeof reachable === 'boolean' ? [reachable ? 'reachable' : 'unreachable'] : []),
            ...tag('transitivity', own(found, 'transitivity')),
          ],
          scannerSeverity: severityWord(own(meta, 'sca-severity')) ?? common.scannerSeverity,
          package: pkg,
        }),
      );
      return;
    }
  }

  const own_fp = realText(own(extra, 'fingerprint'));
  const path = where.path;
  const lineText = (path && startLine !== undefined ? ctx.sourceLine?.(path, startLine) : undefined) ?? lines?.split(NEWLINE, 1)[0];
  const fp = own_fp
    ? { fingerprint: own_fp, source: 'semgrep:fingerprint' }
    : computeFingerprint({ tool: 'semgrep', ruleId, path: path ?? where.location, lineText, message });
  c.add(
    makeFinding(c, {
      fingerprint: fp.fingerprint,
      fingerprintSource: fp.source,
      ...common,
      kind: 'sast',
      cve: [],
      tags,
    }),
  );
}

/** Semgrep App deployments API: one Supply Chain vulnerability. */
function deploymentVuln(c: Collector, v: Obj, pointer: string, tool: ToolRef, ctx: ParseContext): void {
  const adv = own(v, 'advisory');
  if (!isObj(adv)) {
    c.error(pointer, 'vulnerability without advisory', 'the record was skipped');
    return;
  }
  const ruleId = text(own(adv, 'ruleId')) ?? text(own(v, 'groupKey'));
  const matched = own(v, 'matchedDependency');
  const name = text(own(matched, 'name')) ?? text(own(arr(own(adv, 'vulnerableDependencies'))[0], 'name'));
  if (!ruleId || !name) {
    c.error(pointer, `vulnerability without ${ruleId ? 'a dependency name' : 'advisory.ruleId'}`, 'the record was skipped');
    return;
  }
  const refs = own(adv, 'references');
  const urls = strings(own(refs, 'urls'));
  const cve = vulnIds(own(refs, 'cveIds'), urls.map(ghsaFromUrl));
  const safe = text(own(own(v, 'closestSafeDependency'), 'versionSpecifier'));
  const pkg = makePackage(name, text(own(matched, 'versionSpecifier')), undefined, text(own(adv, 'ecosystem')), safe ? [safe] : []);
  const loc = own(v, 'dependencyFileLocation');
  const title = text(own(v, 'title')) ?? text(own(adv, 'title')) ?? ruleId;
  const description = text(own(adv, 'description'));
  const triage = own(v, 'triage');
  const status = text(own(triage, 'status'))?.toLowerCase();
  const suppressions: ScannerSuppression[] = [];
  if (status === 'ignored' || status === 'dismissed') {
    const reason = text(own(triage, 'dismissReason'));
    suppressions.push({ kind: 'external', status: 'accepted', ...(reason ? { justification: reason } : {}) });
  }
  const startLine = posInt(own(loc, 'startLine'));
  const cwe = new Set<string>();
  for (const x of arr(own(refs, 'cweIds'))) {
    const id = cweId(x);
    if (id) cwe.add(id);
  }
  c.add(
    makeFinding(c, {
      ...dependencyFingerprint(pkg, cve, ruleId),
      tool,
      pointer,
      ruleId,
      title: firstLine(title),
      message: [description ?? title, `Package: ${name}${pkg.version ? `@${pkg.version}` : ''}${safe ? `; fixed in ${safe}` : ''}`].join(
        '\n\n',
      ),
      helpUri: urls[0],
      kind: 'sca',
      cwe: [...cwe],
      cve,
      tags: [
        ...owaspTags(own(refs, 'owaspIds')),
        ...tag('exposure', text(own(v, 'exposureType'))?.toLowerCase()),
        ...tag('transitivity', text(own(v, 'transitivity'))?.toLowerCase()),
        ...tag('triage', status),
      ],
      scannerSeverity: severityWord(own(adv, 'severity')),
      ...locate(text(own(loc, 'path')), ctx.workspace),
      startLine,
      package: pkg,
      suppressions,
      firstDetected: text(own(v, 'openedAt')),
    }),
  );
}

function parse(doc: unknown, ctx: ParseContext): ParseResult {
  const c = new Collector(ctx.file, FORMAT);
  const tool: ToolRef = { name: 'Semgrep' };
  if (!isObj(doc)) {
    c.error('$', `expected a Semgrep report (an object with "results"), found ${doc === null ? 'null' : typeof doc}`, undefined, 'fatal');
    return { findings: [], errors: c.errors, tools: [tool] };
  }
  const version = text(own(doc, 'version'));
  if (version) tool.version = version;
  if (Array.isArray(own(doc, 'vulns')) && !('results' in doc)) {
    c.array(own(doc, 'vulns'), '$.vulns', TRUNCATED_HINT).forEach((v, i) => {
      const p = `$.vulns[${i}]`;
      const o = c.object(v, p);
      if (o) deploymentVuln(c, o, p, tool, ctx);
    });
    return { findings: c.findings, errors: c.errors, tools: [tool] };
  }
  c.required(own(doc, 'results'), '$.results', 'a Semgrep report lists its findings in results').forEach((r, i) => {
    const p = `$.results[${i}]`;
    const o = c.object(r, p);
    if (o) result(c, o, p, tool, ctx);
  });
  c.array(own(doc, 'errors'), '$.errors', TRUNCATED_HINT).forEach((e, i) => {
    const p = `$.errors[${i}]`;
    const type = text(own(e, 'type')) ?? text(arr(own(e, 'type'))[0]);
    const msg = text(own(e, 'message')) ?? text(e) ?? 'unknown error';
    const path = text(own(e, 'path'));
    const rule = text(own(e, 'rule_id'));
    const level = text(own(e, 'level'));
    c.error(
      p,
      `Semgrep reported ${level ? `a ${level.toLowerCase()}` : 'an error'}${type ? ` (${type})` : ''}${path ? ` for ${path}` : ''}${rule ? ` in rule ${rule}` : ''}: ${firstLine(msg, 500)}`,
      'the scan may be incomplete: files or rules Semgrep could not process have no findings',
      'scanner',
    );
  });
  return { findings: c.findings, errors: c.errors, tools: [tool] };
}

export const semgrepParser: FormatParser = {
  id: FORMAT,
  label: 'Semgrep JSON',
  syntax: 'json',
  detect,
  parse,
};
