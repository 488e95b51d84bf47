import type { CoverageRequirement } from '../policy/compile';
import type { RunSnapshot } from '../ledger/schema';
import { activitiesOf, activityLabel, durationWords, type ActivityOverrides } from './activity';
import { wholeDays } from '../ledger/time';

/**
 * Scan coverage as a gate (policy `coverage:`): each activity the environment requires must have reported (a tool of
 * that activity ran and completed) within its maximum age. Pure: a function of the ledger's run snapshots, this run's
 * tools, the policy and `now`. Without a ledger only this run's tools count.
 */

export interface CoverageCheck {
  activity: string;
  /** The maximum age as the policy writes it, e.g. `30d`. */
  max: string;
  /** When the activity last reported (ISO 8601); absent when it never did. */
  lastReported?: string;
  /** Tools that reported it then. */
  tools: string[];
  /** Whole days since it last reported. */
  ageDays?: number;
  ok: boolean;
  /** Why it fails, in one sentence (absent when ok). */
  reason?: string;
}

/** One run's tools, as coverage sees them. */
export interface ToolsRun {
  at: string;
  /** Tools that ran and completed. */
  tools: string[];
  /** Kinds of finding each tool reported. */
  toolKinds?: Record<string, string[]>;
}

/** A ledger run snapshot as coverage sees it: tools whose scan did not complete did not report. */
export function runTools(r: RunSnapshot): ToolsRun {
  const incomplete = new Set((r.incomplete ?? []).map((t) => t.toLowerCase()));
  return { at: r.at, tools: r.tools.filter((t) => !incomplete.has(t.toLowerCase())), ...(r.toolKinds ? { toolKinds: r.toolKinds } : {}) };
}

export function evaluateCoverage(
  requirements: readonly CoverageRequirement[],
  runs: readonly ToolsRun[],
  overrides: ActivityOverrides,
  now: Date,
): CoverageCheck[] {
  if (requirements.length === 0) return [];
  const nowMs = now.getTime();
  // Latest report per activity (runs dated after `now` are not counted: `--now` looks at the past as it was).
  const last = new Map<string, { at: number; tools: Set<string> }>();
  for (const r of runs) {
    const at = Date.parse(r.at);
    if (Number.isNaN(at) || at > nowMs) continue;
    for (const tool of r.tools) {
      const kinds = r.toolKinds && Object.hasOwn(r.toolKinds, tool) ? (r.toolKinds[tool] ?? []) : [];
      for (const a of activitiesOf(tool, kinds, overrides)) {
        const cur = last.get(a);
        if (!cur || at > cur.at) last.set(a, { at, tools: new Set([tool]) });
        else if (at === cur.at) cur.tools.add(tool);
      }
    }
  }
  return requirements.map((req) => {
    const seen = last.get(req.activity);
    const label = activityLabel(req.activity);
    if (!seen) {
      return {
        activity: req.activity,
        max: req.text,
        tools: [],
        ok: false,
        reason: `${label} has never reported (max ${durationWords(req.maxAgeMs)}): run a ${req.activity} tool in this pipeline or one that writes this ledger, or map a tool to it in the policy's \`activities:\``,
      };
    }
    const ageMs = nowMs - seen.at;
    const ageDays = wholeDays(ageMs);
    const tools = [...seen.tools].sort();
    const ok = ageMs <= req.maxAgeMs;
    return {
      activity: req.activity,
      max: req.text,
      lastReported: new Date(seen.at).toISOString(),
      tools,
      ageDays,
      ok,
      ...(ok
        ? {}
        : {
            reason: `${label} has not reported for ${durationWords(ageMs)}, max ${durationWords(req.maxAgeMs)} (last ${new Date(seen.at).toISOString().slice(0, 10)} by ${tools.join(', ')})`,
          }),
    };
  });
}
