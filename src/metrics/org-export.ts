import { z } from 'zod';
import type { LedgerBook } from '../ledger/schema';
import { redactText } from '../redact/text';
import { counts, episodes, exceptedAt, exceptionsAt, openAt, severityAt, slaState, type MetricsOptions } from './compute';
import { DAY, defaultSince } from './time';

/**
 * `report --org --export ndjson FILE`: one row per finding per repository, for the warehouse the organization
 * already runs (BigQuery, Snowflake, ClickHouse, DuckDB, SQLite). Pure: rows are a function of the ledger book and
 * the same options as the metrics, and use the metrics' own definitions (src/metrics/compute.ts), so the report's
 * headline figures can be recomputed from the rows in SQL (docs/org-report.md; checked by __tests__/org-report.test.ts):
 *
 * - open by severity: `status = 'open'` grouped by `severity`;
 * - past SLA: `status = 'open' AND sla_state = 'breached'`;
 * - SLA compliance: over `fixes` (the fixes in the period), `within_sla = true` / `within_sla IS NOT NULL`;
 * - MTTR: the median of each repository's median of `fixes[].days`, then the median over repositories.
 *
 * Which findings: those the metrics count (gated, or out of the gate only because of an exception); results a
 * scanner suppressed are not rows. Times are ISO 8601 UTC; every field is present (null when it does not apply).
 */

export const ORG_EXPORT_SCHEMA_ID = 'https://defect-gate.dev/schema/org-export.schema.json';

const FixSchema = z.object({
  at: z.string().describe('When the fix was seen (ISO 8601 UTC), within the period'),
  days: z.number().describe('Days from the start of that open episode (first seen, or the reopen) to the fix'),
  severity: z.string().describe('Severity at the time of the fix'),
  within_sla: z.boolean().nullable().describe('Fixed before the SLA due date; null when the severity has no SLA'),
});

export const OrgExportRowSchema = z
  .object({
    repo: z.string().describe('OWNER/REPO'),
    fingerprint: z.string().describe('Stable identity of the finding within the repository'),
    tool: z.string(),
    rule: z.string(),
    kind: z.string().describe('sast, sca, secret, iac, container, dast, other'),
    title: z.string().describe('Secrets redacted'),
    severity: z.string().describe("The organization's severity at as_of"),
    owners: z.array(z.string()).describe('Owners at the latest sighting (policy component, else CODEOWNERS); [] when none'),
    component: z.string().nullable(),
    status: z
      .enum(['open', 'excepted', 'fixed', 'not-yet-seen'])
      .describe(
        'At as_of: open (counted), excepted (open but out of the gate by an exception), fixed, not-yet-seen (first seen after as_of)',
      ),
    first_seen: z.string(),
    fixed_at: z.string().nullable().describe('The last fix at or before as_of'),
    reopened_count: z.number().int(),
    due: z.string().nullable().describe('SLA due date at as_of, for open and excepted findings'),
    sla_state: z.enum(['within', 'due-soon', 'breached']).nullable().describe('At as_of, for open and excepted findings'),
    exception: z.string().nullable().describe('Id of the exception applying at as_of'),
    exception_type: z.string().nullable(),
    fixes: z.array(FixSchema).describe('Fixes within the period (since … as_of), oldest first'),
    as_of: z.string().describe('End of the report period (the report\u2019s --until, default --now)'),
  })
  .describe('One row of `defect-gate report --org --export ndjson FILE` (one JSON object per line)');
export type OrgExportRow = z.infer<typeof OrgExportRowSchema>;

export function* exportRows(repo: string, book: LedgerBook, opts: MetricsOptions): Generator<OrgExportRow> {
  const now = opts.now.getTime();
  const until = opts.until ? opts.until.getTime() : now;
  const since = opts.since ? opts.since.getTime() : defaultSince(until, opts.bucket ?? 'month');
  const dueOf = new Map((opts.exceptions ?? []).filter((x) => x.due).map((x) => [x.id, x.due as string]));
  const iso = (x: number) => new Date(x).toISOString();
  const asOf = iso(until);
  const entries = Object.values(book.entries)
    .filter(counts)
    .sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0));
  for (const e of entries) {
    const eps = episodes(e);
    const ep = openAt(eps, until);
    const sev = severityAt(e, until);
    const active = exceptionsAt(e, until);
    const excepted = ep !== undefined && exceptedAt(e, until);
    const lastFix = eps.filter((x) => x.end !== undefined && x.end <= until).pop();
    const status = ep ? (excepted ? 'excepted' : 'open') : lastFix ? 'fixed' : 'not-yet-seen';
    const s = ep ? slaState(e, sev, ep, opts.sla, until, dueOf) : undefined;
    const exc = active.find((h) => h.type !== 'sla-extension') ?? active[0];
    const fixes: OrgExportRow['fixes'] = [];
    for (const x of eps) {
      if (x.end === undefined || x.end < since || x.end > until) continue;
      const fsev = severityAt(e, x.end);
      const fs = slaState(e, fsev, x, opts.sla, x.end, dueOf);
      fixes.push({ at: iso(x.end), days: (x.end - x.start) / DAY, severity: fsev, within_sla: fs ? fs.state !== 'breached' : null });
    }
    yield {
      repo,
      fingerprint: e.fingerprint,
      tool: e.tool,
      rule: e.ruleId,
      kind: e.kind,
      title: redactText(e.title),
      severity: sev,
      owners: e.owners ?? [],
      component: e.component !== undefined ? redactText(e.component) : null,
      status,
      first_seen: e.firstSeen,
      fixed_at: lastFix?.end !== undefined ? iso(lastFix.end) : null,
      reopened_count: e.reopenedCount,
      due: s ? s.due : null,
      sla_state: s ? s.state : null,
      exception: exc ? exc.id : null,
      exception_type: exc ? exc.type : null,
      fixes,
      as_of: asOf,
    };
  }
}
