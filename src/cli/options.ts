import { parseArgs } from 'node:util';
import { VERSION } from '../version';

/**
 * The CLI's options: one catalog of descriptions, from which each command takes its own table (src/cli/<command>.ts),
 * the parser (strict: a flag not in the command's table is a usage error) and the help text of a command.
 */

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  /** The value's placeholder in the help (FILE, DATE, …). */
  readonly arg?: string;
  readonly help: string;
}

export type OptionTable = Readonly<Record<string, OptionSpec>>;

/** A command's (or subcommand's) help: its usage lines, what it does, its options. */
export interface CommandSpec {
  /** `check`, `policy validate`, … */
  readonly name: string;
  readonly usage: readonly string[];
  readonly about: string;
  readonly options: OptionTable;
}

const str = <E extends { short?: string; multiple?: true }>(arg: string, help: string, extra?: E) =>
  ({ type: 'string', arg, help, ...extra }) as { type: 'string'; arg: string; help: string } & E;
const bool = <E extends { short?: string }>(help: string, extra?: E) =>
  ({ type: 'boolean', help, ...extra }) as { type: 'boolean'; help: string } & E;

/** Every option of every command, described once. */
export const OPT = {
  policy: str('FILE', 'policy file (YAML); default: the built-in policies/default.yml'),
  'policy-ref': str(
    'REF',
    "read the policy and every file it includes at REF (e.g. the pull request's base branch), not from the checkout: with git when the checkout has REF, else through the GitHub API (--repo or GITHUB_REPOSITORY, GITHUB_TOKEN); the checkout's policy changes are listed as taking effect after merge",
  ),
  'verify-approvals': str(
    'MODE',
    "exceptions.approvers: enforce (default), warn or off; approvals are verified from GitHub's reviews with GITHUB_TOKEN and --repo (or GITHUB_REPOSITORY); without them an exception that needs a verified approval does not apply; off says once that approvals were not verified",
  ),
  'gate-scope': str(
    'run|ledger',
    "run: gate on this run's findings; ledger: also on the ledger's open findings of tools not in this run (a nightly DAST, a pentest), as last seen; needs --ledger; default: the policy's gate-scope for the environment, else run",
  ),
  environment: str(
    'NAME',
    'gate profile from the policy\'s `gates:` (e.g. pull-request, production); default: "default", else the only profile',
  ),
  'on-input-error': str(
    'MODE',
    'fail (default): an unreadable or invalid input fails the gate (exit 2); warn: report it and gate on the other files',
  ),
  report: str('FILE', 'write the JSON report (schema/report.schema.json) to FILE'),
  'sarif-output': str('FILE', "write the input results as SARIF with the organization's severity"),
  'gitlab-codequality': str(
    'FILE',
    'write a GitLab Code Quality report (artifacts:reports:codequality): the open findings, gate-blocking ones as "blocker", for the merge request widget',
  ),
  'gitlab-sast': str(
    'FILE',
    'write a GitLab SAST security report (artifacts:reports:sast, schema 15.2.4): the open findings without a package (code, IaC, secrets), for the merge request security widget',
  ),
  'gitlab-dependency-scanning': str(
    'FILE',
    'write a GitLab dependency scanning report (artifacts:reports:dependency_scanning): the open findings with a package, except image findings',
  ),
  'gitlab-container-scanning': str(
    'FILE',
    'write a GitLab container scanning report (artifacts:reports:container_scanning): the open image findings with a package',
  ),
  junit: str(
    'FILE',
    'write a JUnit XML report (Jenkins, GitLab artifacts:reports:junit, any test report view): a test case per gate rule and a failing one per blocking finding',
  ),
  'input-format': str(
    'GLOB=ID',
    "force the format of matching files instead of detecting it (repeatable), e.g. --input-format 'reports/*.json=sarif'; the content must still fit it",
    { multiple: true },
  ),
  ledger: str(
    'file:PATH',
    'track findings across runs in a ledger file (read, then written): statuses new / existing / reopened / fixed, first seen, SLA clocks; concurrent runs on one file take turns (FILE.lock, waited for at most 120 s, or DEFECT_GATE_LEDGER_LOCK_WAIT_MS)',
  ),
  'ledger-read-only': bool('read the ledger and compare, but do not write it (e.g. merge request pipelines)'),
  'ledger-scope': str('NAME', 'the book in the ledger for this pipeline or tool set; default: "default"'),
  'allow-backdated': bool(
    "record a run dated (--now) before the ledger's last run; without it such a run is refused (exit 2): it would rewrite the ledger's history",
  ),
  now: str(
    'ISO-DATE',
    'evaluate as of this time instead of now (SLA what-ifs, reproducible runs): a date or time that exists, e.g. 2026-12-31 or 2026-12-31T12:00:00Z',
  ),
  kev: str(
    'FILE|URL',
    "CISA KEV catalog JSON (known_exploited_vulnerabilities.json): marks findings by CVE as known exploited, with CISA's due date (caps the SLA); an http(s) URL is downloaded",
  ),
  epss: str('FILE|URL', 'FIRST EPSS scores CSV (plain or .gz): EPSS probability and percentile by CVE'),
  workspace: str('DIR', 'repository root, for relative paths and fingerprints; default: current directory'),
  verbose: bool('log each file read (format, size, the file a link points to) on stderr'),
  'no-color': bool('plain text output (also when NO_COLOR is set or stdout is not a terminal)'),
  repo: str('OWNER/REPO', 'the GitHub repository (default: GITHUB_REPOSITORY)'),
  'api-url': str('URL', 'GitHub API; default: GITHUB_API_URL or https://api.github.com (token: GITHUB_TOKEN or GH_TOKEN)'),
  expiring: str('DAYS', 'the "expiring soon" window, e.g. 30 or 30d; default: the policy\'s exceptions.expiring-days'),
  strict: bool('exit 1 when there are warnings'),
  tests: str('TESTFILE', 'the test cases; default: <name>.test.yml beside the policy'),
  rule: str('GLOB', 'the findings whose rule id matches GLOB'),
  fingerprint: str('PREFIX', 'the findings whose fingerprint starts with PREFIX'),
  org: str('OWNER', 'every repository of the organization: hot spots, SLA compliance, worst offenders'),
  branch: str('NAME', 'ledger branch for --repo / --org; default: defect-gate-data'),
  scope: str('NAME', 'ledger book; default: "default"'),
  since: str('DATE', 'start of the period (2026-06-01, or a month: 2026-06); default: 6 months before --until'),
  until: str('DATE', 'end of the period; default: --now'),
  bucket: str('week|month', 'trend buckets; default: month'),
  output: str('FILE', 'write it to FILE instead of stdout', { short: 'o' }),
  html: str('FILE', 'also write the HTML report to FILE'),
  'production-env': str('NAME', 'environment(s) that mean "deployed", for the window of exposure (repeatable); default: production', {
    multiple: true,
  }),
  help: bool('this help', { short: 'h' }),
} as const;

