import { afterAll, describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runEngine, type RunResult } from '../src/engine';
import { ingestText, type IngestedFile } from '../src/ingest/index';
import { ingestSarifFile } from '../src/io/file-bytes';
import { writeRatedSarif, type SarifInputFile } from '../src/io/rated-sarif';
import { emptyBook } from '../src/ledger/schema';
import { computeMetrics } from '../src/metrics/compute';
import { renderMetricsHtml } from '../src/metrics/html';
import { buildReport } from '../src/report/json';
import { renderMarkdown } from '../src/report/markdown';
import { buildRatedSarif } from '../src/report/sarif';
import { renderText } from '../src/report/text';
import { buildAnnotations } from '../src/github/annotations';
import { checkOutput } from '../src/github/check-run';
import { renderComment } from '../src/github/comment';
import { redactJson } from '../src/redact/json';
import { marker, PATTERNS, redactText } from '../src/redact/text';
import { defaultPolicy } from './helpers';

const NOW = new Date('2026-11-25T12:00:00Z');
const MARKER = /\[REDACTED [a-z-]+ sha256:[0-9a-f]{8}\]/;
/** A marker, or the note of outputs that list titles only (`[REDACTED <kind> sha256:<hash of the value>]`). */
const NOTE = /\[REDACTED (?:[a-z-]+ sha256:[0-9a-f]{8}|<kind> sha256:<hash of the value>)\]/;

// Test values shaped like real credentials (none is live).
const SAMPLES = {
  aws: 'AKIAIOSFODNN7EXAMPLE',
  awsSecret: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  ghp: 'ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789',
  pat: 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP',
  slack: 'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx',
  stripe: 'sk_live_4eC39HqLyjWDarjtT1zdp7dcXyZ',
  google: 'AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI',
  jwt: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
};

describe('redactText: what is found', () => {
  it.each([
    ['AWS access key id', `key ${SAMPLES.aws} used`, SAMPLES.aws, 'aws-access-key-id'],
    ['AWS secret key next to its id', `id ${SAMPLES.aws} key ${SAMPLES.awsSecret}`, SAMPLES.awsSecret, 'aws-secret-key'],
    ['GitHub token', `GITHUB_TOKEN ${SAMPLES.ghp}`, SAMPLES.ghp, 'github-token'],
    ['GitHub fine-grained token', `use ${SAMPLES.pat} here`, SAMPLES.pat, 'github-token'],
    ['Slack token', `slack ${SAMPLES.slack}`, SAMPLES.slack, 'slack-token'],
    ['Stripe key', `stripe ${SAMPLES.stripe}`, SAMPLES.stripe, 'stripe-key'],
    ['Google API key', `maps ${SAMPLES.google}`, SAMPLES.google, 'google-api-key'],
    ['JWT', `Authorization header ${SAMPLES.jwt}`, SAMPLES.jwt, 'jwt'],
    ['password in a URL', 'clone https://admin:p4ssw0rd-X@example.com/repo.git', 'p4ssw0rd-X', 'url-password'],
    ['password=', 'db_password=s3cr3t!x next', 's3cr3t!x', 'secret'],
    ['quoted JSON value', '"password": "correct horse battery staple"', 'correct horse battery staple', 'secret'],
    ['Bandit message', "Possible hardcoded password: 'hunter22'", 'hunter22', 'secret'],
    ['api_key:', 'api_key: 0123456789abcdef', '0123456789abcdef', 'secret'],
    ['token=', 'https://x.test/cb?token=Zm9vYmFyYmF6&next=1', 'Zm9vYmFyYmF6', 'secret'],
    ['Bearer', 'Authorization: Bearer abcdef123456789', 'abcdef123456789', 'secret'],
    [
      'private key header alone',
      'header only: -----BEGIN OPENSSH PRIVATE KEY----- in README',
      '-----BEGIN OPENSSH PRIVATE KEY-----',
      'private-key',
    ],
  ])('%s', (_name, text, secret, what) => {
    const out = redactText(text);
    expect(out).not.toContain(secret);
    expect(out).toContain(`[REDACTED ${what} sha256:`);
    expect(out).toContain(marker(what, secret));
    // Idempotent: a marker is never redacted again.
    expect(redactText(out)).toBe(out);
  });

  it('redacts a whole private key block (RSA, PKCS#8, encrypted, PGP) and keeps the text around it', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
    const pkcs8 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const pgp = '-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF0AAAABCAC7\n=abcd\n-----END PGP PRIVATE KEY BLOCK-----';
    for (const key of [rsa.trim(), pkcs8.trim(), pgp, rsa.trim().replace(/\n/g, '\\n')]) {
      const out = redactText(`Found ${key} in config.pem`);
      expect(out).toBe(`Found ${marker('private-key', key)} in config.pem`);
    }
  });

  it('keeps a hash of the value: the same secret gives the same note, two secrets two notes', () => {
    const a = redactText(`token=${'a'.repeat(20)}`);
    const b = redactText(`token=${'b'.repeat(20)}`);
    expect(a).not.toBe(b);
    expect(redactText(`token=${'a'.repeat(20)}`)).toBe(a);
  });

  it('leaves ordinary scanner text alone (the same string)', () => {
    for (const s of [
      'A secret is hard-coded in the application. Secrets stored in source code can be leaked.',
      'SQL injection: query built from user input',
      'token: ${{ secrets.GITHUB_TOKEN }}',
      'password: <your password>',
      'tokens: 3',
      'commit 6d127980966808f7413935678e079dcd7fedf9c2 by the AWS team',
      'Secret: [REDACTED secret sha256:12345678]',
      '  password                = var.password',
      "        password = request.form.get('password')",
      "            print('Cracked! Password:', number)",
      'password = get_password()',
      'Syntax error at line data/static/codefixes/tokenSaleChallenge_2.ts:19:',
      'https://github.com/advisories/GHSA-57j2-w4cx-62h2',
      '',
    ]) {
      expect(redactText(s)).toBe(s);
    }
  });
});

