import { html as h, md } from '../text/escape';
import { worstFirst, type Metrics, type SeverityRow } from './compute';
import { fmtDays, pct, plural } from './format';
import { hotSpotChart, kpiTiles, page, sevBadge, sevRowsTable, table } from './html';
import { mermaidPie, mermaidXy, type ReportOptions } from './markdown';
import { hbarChart, severityColor } from './svg';
import { median } from './time';
import { OwnerRowMerger, type OwnerRow } from './by-owner';
import { ownerTable } from './markdown';
import { addCount } from '../own';

/**
 * Organization-wide view: the metrics of every repository's ledger, aggregated. Pure (the shell reads the ledgers).
 * Hot spots by repository, repository/component and CWE; SLA compliance per repository; worst offenders.
 */

export interface RepoLedgerMetrics {
  repo: string;
  /** Absent when the repository has no ledger (no branch or no such scope) or it could not be read. */
  metrics?: Metrics;
  error?: string;
}

export interface RepoRow {
  repo: string;
  open: number;
  bySeverity: Record<string, number>;
  pastSla: number;
  fixed: number;
  fixedWithinSla: number;
  slaCompliance?: number;
  mttrMedianDays?: number;
  opened: number;
  reopened: number;
  acceptedRisk: number;
  exposedNow: number;
  missingActivities: string[];
}

export interface OrgMetrics {
  schema: 'defect-gate-org-metrics';
  version: 1;
  org: string;
  generatedAt: string;
  period?: Metrics['period'];
  levels: string[];
  repositories: { listed: number; withLedger: number; withoutLedger: string[]; errors: { repo: string; error: string }[] };
  open: { total: number; bySeverity: Record<string, number> };
  flow: { opened: number; fixed: number; reopened: number };
  sla: { fixed: number; fixedWithinSla: number; compliance?: number; pastSla: number };
  /** Median of the repositories' median time to resolve. */
  mttrMedianDays?: number;
  perRepository: RepoRow[];
  worstOffenders: RepoRow[];
  hotSpots: { repositories: SeverityRow[]; components: SeverityRow[]; cwes: SeverityRow[] };
  /** Open, past SLA, MTTR and SLA compliance per team and per owner, over every repository. */
  owners: { byTeam: OwnerRow[]; byOwner: OwnerRow[] };
}

function add(rows: Map<string, SeverityRow>, key: string, levels: string[], src: Record<string, number>): void {
  let r = rows.get(key);
  if (!r) {
    r = { key, total: 0, bySeverity: Object.fromEntries(levels.map((l) => [l, 0])) };
    rows.set(key, r);
  }
  for (const [l, n] of Object.entries(src)) {
    addCount(r.bySeverity, l, n);
    r.total += n;
  }
}

/**
 * The organization's aggregate, folded one repository at a time: `add()` keeps the repository's row and its
 * contributions to the hot spots and owner rows, never its ledger or its full metrics, so 5,000 repositories are
 * read as a stream (src/github/org-report.ts). `aggregateOrg` is the same over a list.
 */
export class OrgAggregator {
  private readonly levels: string[] = [];
  private readonly open = { total: 0, bySeverity: {} as Record<string, number> };
  private readonly flow = { opened: 0, fixed: 0, reopened: 0 };
  private readonly sla = { fixed: 0, fixedWithinSla: 0, pastSla: 0 };
  private readonly repoRows = new Map<string, SeverityRow>();
  private readonly compRows = new Map<string, SeverityRow>();
  private readonly cweRows = new Map<string, SeverityRow>();
  private readonly perRepository: RepoRow[] = [];
  private readonly teams = new OwnerRowMerger();
  private readonly owners = new OwnerRowMerger();
  private readonly withoutLedger: string[] = [];
  private readonly errors: { repo: string; error: string }[] = [];
  private listed = 0;
  private period?: Metrics['period'];

  constructor(
    private readonly org: string,
    private readonly now: Date,
    private readonly top = 10,
  ) {}

