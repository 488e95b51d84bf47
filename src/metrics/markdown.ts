import { code, md } from '../text/escape';
import { VERIFICATION_LABEL, type Metrics, type SeverityRow } from './compute';
import { day, fmtDays, mermaidText, pct, plural, rate } from './format';
import type { OwnerRow } from './by-owner';

/**
 * Metrics as Markdown: the monthly report (`defect-gate report`) and the compact section of the job summary.
 * Every chart is Mermaid (`pie`, `xychart-beta`) with a plain table right after it, for renderers without Mermaid.
 * Ledger and scanner text (titles, rule ids, paths, components, approvers) is escaped.
 */

export function mermaidPie(title: string, data: [string, number][]): string {
  const rows = data.filter(([, v]) => v > 0).map(([k, v]) => `    "${mermaidText(k)}" : ${v}`);
  return ['```mermaid', `pie showData title ${mermaidText(title, 80)}`, ...rows, '```'].join('\n');
}

export interface XySeries {
  type: 'bar' | 'line';
  values: number[];
}

export function mermaidXy(title: string, x: string[], yLabel: string, series: XySeries[]): string {
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  return [
    '```mermaid',
    'xychart-beta',
    `    title "${mermaidText(title, 80)}"`,
    `    x-axis [${x.map((l) => `"${mermaidText(l, 20)}"`).join(', ')}]`,
    `    y-axis "${mermaidText(yLabel)}" 0 --> ${Math.ceil(max * 1.1)}`,
    ...series.map((s) => `    ${s.type} [${s.values.map((v) => (Number.isFinite(v) ? Math.round(v * 10) / 10 : 0)).join(', ')}]`),
    '```',
  ].join('\n');
}

function sevHead(levels: string[], first: string): string {
  return `| ${first} | ${levels.map((l) => md(l, 30)).join(' | ')} | Total |\n|---|${levels.map(() => '---:|').join('')}---:|`;
}

function sevRows(rows: SeverityRow[], levels: string[], key: (r: SeverityRow) => string, max: number): string[] {
  const out = rows
    .slice(0, max)
    .map((r) => `| ${key(r)} | ${levels.map((l) => String(r.bySeverity[l] ?? 0)).join(' | ')} | **${r.total}** |`);
  if (rows.length > max) out.push(`| … ${rows.length - max} more | ${levels.map(() => '').join(' | ')} | |`);
  return out;
}

function sevTable(title: string, rows: SeverityRow[], levels: string[], key: (r: SeverityRow) => string, max = 10): string {
  if (!rows.length) return `${title}: none open.`;
  return `${sevHead(levels, title)}\n${sevRows(rows, levels, key, max).join('\n')}`;
}

/** The headline figures as a two-row table. */
export function kpiTable(m: Metrics): string {
  const k = kpis(m);
  return `| ${k.map((x) => x.label).join(' | ')} |\n|${k.map(() => '---:|').join('')}\n| ${k.map((x) => `**${x.value}**`).join(' | ')} |`;
}

export interface Kpi {
  label: string;
  value: string;
  note: string;
  tone: 'bad' | 'warn' | 'good' | 'neutral';
}

