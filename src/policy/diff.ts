import type { Policy } from './compile';
import type { ExceptionEntryInput } from './schema';
import { code, md } from '../text/escape';

/**
 * What a pull request changes in the policy that gates it: the run is gated by the base branch's policy
 * (src/io/policy-source.ts); these changes take effect after merge, and are shown so that reviewers see them.
 * Pure: a function of the two compiled policies.
 */

export interface ExceptionChange {
  change: 'added' | 'removed' | 'changed';
  id: string;
  type: ExceptionEntryInput['type'];
  /** What it matches, in words (`rule js/sql-injection, path legacy/**`). */
  match: string;
  approvedBy?: string;
  expires?: string;
  /** For `changed`: the fields that differ. */
  fields?: string[];
}

export interface GateChange {
  profile: string;
  change: 'added' | 'removed' | 'changed';
  /** The rule's name, or undefined when the whole profile was added or removed. */
  rule?: string;
}

export interface SlaChange {
  /** A level name, or `due-soon` / `restart-on-reopen`. */
  key: string;
  from?: string;
  to?: string;
}

export interface PolicyChanges {
  /** Where the gating policy was read, e.g. `main (1111111)`. */
  base: string;
  exceptions: ExceptionChange[];
  gates: GateChange[];
  sla: SlaChange[];
  /** Other top-level sections that differ (severity, components, exceptions settings…). */
  other: string[];
  /** Who must approve an exception (`exceptions.approvers` of the base policy), in words; undefined when not set. */
  approvers?: string;
  /** The pull request's own policy could not be loaded: why (it will not gate anything after merge either). */
  error?: string;
}

const json = (v: unknown): string => JSON.stringify(v ?? null);

function matchText(m: ExceptionEntryInput['match']): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(m ?? {})) {
    if (v === undefined) continue;
    parts.push(`${k} ${Array.isArray(v) ? v.join(', ') : String(v)}`);
  }
  return parts.join('; ') || '(nothing)';
}

function exceptionChange(change: ExceptionChange['change'], e: ExceptionEntryInput, fields?: string[]): ExceptionChange {
  return {
    change,
    id: e.id,
    type: e.type,
    match: matchText(e.match),
    ...(e['approved-by'] ? { approvedBy: e['approved-by'] } : {}),
    ...(e.expires ? { expires: e.expires } : {}),
    ...(fields ? { fields } : {}),
  };
}