  add(r: RepoLedgerMetrics): void {
    this.listed++;
    if (r.error !== undefined) this.errors.push({ repo: r.repo, error: r.error });
    const m = r.metrics;
    if (!m) {
      if (r.error === undefined) this.withoutLedger.push(r.repo);
      return;
    }
    const { levels, open, flow, sla } = this;
    this.period ??= m.period;
    for (const l of m.levels) if (!levels.includes(l)) levels.push(l);
    open.total += m.open.total;
    for (const [l, n] of Object.entries(m.open.bySeverity)) addCount(open.bySeverity, l, n);
    flow.opened += m.flow.opened;
    flow.fixed += m.flow.fixed;
    flow.reopened += m.flow.reopened;
    sla.fixed += m.sla.fixed;
    sla.fixedWithinSla += m.sla.fixedWithinSla;
    sla.pastSla += m.sla.openBreached;
    add(this.repoRows, r.repo, levels, m.open.bySeverity);
    for (const c of m.open.byComponent) add(this.compRows, `${r.repo} / ${c.key}`, levels, c.bySeverity);
    for (const c of m.open.byCwe) if (!c.key.startsWith('(')) add(this.cweRows, c.key, levels, c.bySeverity);
    this.perRepository.push({
      repo: r.repo,
      open: m.open.total,
      bySeverity: { ...m.open.bySeverity },
      pastSla: m.sla.openBreached,
      fixed: m.sla.fixed,
      fixedWithinSla: m.sla.fixedWithinSla,
      ...(m.sla.compliance !== undefined ? { slaCompliance: m.sla.compliance } : {}),
      ...(m.timeToResolve.overall.medianDays !== undefined ? { mttrMedianDays: m.timeToResolve.overall.medianDays } : {}),
      opened: m.flow.opened,
      reopened: m.flow.reopened,
      acceptedRisk: m.acceptedRisk.total,
      exposedNow: m.exposure.exposedNow,
      missingActivities: m.coverage.missing,
    });
    // (Metrics read from JSON written by a build without owners have no `owners`.)
    const owners = m.owners as Metrics['owners'] | undefined;
    this.teams.add(owners?.byTeam);
    this.owners.add(owners?.byOwner);
  }

  result(): OrgMetrics {
    const { levels, top } = this;
    const zero = () => Object.fromEntries(levels.map((l) => [l, 0])) as Record<string, number>;
    const fill = (rows: Map<string, SeverityRow>) => [...rows.values()].map((r) => ({ ...r, bySeverity: { ...zero(), ...r.bySeverity } }));
    const perRepository = this.perRepository
      .map((r) => ({ ...r, bySeverity: { ...zero(), ...r.bySeverity } }))
      .sort((a, b) => a.repo.localeCompare(b.repo));
    const sev = worstFirst(levels);
    const worstOffenders = [...perRepository]
      .filter((r) => r.open > 0 || r.pastSla > 0)
      .sort(
        (a, b) =>
          b.pastSla - a.pastSla ||
          sev({ key: a.repo, total: a.open, bySeverity: a.bySeverity }, { key: b.repo, total: b.open, bySeverity: b.bySeverity }) ||
          (a.slaCompliance ?? 1) - (b.slaCompliance ?? 1),
      )
      .slice(0, top);
    const medians = perRepository.map((r) => r.mttrMedianDays).filter((x): x is number => x !== undefined);
    const mttr = median(medians);
    const { sla } = this;
    return {
      schema: 'defect-gate-org-metrics',
      version: 1,
      org: this.org,
      generatedAt: this.now.toISOString(),
      ...(this.period ? { period: this.period } : {}),
      levels,
      repositories: {
        listed: this.listed,
        withLedger: perRepository.length,
        withoutLedger: [...this.withoutLedger].sort(),
        errors: [...this.errors],
      },
      open: { total: this.open.total, bySeverity: { ...zero(), ...this.open.bySeverity } },
      flow: { ...this.flow },
      sla: { ...sla, ...(sla.fixed ? { compliance: sla.fixedWithinSla / sla.fixed } : {}) },
      ...(mttr !== undefined ? { mttrMedianDays: mttr } : {}),
      perRepository,
      worstOffenders,
      hotSpots: {
        repositories: fill(this.repoRows)
          .filter((r) => r.total > 0)
          .sort(sev)
          .slice(0, top),
        components: fill(this.compRows)
          .filter((r) => r.total > 0)
          .sort(sev)
          .slice(0, top),
        cwes: fill(this.cweRows)
          .filter((r) => r.total > 0)
          .sort(sev)
          .slice(0, top),
      },
      owners: { byTeam: this.teams.result(), byOwner: this.owners.result() },
    };
  }
}