export function kpis(m: Metrics): Kpi[] {
  const top = m.levels.slice(0, 2).map((l) => m.open.bySeverity[l] ?? 0);
  const compliance = m.sla.compliance;
  return [
    {
      label: 'Open',
      value: String(m.open.total),
      note: m.levels
        .slice(0, 2)
        .map((l, i) => `${top[i]} ${l}`)
        .join(' · '),
      tone: (top[0] ?? 0) > 0 ? 'bad' : m.open.total > 0 ? 'warn' : 'good',
    },
    { label: 'Opened', value: String(m.flow.opened), note: `${rate(m.velocity.openedPerWeek)} / week`, tone: 'neutral' },
    {
      label: 'Fixed',
      value: String(m.flow.fixed),
      note: `${rate(m.velocity.fixedPerWeek)} / week`,
      tone: m.flow.fixed >= m.flow.opened + m.flow.reopened ? 'good' : 'neutral',
    },
    {
      label: 'Reopened',
      value: String(m.flow.reopened),
      note: m.velocity.reopenRate !== undefined ? `${pct(m.velocity.reopenRate)} of fixes` : 'regressions',
      tone: m.flow.reopened > 0 ? 'warn' : 'good',
    },
    {
      label: 'MTTR (median)',
      value: fmtDays(m.timeToResolve.overall.medianDays),
      note: `mean ${fmtDays(m.timeToResolve.overall.meanDays)}`,
      tone: 'neutral',
    },
    {
      label: 'SLA compliance',
      value: pct(compliance),
      note: `${m.sla.fixedWithinSla} of ${m.sla.fixed} fixes on time`,
      tone: compliance === undefined ? 'neutral' : compliance >= 0.9 ? 'good' : compliance >= 0.7 ? 'warn' : 'bad',
    },
    {
      label: 'Past SLA',
      value: String(m.sla.openBreached),
      note: `${m.sla.openDueSoon} due soon`,
      tone: m.sla.openBreached > 0 ? 'bad' : 'good',
    },
    {
      label: 'Accepted risk',
      value: String(m.acceptedRisk.total),
      note: `${m.acceptedRisk.expiring.length} exception(s) expiring`,
      tone: m.acceptedRisk.expiring.length ? 'warn' : 'neutral',
    },
    {
      label: 'Exposure',
      value: fmtDays(m.exposure.overall.medianDays),
      note: `median; ${m.exposure.exposedNow} open in ${m.exposure.environments.join('/')}`,
      tone: m.exposure.exposedNow > 0 ? 'warn' : 'neutral',
    },
  ];
}

export function periodText(m: Metrics): string {
  return `${day(m.period.since)} to ${day(m.period.until)} (by ${m.period.bucket})`;
}

function bucketTable(m: Metrics): string {
  const head = `| ${m.period.bucket === 'month' ? 'Month' : 'Week of'} | Opened | Reopened | Fixed | Open at end | Past SLA at end |\n|---|---:|---:|---:|---:|---:|`;
  const rows = m.flow.buckets.map((b) => `| ${b.label} | ${b.opened} | ${b.reopened} | ${b.fixed} | ${b.backlog} | ${b.breached} |`);
  return `${head}\n${rows.join('\n')}`;
}

function flowCharts(m: Metrics): string {
  const x = m.flow.buckets.map((b) => b.short);
  return [
    mermaidXy(`Opened (bars) and fixed (line) per ${m.period.bucket}`, x, 'Findings', [
      { type: 'bar', values: m.flow.buckets.map((b) => b.opened + b.reopened) },
      { type: 'line', values: m.flow.buckets.map((b) => b.fixed) },
    ]),
    mermaidXy(`Open at the end of each ${m.period.bucket}`, x, 'Open findings', [
      { type: 'line', values: m.flow.buckets.map((b) => b.backlog) },
    ]),
    bucketTable(m),
    reopenRateText(m),
  ].join('\n\n');
}

function durationTable(m: Metrics): string {
  const rows = m.levels.map((l) => {
    const s = m.timeToResolve.bySeverity[l];
    const c = m.sla.bySeverity[l];
    return `| ${md(l, 30)} | ${s?.count ?? 0} | ${fmtDays(s?.meanDays)} | ${fmtDays(s?.medianDays)} | ${m.sla.days[l] !== undefined ? `${m.sla.days[l]} d` : '—'} | ${c ? `${pct(c.compliance)} (${c.withinSla}/${c.fixed})` : '—'} |`;
  });
  const o = m.timeToResolve.overall;
  rows.push(
    `| **all** | ${o.count} | ${fmtDays(o.meanDays)} | ${fmtDays(o.medianDays)} | | **${pct(m.sla.compliance)}** (${m.sla.fixedWithinSla}/${m.sla.fixed}) |`,
  );
  return `| Severity | Fixed | MTTR mean | MTTR median | SLA | Fixed within SLA |\n|---|---:|---:|---:|---:|---:|\n${rows.join('\n')}`;
}