/** `--format` of a command: its own values. */
export function formatOption(values: readonly string[]) {
  return str(values.join('|'), `what to print; default: ${values[0]}`);
}

/** The parsed values of a command's options: a string, strings (repeatable options) or true, when given. */
export type OptionValues<O extends OptionTable> = {
  -readonly [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : O[K]['multiple'] extends true ? string[] : string;
};

/** Parses a command's arguments with its own table only; throws node's TypeError (a usage error) on any other flag. */
export function parseCommand<O extends OptionTable>(argv: string[], options: O): { values: OptionValues<O>; positionals: string[] } {
  const table: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, o] of Object.entries(options))
    table[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  const { values, positionals } = parseArgs({ args: argv, options: table, allowPositionals: true, strict: true });
  return { values: values as OptionValues<O>, positionals };
}

const WIDTH = 116;
const COLUMN = 27;

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** The help of one command: usage, what it does, its options (only its own). */
export function commandHelp(spec: CommandSpec): string {
  const out = [
    `defect-gate ${VERSION}: ${spec.name}`,
    '',
    'Usage:',
    ...spec.usage.map((u) => `  defect-gate ${u}`),
    '',
    ...wrap(spec.about, WIDTH),
    '',
    'Options:',
  ];
  for (const [name, o] of Object.entries(spec.options)) {
    const flag = `  ${o.short ? `-${o.short}, ` : ''}--${name}${o.type === 'string' ? ` ${o.arg ?? 'VALUE'}` : ''}`;
    const text = wrap(o.help, WIDTH - COLUMN);
    const first = flag.length < COLUMN - 1 ? `${flag.padEnd(COLUMN)}${text[0] ?? ''}` : `${flag}\n${' '.repeat(COLUMN)}${text[0] ?? ''}`;
    out.push(first, ...text.slice(1).map((t) => `${' '.repeat(COLUMN)}${t}`));
  }
  return `${out.join('\n')}\n`;
}
