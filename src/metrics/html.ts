import { html } from '../text/escape';
import { VERIFICATION_LABEL, type Metrics, type SeverityRow } from './compute';
import { day, fmtDays, pct, plural, rate } from './format';
import { kpis, periodText, type Kpi, type ReportOptions } from './markdown';
import { donut, hbarChart, SERIES_COLORS, severityColor, xyChart } from './svg';

/**
 * The monthly report as ONE self-contained HTML file: inline CSS and SVG, no script, no external asset, so it works
 * offline, as an e-mail attachment or a CI artifact. Every piece of ledger text is escaped.
 */

const CSS = `
*{box-sizing:border-box}
body{margin:0;background:#f5f6f8;color:#1f2328;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
main{max-width:1200px;margin:0 auto;padding:28px 32px 48px}
header{display:flex;justify-content:space-between;align-items:flex-end;border-bottom:3px solid #1f2328;padding-bottom:12px;margin-bottom:20px}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:18px;margin:28px 0 10px;padding-bottom:4px;border-bottom:1px solid #d0d7de}
h3{font-size:14px;margin:0 0 8px;color:#444;text-transform:uppercase;letter-spacing:.04em}
.sub{color:#57606a}
.meta{text-align:right;color:#57606a;font-size:13px}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(112px,1fr));gap:10px}
.kpi{background:#fff;border:1px solid #d0d7de;border-left:5px solid #8a94a6;border-radius:6px;padding:10px 12px}
.kpi .v{font-size:24px;font-weight:700;line-height:1.2}
.kpi .l{font-size:11px;white-space:nowrap;color:#57606a;text-transform:uppercase;letter-spacing:.04em}
.kpi .n{font-size:12px;color:#57606a}
.kpi.bad{border-left-color:#b42318}.kpi.bad .v{color:#b42318}
.kpi.warn{border-left-color:#e0a800}
.kpi.good{border-left-color:#2b8a3e}.kpi.good .v{color:#2b8a3e}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:16px;margin-bottom:16px}
.card{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:14px 16px;overflow:hidden;margin-bottom:16px}
.grid .card{margin-bottom:0}
.card svg{max-width:100%;height:auto;display:block;margin:0 auto}
table{border-collapse:collapse;width:100%;font-size:13px;margin-top:8px}
th,td{padding:5px 8px;border-bottom:1px solid #eaeef2;text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600;color:#444}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
td.c,th.c{text-align:center}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f6f8fa;padding:1px 4px;border-radius:3px;overflow-wrap:anywhere}
.sev{display:inline-block;padding:0 6px;border-radius:10px;color:#fff;font-size:12px;font-weight:600}
.ok{color:#2b8a3e;font-weight:600}.miss{color:#b42318;font-weight:600}
.note{color:#57606a;font-size:12px;margin-top:6px}
footer{margin-top:32px;color:#57606a;font-size:12px;border-top:1px solid #d0d7de;padding-top:10px}
@media print{body{background:#fff}.card,.kpi{break-inside:avoid}}
`;

export function page(title: string, body: string): string {
  return `<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">\n<title>${html(title)}</title>\n<style>${CSS}</style>\n</head>\n<body><main>\n${body}\n</main></body>\n</html>\n`;
}

export function kpiTiles(list: Kpi[]): string {
  return `<section class="kpis">${list.map((k) => `<div class="kpi ${k.tone}"><div class="l">${html(k.label)}</div><div class="v">${html(k.value)}</div><div class="n">${html(k.note)}</div></div>`).join('')}</section>`;
}

export function sevBadge(levels: string[], level: string): string {
  return `<span class="sev" style="background:${severityColor(levels, level)}">${html(level)}</span>`;
}