/** Open / past SLA / MTTR / SLA compliance per owner or team (owners in code spans: a report never notifies). */
export function ownerTable(title: string, rows: readonly OwnerRow[], max = 15): string {
  if (!rows.length) return `${title}: none.`;
  const body = rows
    .slice(0, max)
    .map(
      (r) =>
        `| ${r.key.startsWith('(') ? md(r.key, 40) : code(r.key, 80)} | ${r.open} | ${r.pastSla ? `**${r.pastSla}**` : '0'} | ${r.dueSoon} | ${r.fixed} | ${fmtDays(r.mttrDays)} | ${r.slaFixed ? `${pct(r.compliance)} (${r.fixedWithinSla}/${r.slaFixed})` : '—'} |`,
    );
  if (rows.length > max) body.push(`| … ${rows.length - max} more | | | | | | |`);
  return `| ${title} | Open | Past SLA | Due soon | Fixed | MTTR mean | Fixed within SLA |\n|---|---:|---:|---:|---:|---:|---:|\n${body.join('\n')}`;
}

function breachTable(m: Metrics, max: number): string {
  if (!m.sla.breaches.length) return 'No open finding is past its SLA.';
  const rows = m.sla.breaches
    .slice(0, max)
    .map(
      (b) =>
        `| **${md(b.severity, 30)}** | ${md(b.title || b.ruleId, 100)}<br>${code(b.ruleId, 60)} | ${b.path ? code(b.path, 80) : md(b.component ?? '', 60)} | ${md(b.tool, 40)} | ${b.ageDays} d | ${day(b.due)} | **${b.daysOverdue} d** |`,
    );
  const more = m.sla.openBreached > max ? `\n\n<sub>… ${m.sla.openBreached - max} more past SLA.</sub>` : '';
  return `| Severity | Finding | Where | Tool | Age | Due | Overdue |\n|---|---|---|---|---:|---|---:|\n${rows.join('\n')}${more}`;
}

function ageSection(m: Metrics): string {
  const lv = m.age.levels;
  const chart = mermaidXy(
    `Age of open ${lv.join(' and ')} findings`,
    m.age.buckets.map((b) => b.label),
    'Open findings',
    [{ type: 'bar', values: m.age.buckets.map((b) => b.total) }],
  );
  const head = `| Age | ${lv.map((l) => md(l, 30)).join(' | ')} | Total |\n|---|${lv.map(() => '---:|').join('')}---:|`;
  const rows = m.age.buckets.map((b) => `| ${b.label} | ${lv.map((l) => String(b.bySeverity[l] ?? 0)).join(' | ')} | **${b.total}** |`);
  return `${chart}\n\n${head}\n${rows.join('\n')}`;
}

function acceptedSection(m: Metrics): string {
  const a = m.acceptedRisk;
  const parts = [
    `**${plural(a.total, 'open finding')}** under an active accepted-risk exception (${m.levels.map((l) => `${a.bySeverity[l] ?? 0} ${md(l, 30)}`).join(', ')}).`,
  ];
  if (a.byType.length) parts.push(`Open findings by exception type: ${a.byType.map((x) => `${md(x.key, 40)} ${x.count}`).join(', ')}.`);
  if (a.byApprover.length)
    parts.push(
      `| Approved by | Accepted findings |\n|---|---:|\n${a.byApprover
        .slice(0, 10)
        .map((x) => `| ${md(x.key, 60)} | ${x.count} |`)
        .join('\n')}`,
    );
  if (a.expiring.length) {
    parts.push(
      `| Expiring exception | Type | Approved by | Expires | Days left | Open findings |\n|---|---|---|---|---:|---:|\n${a.expiring
        .slice(0, 15)
        .map(
          (x) =>
            `| ${code(x.id, 60)} | ${md(x.type, 30)} | ${md(x.approvedBy ?? '—', 60)} | ${x.expires} | ${x.daysLeft} | ${x.findings} |`,
        )
        .join('\n')}`,
    );
  }
  return parts.join('\n\n');
}