function ruleKey(r: unknown, i: number): string {
  const name = (r as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name ? name : `rule ${i + 1}`;
}

function profileRules(p: unknown): unknown[] {
  if (Array.isArray(p)) return p;
  const rules = (p as { rules?: unknown } | null)?.rules;
  return Array.isArray(rules) ? rules : [];
}

/** Who may approve exceptions, from a policy's `exceptions.approvers` (part of the policy as written). */
export function approversText(policy: Policy): string | undefined {
  const a = (policy.source.exceptions as { approvers?: { users?: string[]; teams?: string[]; min?: Record<string, number> } } | undefined)
    ?.approvers;
  if (!a) return undefined;
  const who = [...(a.users ?? []).map((u) => `@${u}`), ...(a.teams ?? []).map((t) => `@${t}`)].join(', ');
  const min = a.min
    ? Object.entries(a.min)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')
    : undefined;
  return `${who || '(nobody listed)'}${min ? ` (at least: ${min})` : ''}`;
}

export function diffPolicies(base: Policy, head: Policy, baseLabel: string): PolicyChanges {
  const out: PolicyChanges = { base: baseLabel, exceptions: [], gates: [], sla: [], other: [] };
  const approvers = approversText(base);
  if (approvers) out.approvers = approvers;

  // Exceptions, by id (inline and included files alike).
  const before = new Map(base.exceptions.entries.map((e) => [e.id, e.entry]));
  const after = new Map(head.exceptions.entries.map((e) => [e.id, e.entry]));
  for (const [id, e] of after) {
    const old = before.get(id);
    if (!old) out.exceptions.push(exceptionChange('added', e));
    else if (json(old) !== json(e)) {
      const keys = [...new Set([...Object.keys(old), ...Object.keys(e)])].filter(
        (k) => json((old as Record<string, unknown>)[k]) !== json((e as Record<string, unknown>)[k]),
      );
      out.exceptions.push(exceptionChange('changed', e, keys));
    }
  }
  for (const [id, e] of before) if (!after.has(id)) out.exceptions.push(exceptionChange('removed', e));

  // Gates, by profile and rule name.
  const g0 = (base.source.gates ?? {}) as Record<string, unknown>;
  const g1 = (head.source.gates ?? {}) as Record<string, unknown>;
  for (const profile of [...new Set([...Object.keys(g0), ...Object.keys(g1)])].sort()) {
    if (!Object.hasOwn(g1, profile)) {
      out.gates.push({ profile, change: 'removed' });
      continue;
    }
    if (!Object.hasOwn(g0, profile)) {
      out.gates.push({ profile, change: 'added' });
      continue;
    }
    if (json(g0[profile]) === json(g1[profile])) continue;
    const r0 = new Map(profileRules(g0[profile]).map((r, i) => [ruleKey(r, i), r]));
    const r1 = new Map(profileRules(g1[profile]).map((r, i) => [ruleKey(r, i), r]));
    let listed = false;
    for (const [name, r] of r1) {
      if (!r0.has(name)) out.gates.push({ profile, change: 'added', rule: name });
      else if (json(r0.get(name)) !== json(r)) out.gates.push({ profile, change: 'changed', rule: name });
      else continue;
      listed = true;
    }
    for (const name of r0.keys()) {
      if (!r1.has(name)) {
        out.gates.push({ profile, change: 'removed', rule: name });
        listed = true;
      }
    }
    // Same rules, other order or profile settings (`extends`).
    if (!listed) out.gates.push({ profile, change: 'changed' });
  }

  // SLA days per level, and its settings.
  const levels = [...new Set([...Object.keys(base.sla.days), ...Object.keys(head.sla.days)])];
  for (const l of levels) {
    const a = base.sla.days[l];
    const b = head.sla.days[l];
    if (a !== b)
      out.sla.push({ key: l, ...(a !== undefined ? { from: `${a} days` } : {}), ...(b !== undefined ? { to: `${b} days` } : {}) });
  }
  const dueSoon = (p: Policy) => ('days' in p.sla.dueSoon ? `${p.sla.dueSoon.days} days` : `${p.sla.dueSoon.percent}%`);
  if (dueSoon(base) !== dueSoon(head)) out.sla.push({ key: 'due-soon', from: dueSoon(base), to: dueSoon(head) });
  if (base.sla.restartOnReopen !== head.sla.restartOnReopen) {
    out.sla.push({ key: 'restart-on-reopen', from: String(base.sla.restartOnReopen), to: String(head.sla.restartOnReopen) });
  }

  // Everything else, by top-level key (exceptions without their entries).
  const rest = (p: Policy): Record<string, unknown> => {
    const {
      gates: _g,
      sla: _s,
      exceptions,
      extends: _e,
      ...others
    } = p.source as Record<string, unknown> & { exceptions?: Record<string, unknown> };
    const { entries: _entries, include: _include, ...settings } = exceptions ?? {};
    return { ...others, ...(Object.keys(settings).length ? { exceptions: settings } : {}) };
  };
  const o0 = rest(base);
  const o1 = rest(head);
  for (const k of [...new Set([...Object.keys(o0), ...Object.keys(o1)])].sort()) {
    if (json(o0[k]) !== json(o1[k])) out.other.push(k === 'exceptions' ? 'exceptions settings' : k);
  }
  return out;
}

export function hasChanges(c: PolicyChanges): boolean {
  return c.error !== undefined || c.exceptions.length + c.gates.length + c.sla.length + c.other.length > 0;
}

const CHANGE_ICON = { added: '➕ added', removed: '➖ removed', changed: '✏️ changed' } as const;

/** The "takes effect after merge" section of the job summary and the PR comment (markdown), or '' when none. */
export function renderPolicyChanges(c: PolicyChanges | undefined, opts: { heading?: string; maxRows?: number } = {}): string {
  if (!c || !hasChanges(c)) return '';
  const max = opts.maxRows ?? 50;
  const parts: string[] = [
    `${opts.heading ?? '###'} 📝 Policy changes in this PR: take effect after merge`,
    `This run is gated by the policy of the base branch (${md(c.base, 120)}), not by the policy in this pull request. Review these changes like code: they gate every run once merged.`,
  ];
  if (c.error) parts.push(`⚠️ The policy in this pull request does not load, so it cannot be compared: ${md(c.error, 600)}`);
  if (c.exceptions.length > 0) {
    const need = c.approvers ? `approval by ${md(c.approvers, 200)}` : undefined;
    const rows = c.exceptions
      .slice(0, max)
      .map(
        (e) =>
          `| ${CHANGE_ICON[e.change]} | ${code(e.id, 60)} | ${md(e.type)} | ${md(e.match, 160)} | ${e.change === 'removed' ? '—' : md(need ?? (e.approvedBy ? `${e.approvedBy} (as written, not verified)` : '—'), 200)} | ${e.expires ?? '—'}${e.fields ? ` · changed: ${md(e.fields.join(', '), 120)}` : ''} |`,
      );
    if (c.exceptions.length > max) rows.push(`| … | ${c.exceptions.length - max} more | | | | |`);
    parts.push(
      `**Exceptions (${c.exceptions.length})**\n\n| Change | Exception | Type | Matches | Needs | Expires |\n|---|---|---|---|---|---|\n${rows.join('\n')}`,
    );
  }
  if (c.gates.length > 0) {
    const lines = c.gates
      .slice(0, max)
      .map(
        (g) =>
          `- ${CHANGE_ICON[g.change]}: gate ${code(g.profile, 60)}${g.rule ? `, rule ${md(`"${g.rule}"`, 120)}` : g.change === 'changed' ? ' (settings or order)' : ''}`,
      );
    parts.push(`**Gates**\n${lines.join('\n')}`);
  }
  if (c.sla.length > 0) {
    parts.push(`**SLA**\n${c.sla.map((s) => `- ${md(s.key, 40)}: ${md(s.from ?? 'none', 40)} → ${md(s.to ?? 'none', 40)}`).join('\n')}`);
  }
  if (c.other.length > 0) parts.push(`**Also changed:** ${c.other.map((k) => code(k, 40)).join(', ')}`);
  return parts.join('\n\n');
}

/** The same, as plain text lines for the terminal (CLI `--policy-ref`), or '' when none. */
/** True when the pull request changes the policy (or its policy cannot be read): worth a comment even on a pass. */
export function hasPolicyChanges(c: PolicyChanges | undefined): boolean {
  return (
    c !== undefined && (c.exceptions.length > 0 || c.gates.length > 0 || c.sla.length > 0 || c.other.length > 0 || c.error !== undefined)
  );
}

export function policyChangesText(c: PolicyChanges | undefined): string {
  if (!c || !hasChanges(c)) return '';
  const lines = [`policy changes in the checkout, not applied (gated by the policy at ${c.base}; they take effect after merge):`];
  if (c.error) lines.push(`  the checkout's policy does not load: ${c.error.split('\n')[0]}`);
  for (const e of c.exceptions)
    lines.push(
      `  exception ${e.id} ${e.change} (${e.type}; ${e.match}${e.approvedBy ? `; approved-by ${e.approvedBy}, not verified` : ''})`,
    );
  for (const g of c.gates) lines.push(`  gate ${g.profile}${g.rule ? ` rule "${g.rule}"` : ''} ${g.change}`);
  for (const s of c.sla) lines.push(`  sla ${s.key}: ${s.from ?? 'none'} -> ${s.to ?? 'none'}`);
  if (c.other.length) lines.push(`  also changed: ${c.other.join(', ')}`);
  return stripControlText(lines.join('\n'));
}

function stripControlText(s: string): string {
  // Policy text is the pull request's: no terminal escapes.
  return s.replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, '?');
}