export function table(head: { label: string; cls?: string }[], rows: string[][], empty = 'None.'): string {
  if (!rows.length) return `<p class="note">${html(empty)}</p>`;
  return `<table><thead><tr>${head.map((h) => `<th${h.cls ? ` class="${h.cls}"` : ''}>${html(h.label)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c, i) => `<td${head[i]?.cls ? ` class="${head[i]?.cls}"` : ''}>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

export function sevRowsTable(
  first: string,
  rows: SeverityRow[],
  levels: string[],
  max = 10,
  key: (r: SeverityRow) => string = (r) => html(r.key),
): string {
  return table(
    [{ label: first }, ...levels.map((l) => ({ label: l, cls: 'n' })), { label: 'Total', cls: 'n' }],
    rows.slice(0, max).map((r) => [key(r), ...levels.map((l) => String(r.bySeverity[l] ?? 0)), `<b>${r.total}</b>`]),
    'Nothing open.',
  );
}

export function hotSpotChart(title: string, rows: SeverityRow[], levels: string[], max = 8): string {
  if (!rows.length) return '<p class="note">Nothing open.</p>';
  return hbarChart(
    title,
    rows.slice(0, max).map((r) => ({
      label: r.key,
      segments: levels.map((l) => ({ name: l, value: r.bySeverity[l] ?? 0, color: severityColor(levels, l) })),
    })),
    { legend: levels.map((l) => ({ name: l, color: severityColor(levels, l) })) },
  );
}

const card = (title: string, inner: string, note = '') =>
  `<div class="card"><h3>${html(title)}</h3>${inner}${note ? `<p class="note">${note}</p>` : ''}</div>`;

export function renderMetricsHtml(m: Metrics, opts: ReportOptions = {}): string {
  const title = opts.title ?? 'Security defect metrics';
  const lv = m.levels;
  const cats = m.flow.buckets.map((b) => b.short);
  const per = m.period.bucket;
  const b: string[] = [];
  b.push(
    `<header><div><h1>${html(title)}</h1><div class="sub">${opts.subject ? `<b>${html(opts.subject)}</b> · ` : ''}Period ${html(periodText(m))}</div></div><div class="meta">Generated ${html(m.generatedAt.slice(0, 16).replace('T', ' '))} UTC<br>${html(plural(m.runs.inPeriod, 'run'))} in the period · ${m.runs.verdicts.fail} failed gate(s)</div></header>`,
  );
  b.push(kpiTiles(kpis(m)));

  b.push('<h2>Open findings</h2><div class="grid">');
  b.push(
    card(
      'By severity',
      donut(
        'Open findings by severity',
        lv.map((l) => ({ label: l, value: m.open.bySeverity[l] ?? 0, color: severityColor(lv, l) })),
        'open',
      ),
    ),
  );
  b.push(
    card(
      'Hot spots: components',
      hotSpotChart('Open findings by component', m.hotSpots.components, lv),
      'Ranked by the most severe level first, then by total.',
    ),
  );
  b.push('</div><div class="grid">');
  b.push(card('By category (CWE)', sevRowsTable('CWE', m.open.byCwe, lv, 8)));
  b.push(card('By tool', sevRowsTable('Tool', m.open.byTool, lv, 8)));
  b.push('</div>');

  b.push('<h2>By team and owner</h2><div class="grid">');
  const ownerRows = (rows: Metrics['owners']['byTeam']) =>
    rows
      .slice(0, 15)
      .map((r) => [
        r.key.startsWith('(') ? html(r.key) : `<code>${html(r.key)}</code>`,
        String(r.open),
        r.pastSla ? `<b>${r.pastSla}</b>` : '0',
        String(r.dueSoon),
        String(r.fixed),
        fmtDays(r.mttrDays),
        r.slaFixed ? `${pct(r.compliance)} (${r.fixedWithinSla}/${r.slaFixed})` : '—',
      ]);
  const ownerHead = (first: string) => [
    { label: first },
    { label: 'Open', cls: 'n' },
    { label: 'Past SLA', cls: 'n' },
    { label: 'Due soon', cls: 'n' },
    { label: 'Fixed', cls: 'n' },
    { label: 'MTTR', cls: 'n' },
    { label: 'Within SLA', cls: 'n' },
  ];
  const teamBars = m.owners.byTeam.filter((r) => r.open > 0).slice(0, 8);
  b.push(
    card(
      'Open by team',
      hbarChart(
        'Open findings by team, past SLA first',
        teamBars.map((r) => ({
          label: r.key,
          segments: [
            { name: 'past SLA', value: r.pastSla, color: SERIES_COLORS.breached },
            { name: 'within SLA', value: r.open - r.pastSla, color: SERIES_COLORS.fixed },
          ],
          note: `${r.open} open`,
        })),
        {
          labelWidth: 150,
          legend: [
            { name: 'past SLA', color: SERIES_COLORS.breached },
            { name: 'within SLA', color: SERIES_COLORS.fixed },
          ],
        },
      ),
      "Teams are <code>@org/team</code> owners and components' owners; a finding counts for each of its teams.",
    ),
  );
  b.push(card('Teams', table(ownerHead('Team'), ownerRows(m.owners.byTeam), 'No findings.')));
  b.push('</div>');
  b.push(`<div class="card"><h3>Owners</h3>${table(ownerHead('Owner'), ownerRows(m.owners.byOwner), 'No findings.')}</div>`);

  b.push(`<h2>Trend by ${html(per)}</h2><div class="grid">`);
  b.push(
    card(
      `Opened, reopened and fixed per ${per}`,
      xyChart({
        title: `Opened, reopened and fixed per ${per}`,
        categories: cats,
        mode: 'grouped',
        yLabel: 'findings',
        series: [
          { name: 'opened', color: SERIES_COLORS.opened, values: m.flow.buckets.map((x) => x.opened) },
          { name: 'reopened', color: SERIES_COLORS.reopened, values: m.flow.buckets.map((x) => x.reopened) },
          { name: 'fixed', color: SERIES_COLORS.fixed, values: m.flow.buckets.map((x) => x.fixed) },
        ],
      }),
      `New-issue velocity ${rate(m.velocity.openedPerWeek)}/week, fixes ${rate(m.velocity.fixedPerWeek)}/week, net ${m.velocity.netPerWeek >= 0 ? '+' : ''}${rate(m.velocity.netPerWeek)}/week. ${m.velocity.reopenRate === undefined ? 'Reopen rate: — (no fix in the period).' : `Reopen rate: ${pct(m.velocity.reopenRate)} (${m.flow.reopened} reopened ÷ ${m.flow.fixed} fixed).`}`,
    ),
  );
  b.push(
    card(
      `Open at the end of each ${per}`,
      xyChart({
        title: `Open findings at the end of each ${per}, by severity`,
        categories: cats,
        mode: 'stacked',
        yLabel: 'open findings',
        series: lv
          .filter((l) => m.flow.buckets.some((x) => (x.backlogBySeverity[l] ?? 0) > 0))
          .map((l) => ({ name: l, color: severityColor(lv, l), values: m.flow.buckets.map((x) => x.backlogBySeverity[l] ?? 0) })),
        lines: [{ name: 'past SLA', color: '#111', values: m.flow.buckets.map((x) => x.breached) }],
      }),
    ),
  );
  b.push('</div>');
  b.push(
    `<div class="card">${table(
      [
        { label: per === 'month' ? 'Month' : 'Week of' },
        { label: 'Opened', cls: 'n' },
        { label: 'Reopened', cls: 'n' },
        { label: 'Fixed', cls: 'n' },
        { label: 'Open at end', cls: 'n' },
        { label: 'Past SLA at end', cls: 'n' },
      ],
      m.flow.buckets.map((x) => [
        html(x.label),
        String(x.opened),
        String(x.reopened),
        String(x.fixed),
        String(x.backlog),
        String(x.breached),
      ]),
    )}</div>`,
  );

  b.push('<h2>Time to resolve and SLA compliance</h2><div class="grid">');
  const slaLevels = lv.filter((l) => m.sla.days[l] !== undefined);
  b.push(
    card(
      'Fixed within SLA, by severity',
      hbarChart(
        'Share of fixes within the SLA by severity',
        slaLevels.map((l) => {
          const c = m.sla.bySeverity[l];
          const share = c?.compliance;
          return {
            label: `${l} (${m.sla.days[l]} d)`,
            segments: [{ name: 'within SLA', value: share === undefined ? 0 : share * 100, color: severityColor(lv, l) }],
            note: c?.fixed ? `${pct(share)} of ${c.fixed}` : 'no fixes',
          };
        }),
        { max: 100, labelWidth: 130 },
      ),
      `Overall ${pct(m.sla.compliance)}: ${m.sla.fixedWithinSla} of ${m.sla.fixed} fixes in the period were made by their due date.`,
    ),
  );
  b.push(
    card(
      'Mean time to resolve',
      table(
        [
          { label: 'Severity' },
          { label: 'Fixed', cls: 'n' },
          { label: 'Mean', cls: 'n' },
          { label: 'Median', cls: 'n' },
          { label: 'Longest', cls: 'n' },
          { label: 'SLA', cls: 'n' },
        ],
        [
          ...lv.map((l) => {
            const s = m.timeToResolve.bySeverity[l];
            return [
              sevBadge(lv, l),
              String(s?.count ?? 0),
              fmtDays(s?.meanDays),
              fmtDays(s?.medianDays),
              fmtDays(s?.maxDays),
              m.sla.days[l] !== undefined ? `${m.sla.days[l]} d` : '—',
            ];
          }),
          [
            '<b>all</b>',
            `<b>${m.timeToResolve.overall.count}</b>`,
            `<b>${fmtDays(m.timeToResolve.overall.meanDays)}</b>`,
            `<b>${fmtDays(m.timeToResolve.overall.medianDays)}</b>`,
            fmtDays(m.timeToResolve.overall.maxDays),
            '',
          ],
        ],
      ),
    ),
  );
  b.push('</div>');
  b.push(
    `<div class="card"><h3>Open past SLA (${m.sla.openBreached}) · ${m.sla.openDueSoon} due soon</h3>${table(
      [
        { label: 'Severity' },
        { label: 'Finding' },
        { label: 'Where' },
        { label: 'Tool' },
        { label: 'Age', cls: 'n' },
        { label: 'Due' },
        { label: 'Overdue', cls: 'n' },
      ],
      m.sla.breaches
        .slice(0, 15)
        .map((x) => [
          sevBadge(lv, x.severity),
          `${html(x.title || x.ruleId)}<br><code>${html(x.ruleId)}</code>`,
          x.path ? `<code>${html(x.path)}</code>` : html(x.component ?? ''),
          html(x.tool),
          `${x.ageDays} d`,
          day(x.due),
          `<b>${x.daysOverdue} d</b>`,
        ]),
      'No open finding is past its SLA.',
    )}${m.sla.openBreached > 15 ? `<p class="note">… ${m.sla.openBreached - 15} more past SLA (see the JSON report).</p>` : ''}</div>`,
  );

  b.push(`<h2>Backlog age, accepted risk, exposure</h2><div class="grid">`);
  b.push(
    card(
      `Age of open ${m.age.levels.join(' and ')} findings`,
      hbarChart(
        'Age of open findings',
        m.age.buckets.map((x) => ({
          label: x.label,
          segments: m.age.levels.map((l) => ({ name: l, value: x.bySeverity[l] ?? 0, color: severityColor(lv, l) })),
        })),
        { labelWidth: 110, legend: m.age.levels.map((l) => ({ name: l, color: severityColor(lv, l) })) },
      ),
      'Age counted from first seen to the end of the period.',
    ),
  );
  const a = m.acceptedRisk;
  b.push(
    card(
      `Accepted risk: ${a.total} open`,
      `${table(
        [{ label: 'Severity' }, { label: 'Accepted', cls: 'n' }],
        lv.filter((l) => (a.bySeverity[l] ?? 0) > 0).map((l) => [sevBadge(lv, l), String(a.bySeverity[l])]),
        'No open finding is under an accepted-risk exception.',
      )}${
        a.byApprover.length
          ? table(
              [{ label: 'Approved by' }, { label: 'Findings', cls: 'n' }],
              a.byApprover.slice(0, 8).map((x) => [html(x.key), String(x.count)]),
            )
          : ''
      }${
        a.expiring.length
          ? table(
              [{ label: 'Expiring' }, { label: 'Type' }, { label: 'Approved by' }, { label: 'Expires' }, { label: 'Findings', cls: 'n' }],
              a.expiring
                .slice(0, 8)
                .map((x) => [
                  `<code>${html(x.id)}</code>`,
                  html(x.type),
                  html(x.approvedBy ?? '—'),
                  `${html(x.expires)} (${x.daysLeft} d)`,
                  String(x.findings),
                ]),
            )
          : ''
      }`,
      a.byType.length ? `All exception types: ${html(a.byType.map((x) => `${x.key} ${x.count}`).join(', '))}.` : '',
    ),
  );
  b.push('</div>');
  const e = m.exposure;
  b.push(
    `<div class="card"><h3>Window of exposure in ${html(e.environments.join(', '))}: ${e.exposedNow} open now, median ${html(fmtDays(e.overall.medianDays))}</h3>${table(
      [
        { label: 'Severity' },
        { label: 'Finding' },
        { label: 'Component' },
        { label: 'Exposed since' },
        { label: 'Until' },
        { label: 'Days', cls: 'n' },
      ],
      e.longest
        .slice(0, 8)
        .map((x) => [
          sevBadge(lv, x.severity),
          html(x.title || x.ruleId),
          html(x.component ?? ''),
          day(x.exposedSince),
          x.fixedAt ? day(x.fixedAt) : '<b>still open</b>',
          fmtDays(x.days),
        ]),
      `No finding was seen by a run of ${e.environments.join(' or ')} in the period.`,
    )}<p class="note">Per episode: time from the first ${html(e.environments.join('/'))} run that saw a finding open to its fix (or the end of the period); a finding deployed, fixed and reopened was exposed twice.</p></div>`,
  );

  const d = m.timeToDetect;
  b.push(
    `<div class="card"><h3>Time to detect: median ${html(fmtDays(d.overall.medianDays))}, 90th percentile ${html(fmtDays(d.overall.p90Days))}</h3>${table(
      [
        { label: 'Severity' },
        { label: 'Findings', cls: 'n' },
        { label: 'Median', cls: 'n' },
        { label: '90th percentile', cls: 'n' },
        { label: 'Longest', cls: 'n' },
      ],
      lv
        .filter((l) => (d.bySeverity[l]?.count ?? 0) > 0)
        .map((l) => {
          const x = d.bySeverity[l];
          return [sevBadge(lv, l), String(x?.count ?? 0), fmtDays(x?.medianDays), fmtDays(x?.p90Days), fmtDays(x?.maxDays)];
        }),
      'No finding first seen in the period has a vulnerability publication date (Trivy and OSV-Scanner reports give one).',
    )}<p class="note">From the vulnerability's publication to the first run that saw it, for findings first seen in the period.</p></div>`,
  );

  b.push('<h2>Verification coverage</h2>');
  const acts = m.coverage.activities;
  const check = (tools: string[]) => (tools.length ? `<span class="ok">✓</span> ${html(tools.join(', '))}` : '<span class="miss">—</span>');
  b.push(
    `<div class="card">${table(
      [{ label: 'Component' }, ...acts.map((x) => ({ label: VERIFICATION_LABEL[x], cls: 'c' }))],
      [
        ['<b>repository (tools that ran)</b>', ...acts.map((x) => check(m.coverage.repository[x]))],
        ...m.coverage.components
          .slice(0, 20)
          .map((c) => [
            html(c.component),
            ...acts.map((x) => (c.activities[x].length ? '<span class="ok">✓</span>' : '<span class="miss">—</span>')),
          ]),
      ],
    )}<p class="note">${m.coverage.missing.length ? `Not covered in the period: <b>${html(m.coverage.missing.map((x) => VERIFICATION_LABEL[x]).join(', '))}</b>. ` : ''}A component counts as verified by an activity when a tool of that kind that ran in the period has reported a finding in it. ${html(plural(m.runs.inPeriod, 'run'))}, ${m.runs.production} in ${html(e.environments.join('/'))}.</p></div>`,
  );
  b.push(
    `<h2>Hot spots: files</h2><div class="card">${sevRowsTable('File', m.hotSpots.files, lv, 10, (r) => `<code>${html(r.key)}</code>`)}</div>`,
  );
  b.push(
    `<footer>defect-gate · definitions and formulas of every figure: README, “Metrics and reports”. Figures count findings the gate counts plus those under an exception; scanner-suppressed results are left out.</footer>`,
  );
  return page(`${title}${opts.subject ? ` — ${opts.subject}` : ''}`, b.join('\n'));
}