/**
 * Linear time, checked by structure: no pattern repeats a group that itself repeats (the shape of catastrophic
 * backtracking), and each hostile megabyte is processed (a quadratic pattern would not finish: ~10^12 steps).
 */
describe('redactText: linear time on hostile input', () => {
  /** True when a regex source repeats (`*`, `+`, `{n,}`) a group that contains a repetition. */
  function nestedRepetition(source: string): boolean {
    const stack: boolean[] = [false];
    for (let i = 0; i < source.length; i++) {
      const c = source[i];
      if (c === '\\') {
        i++;
        continue;
      }
      if (c === '[') {
        for (i++; i < source.length && source[i] !== ']'; i++) if (source[i] === '\\') i++;
        continue;
      }
      if (c === '(') stack.push(false);
      else if (c === ')') {
        const inner = stack.pop() as boolean;
        const next = source[i + 1];
        const repeats =
          next === '*' ||
          next === '+' ||
          (next === '{' && /^\{\d+,\d*\}/.test(source.slice(i + 1)) && !/^\{(\d+),\1\}|^\{[01],?1?\}/.test(source.slice(i + 1)));
        if (inner && repeats) return true;
        if (inner) stack[stack.length - 1] = true;
      } else if (c === '*' || c === '+' || c === '{') {
        stack[stack.length - 1] = true;
      }
    }
    return false;
  }

  it('no pattern repeats a repeating group', () => {
    expect(nestedRepetition('(a+)+')).toBe(true);
    expect(nestedRepetition('(?:x[a-z]*)*')).toBe(true);
    expect(nestedRepetition('(?:ab)+c*')).toBe(false);
    expect(PATTERNS.length).toBeGreaterThan(5);
    for (const p of PATTERNS) expect([p.source, nestedRepetition(p.source)]).toEqual([p.source, false]);
  });

  const MB = 1 << 20;
  const fill = (unit: string) => unit.repeat(Math.ceil(MB / unit.length)).slice(0, MB);
  it.each([
    ['JWT starts', fill('eyJ')],
    ['JWT segments without the third dot', fill('eyJabcde.eyJ')],
    ['GitHub prefixes', fill('ghp_')],
    ['Slack prefixes', fill('xoxb-')],
    ['AWS prefix and a long run', `AKIA${'A'.repeat(MB)}`],
    ['AWS context and base64', `aws ${fill('A/')}`],
    ['private key headers without an end', fill('-----BEGIN RSA PRIVATE KEY-----')],
    ['private key header, body, a footer of another kind', fill('-----BEGIN RSA PRIVATE KEY-----AAAA-----END CERTIFICATE-----')],
    ['an unterminated quoted password', `password="${'a'.repeat(MB)}`],
    ['credential words one after another', fill('1password')],
    ['a credential word and a megabyte of blanks', `password${' '.repeat(MB)}x`],
    ['URL credential starts', fill('://a:')],
    ['URL without the @', `://${'a'.repeat(MB)}:${'b'.repeat(MB)}`],
  ])('%s', (_name, text) => {
    const out = redactText(text);
    expect(typeof out).toBe('string');
    // Nothing of a hostile megabyte survives that looks like a secret the patterns know.
    expect(redactText(out)).toBe(out);
  });
});

