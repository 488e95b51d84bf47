import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { useGitHubServer } from '../support/github-server';
import { runDistAction } from '../support/run-action';

/**
 * Issue #16, "Secrets stay secret", end to end: the built Action on the corpus's secret-scanner files (Gitleaks v7 and
 * v8) and a CodeQL-like SARIF whose message holds an RSA private key, against the validating local API server, on a
 * pull request. No secret may reach any request GitHub receives (check run, annotations, comment), the workflow
 * commands on stdout, the job summary, the JSON report or the rated SARIF; the outputs say a value was redacted.
 */

const GITLEAKS = resolve('__fixtures__/corpus/defectdojo/gitleaks');
const EVENTS = resolve('__fixtures__/github');
const RSA = [
  '-----BEGIN RSA PRIVATE KEY-----',
  'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun',
  'VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK',
  '-----END RSA PRIVATE KEY-----',
].join('\n');
const TOKEN = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';

const server = useGitHubServer();
let dir: string;
let ws: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dg-secrets-e2e-'));
  ws = join(dir, 'workspace');
  mkdirSync(join(ws, 'results'), { recursive: true });
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The secret values the scanners reported (Gitleaks `Secret`/`offender`), long enough to be searched for. */
function gitleaksSecrets(file: string): string[] {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  if (!Array.isArray(doc)) return [];
  return doc
    .map((x) => (x as Record<string, unknown>).Secret ?? (x as Record<string, unknown>).offender)
    .filter((s): s is string => typeof s === 'string' && s.length >= 12 && s !== 'REDACTED');
}

/** Every form a value could take in an output: as written, JSON-escaped, and each line of it. */
function forms(secret: string): string[] {
  const lines = secret.split('\n').filter((l) => l.length >= 12 && !/^-----(BEGIN|END) /.test(l));
  return [...new Set([secret, JSON.stringify(secret).slice(1, -1), ...lines])];
}

describe('secrets stay secret in every output of the built Action', () => {
  it('no secret of the Gitleaks corpus files or a private key in a CodeQL message reaches GitHub, the log, the summary or the files', async () => {
    const files = readdirSync(GITLEAKS).filter((f) => /\.json$/.test(f) && f !== 'no_findings.json');
    const secrets: string[] = [];
    for (const f of files) {
      copyFileSync(join(GITLEAKS, f), join(ws, 'results', `gitleaks-${f}`));
      secrets.push(...gitleaksSecrets(join(GITLEAKS, f)));
    }
    const sarif = {
      version: '2.1.0',
      runs: [
        {
          tool: {
            driver: {
              name: 'CodeQL',
              rules: [{ id: 'js/hardcoded-credentials', properties: { 'security-severity': '9.8', tags: ['security'] } }],
            },
          },
          invocations: [{ executionSuccessful: true, commandLine: `codeql analyze --token ${TOKEN}` }],
          results: [
            {
              ruleId: 'js/hardcoded-credentials',
              level: 'error',
              message: { text: `The hard-coded value "${RSA}" is used as a key. Also ${TOKEN}.` },
              locations: [
                {
                  physicalLocation: {
                    artifactLocation: { uri: 'src/keys.js' },
                    region: { startLine: 3, snippet: { text: `const key = "${RSA}";` } },
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    writeFileSync(join(ws, 'results', 'codeql.sarif'), JSON.stringify(sarif));
    secrets.push(RSA, TOKEN);
    // The corpus really holds secrets to hide (the test is not vacuous).
    expect(files.length).toBeGreaterThanOrEqual(5);
    expect(secrets.length).toBeGreaterThanOrEqual(8);

    const r = await runDistAction({
      dir,
      workspace: ws,
      inputs: {
        token: 'ghs_e2e',
        ledger: 'none',
        files: 'results/',
        environment: 'production',
        report: 'out/report.json',
        'sarif-output': 'out/rated.sarif',
      },
      eventName: 'pull_request',
      eventPath: join(EVENTS, 'pull_request.json'),
      env: { GITHUB_SERVER_URL: 'https://github.com', GITHUB_RUN_ID: '4242', GITHUB_API_URL: server.url, DEFECT_GATE_RETRY_BASE_MS: '10' },
    });
    expect(r.status).toBe(1);
    const outputs: [string, string][] = [
      ['requests to GitHub', JSON.stringify(server.requests.map((q) => q.body))],
      ['workflow commands and log', r.stdout + r.stderr],
      ['job summary', r.summary],
      ['JSON report', readFileSync(join(ws, 'out/report.json'), 'utf8')],
      ['rated SARIF', readFileSync(join(ws, 'out/rated.sarif'), 'utf8')],
    ];
    // What GitHub received: a check run with annotations and the sticky comment (so every channel was exercised).
    expect(server.calls('checks/create').length + server.calls('checks/update').length).toBeGreaterThan(0);
    expect(server.calls('issues/create-comment')).toHaveLength(1);
    const leaks: string[] = [];
    for (const [name, text] of outputs) {
      expect(text.length).toBeGreaterThan(0);
      for (const s of secrets) for (const f of forms(s)) if (text.includes(f)) leaks.push(`${name}: ${JSON.stringify(f.slice(0, 40))}`);
    }
    expect(leaks).toEqual([]);
    for (const [name, text] of outputs.filter(([n]) => n !== 'workflow commands and log')) {
      expect([name, /REDACTED/.test(text)]).toEqual([name, true]);
    }
  }, 120_000);
});
