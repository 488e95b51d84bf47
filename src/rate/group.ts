import type { RatedFinding, ToolRef } from '../model';
import type { Policy } from '../policy/compile';

/**
 * Groups similar findings (OWASP SAMM Defect Management A1: merge duplicates, group similar ones): findings of
 * different tools, of a kind the policy groups (`group-similar`, default SAST), in the same file on overlapping lines,
 * with a CWE in common, become one finding. Pure.
 *
 * - The group's finding is the member of the tool whose name sorts first (then the lowest fingerprint): the same
 *   fingerprint whichever file or tool is read first, so the ledger sees no churn from input order.
 * - Its rating is the highest of the members' (the most severe rank); it is gated when any member is; the other tools
 *   are listed in `alsoReportedBy`; the explanation adds one step naming the tools that agreed.
 * - A group holds at most one finding per tool: two findings of one tool are never merged with each other.
 */
const MAX_SCAN = 256;

export function groupSimilar(findings: RatedFinding[], p: Policy): RatedFinding[] {
  const kinds = p.groupSimilar;
  if (!kinds) return findings;
  const candidates: number[] = [];
  findings.forEach((f, i) => {
    if (kinds.has(f.kind) && f.path !== undefined && f.startLine !== undefined && f.cwe.length > 0) candidates.push(i);
  });
  if (candidates.length < 2) return findings;
  // One tool only (the common case): nothing to group, and no sort of a million keys.
  const firstTool = (findings[candidates[0] as number] as RatedFinding).tool.name.toLowerCase();
  if (candidates.every((i) => (findings[i] as RatedFinding).tool.name.toLowerCase() === firstTool)) return findings;
  const key = (f: RatedFinding) => `${f.tool.name.toLowerCase()}\u0000${f.fingerprint}`;
  candidates.sort((a, b) => {
    const ka = key(findings[a] as RatedFinding);
    const kb = key(findings[b] as RatedFinding);
    return ka < kb ? -1 : ka > kb ? 1 : a - b;
  });
  interface Group {
    members: number[];
    tools: Set<string>;
    cwe: Set<string>;
    start: number;
    end: number;
  }
  // Groups by path (a Map: paths are scanner text).
  const byPath = new Map<string, Group[]>();
  const groupOf = new Map<number, Group>();
  for (const i of candidates) {
    const f = findings[i] as RatedFinding;
    const start = f.startLine as number;
    const end = Math.max(start, f.endLine ?? start);
    const tool = f.tool.name.toLowerCase();
    const list = byPath.get(f.path as string) ?? [];
    if (!byPath.has(f.path as string)) byPath.set(f.path as string, list);
    // Bounded on hostile input (many findings in one file): only the last MAX_SCAN groups of the file are looked at. A
    // finding not grouped stays a finding of its own: this can miss a merge, never hide a finding.
    let g: Group | undefined;
    for (let k = Math.max(0, list.length - MAX_SCAN); k < list.length; k++) {
      const x = list[k] as Group;
      if (!x.tools.has(tool) && x.start <= end && start <= x.end && f.cwe.some((c) => x.cwe.has(c))) {
        g = x;
        break;
      }
    }
    if (g) {
      g.members.push(i);
      g.tools.add(tool);
      for (const c of f.cwe) g.cwe.add(c);
      g.start = Math.min(g.start, start);
      g.end = Math.max(g.end, end);
      groupOf.set(i, g);
    } else {
      const ng: Group = { members: [i], tools: new Set([tool]), cwe: new Set(f.cwe), start, end };
      list.push(ng);
      groupOf.set(i, ng);
    }
  }
  const out: RatedFinding[] = [];
  findings.forEach((f, i) => {
    const g = groupOf.get(i);
    if (!g || g.members.length < 2) {
      out.push(f);
      return;
    }
    if (g.members[0] !== i) return; // folded into its group's finding
    out.push(
      merge(
        g.members.map((m) => findings[m] as RatedFinding),
        p,
      ),
    );
  });
  // The group's finding takes the place of its leader (its first member in the candidates' order: the tool that sorts
  // first), wherever that is in the input.
  return out;
}

function merge(members: RatedFinding[], p: Policy): RatedFinding {
  const primary = members[0] as RatedFinding;
  const others = members.slice(1);
  let best = primary;
  for (const m of others) if (m.rank < best.rank) best = m;
  const tools: ToolRef[] = [];
  const known = new Set([primary.tool.name.toLowerCase()]);
  for (const t of [...(primary.alsoReportedBy ?? []), ...others.flatMap((m) => [m.tool, ...(m.alsoReportedBy ?? [])])]) {
    if (known.has(t.name.toLowerCase())) continue;
    known.add(t.name.toLowerCase());
    tools.push(t);
  }
  const cwe = [...new Set(members.flatMap((m) => m.cwe))];
  const where = `${primary.path}:${primary.startLine}`;
  const agreed = members.map((m) => `${m.tool.name} (${m.ruleId}: ${m.severity})`).join(', ');
  const common = cwe.filter((c) => members.every((m) => m.cwe.includes(c)));
  const detail =
    best === primary
      ? `group-similar: ${agreed} agree at ${where}, ${common.join(', ') || cwe.join(', ')}: the highest rating is ${primary.tool.name}'s`
      : `group-similar: ${agreed} agree at ${where}, ${common.join(', ') || cwe.join(', ')}: the highest rating (${best.tool.name}'s) taken`;
  const gated = members.some((m) => m.gated);
  const merged: RatedFinding = {
    ...primary,
    alsoReportedBy: tools,
    cwe,
    severity: best.severity,
    rank: best.rank,
    gated,
    explanation: [...primary.explanation, { step: 'rule', detail, from: primary.severity, to: p.levels[best.rank] as string }],
  };
  if (gated) delete merged.notGatedReason;
  const bestScore = best.score ?? best.securitySeverity ?? best.cvss?.score;
  if (best !== primary && bestScore !== undefined) merged.score = bestScore;
  return merged;
}
