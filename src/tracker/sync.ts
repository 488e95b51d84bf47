import { createHash } from 'node:crypto';
import type { RatedFinding } from '../model';
import type { LedgerBook, LedgerEntry } from '../ledger/schema';
import { compileFindingFilter, type Policy } from '../policy/compile';
import type { PolicyParsed } from '../policy/schema';
import { assignableLogin, splitOwners } from '../owners/assign';
import { codeUrl, type CodeLinks } from '../report/markdown';
import { code, md } from '../text/escape';
import type { Logger } from '../logger';
import type { Ticket, TicketContent, TicketState, TrackerPort } from './port';
import { TRACKER_LABEL } from './github-issues';
import { errorMessage } from '../errors';
import { copyEntries } from '../ledger/lines';

/**
 * Keeps one tracker issue per group of findings in step with the ledger (SAMM DM: defects recorded where the
 * organisation resolves them). Runs only where the ledger is written. For each group:
 * opened when a finding that meets `when` is new to the tracker (at most `max-new-per-run` per run, most severe
 * first); updated only when its content (title, body, labels, assignees) changed; closed with a comment when the ledger
 * marks every finding fixed; reopened with a comment when one comes back; closed as not planned while an exception
 * applies; one reminder comment when it turns due soon and one when it breaches. The issue number goes into the ledger;
 * without it (a lost ledger) issues are found again by marker, label and author, never opened twice.
 */

export type TrackerSettings = NonNullable<NonNullable<PolicyParsed['tracker']>['github-issues']>;

export interface TicketRecord {
  tracker: string;
  repo: string;
  number: number;
  hash?: string;
  state?: TicketState;
  remindedFor?: string;
}

export interface SyncSummary {
  opened: number;
  updated: number;
  closed: number;
  reopened: number;
  notPlanned: number;
  reminded: number;
  /** Groups that would have been opened past `max-new-per-run`. */
  deferred: number;
  /** Issues found again by marker (ledger without their number). */
  rediscovered: number;
  failed: number;
}

export interface SyncInput {
  findings: readonly RatedFinding[];
  book: LedgerBook;
  policy: Policy;
  settings: TrackerSettings;
  port: TrackerPort;
  /** The commit of this run, for "fixed in <sha>". */
  sha?: string;
  code?: CodeLinks;
  log: Logger;
}

export interface SyncResult {
  summary: SyncSummary;
  /** By fingerprint: what the ledger must record. */
  tickets: Map<string, TicketRecord>;
}

type MemberState = 'open' | 'excepted' | 'fixed' | 'unchanged';

interface Member {
  entry: LedgerEntry;
  finding?: RatedFinding;
  state: MemberState;
}

const excepted = (f: RatedFinding) =>
  (f.exception?.state === 'active' || f.exception?.state === 'expiring') && f.exception.type !== 'sla-extension';

function groupKey(e: LedgerEntry, by: TrackerSettings['group-by']): string {
  if (by === 'rule') return `rule:${e.tool}:${e.ruleId}`;
  if (by === 'rule+component') return `rule:${e.tool}:${e.ruleId}@${e.component ?? ''}`;
  return `finding:${e.fingerprint}`;
}

const SLA_ORDER = ['breached', 'due-soon', 'within'];

/** An owner as a mention (`@login`, `@org/team`), meant to notify; anything else is escaped text. */
function mention(o: string): string {
  return /^@[A-Za-z0-9][A-Za-z0-9-]{0,38}(\/[A-Za-z0-9._-]{1,100})?$/.test(o) ? o : md(o, 80);
}