function exposureSection(m: Metrics): string {
  const e = m.exposure;
  if (!e.overall.count)
    return `No finding was seen by a run of ${e.environments.map((x) => code(x, 40)).join(' or ')} in the period (window of exposure needs runs with that environment).`;
  const rows = m.levels
    .filter((l) => (e.bySeverity[l]?.count ?? 0) > 0)
    .map((l) => {
      const s = e.bySeverity[l];
      return `| ${md(l, 30)} | ${s?.count ?? 0} | ${fmtDays(s?.meanDays)} | ${fmtDays(s?.medianDays)} | ${fmtDays(s?.maxDays)} |`;
    });
  const longest = e.longest
    .slice(0, 5)
    .map(
      (r) =>
        `| ${md(r.severity, 30)} | ${md(r.title || r.ruleId, 90)}${r.episode > 1 ? ` <sub>(episode ${r.episode})</sub>` : ''} | ${md(r.component ?? '', 50)} | ${day(r.exposedSince)} | ${r.fixedAt ? day(r.fixedAt) : 'open'} | ${fmtDays(r.days)} |`,
    );
  return [
    `**${e.exposedNow}** open in ${e.environments.map((x) => code(x, 40)).join('/')} now; ${plural(e.overall.count, 'exposure window')} in the period (one per episode: a finding deployed, fixed and reopened was exposed twice).`,
    `| Severity | Exposed | Mean | Median | Longest |\n|---|---:|---:|---:|---:|\n${rows.join('\n')}`,
    `| Severity | Longest exposures | Component | Since | Until | Days |\n|---|---|---|---|---|---:|\n${longest.join('\n')}`,
  ].join('\n\n');
}

/** The reopen rate in words (also in the JSON as velocity.reopenRate): reopened ÷ fixed in the period. */
export function reopenRateText(m: Metrics): string {
  return m.velocity.reopenRate === undefined
    ? `Reopen rate: — (no fix in the period).`
    : `Reopen rate: **${pct(m.velocity.reopenRate)}** (${m.flow.reopened} reopened ÷ ${m.flow.fixed} fixed in the period).`;
}

function detectSection(m: Metrics): string {
  const d = m.timeToDetect;
  if (!d.overall.count)
    return 'No finding first seen in the period has a vulnerability publication date (Trivy and OSV-Scanner reports give one).';
  const rows = m.levels
    .filter((l) => (d.bySeverity[l]?.count ?? 0) > 0)
    .map((l) => {
      const s = d.bySeverity[l];
      return `| ${md(l, 30)} | ${s?.count ?? 0} | ${fmtDays(s?.medianDays)} | ${fmtDays(s?.p90Days)} | ${fmtDays(s?.maxDays)} |`;
    });
  return [
    `From the vulnerability's publication to the first run that saw it: median **${fmtDays(d.overall.medianDays)}**, 90th percentile ${fmtDays(d.overall.p90Days)} (${plural(d.overall.count, 'finding')} first seen in the period).`,
    `| Severity | Findings | Median | 90th percentile | Longest |\n|---|---:|---:|---:|---:|\n${rows.join('\n')}`,
  ].join('\n\n');
}

function coverageSection(m: Metrics, maxComponents = 15): string {
  const acts = m.coverage.activities;
  const head = `| Component | ${acts.map((a) => VERIFICATION_LABEL[a]).join(' | ')} |\n|---|${acts.map(() => ':---:|').join('')}`;
  const cell = (tools: string[]) => (tools.length ? `✅ ${tools.map((x) => md(x, 30)).join(', ')}` : '—');
  const rows = [`| **repository (tools that ran)** | ${acts.map((a) => cell(m.coverage.repository[a])).join(' | ')} |`];
  for (const c of m.coverage.components.slice(0, maxComponents))
    rows.push(`| ${md(c.component, 60)} | ${acts.map((a) => (c.activities[a].length ? '✅' : '—')).join(' | ')} |`);
  const missing = m.coverage.missing.length
    ? `Not covered in the period: **${m.coverage.missing.map((a) => VERIFICATION_LABEL[a]).join(', ')}**.`
    : 'Every verification activity ran in the period.';
  return `${missing} ${plural(m.runs.inPeriod, 'run')} in the period (${m.runs.production} in ${m.exposure.environments.map((x) => code(x, 40)).join('/')}).\n\n${head}\n${rows.join('\n')}\n\n<sub>A component counts as verified by an activity when a tool of that kind that ran in the period has reported a finding in it.</sub>`;
}

export interface ReportOptions {
  title?: string;
  /** What the report is about, e.g. `acme/app (scope default)`. */
  subject?: string;
}

