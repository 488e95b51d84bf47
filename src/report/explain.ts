import picomatch from 'picomatch';
import type { RatedFinding, RatingStep } from '../model';
import type { RunResult } from '../engine';
import { stripControl } from '../text/escape';

/**
 * `defect-gate explain`: why a finding got its rating and whether the gate counts it, step by step. Pure: a function
 * of a run's result (see engine.ts) and a selection.
 */

export interface ExplainSelection {
  /** Rule id glob (picomatch), e.g. `js/sql-*`. */
  rule?: string;
  /** Fingerprint or a prefix of one. */
  fingerprint?: string;
}

export function selectFindings(findings: readonly RatedFinding[], sel: ExplainSelection): RatedFinding[] {
  const ruleTest = sel.rule !== undefined ? picomatch(sel.rule, { dot: true }) : undefined;
  const fp = sel.fingerprint?.toLowerCase();
  return findings.filter(
    (f) =>
      (!ruleTest || (f.ruleId.length <= 1024 && ruleTest(f.ruleId))) && (fp === undefined || f.fingerprint.toLowerCase().startsWith(fp)),
  );
}

export interface GateStep {
  rule: string;
  action: 'fail' | 'warn';
  conditions: string;
  counted: boolean;
  count: number;
  max: number;
  exceeded: boolean;
}

export interface Explained {
  fingerprint: string;
  tool: string;
  alsoReportedBy: string[];
  ruleId: string;
  title: string;
  location?: string;
  /** The scanner's own rating, as given. */
  scanner: {
    level?: string;
    resultKind: string;
    securitySeverity?: number;
    cvss?: { version?: string; score?: number; vector?: string };
    scannerSeverity?: string;
  };
  exploit?: RatedFinding['exploit'];
  package?: RatedFinding['package'];
  cve: string[];
  cwe: string[];
  /** Base rating, then every policy rule that matched. */
  steps: RatingStep[];
  severity: string;
  gated: boolean;
  notGatedReason?: string;
  exception?: RatedFinding['exception'];
  /** Owners (policy component, else CODEOWNERS) and where they came from. */
  owners?: string[];
  ownersFrom?: string;
  status?: RatedFinding['status'];
  sla?: RatedFinding['sla'];
  environment: string;
  verdict: string;
  blocking: boolean;
  gates: GateStep[];
}

export function explainFinding(f: RatedFinding, result: RunResult): Explained {
  const where = f.path ? `${f.path}${f.startLine ? `:${f.startLine}` : ''}` : f.location;
  const scanner: Explained['scanner'] = { resultKind: f.resultKind };
  if (f.level) scanner.level = f.level;
  if (f.securitySeverity !== undefined) scanner.securitySeverity = f.securitySeverity;
  if (f.cvss) scanner.cvss = { ...f.cvss };
  if (f.scannerSeverity) scanner.scannerSeverity = f.scannerSeverity;
  const gates: GateStep[] = result.verdict.rules.map((r) => ({
    rule: r.name,
    action: r.action,
    conditions: r.conditions,
    counted: r.findings.includes(f.fingerprint),
    count: r.count,
    max: r.max,
    exceeded: r.exceeded,
  }));
  return {
    fingerprint: f.fingerprint,
    tool: f.tool.name,
    alsoReportedBy: (f.alsoReportedBy ?? []).map((t) => t.name),
    ruleId: f.ruleId,
    title: f.title,
    ...(where ? { location: where } : {}),
    scanner,
    ...(f.exploit ? { exploit: f.exploit } : {}),
    ...(f.package ? { package: f.package } : {}),
    cve: f.cve,
    cwe: f.cwe,
    steps: f.explanation,
    severity: f.severity,
    gated: f.gated,
    ...(f.notGatedReason ? { notGatedReason: f.notGatedReason } : {}),
    ...(f.exception ? { exception: f.exception } : {}),
    ...(f.owners ? { owners: f.owners } : {}),
    ...(f.ownersFrom ? { ownersFrom: f.ownersFrom } : {}),
    ...(f.status && result.tracked ? { status: f.status } : {}),
    ...(f.sla ? { sla: f.sla } : {}),
    environment: result.environment,
    verdict: result.verdict.status,
    blocking: result.blocking.has(f.fingerprint),
    gates,
  };
}

const num = (n: number) => (Number.isInteger(n) ? n.toFixed(1) : String(n));

function scannerLine(e: Explained): string {
  const s = e.scanner;
  const parts: string[] = [];
  if (s.level) parts.push(`SARIF level ${s.level}`);
  if (s.resultKind !== 'fail') parts.push(`result kind ${s.resultKind}`);
  if (s.securitySeverity !== undefined) parts.push(`security-severity ${num(s.securitySeverity)}`);
  if (s.cvss?.score !== undefined)
    parts.push(`CVSS${s.cvss.version ? ` ${s.cvss.version}` : ''} ${num(s.cvss.score)}${s.cvss.vector ? ` (${s.cvss.vector})` : ''}`);
  if (s.scannerSeverity) parts.push(`scanner severity "${s.scannerSeverity}"`);
  return parts.join(', ') || 'no rating given';
}