/** The title, body and labels of a group's issue: only what changes with the finding, never "days left". */
export function ticketContent(
  members: readonly Member[],
  settings: TrackerSettings,
  levels: readonly string[],
  links?: CodeLinks,
): TicketContent {
  const live = members.filter((m) => m.finding && m.state !== 'fixed');
  // In a stable order: the ledger's entry order depends on the store (shards), and content must not change with it.
  const where = (m: Member) =>
    `${m.finding?.path ?? m.entry.path ?? m.entry.location ?? ''}\u0000${String(m.finding?.startLine ?? m.entry.startLine ?? 0).padStart(9, '0')}\u0000${m.entry.fingerprint}`;
  const list = (live.length ? live : [...members]).sort((a, b) => (where(a) < where(b) ? -1 : where(a) > where(b) ? 1 : 0));
  const rank = (s: string) => (levels.indexOf(s) < 0 ? levels.length : levels.indexOf(s));
  const worst = [...list].sort(
    (a, b) => rank(a.finding?.severity ?? a.entry.severity) - rank(b.finding?.severity ?? b.entry.severity),
  )[0] as Member;
  const sev = worst.finding?.severity ?? worst.entry.severity;
  const head = worst.finding ?? worst.entry;
  const owners = [...new Set(list.flatMap((m) => m.finding?.owners ?? m.entry.owners ?? []))];
  const { users, teams } = splitOwners(owners);
  const slaStates = list.map((m) => m.finding?.sla?.state).filter((s): s is NonNullable<typeof s> => !!s);
  const sla = SLA_ORDER.find((s) => slaStates.includes(s as never));
  const kind = worst.finding?.kind ?? worst.entry.kind;
  const title =
    settings['group-by'] === 'finding'
      ? `[${sev}] ${head.title || head.ruleId}${head.path ? ` in ${head.path}` : ''}`.slice(0, 250)
      : `[${sev}] ${head.ruleId}${settings['group-by'] === 'rule+component' && head.component ? ` in ${head.component}` : ''}: ${list.length} finding${list.length === 1 ? '' : 's'}`.slice(
          0,
          250,
        );
  const lines: string[] = [];
  lines.push(
    `**${md(head.title || head.ruleId, 200)}** · severity **${md(sev, 30)}** · ${code(head.ruleId, 100)} (${md(worst.finding?.tool.name ?? worst.entry.tool, 60)})`,
  );
  if (worst.finding?.explanation?.length) {
    lines.push(
      '',
      '**Why this rating**',
      ...worst.finding.explanation.map((s) => `- ${md(s.detail, 200)}${s.from ? `: ${md(s.from, 30)} → ` : ' → '}${md(s.to, 30)}`),
    );
  }
  lines.push('', '| Location | First seen | Due | SLA | Exception |', '|---|---|---|---|---|');
  for (const m of list.slice(0, 50)) {
    const f = m.finding;
    const path = f?.path ?? m.entry.path;
    const line = f?.startLine ?? m.entry.startLine;
    const url = path && links ? codeUrl(links, path, line, f?.endLine) : undefined;
    const where = path
      ? `${url ? `[${code(`${path}${line ? `:${line}` : ''}`, 160)}](${url})` : code(`${path}${line ? `:${line}` : ''}`, 160)}`
      : md(f?.location ?? m.entry.location ?? '(no location)', 160);
    const ex = f?.exception ? `${code(f.exception.id, 60)} ${md(f.exception.type)} (${md(f.exception.state)})` : '';
    const state = m.state === 'fixed' ? 'fixed' : (f?.sla?.state ?? '—');
    lines.push(`| ${where} | ${m.entry.firstSeen.slice(0, 10)} | ${f?.sla ? f.sla.due.slice(0, 10) : '—'} | ${state} | ${ex} |`);
  }
  if (list.length > 50) lines.push('', `… and ${list.length - 50} more (see the JSON report).`);
  if (owners.length) lines.push('', `**Owners**: ${[...users, ...teams].map(mention).join(' ')}`);
  lines.push('', `<sub>Kept in step with the ledger by defect-gate: do not edit this text (it is rewritten); comment below instead.</sub>`);
  const labels = [
    ...new Set([TRACKER_LABEL, ...(settings.labels ?? []), `severity:${sev}`, `kind:${kind}`, ...(sla ? [`sla:${sla}`] : [])]),
  ].map((l) => l.slice(0, 50));
  const assignees =
    settings.assign === 'owners'
      ? users
          .map(assignableLogin)
          .filter((x): x is string => !!x)
          .slice(0, 10)
      : [];
  return { title, body: lines.join('\n'), labels, assignees };
}