describe('redactJson (rated SARIF results)', () => {
  it('replaces the snippets and secret members of a secret scanner result whole, and their values elsewhere', () => {
    const res = {
      message: { text: `leak of ${SAMPLES.stripe.slice(0, 8)}… on line 3: x${'y'}`, markdown: 'see offender' },
      properties: { offender: 'hunter2-not-a-pattern', commit: 'abc' },
      locations: [{ physicalLocation: { region: { startLine: 3, snippet: { text: 'const p = "hunter2-not-a-pattern";' } } } }],
      relatedLocations: [{ message: { text: 'the value hunter2-not-a-pattern again' } }],
    };
    const { changed } = redactJson(res, { secret: true });
    expect(changed).toBe(true);
    const text = JSON.stringify(res);
    expect(text).not.toContain('hunter2-not-a-pattern');
    expect(res.properties.offender).toBe(marker('secret', 'hunter2-not-a-pattern'));
    expect(res.relatedLocations[0]?.message.text).toBe(`the value ${marker('secret', 'hunter2-not-a-pattern')} again`);
    expect(res.properties.commit).toBe('abc');
  });

  it('changes nothing (and says so) when there is nothing to redact', () => {
    const res = { message: { text: 'SQL injection' }, properties: { n: 1 } };
    expect(redactJson(res)).toEqual({ value: { message: { text: 'SQL injection' }, properties: { n: 1 } }, changed: false });
  });
});

// --- every output ------------------------------------------------------------------------------------------------------

const dir = mkdtempSync(join(tmpdir(), 'dg-redact-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const CORPUS = '__fixtures__/corpus/defectdojo';
type J = Record<string, unknown>;

const RSA = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;

/** A CodeQL-like log whose texts hold secrets: a private key in a message, tokens in other members. */
function codeqlLike(): string {
  const rule = {
    id: 'js/hardcoded-credentials',
    shortDescription: { text: 'Hard-coded credentials' },
    properties: { tags: ['security'], 'security-severity': '9.8' },
  };
  return JSON.stringify(
    {
      version: '2.1.0',
      runs: [
        {
          tool: { driver: { name: 'CodeQL', version: '2.20.0', rules: [rule] } },
          invocations: [{ commandLine: `codeql analyze --github-auth-token ${SAMPLES.ghp}`, executionSuccessful: true }],
          results: [
            {
              ruleId: 'js/hardcoded-credentials',
              message: { text: `The hard-coded value\n${RSA.trim()}\nis used as a private key.` },
              partialFingerprints: { primaryLocationLineHash: 'abc123:1' },
              locations: [
                {
                  physicalLocation: {
                    artifactLocation: { uri: 'src/keys.js' },
                    region: { startLine: 3, snippet: { text: `const key = \`${RSA.trim()}\`;` } },
                  },
                },
              ],
              relatedLocations: [{ id: 1, message: { text: `AWS key ${SAMPLES.aws} and ${SAMPLES.awsSecret}` } }],
              properties: { note: `slack ${SAMPLES.slack}` },
            },
            {
              ruleId: 'custom/token-in-log',
              message: { text: `Token ${SAMPLES.stripe} is written to the log` },
              locations: [{ physicalLocation: { artifactLocation: { uri: 'src/pay.js' }, region: { startLine: 4 } } }],
            },
            {
              ruleId: 'js/hardcoded-credentials',
              message: { text: `password = "${'Tr0ub4dor&3-long'}" flows to login(); JWT ${SAMPLES.jwt}` },
              locations: [{ physicalLocation: { artifactLocation: { uri: 'src/login.js' }, region: { startLine: 9 } } }],
            },
          ],
        },
      ],
    },
    null,
    2,
  );
}

/** The secrets of the CodeQL-like log: every line of the key body, and the tokens. */
function codeqlSecrets(): string[] {
  const body = RSA.trim().split('\n').slice(1, -1);
  return [...body, SAMPLES.ghp, SAMPLES.aws, SAMPLES.awsSecret, SAMPLES.slack, SAMPLES.stripe, 'Tr0ub4dor&3-long', SAMPLES.jwt];
}

/** Every value a secret scanner's file names as its secret (those a scanner masked itself are left out). */
function corpusSecrets(file: string, doc: unknown): string[] {
  const out: string[] = [];
  const add = (v: unknown) => {
    if (typeof v === 'string' && v.trim().length > 3 && v !== 'REDACTED' && !/\*{3}/.test(v)) out.push(v.trim());
  };
  const walk = (v: unknown, key = ''): void => {
    if (Array.isArray(v)) v.forEach((x) => walk(x, key));
    else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v as J)) walk(x, k);
    else if (/^(Secret|Match|offender|raw_source_code_extract|lines)$/.test(key)) add(v);
  };
  walk(doc);
  if (file.endsWith('.sarif')) {
    for (const run of (doc as { runs: { results: J[] }[] }).runs) {
      for (const r of run.results) {
        add((r.properties as J | undefined)?.offender);
        for (const l of (r.locations as J[] | undefined) ?? [])
          add(((l.physicalLocation as J)?.region as J | undefined)?.snippet && (((l.physicalLocation as J).region as J).snippet as J).text);
      }
    }
  }
  return out;
}