function exploitLine(e: Explained): string | undefined {
  const x = e.exploit;
  const parts: string[] = [];
  if (x?.kev)
    parts.push(
      `CISA KEV${x.kevDateAdded || x.kevDueDate ? ` (${[x.kevDateAdded ? `added ${x.kevDateAdded}` : '', x.kevDueDate ? `due ${x.kevDueDate}` : ''].filter(Boolean).join(', ')})` : ''}`,
    );
  else if (x?.kev === false) parts.push('not in CISA KEV');
  if (x?.epss !== undefined) parts.push(`EPSS ${x.epss}${x.epssPercentile !== undefined ? ` (percentile ${x.epssPercentile})` : ''}`);
  if (e.package) {
    const fixed = e.package.fixedVersions?.length ? `, fixed in ${e.package.fixedVersions.join(', ')}` : ', no fix known';
    parts.push(`package ${e.package.name}${e.package.version ? `@${e.package.version}` : ''}${fixed}`);
  }
  return parts.length ? parts.join('; ') : undefined;
}

/** Terminal text for explained findings (scanner text stripped of control characters). */
export function renderExplanations(list: readonly Explained[]): string {
  const out: string[] = [];
  list.forEach((e, i) => {
    const also = e.alsoReportedBy.length ? ` (also ${e.alsoReportedBy.join(', ')})` : '';
    out.push(`[${i + 1}/${list.length}] ${e.tool}${also}  ${e.ruleId}  ${e.location ?? '(no location)'}`);
    out.push(`  title:      ${e.title}`);
    out.push(`  fingerprint ${e.fingerprint}`);
    const ids = [...e.cve, ...e.cwe];
    if (ids.length) out.push(`  ids:        ${ids.join(', ')}`);
    out.push(`  scanner:    ${scannerLine(e)}`);
    const ex = exploitLine(e);
    if (ex) out.push(`  exploit:    ${ex}`);
    for (const s of e.steps) {
      if (s.step === 'rule') out.push(`  rule:       ${s.detail}: ${s.from} → ${s.to}`);
      else out.push(`  ${s.step === 'base' ? 'base:      ' : 'default:   '} ${s.detail} → ${s.to}`);
    }
    if (!e.steps.some((s) => s.step === 'rule')) out.push('  rules:      no policy rule matched');
    out.push(`  severity:   ${e.severity}`);
    if (e.exception) {
      const x = e.exception;
      const who = [
        x.approvedBy ? `approved by ${x.approvedBy}` : '',
        x.approvedOn ? `on ${x.approvedOn}` : '',
        x.expires ? `until ${x.expires}` : '',
      ]
        .filter(Boolean)
        .join(' ');
      out.push(
        `  exception:  ${x.id} (${x.type}) ${x.state}${x.problem ? `: ${x.problem}` : ''}${who ? `; ${who}` : ''}${x.ticket ? `; ${x.ticket}` : ''}${x.reason ? `; reason: ${x.reason}` : ''}`,
      );
    }
    if (e.owners || e.ownersFrom) out.push(`  owners:     ${e.owners?.join(' ') ?? 'none'}${e.ownersFrom ? ` (${e.ownersFrom})` : ''}`);
    else out.push('  owners:     none (no owned policy component, no matching CODEOWNERS rule)');
    out.push(`  gating:     ${e.gated ? 'gated (the gate counts it)' : `not gated: ${e.notGatedReason ?? 'excluded'}`}`);
    if (e.status) out.push(`  tracking:   ${e.status}`);
    if (e.sla)
      out.push(
        `  SLA:        due ${e.sla.due.slice(0, 10)}, ${e.sla.state} (${e.sla.state === 'breached' ? `${-e.sla.daysLeft} days overdue` : `${e.sla.daysLeft} days left`}): ${e.sla.reason}`,
      );
    out.push(`  gate ${e.environment} (verdict ${e.verdict}):${e.gates.length ? '' : ' no rules'}`);
    for (const g of e.gates) {
      const result = `${g.count} counted, max ${g.max}${g.exceeded ? `, ${g.action === 'fail' ? 'fails' : 'warns'}` : ''}`;
      out.push(`    ${g.counted ? 'counted by    ' : 'not counted by'} "${g.rule}" [${g.conditions}] (${g.action}: ${result})`);
    }
    if (e.blocking) out.push('  => blocking: this finding makes the gate fail');
    out.push('');
  });
  return out.map((l) => stripControl(l)).join('\n');
}