export function contentHash(c: TicketContent): string {
  return createHash('sha256')
    .update(JSON.stringify([c.title, c.body, [...c.labels].sort(), [...c.assignees].sort()]))
    .digest('hex')
    .slice(0, 16);
}

export async function syncTracker(input: SyncInput): Promise<SyncResult> {
  const { settings, port, log } = input;
  const summary: SyncSummary = {
    opened: 0,
    updated: 0,
    closed: 0,
    reopened: 0,
    notPlanned: 0,
    reminded: 0,
    deferred: 0,
    rediscovered: 0,
    failed: 0,
  };
  const tickets = new Map<string, TicketRecord>();
  const want = compileFindingFilter(input.policy, settings.when as never);
  const byFp = new Map(input.findings.map((f) => [f.fingerprint, f]));
  const groups = new Map<string, Member[]>();
  for (const entry of Object.values(input.book.entries)) {
    const f = byFp.get(entry.fingerprint);
    const mine = entry.ticket && entry.ticket.repo === port.where ? entry.ticket : undefined;
    let state: MemberState | undefined;
    if (f && want(f)) state = excepted(f) ? 'excepted' : 'open';
    else if (mine || entry.state === 'fixed') state = entry.state === 'fixed' ? 'fixed' : 'unchanged';
    if (!state) continue;
    const key = groupKey(entry, settings['group-by']);
    const list = groups.get(key) ?? [];
    list.push({ entry, ...(f ? { finding: f } : {}), state });
    groups.set(key, list);
  }
  // Issues already written (marker, label, author): the ledger may have lost their numbers.
  const found = await port.findByMarker();
  const levels = input.policy.levels;
  const rankOf = (ms: Member[]) =>
    Math.min(
      ...ms.map((m) => {
        const i = levels.indexOf(m.finding?.severity ?? m.entry.severity);
        return i < 0 ? levels.length : i;
      }),
    );
  const ordered = [...groups].sort((a, b) => rankOf(a[1]) - rankOf(b[1]) || (a[0] < b[0] ? -1 : 1));
  const sha = input.sha ? input.sha.slice(0, 12) : 'this run';
  for (const [key, members] of ordered) {
    const states = new Set(members.map((m) => m.state));
    const desired: TicketState | undefined = states.has('open')
      ? 'open'
      : states.has('unchanged')
        ? undefined
        : states.has('excepted')
          ? 'not-planned'
          : 'closed';
    const recorded = members.map((m) => m.entry.ticket).find((t) => t && t.repo === port.where);
    let ticket: { number: number; state: TicketState; hash?: string; remindedFor?: string } | undefined = recorded
      ? {
          number: recorded.number,
          state: recorded.state ?? 'open',
          ...(recorded.hash ? { hash: recorded.hash } : {}),
          ...(recorded.remindedFor ? { remindedFor: recorded.remindedFor } : {}),
        }
      : undefined;
    const again: Ticket | undefined = found.get(key);
    if (!ticket && again) {
      ticket = { number: again.number, state: again.state };
      summary.rediscovered++;
    } else if (ticket && again && again.number === ticket.number) ticket.state = again.state; // people may close or reopen it
    // A group with nothing open and no issue needs none; a fixed finding is never opened as an issue.
    if (!ticket && desired !== 'open') continue;
    const content = ticketContent(members, settings, levels, input.code);
    const hash = contentHash(content);
    try {
      if (!ticket) {
        if (summary.opened >= settings['max-new-per-run']) {
          summary.deferred++;
          continue;
        }
        const t = await port.open(content, key);
        ticket = { number: t.number, state: 'open', hash };
        summary.opened++;
      } else {
        if (ticket.hash !== hash) {
          await port.update(ticket.number, content);
          ticket.hash = hash;
          summary.updated++;
        }
        if (desired === 'open' && ticket.state !== 'open') {
          await port.reopen(ticket.number);
          await port.comment(
            ticket.number,
            `Reopened by defect-gate: ${ticket.state === 'not-planned' ? 'the exception no longer applies' : 'the finding is back (a regression)'} in ${sha}.`,
          );
          ticket.state = 'open';
          summary.reopened++;
        } else if (desired === 'closed' && ticket.state !== 'closed') {
          await port.comment(
            ticket.number,
            `Fixed in ${sha}: the scanner no longer reports ${members.length === 1 ? 'this finding' : 'these findings'}. Closed by defect-gate.`,
          );
          await port.close(ticket.number, 'completed');
          ticket.state = 'closed';
          summary.closed++;
        } else if (desired === 'not-planned' && ticket.state !== 'not-planned') {
          const ex = members.map((m) => m.finding?.exception).find((x) => x);
          const who = ex
            ? `exception ${code(ex.id, 80)} (${md(ex.type)}${ex.approvedBy ? `, approved by ${md(ex.approvedBy, 100)}` : ''}${ex.expires ? `, until ${md(ex.expires, 20)}` : ''})`
            : 'an exception';
          await port.comment(
            ticket.number,
            `Closed as not planned by defect-gate: ${who} applies. The issue reopens when it expires or is withdrawn.`,
          );
          await port.close(ticket.number, 'not-planned');
          ticket.state = 'not-planned';
          summary.notPlanned++;
        }
      }
      // SLA reminders: once per state change, mentioning the assignees (and teams).
      if (desired === 'open' || (desired === undefined && ticket.state === 'open')) {
        const slaStates: string[] = members.filter((m) => m.state === 'open').flatMap((m) => (m.finding?.sla ? [m.finding.sla.state] : []));
        const worst = SLA_ORDER.find((s) => slaStates.includes(s));
        if (worst && worst !== ticket.remindedFor && (worst === 'due-soon' || worst === 'breached')) {
          const owners = [...new Set(members.flatMap((m) => m.finding?.owners ?? []))];
          const due = members
            .map((m) => m.finding?.sla?.due)
            .filter((d): d is string => !!d)
            .sort()[0]
            ?.slice(0, 10);
          const who = owners.length ? `${owners.map(mention).join(' ')}: ` : '';
          await port.comment(
            ticket.number,
            `${who}${worst === 'breached' ? `past its fix-by date (${due})` : `due soon (fix by ${due})`}.`,
          );
          summary.reminded++;
        }
        if (worst) ticket.remindedFor = worst;
      }
    } catch (err) {
      summary.failed++;
      log.warning(`defect-gate: tracker ${port.where}: ${key}: ${errorMessage(err)}`);
      if (!ticket) continue;
    }
    for (const m of members) {
      tickets.set(m.entry.fingerprint, {
        tracker: 'github-issues',
        repo: port.where,
        number: ticket.number,
        ...(ticket.hash ? { hash: ticket.hash } : {}),
        state: ticket.state,
        ...(ticket.remindedFor ? { remindedFor: ticket.remindedFor } : {}),
      });
    }
  }
  if (summary.deferred > 0) {
    log.warning(
      `defect-gate: opened ${summary.opened} issue(s) in ${port.where}; ${summary.deferred} more wait for the next run (tracker.github-issues.max-new-per-run: ${settings['max-new-per-run']})`,
    );
  }
  log.info(
    `defect-gate: issues in ${port.where}: ${summary.opened} opened, ${summary.updated} updated, ${summary.closed} closed as fixed, ${summary.reopened} reopened, ${summary.notPlanned} closed as not planned, ${summary.reminded} reminder(s)${summary.rediscovered ? `, ${summary.rediscovered} found again by marker` : ''}`,
  );
  return { summary, tickets };
}

/**
 * The book with the tickets recorded on their entries (a copy; entries without a ticket are shared, and stay unparsed
 * when the book was read lazily: src/ledger/lines.ts). Runs and verified approvals are kept as they are.
 */
export function applyTickets(book: LedgerBook, tickets: ReadonlyMap<string, TicketRecord>): LedgerBook {
  const entries = copyEntries(book.entries);
  for (const [fp, t] of tickets) {
    const e = Object.hasOwn(entries, fp) ? entries[fp] : undefined;
    if (e) entries[fp] = { ...e, ticket: t };
  }
  return { ...book, entries };
}