export function aggregateOrg(org: string, repos: RepoLedgerMetrics[], now: Date, top = 10): OrgMetrics {
  const agg = new OrgAggregator(org, now, top);
  for (const r of repos) agg.add(r);
  return agg.result();
}

function periodLine(o: OrgMetrics): string {
  return o.period ? `${o.period.since.slice(0, 10)} to ${o.period.until.slice(0, 10)} (by ${o.period.bucket})` : 'no ledger found';
}

export function renderOrgMarkdown(o: OrgMetrics, opts: ReportOptions = {}): string {
  const lv = o.levels;
  const repoTable = (rows: RepoRow[]) =>
    `| Repository | ${lv.map((l) => md(l, 30)).join(' | ')} | Open | Past SLA | SLA compliance | MTTR (median) | Not covered |\n|---|${lv.map(() => '---:|').join('')}---:|---:|---:|---:|---|\n${rows
      .map(
        (r) =>
          `| ${md(r.repo, 80)} | ${lv.map((l) => String(r.bySeverity[l] ?? 0)).join(' | ')} | **${r.open}** | ${r.pastSla} | ${pct(r.slaCompliance)} (${r.fixedWithinSla}/${r.fixed}) | ${fmtDays(r.mttrMedianDays)} | ${r.missingActivities.join(', ') || '—'} |`,
      )
      .join('\n')}`;
  const sevTable = (first: string, rows: SeverityRow[]) =>
    rows.length
      ? `| ${first} | ${lv.map((l) => md(l, 30)).join(' | ')} | Total |\n|---|${lv.map(() => '---:|').join('')}---:|\n${rows.map((r) => `| ${md(r.key, 100)} | ${lv.map((l) => String(r.bySeverity[l] ?? 0)).join(' | ')} | **${r.total}** |`).join('\n')}`
      : 'Nothing open.';
  const parts = [
    `# ${md(opts.title ?? `Security defect metrics: ${o.org}`, 120)}`,
    `Organization **${md(o.org, 80)}** · period ${periodLine(o)} · ${plural(o.repositories.withLedger, 'repository', 'repositories')} with a ledger of ${o.repositories.listed} listed`,
    `| Open | Past SLA | SLA compliance | Opened | Fixed | Reopened | MTTR (median of repos) |\n|---:|---:|---:|---:|---:|---:|---:|\n| **${o.open.total}** | **${o.sla.pastSla}** | **${pct(o.sla.compliance)}** | ${o.flow.opened} | ${o.flow.fixed} | ${o.flow.reopened} | ${fmtDays(o.mttrMedianDays)} |`,
    mermaidPie(
      'Open findings by severity',
      lv.map((l) => [l, o.open.bySeverity[l] ?? 0]),
    ),
    `| Severity | ${lv.map((l) => md(l, 30)).join(' | ')} |\n|---|${lv.map(() => '---:|').join('')}\n| Open | ${lv.map((l) => o.open.bySeverity[l] ?? 0).join(' | ')} |`,
    '## Worst offenders',
    o.worstOffenders.length ? repoTable(o.worstOffenders) : 'No repository has open findings.',
    '## SLA compliance per repository',
    mermaidXy(
      'Fixed within SLA per repository (%)',
      o.perRepository.map((r) => r.repo.split('/').pop() ?? r.repo),
      'percent',
      [{ type: 'bar', values: o.perRepository.map((r) => (r.slaCompliance ?? 0) * 100) }],
    ),
    repoTable(o.perRepository),
    '## Hot spots',
    '### Repositories',
    sevTable('Repository', o.hotSpots.repositories),
    '### Components',
    sevTable('Repository / component', o.hotSpots.components),
    '### Categories (CWE)',
    sevTable('CWE', o.hotSpots.cwes),
    '## By team and owner',
    ownerTable('Team', o.owners.byTeam),
    ownerTable('Owner', o.owners.byOwner),
  ];
  if (o.repositories.withoutLedger.length)
    parts.push(`<sub>No ledger: ${o.repositories.withoutLedger.map((r) => md(r, 80)).join(', ')}.</sub>`);
  if (o.repositories.errors.length)
    parts.push(`**Could not read:**\n${o.repositories.errors.map((e) => `- ${md(e.repo, 80)}: ${md(e.error, 200)}`).join('\n')}`);
  return `${parts.join('\n\n')}\n`;
}

