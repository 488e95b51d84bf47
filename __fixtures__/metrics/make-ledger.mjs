// Generates __fixtures__/metrics/ledger.json: a deterministic, realistic ledger file (one book, "default") covering
// 2026-01-01 .. 2026-06-30 for the report and screenshot tests. `node __fixtures__/metrics/make-ledger.mjs`.
// Synthetic data (no real project): five components, five tools, daily-ish runs in `default` and `production`.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let seed = 7;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
const DAY = 86400000;
const T0 = Date.parse('2026-01-01T06:00:00Z');
const END = Date.parse('2026-06-30T18:00:00Z');
const iso = (t) => new Date(t).toISOString();

const tools = [
  { tool: 'CodeQL', kind: 'sast', rules: [['js/sql-injection', 'Database query built from user-controlled sources', ['CWE-89']], ['js/xss', 'Client-side cross-site scripting', ['CWE-79']], ['js/path-injection', 'Uncontrolled data used in path expression', ['CWE-22']], ['js/weak-crypto', 'Use of a broken or weak cryptographic algorithm', ['CWE-327']]] },
  { tool: 'Semgrep', kind: 'sast', rules: [['express-open-redirect', 'Open redirect', ['CWE-601']], ['jwt-none-alg', 'JWT verified without algorithm', ['CWE-347']], ['ssrf-axios', 'Server-side request forgery', ['CWE-918']]] },
  { tool: 'Trivy', kind: 'sca', rules: [['CVE-2024-45590', 'body-parser: denial of service', ['CWE-400']], ['CVE-2024-29041', 'express: open redirect in malformed URLs', ['CWE-601']], ['CVE-2023-45857', 'axios: CSRF token exposure', ['CWE-352']], ['CVE-2024-37890', 'ws: denial of service with many headers', ['CWE-476']]] },
  { tool: 'Gitleaks', kind: 'secret', rules: [['aws-access-token', 'AWS access key committed', ['CWE-798']], ['generic-api-key', 'Generic API key committed', ['CWE-798']]] },
  { tool: 'Checkov', kind: 'iac', rules: [['CKV_AWS_20', 'S3 bucket allows public READ', ['CWE-284']], ['CKV_K8S_20', 'Containers run with allowPrivilegeEscalation', ['CWE-250']]] },
];
const components = [['payments', 'services/payments/src'], ['web', 'apps/web/src'], ['api', 'services/api/src'], ['auth', 'services/auth/src'], ['infra', 'deploy/terraform']];
const levels = ['critical', 'high', 'medium', 'low'];
const weights = [0.08, 0.27, 0.45, 0.2];
const sev = () => {
  let r = rnd();
  for (let i = 0; i < levels.length; i++) if ((r -= weights[i]) < 0) return levels[i];
  return 'low';
};
const fixDays = { critical: [2, 12], high: [8, 50], medium: [20, 140], low: [30, 200] };

const entries = {};
let n = 0;
for (let t = T0; t < END; t += DAY * (0.6 + rnd() * 1.6)) {
  const tl = pick(tools);
  const [ruleId, title, cwe] = pick(tl.rules);
  const [component, dir] = tl.kind === 'iac' ? components[4] : pick(components.slice(0, 4));
  const severity = tl.kind === 'secret' ? 'high' : sev();
  const fp = `fp-${String(++n).padStart(4, '0')}`;
  const firstSeen = iso(t);
  const events = [{ at: firstSeen, type: 'opened', severity }];
  const [lo, hi] = fixDays[severity];
  const fixAt = t + (lo + rnd() * (hi - lo)) * DAY * (rnd() < 0.15 ? 2.5 : 1);
  const e = {
    fingerprint: fp, tool: tl.tool, ruleId, title, kind: tl.kind,
    path: tl.kind === 'sca' ? `${dir.replace(/\/src$/, '')}/package-lock.json` : `${dir}/${pick(['index', 'handlers', 'db', 'session', 'routes'])}.${tl.kind === 'iac' ? 'tf' : 'ts'}`,
    component, cwe, environments: { default: firstSeen }, firstSeen, lastSeen: firstSeen, state: 'open', reopenedCount: 0, severity, gated: true, events,
  };
  if (rnd() < 0.7) e.environments.production = iso(t + (1 + rnd() * 6) * DAY);
  if (fixAt < END) {
    e.state = 'fixed';
    e.fixedAt = iso(fixAt);
    e.lastSeen = iso(fixAt - DAY);
    events.push({ at: e.fixedAt, type: 'fixed' });
    if (rnd() < 0.1 && fixAt + 20 * DAY < END) {
      const back = fixAt + (5 + rnd() * 15) * DAY;
      events.push({ at: iso(back), type: 'reopened', severity });
      e.reopenedCount = 1;
      e.reopenedAt = iso(back);
      e.state = 'open';
      delete e.fixedAt;
      e.lastSeen = iso(END);
      if (rnd() < 0.5 && back + 10 * DAY < END) {
        e.state = 'fixed';
        e.fixedAt = iso(back + 10 * DAY);
        events.push({ at: e.fixedAt, type: 'fixed' });
      }
    }
  } else e.lastSeen = iso(END);
  if (e.state === 'open' && rnd() < 0.12 && severity !== 'critical') {
    const from = iso(t + 3 * DAY);
    e.exceptions = [{ id: `EX-2026-${String(n).padStart(3, '0')}`, type: 'accepted-risk', from, approvedBy: pick(['security-team', 'cto', 'payments-lead']) }];
    e.gated = false;
  }
  entries[fp] = e;
}
const runs = [];
for (let t = T0; t < END; t += DAY) {
  for (const environment of ['default', 'production']) {
    if (environment === 'production' && rnd() < 0.6) continue;
    const ran = tools.filter((x) => x.tool !== 'Checkov' || t > Date.parse('2026-03-01'));
    runs.push({
      at: iso(t + (environment === 'production' ? 8 : 2) * 3600000), environment, event: 'push', ref: 'refs/heads/main', tools: ran.map((x) => x.tool),
      toolKinds: Object.fromEntries(ran.map((x) => [x.tool, [x.kind]])), open: {}, new: 0, fixed: 0, reopened: 0, slaBreached: 0, slaDueSoon: 0,
      verdict: rnd() < 0.2 ? 'fail' : rnd() < 0.3 ? 'warn' : 'pass',
    });
  }
}
const file = { schema: 'defect-gate-ledger', version: 1, updatedAt: iso(END), books: { default: { entries, runs } } };
writeFileSync(join(dirname(fileURLToPath(import.meta.url)), 'ledger.json'), `${JSON.stringify(file)}\n`);
console.log(`${Object.keys(entries).length} entries, ${runs.length} runs`);