/** The monthly report as Markdown. */
export function renderMetricsMarkdown(m: Metrics, opts: ReportOptions = {}): string {
  const title = opts.title ?? 'Security defect metrics';
  const lv = m.levels;
  const parts = [
    `# ${md(title, 120)}`,
    `${opts.subject ? `**${md(opts.subject, 200)}** · ` : ''}Period ${periodText(m)} · generated ${m.generatedAt.slice(0, 16).replace('T', ' ')} UTC · ${plural(m.runs.inPeriod, 'run')} in the period`,
    kpiTable(m),
    '## Open findings',
    mermaidPie(
      'Open findings by severity',
      lv.map((l) => [l, m.open.bySeverity[l] ?? 0]),
    ),
    `| Severity | Open |\n|---|---:|\n${lv.map((l) => `| ${md(l, 30)} | ${m.open.bySeverity[l] ?? 0} |`).join('\n')}\n| **total** | **${m.open.total}** |`,
    '### By component',
    sevTable('Component', m.open.byComponent, lv, (r) => md(r.key, 60)),
    '### By category (CWE)',
    sevTable('CWE', m.open.byCwe, lv, (r) => md(r.key, 30)),
    '### By tool',
    sevTable('Tool', m.open.byTool, lv, (r) => md(r.key, 40)),
    `## Trend by ${m.period.bucket}`,
    `New-issue velocity **${rate(m.velocity.openedPerWeek)}**/week, fixes **${rate(m.velocity.fixedPerWeek)}**/week, net **${m.velocity.netPerWeek >= 0 ? '+' : ''}${rate(m.velocity.netPerWeek)}**/week over ${rate(m.velocity.weeks)} weeks.`,
    flowCharts(m),
    '## Time to resolve and SLA compliance',
    durationTable(m),
    `### Open past SLA (${m.sla.openBreached})`,
    breachTable(m, 25),
    '## By team and owner',
    ownerTable('Team', m.owners.byTeam),
    ownerTable('Owner', m.owners.byOwner),
    `## Age of open ${lv
      .slice(0, 2)
      .map((l) => md(l, 30))
      .join(' and ')} findings`,
    ageSection(m),
    '## Hot spots',
    sevTable('Component', m.hotSpots.components, lv, (r) => md(r.key, 60), 10),
    sevTable('File', m.hotSpots.files, lv, (r) => code(r.key, 100), 10),
    '## Accepted risk',
    acceptedSection(m),
    '## Time to detect',
    detectSection(m),
    `## Window of exposure (${m.exposure.environments.map((x) => code(x, 40)).join(', ')})`,
    exposureSection(m),
    '## Verification coverage',
    coverageSection(m),
    '<sub>Definitions and formulas: README, "Metrics and reports".</sub>',
  ];
  return `${parts.join('\n\n')}\n`;
}

/** The compact section of the job summary: KPIs, a chart of open findings, the weekly flow. Empty when over budget. */
export function renderCompactMetrics(m: Metrics, maxBytes: number): string {
  const lv = m.levels;
  const full = [
    `### Metrics (${periodText(m)})`,
    kpiTable(m),
    mermaidPie(
      'Open by severity',
      lv.map((l) => [l, m.open.bySeverity[l] ?? 0]),
    ),
    `| Severity | ${lv.map((l) => md(l, 30)).join(' | ')} |\n|---|${lv.map(() => '---:|').join('')}\n| Open | ${lv.map((l) => m.open.bySeverity[l] ?? 0).join(' | ')} |\n| Past SLA | ${lv.map((l) => m.sla.breaches.filter((b) => b.severity === l).length).join(' | ')} |`,
    mermaidXy(
      `Opened (bars) and fixed (line) per ${m.period.bucket}`,
      m.flow.buckets.map((b) => b.short),
      'Findings',
      [
        { type: 'bar', values: m.flow.buckets.map((b) => b.opened + b.reopened) },
        { type: 'line', values: m.flow.buckets.map((b) => b.fixed) },
      ],
    ),
    `<details><summary>Per ${m.period.bucket}</summary>\n\n${bucketTable(m)}\n\n</details>`,
    m.hotSpots.components.length
      ? `<details><summary>Hot spots</summary>\n\n${sevTable('Component', m.hotSpots.components, lv, (r) => md(r.key, 60), 5)}\n\n</details>`
      : '',
  ].filter(Boolean);
  let text = full.join('\n\n');
  if (Buffer.byteLength(text) <= maxBytes) return text;
  text = full.slice(0, 2).join('\n\n');
  return Buffer.byteLength(text) <= maxBytes ? text : '';
}