export function renderOrgHtml(o: OrgMetrics, opts: ReportOptions = {}): string {
  const lv = o.levels;
  const title = opts.title ?? `Security defect metrics: ${o.org}`;
  const c = o.sla.compliance;
  const b: string[] = [];
  b.push(
    `<header><div><h1>${h(title)}</h1><div class="sub">Organization <b>${h(o.org)}</b> · period ${h(periodLine(o))}</div></div><div class="meta">Generated ${h(o.generatedAt.slice(0, 16).replace('T', ' '))} UTC<br>${o.repositories.withLedger} of ${o.repositories.listed} repositories with a ledger</div></header>`,
  );
  b.push(
    kpiTiles([
      {
        label: 'Open',
        value: String(o.open.total),
        note: lv
          .slice(0, 2)
          .map((l) => `${o.open.bySeverity[l] ?? 0} ${l}`)
          .join(' · '),
        tone: (o.open.bySeverity[lv[0] ?? ''] ?? 0) > 0 ? 'bad' : 'neutral',
      },
      { label: 'Past SLA', value: String(o.sla.pastSla), note: 'open, overdue', tone: o.sla.pastSla > 0 ? 'bad' : 'good' },
      {
        label: 'SLA compliance',
        value: pct(c),
        note: `${o.sla.fixedWithinSla} of ${o.sla.fixed} fixes on time`,
        tone: c === undefined ? 'neutral' : c >= 0.9 ? 'good' : c >= 0.7 ? 'warn' : 'bad',
      },
      { label: 'Opened', value: String(o.flow.opened), note: `${o.flow.reopened} reopened`, tone: 'neutral' },
      { label: 'Fixed', value: String(o.flow.fixed), note: 'in the period', tone: 'neutral' },
      { label: 'MTTR (median)', value: fmtDays(o.mttrMedianDays), note: 'median of repositories', tone: 'neutral' },
      {
        label: 'Repositories',
        value: String(o.repositories.withLedger),
        note: `${o.repositories.withoutLedger.length} without ledger`,
        tone: 'neutral',
      },
    ]),
  );
  b.push('<h2>Where the risk is</h2><div class="grid">');
  b.push(`<div class="card"><h3>Open by repository</h3>${hotSpotChart('Open findings by repository', o.hotSpots.repositories, lv)}</div>`);
  b.push(
    `<div class="card"><h3>SLA compliance per repository</h3>${hbarChart(
      'Share of fixes within the SLA per repository',
      o.perRepository.map((r) => ({
        label: r.repo,
        segments: [
          {
            name: 'within SLA',
            value: (r.slaCompliance ?? 0) * 100,
            color: (r.slaCompliance ?? 0) >= 0.9 ? '#2b8a3e' : (r.slaCompliance ?? 0) >= 0.7 ? '#e0a800' : '#b42318',
          },
        ],
        note: r.fixed ? pct(r.slaCompliance) : 'no fixes',
      })),
      { max: 100 },
    )}</div>`,
  );
  b.push('</div>');
  const repoRows = (rows: RepoRow[]) =>
    table(
      [
        { label: 'Repository' },
        ...lv.map((l) => ({ label: l, cls: 'n' })),
        { label: 'Open', cls: 'n' },
        { label: 'Past SLA', cls: 'n' },
        { label: 'SLA compliance', cls: 'n' },
        { label: 'MTTR', cls: 'n' },
        { label: 'Not covered' },
      ],
      rows.map((r) => [
        `<b>${h(r.repo)}</b>`,
        ...lv.map((l) => String(r.bySeverity[l] ?? 0)),
        `<b>${r.open}</b>`,
        r.pastSla ? `<b style="color:#b42318">${r.pastSla}</b>` : '0',
        `${pct(r.slaCompliance)} <span class="note">(${r.fixedWithinSla}/${r.fixed})</span>`,
        fmtDays(r.mttrMedianDays),
        h(r.missingActivities.join(', ') || '—'),
      ]),
      'No repository has open findings.',
    );
  b.push(
    `<h2>Worst offenders</h2><div class="card">${repoRows(o.worstOffenders)}<p class="note">Ranked by findings past SLA, then by open findings of the most severe levels, then by SLA compliance.</p></div>`,
  );
  b.push('<h2>Hot spots</h2><div class="grid">');
  b.push(`<div class="card"><h3>Components</h3>${sevRowsTable('Repository / component', o.hotSpots.components, lv, 10)}</div>`);
  b.push(
    `<div class="card"><h3>Categories (CWE)</h3>${sevRowsTable('CWE', o.hotSpots.cwes, lv, 10, (r) => `${sevBadge(lv, lv.find((l) => (r.bySeverity[l] ?? 0) > 0) ?? lv[0] ?? '')} ${h(r.key)}`)}</div>`,
  );
  b.push('</div>');
  const ownerRows = (first: string, rows: OwnerRow[]) =>
    table(
      [
        { label: first },
        { label: 'Open', cls: 'n' },
        { label: 'Past SLA', cls: 'n' },
        { label: 'Due soon', cls: 'n' },
        { label: 'Fixed', cls: 'n' },
        { label: 'MTTR', cls: 'n' },
        { label: 'Within SLA', cls: 'n' },
      ],
      rows
        .slice(0, 15)
        .map((r) => [
          r.key.startsWith('(') ? h(r.key) : `<code>${h(r.key)}</code>`,
          String(r.open),
          r.pastSla ? `<b style="color:#b42318">${r.pastSla}</b>` : '0',
          String(r.dueSoon),
          String(r.fixed),
          fmtDays(r.mttrDays),
          r.slaFixed ? `${pct(r.compliance)} <span class="note">(${r.fixedWithinSla}/${r.slaFixed})</span>` : '—',
        ]),
      'No findings.',
    );
  b.push('<h2>By team and owner</h2><div class="grid">');
  b.push(`<div class="card"><h3>Teams</h3>${ownerRows('Team', o.owners.byTeam)}</div>`);
  b.push(`<div class="card"><h3>Owners</h3>${ownerRows('Owner', o.owners.byOwner)}</div>`);
  b.push('</div>');
  b.push(`<h2>All repositories</h2><div class="card">${repoRows(o.perRepository)}</div>`);
  if (o.repositories.withoutLedger.length || o.repositories.errors.length) {
    b.push(
      `<div class="card"><h3>Not included</h3>${o.repositories.withoutLedger.length ? `<p>No ledger: ${o.repositories.withoutLedger.map((r) => `<code>${h(r)}</code>`).join(' ')}</p>` : ''}${o.repositories.errors.map((e) => `<p><code>${h(e.repo)}</code>: ${h(e.error)}</p>`).join('')}</div>`,
    );
  }
  b.push(
    `<footer>defect-gate · organization view: each repository's ledger branch, same policy (SLA days) for all. Severity colours: ${lv.map((l) => `<span style="color:${severityColor(lv, l)}">■</span> ${h(l)}`).join(' ')}</footer>`,
  );
  return page(title, b.join('\n'));
}