/** The secret-scanner files of the corpus. */
const SECRET_FILES = [
  ...readdirSync(`${CORPUS}/gitleaks`)
    .filter((f) => f !== 'no_findings.json')
    .map((f) => `gitleaks/${f}`),
  ...readdirSync(`${CORPUS}/gitlab_secret_detection_report`).map((f) => `gitlab_secret_detection_report/${f}`),
  'sarif/gitleaks_7.5.0.sarif',
  'trivy/misconfigurations_and_secrets.json',
  'semgrep/issue_8435.json',
];

/** Text as a reader sees it: Markdown backslash escapes and HTML entities undone. */
function shown(s: string): string {
  return s
    .replace(/\\(.)/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&amp;/g, '&');
}

interface Outputs {
  [name: string]: string;
}

function allOutputs(r: RunResult, files: IngestedFile[], sarifInputs: SarifInputFile[]): Outputs {
  const policy = defaultPolicy();
  const compact = join(dir, `rated-${Math.random().toString(36).slice(2)}.sarif`);
  const indented = `${compact}.indented`;
  writeRatedSarif(compact, r, policy, sarifInputs, 0);
  writeRatedSarif(indented, r, policy, sarifInputs, 2);
  const documents = new Map(files.filter((f) => f.document !== undefined).map((f) => [f.file, f.document]));
  const metrics = computeMetrics(r.nextLedger, { now: NOW, levels: policy.levels, sla: r.sla });
  return {
    'JSON report': JSON.stringify(buildReport(r, 'policy.yml')),
    'rated SARIF (compact)': readFileSync(compact, 'utf8'),
    'rated SARIF (indented)': readFileSync(indented, 'utf8'),
    'rated SARIF (from documents)': JSON.stringify(buildRatedSarif(r, policy, documents)),
    'job summary': renderMarkdown(r, { title: 'defect-gate' }),
    'PR comment': renderComment(r, { scope: 'defect-gate (pull-request)', title: 'defect-gate' }),
    'check run output': JSON.stringify(checkOutput(r, { title: 'defect-gate' })),
    annotations: JSON.stringify(buildAnnotations(r, { max: 1000, warningRank: 4 }).annotations),
    terminal: renderText(r, { color: false, limit: 1000 }),
    ledger: JSON.stringify(r.nextLedger),
    'HTML metrics': renderMetricsHtml(metrics),
  };
}

