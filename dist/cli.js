#!/usr/bin/env node
import { createRequire as __dgCreateRequire } from 'node:module';
const require = __dgCreateRequire(import.meta.url);
import{a,b as o,c as n}from"./cli-chunk-P7N5RFIW.js";import{d}from"./cli-chunk-O2AS7I5C.js";import w from"node:module";import{homedir as E}from"node:os";import{join as h}from"node:path";async function f(){let e=(await import("./cli-ingest-OIAZJCFO.js")).formatIds();return`defect-gate ${a}: rate, track and gate security findings with your organization's policy

Usage:
  defect-gate check [options] FILES...
  defect-gate track --ledger file:PATH [--repo OWNER/REPO] [options] FILES...
  defect-gate exceptions [--policy FILE] [--expiring DAYS] [--now DATE] [--format text|json] [FILES...]
  defect-gate report (--ledger file:PATH | --repo OWNER/REPO [--branch NAME] | --org OWNER) [options]
  defect-gate policy validate [FILE] [--strict] [--now DATE] [--format text|json]
  defect-gate policy test [FILE] [--tests TESTFILE] [--now DATE] [--format text|json]
  defect-gate explain [--policy FILE] [--environment NAME] [--rule GLOB] [--fingerprint PREFIX] [--now DATE]
                      [--kev FILE] [--epss FILE] [--ledger file:PATH] [--format text|json] FILES...
  defect-gate --help | --version

\`policy validate\` checks a policy file (default: the built-in one) and lints it: rules that never apply or change
nothing, gate rules that can never count anything, overlapping and expired exceptions. It prints
file:line:column: error|warning: message and exits 2 on errors, 1 on warnings with --strict, else 0.
\`policy test\` runs the policy's test cases (default: <name>.test.yml beside the policy; --tests for another file)
and exits 1 when a case fails. \`explain\` shows, for the findings whose rule id matches --rule (a glob) and/or
whose fingerprint starts with --fingerprint, the scanner's rating, each policy step, the exception, the SLA and the
gate rules that count it; it exits 2 when nothing matches.

\`track\` is \`check\` with --ledger file:PATH (written), then GitHub Issues as the policy's tracker.github-issues
says (docs/ledger-and-sla.md, "GitHub Issues as the tracker"): one issue per finding or rule, opened, updated, closed on fix, reopened,
closed as not planned under an exception. Token: GITHUB_TOKEN or GH_TOKEN (issues: write); repository: --repo,
GITHUB_REPOSITORY or tracker.github-issues.repo; the commit named in "fixed in": GITHUB_SHA or CI_COMMIT_SHA.

\`exceptions\` lists the policy's exceptions for review: active, expiring within --expiring days (default: the
policy's exceptions.expiring-days), expired; with FILES also what each matches now and which are stale.
It exits 1 when any exception has expired (run it on a schedule), 0 otherwise.

\`report\` writes defect metrics from a ledger (docs/metrics.md): open by severity, component, CWE
and tool; opened / fixed / reopened per bucket; time to resolve; SLA compliance and breaches; age; accepted risk;
window of exposure; verification coverage; hot spots. As Markdown (default), one self-contained HTML file, or JSON.
  --ledger file:PATH | branch:NAME   the ledger (a branch is read through the API, with --repo)
  --repo OWNER/REPO        read the ledger branch of this repository (default branch: defect-gate-data)
  --org OWNER              every repository of the organization: hot spots, SLA compliance, worst offenders
  --branch NAME            ledger branch for --repo / --org; default: defect-gate-data
  --scope NAME             ledger book; default: "default"
  --since DATE, --until DATE   the period (2026-06-01, or a month: 2026-06); default: 6 months up to --now
  --bucket week|month      trend buckets; default: month
  --format markdown|html|json   what to write; default: markdown
  -o, --output FILE        write it to FILE instead of stdout
  --html FILE              also write the HTML report to FILE
  --production-env NAME    environment(s) that mean "deployed", for the window of exposure; default: production
  --api-url URL            GitHub API; default: GITHUB_API_URL or https://api.github.com (token: GITHUB_TOKEN/GH_TOKEN)

FILES are SARIF 2.1.0 files or native scanner reports (${e.join(", ")}),
directories (every .sarif/.json/.xml below them, and .gz of them) or globs, relative to --workspace.
The format is detected from the content; gzip-compressed files are read (up to 1 GiB decompressed).
Symbolic links are followed inside the workspace; one leading outside it, or dangling, is an input error.

Options:
  --policy FILE            policy file (YAML); default: the built-in policies/default.yml
  --policy-ref REF         read the policy and every file it includes at REF (e.g. the pull request's base
                           branch), not from the checkout: with git when the checkout has REF, else through the
                           GitHub API (--repo or GITHUB_REPOSITORY, GITHUB_TOKEN); the checkout's policy changes are
                           listed as taking effect after merge
  --verify-approvals MODE  exceptions.approvers: enforce (default), warn or off; approvals are verified from
                           GitHub's reviews with GITHUB_TOKEN and --repo (or GITHUB_REPOSITORY); without them an
                           exception that needs a verified approval does not apply; off says once that approvals
                           were not verified
  --environment NAME       gate profile from the policy's \`gates:\` (e.g. pull-request, production);
                           default: "default"
  --on-input-error MODE    fail (default): an unreadable or invalid input fails the gate (exit 2);
                           warn: report it and gate on the other files
  --report FILE            write the JSON report (schema/report.schema.json) to FILE
  --sarif-output FILE      write the input results as SARIF with the organization's severity
  --gitlab-codequality FILE  write a GitLab Code Quality report (artifacts:reports:codequality): the open
                           findings, gate-blocking ones as "blocker", for the merge request widget
  --gitlab-sast FILE       write a GitLab SAST security report (artifacts:reports:sast, schema 15.2.4): the
                           open findings without a package (code, IaC, secrets), for the merge request security
                           widget; --gitlab-dependency-scanning FILE and --gitlab-container-scanning FILE write
                           the findings with a package (artifacts:reports:dependency_scanning, container_scanning)
  --junit FILE             write a JUnit XML report (Jenkins, GitLab artifacts:reports:junit, any test report
                           view): a test case per gate rule and a failing one per blocking finding
  --format FORMAT          what to print on stdout: text (default), json (the report, nothing else), markdown
  --input-format GLOB=ID   force the format of matching files instead of detecting it (repeatable),
                           e.g. --input-format 'reports/*.json=sarif'; the content must still fit it
  --ledger file:PATH       track findings across runs in a ledger file (read, then written): statuses
                           new / existing / reopened / fixed, first seen, SLA clocks; concurrent runs on one file
                           take turns (FILE.lock, waited for at most 120 s, or
                           DEFECT_GATE_LEDGER_LOCK_WAIT_MS); none is lost
  --ledger-read-only       read the ledger and compare, but do not write it (e.g. merge request pipelines)
  --ledger-scope NAME      the book in the ledger for this pipeline or tool set; default: "default"
  --allow-backdated        record a run dated (--now) before the ledger's last run; without it such a
                           run is refused (exit 2): it would rewrite the ledger's history
  --now ISO-DATE           evaluate as of this time instead of now (SLA what-ifs, reproducible runs);
                           a date or time that exists, e.g. 2026-12-31 or 2026-12-31T12:00:00Z
  --kev FILE|URL           CISA KEV catalog JSON (known_exploited_vulnerabilities.json): marks findings by CVE
                           as known exploited, with CISA's due date (caps the SLA); an http(s) URL is downloaded
  --epss FILE|URL          FIRST EPSS scores CSV (plain or .gz): EPSS probability and percentile by CVE
  --expiring DAYS          (exceptions) the "expiring soon" window, e.g. 30 or 30d
  --workspace DIR          repository root, for relative paths and fingerprints; default: current directory
  --verbose                log each file read (format, size, the file a link points to) on stderr
  --no-color               plain text output (also when NO_COLOR is set or stdout is not a terminal)
  -h, --help               this help
  -v, --version            the version

Exit status: 0 pass or warn, 1 the gate failed, 2 usage, policy or input error.
`}var p={check:async(e,t)=>(await import("./cli-check-FPQJK3JR.js")).runCheckCommand("check",e,t),track:async(e,t)=>(await import("./cli-check-FPQJK3JR.js")).runCheckCommand("track",e,t),exceptions:async(e,t)=>(await import("./cli-exceptions-GT67WZNX.js")).runExceptionsCommand(e,t),report:async(e,t)=>(await import("./cli-report-6SXO3BHJ.js")).runReportCli(e,t),policy:async(e,t)=>(await import("./cli-policy-7AY7X4KY.js")).runPolicyCommand(e,t),explain:async(e,t)=>(await import("./cli-explain-GJ3O6ERC.js")).runExplainCommand(e,t)};async function l(e,t){let[r,...i]=e;if(r==="--help"||r==="-h")return t.stdout(await f()),o.ok;if(r==="--version"||r==="-v")return t.stdout(`${a}
`),o.ok;if(r===void 0)return n(t,"missing command: expected `check`, `track`, `exceptions`, `report`, `policy` or `explain`");let c=Object.hasOwn(p,r)?p[r]:void 0;if(!c){let s=r.startsWith("-")?": give the command first (defect-gate check [options] FILES...)":"";return n(t,`unknown command "${r}": expected \`check\`, \`track\`, \`exceptions\`, \`report\`, \`policy\` or \`explain\`${s}`)}try{return await c(i,t)}catch(s){return g(s,t,r)}}function g(e,t,r){if(!(e instanceof d))throw e;let i=e.option?`--${e.option}: ${e.message}`:e.message;return e.code==="usage"?n(t,i,r):(t.stderr(`defect-gate: ${i}
`),m[e.code])}var m={usage:o.usage,input:o.usage,policy:o.usage,ledger:o.usage,github:o.usage};var u=w.enableCompileCache;if(u&&!process.env.NODE_COMPILE_CACHE){let e=process.env.XDG_CACHE_HOME||h(E(),".cache");u(h(e,"defect-gate","node-compile-cache"))}for(let e of[process.stdout,process.stderr])e.on("error",t=>{if(t.code!=="EPIPE")throw t;process.exit(process.exitCode??0)});try{process.exitCode=await l(process.argv.slice(2),{stdout:e=>process.stdout.write(e),stderr:e=>process.stderr.write(e),cwd:process.cwd(),env:process.env,isTTY:process.stdout.isTTY===!0,now:()=>new Date})}catch(e){process.stderr.write(`defect-gate: internal error: ${e instanceof Error?e.stack??e.message:String(e)}
`),process.exitCode=2}
