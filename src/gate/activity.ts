import { ownRecord } from '../own';
import { wholeDays } from '../ledger/time';

/**
 * Verification activities (SAMM: which kinds of testing ran): the one place that says which activity a tool or a
 * finding belongs to. Coverage gates (src/gate/coverage.ts) and metrics read activities only through `activitiesOf`.
 *
 * Activity names are open: the built-in ones below, plus any name a policy uses (`coverage:`, `activities:`), such as
 * `pentest`, `threat-model`, `bug-bounty` or `code-review` for manual findings whose source is the activity.
 */

export const ACTIVITIES = ['sast', 'sca', 'secrets', 'iac', 'container', 'dast'] as const;

/** A finding kind (src/model.ts FINDING_KINDS) → its activity. `other` has none. */
const KIND_ACTIVITY: Record<string, string> = Object.assign(ownRecord<string>(), {
  sast: 'sast',
  sca: 'sca',
  secret: 'secrets',
  iac: 'iac',
  container: 'container',
  dast: 'dast',
});

/**
 * Tools known by name, for runs in which a tool reported nothing (no finding kind recorded). A tool that does several
 * things (Trivy) gets only the activity of its default mode here; what else it did is credited from the kinds of the
 * findings it reported, or from the policy's `activities:` (crediting an activity that did not run would hide a gap).
 */
const KNOWN_TOOLS: [RegExp, string[]][] = [
  [/codeql|semgrep|bandit|sonar|brakeman|gosec|eslint|spotbugs|snyk code|pmd|horusec|njsscan|phpcs|flawfinder/i, ['sast']],
  [/trivy/i, ['sca']],
  [
    /grype|anchore|osv|npm audit|npm-audit|yarn audit|dependency-check|dependabot|snyk|retire|safety|pip-audit|audit-ci|bundler-audit/i,
    ['sca'],
  ],
  [/gitleaks|trufflehog|detect-secrets|secret/i, ['secrets']],
  [/checkov|tfsec|kics|terrascan|hadolint|cfn-nag|cfn_nag/i, ['iac']],
  [/zap|burp|nuclei|nikto|arachni|acunetix|wapiti/i, ['dast']],
];

/** The activity of a finding kind (`secret` → `secrets`), or undefined for `other` and unknown kinds. */
export function activityOfKind(kind: string): string | undefined {
  return KIND_ACTIVITY[kind];
}

/** The policy's `activities:` compiled: lower-cased tool name → activities. */
export type ActivityOverrides = ReadonlyMap<string, readonly string[]>;

/**
 * The activities a tool's run counts for: the policy's `activities:` entry for the tool (case-insensitive) when there
 * is one (it replaces everything else); otherwise the activities of the finding kinds it reported, plus the built-in
 * activities of a tool known by name. Part A's manual findings pass their `source` (pentest, threat-model …) as a kind:
 * a kind that is not a finding kind is taken as the activity itself.
 */
export function activitiesOf(tool: string, kinds: readonly string[], overrides?: ActivityOverrides): string[] {
  const forced = overrides?.get(tool.toLowerCase());
  if (forced) return [...forced];
  const out = new Set<string>();
  for (const k of kinds) {
    const a = activityOfKind(k);
    if (a) out.add(a);
    else if (k !== 'other' && /^[a-z][a-z0-9-]*$/.test(k)) out.add(k);
  }
  for (const a of KNOWN_TOOLS.find(([re]) => re.test(tool))?.[1] ?? []) out.add(a);
  return [...out].sort();
}

/** Upper-case short names in sentences: `DAST has not reported for 41 days`. */
export function activityLabel(a: string): string {
  const named: Record<string, string> = {
    sast: 'SAST',
    sca: 'SCA',
    secrets: 'Secrets scanning',
    iac: 'IaC',
    container: 'Container scanning',
    dast: 'DAST',
    pentest: 'Pentest',
    'threat-model': 'Threat modelling',
  };
  return Object.hasOwn(named, a) ? (named[a] as string) : a;
}

/** `7d`, `12h`, `2w` or a number of days → milliseconds; undefined when it is none of these. */
export function parseDuration(v: string | number): number | undefined {
  const DAY = 24 * 60 * 60 * 1000;
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v * DAY : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([hdw])\s*$/.exec(v);
  if (!m) return undefined;
  const n = Number(m[1]);
  return n * (m[2] === 'h' ? DAY / 24 : m[2] === 'w' ? 7 * DAY : DAY);
}

/** A duration in words for reasons, rounded down: `41 days`, `30 days 12 hours`, `5 hours` (hours dropped from 60 days). */
export function durationWords(ms: number): string {
  const HOUR = 60 * 60 * 1000;
  const d = wholeDays(ms);
  const h = Math.floor((ms - d * 24 * HOUR) / HOUR);
  const days = `${d} day${d === 1 ? '' : 's'}`;
  const hours = `${h} hour${h === 1 ? '' : 's'}`;
  if (d === 0) return hours;
  return h === 0 || d >= 60 ? days : `${days} ${hours}`;
}