function check(outputs: Outputs, secrets: string[], noted: string[]): void {
  expect(secrets.length).toBeGreaterThan(0);
  for (const [name, text] of Object.entries(outputs)) {
    const seen = shown(text);
    const json = shown(text.replace(/\\n/g, '\n').replace(/\\"/g, '"'));
    for (const s of secrets) {
      if (seen.includes(s) || json.includes(s) || text.includes(s))
        throw new Error(`${name} shows the secret ${JSON.stringify(s.slice(0, 12))}…`);
    }
    if (noted.includes(name)) expect([name, NOTE.test(seen)]).toEqual([name, true]);
  }
}

function ingestFiles(names: { file: string; path: string }[]): { files: IngestedFile[]; sarif: SarifInputFile[] } {
  const files: IngestedFile[] = [];
  const sarif: SarifInputFile[] = [];
  for (const { file, path } of names) {
    const f = ingestText(readFileSync(path, 'utf8'), { file, workspace: '/ws' });
    files.push(f);
    if (f.format === 'sarif') {
      const st = statSync(path);
      sarif.push({ file, path, size: st.size, mtimeMs: st.mtimeMs });
    }
  }
  return { files, sarif };
}

/**
 * The engine over `files` twice: 200 days ago (into an empty ledger) and now, so that the ledger holds the findings and
 * the HTML metrics list them as past their SLA.
 */
function engine(files: IngestedFile[]): RunResult {
  const policy = defaultPolicy();
  const before = runEngine({
    files,
    policy,
    environment: 'production',
    onInputError: 'warn',
    now: new Date(NOW.getTime() - 200 * 86400000),
    ledger: emptyBook(),
  });
  return runEngine({ files, policy, environment: 'production', onInputError: 'warn', now: NOW, ledger: before.nextLedger });
}

/** Outputs that show finding messages or titles (and so the note); the others may list no finding text at all. */
const ALL = [
  'JSON report',
  'rated SARIF (compact)',
  'rated SARIF (indented)',
  'rated SARIF (from documents)',
  'job summary',
  'PR comment',
  'check run output',
  'annotations',
  'terminal',
  'ledger',
  'HTML metrics',
];

function writeLog(name: string): string {
  const path = join(dir, name);
  writeFileSync(path, codeqlLike());
  return path;
}

describe('every output holds no secret and says what was redacted', () => {
  it('a CodeQL-like SARIF whose message holds an RSA private key', () => {
    const path = join(dir, 'codeql.sarif');
    writeFileSync(path, codeqlLike());
    const { files, sarif } = ingestFiles([{ file: 'codeql.sarif', path }]);
    expect(files[0]?.findings).toHaveLength(3);
    const r = engine(files);
    const outputs = allOutputs(r, files, sarif);
    check(outputs, codeqlSecrets(), ALL);
    // The key's message is one marker for the whole block, with the text around it kept.
    expect(outputs.ledger).toMatch(MARKER);
    const f = r.findings.find((x) => x.path === 'src/keys.js');
    expect(f?.message).toBe(`The hard-coded value\n${marker('private-key', RSA.trim())}\nis used as a private key.`);
    // The rated SARIF still parses, keeps the rating, and the result without secrets elsewhere is intact.
    const rated = JSON.parse(outputs['rated SARIF (compact)'] as string) as { runs: { results: J[]; invocations: J[] }[] };
    expect(rated.runs[0]?.results[0]?.properties).toMatchObject({
      'defect-gate/severity': expect.any(String),
      note: `slack ${marker('slack-token', SAMPLES.slack)}`,
    });
    expect(rated.runs[0]?.invocations[0]?.commandLine).toBe(`codeql analyze --github-auth-token ${marker('github-token', SAMPLES.ghp)}`);
  });

  it('fingerprints are those of the real values: the same leak keeps its identity, two secrets stay two', () => {
    const one = ingestText(codeqlLike(), { file: 'a.sarif' });
    const again = ingestText(codeqlLike(), { file: 'a.sarif' });
    expect(one.findings.map((f) => f.fingerprint)).toEqual(again.findings.map((f) => f.fingerprint));
    const gl = (secret: string) =>
      ingestText(JSON.stringify([{ RuleID: 'generic-api-key', Secret: secret, Match: `key=${secret}`, File: 'a.env', StartLine: 1 }]), {
        file: 'g.json',
      }).findings[0];
    const a = gl('a'.repeat(24));
    const b = gl('b'.repeat(24));
    expect(a?.fingerprint).not.toBe(b?.fingerprint);
    expect(a?.message).not.toBe(b?.message); // each note has its own hash
  });

  it.each(SECRET_FILES)('the corpus secret-scanner file %s', (name) => {
    const path = `${CORPUS}/${name}`;
    const raw = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    const { files, sarif } = ingestFiles([{ file: name, path }]);
    expect(files[0]?.errors).toEqual([]);
    const r = engine(files);
    const secrets = corpusSecrets(name, raw);
    const outputs = allOutputs(r, files, sarif);
    if (secrets.length === 0) {
      // Nothing to redact: no secret value in the file (no findings, or Trivy, which masks its matches itself).
      expect(name).toMatch(/_0_vuln|trivy|redacted_data/); // (gitleaks --redact wrote REDACTED itself)
      return;
    }
    const annotated = JSON.parse(outputs.annotations as string).length > 0;
    const noted = ['JSON report', 'job summary', 'PR comment', 'check run output', 'terminal'];
    if (annotated) noted.push('annotations');
    if (sarif.length > 0) noted.push('rated SARIF (compact)', 'rated SARIF (indented)', 'rated SARIF (from documents)');
    check(outputs, secrets, noted);
  });

  it('the streaming SARIF reader redacts as the in-memory one does', () => {
    const path = join(dir, 'streamed.sarif');
    writeFileSync(path, codeqlLike());
    const streamed = ingestSarifFile(path, { file: 'streamed.sarif', workspace: '/ws' });
    const whole = ingestText(codeqlLike(), { file: 'streamed.sarif', workspace: '/ws' });
    expect(JSON.parse(JSON.stringify(streamed.findings))).toEqual(JSON.parse(JSON.stringify(whole.findings)));
    for (const s of codeqlSecrets()) expect(JSON.stringify(streamed.findings)).not.toContain(s);
  });

  it('a title cut inside a secret (from a long first line) is cut again from the redacted message', () => {
    const message = `${'x'.repeat(180)} token ${SAMPLES.ghp} leaked`;
    const log = { version: '2.1.0', runs: [{ tool: { driver: { name: 'T' } }, results: [{ ruleId: 'r', message: { text: message } }] }] };
    const f = ingestText(JSON.stringify(log), { file: 'cut.sarif' }).findings[0];
    expect(f?.title.endsWith('…')).toBe(true);
    expect(f?.title).not.toContain(SAMPLES.ghp.slice(0, 12));
    expect(f?.message).toContain(marker('github-token', SAMPLES.ghp));
  });

  it('a ledger written before redaction is cleaned: its next version, the fixed list and the HTML metrics', () => {
    const first = engine(ingestFiles([{ file: 'codeql.sarif', path: writeLog('old.sarif') }]).files);
    // As an older version wrote it: a title and a location with secrets in them.
    const book = JSON.parse(JSON.stringify(first.nextLedger)) as RunResult['nextLedger'];
    for (const e of Object.values(book.entries)) {
      e.title = `Token ${SAMPLES.ghp} in use`;
      e.location = `https://admin:p4ssw0rd-X@example.com/`;
    }
    const html = renderMetricsHtml(computeMetrics(book, { now: NOW, levels: defaultPolicy().levels, sla: first.sla }));
    expect(html).not.toContain(SAMPLES.ghp);
    expect(html).toContain('[REDACTED github-token sha256:');
    // A run in which the tool reports nothing: every entry is fixed, and listed with its title.
    const empty = ingestText(JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { name: 'CodeQL' } }, results: [] }] }), {
      file: 'codeql.sarif',
    });
    const r = runEngine({
      files: [empty],
      policy: defaultPolicy(),
      environment: 'production',
      onInputError: 'warn',
      now: NOW,
      ledger: book,
      pullRequest: true,
    });
    expect(r.fixed.length).toBeGreaterThan(0);
    for (const text of [
      JSON.stringify(r.nextLedger),
      JSON.stringify(r.fixed),
      renderMarkdown(r),
      renderComment(r, { scope: 's', title: 't' }),
    ]) {
      expect(shown(text)).not.toContain(SAMPLES.ghp);
      expect(shown(text)).not.toContain('p4ssw0rd-X');
    }
    expect(r.fixed[0]?.title).toBe(`Token ${marker('github-token', SAMPLES.ghp)} in use`);
  });

  it('input errors that quote scanner text are redacted', () => {
    const f = ingestText(JSON.stringify({ error: `auth failed for ${SAMPLES.ghp}` }), { file: 'err.json' });
    expect(f.errors[0]?.message).toContain(marker('github-token', SAMPLES.ghp));
    expect(f.errors[0]?.message).not.toContain(SAMPLES.ghp);
  });
});
