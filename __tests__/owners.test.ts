import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCodeowners } from '../src/owners/codeowners';
import { assignableLogin, splitOwners } from '../src/owners/assign';
import { readCodeowners } from '../src/io/codeowners';
import { runEngine } from '../src/engine';
import { runCli } from '../src/cli';
import { BASE_POLICY, finding, policyFrom } from './helpers';

const NOW = new Date('2026-11-25T12:00:00Z');

/** A CODEOWNERS as repositories write them (GitHub's documented example, trimmed, plus a monorepo's apps/). */
const REAL = `# This is a comment.
# These owners will be the default owners for everything in the repo.
*       @global-owner1 @global-owner2

# Order is important; the last matching pattern takes the most precedence.
*.js    @js-owner #This is an inline comment.

# Teams and e-mail addresses
*.go docs@example.com

# In this example, @doctocat owns any files in the build/logs directory at the root of the repository and any of its subdirectories.
/build/logs/ @doctocat

# Any file in a docs directory anywhere in the repository
docs/*  @octo-org/docs-team

# Any file in an apps directory anywhere
apps/ @octocat

# Only the root /docs/ directory and everything below it
/docs/ @doctocat

# apps/github: no owner (the last match wins, and it has none)
/apps/github

# Everything under apps/payments, at any depth
apps/payments/** @acme/payments @bob

# Same case as written: GitHub matches case-sensitively
/Scripts/ @scripts-owner

!/legacy/ @nobody
/vendor/[ab]/ @vendor
\\#notes @someone
`;

const owners = (path: string) => parseCodeowners(REAL, '.github/CODEOWNERS').match(path)?.owners;

describe('CODEOWNERS (GitHub semantics, last matching rule wins)', () => {
  const co = parseCodeowners(REAL, '.github/CODEOWNERS');

  it('falls back to the catch-all', () => {
    expect(owners('README.md')).toEqual(['@global-owner1', '@global-owner2']);
  });

  it('*.js anywhere, with an inline comment stripped', () => {
    expect(owners('src/deep/a.js')).toEqual(['@js-owner']);
    expect(owners('index.js')).toEqual(['@js-owner']);
    expect(owners('src/a.jsx')).toEqual(['@global-owner1', '@global-owner2']);
  });

  it('an e-mail owner', () => {
    expect(owners('cmd/main.go')).toEqual(['docs@example.com']);
  });

  it('anchored directory patterns match everything below, only at the root', () => {
    expect(owners('build/logs/a/b/c.log')).toEqual(['@doctocat']);
    expect(owners('x/build/logs/c.log')).toEqual(['@global-owner1', '@global-owner2']);
  });

  it('docs/* has a slash, so it is anchored at the root (gitignore); /docs/ later wins there', () => {
    // GitHub's own example: "docs/*" matches docs/getting-started.md, not docs/build-app/troubleshooting.md.
    const onlyDocsStar = parseCodeowners('* @all\ndocs/* @docs\n');
    expect(onlyDocsStar.match('docs/getting-started.md')?.owners).toEqual(['@docs']);
    expect(onlyDocsStar.match('docs/build-app/troubleshooting.md')?.owners).toEqual(['@all']);
    expect(onlyDocsStar.match('guide/docs/intro.md')?.owners).toEqual(['@all']);
    expect(owners('guide/docs/intro.md')).toEqual(['@global-owner1', '@global-owner2']);
    expect(owners('docs/intro.md')).toEqual(['@doctocat']);
    expect(owners('docs/a/b.js')).toEqual(['@doctocat']); // later than *.js
  });

  it('an unanchored directory pattern (apps/) matches at any depth; a later rule without owners leaves none', () => {
    expect(owners('apps/web/src/a.ts')).toEqual(['@octocat']);
    expect(owners('services/apps/x.ts')).toEqual(['@octocat']);
    const rule = co.match('apps/github/main.ts');
    expect(rule?.pattern).toBe('/apps/github');
    expect(rule?.owners).toEqual([]);
  });

  it('apps/payments/** wins over apps/ (last match), users and teams together', () => {
    expect(owners('apps/payments/api/charge.js')).toEqual(['@acme/payments', '@bob']);
    expect(splitOwners(owners('apps/payments/api/charge.js'))).toEqual({ users: ['@bob'], teams: ['@acme/payments'] });
  });

  it('is case-sensitive', () => {
    expect(owners('Scripts/build.sh')).toEqual(['@scripts-owner']);
    expect(owners('scripts/build.sh')).toEqual(['@global-owner1', '@global-owner2']);
  });

  it('skips what GitHub does not support (negation, ranges, \\# escapes) and says which line', () => {
    const lineOf = (text: string) => REAL.split('\n').indexOf(text) + 1;
    expect(co.problems.map((p) => p.line)).toEqual([
      lineOf('!/legacy/ @nobody'),
      lineOf('/vendor/[ab]/ @vendor'),
      lineOf('\\#notes @someone'),
    ]);
    expect(lineOf('!/legacy/ @nobody')).toBeGreaterThan(0);
    expect(co.problems[0]?.message).toMatch(/negation/);
    expect(owners('legacy/x.py')).toEqual(['@global-owner1', '@global-owner2']);
    expect(owners('vendor/a/x.py')).toEqual(['@global-owner1', '@global-owner2']);
  });

  it('rejects lines with something that is not an owner', () => {
    const c = parseCodeowners('* @ok\nsrc/ not-an-owner\n');
    expect(c.rules).toHaveLength(1);
    expect(c.problems[0]?.message).toMatch(/not an owner/);
  });

  it('with no rules nothing matches; ./ and ../ paths are handled', () => {
    expect(parseCodeowners('# only comments\n').match('a.js')).toBeUndefined();
    expect(owners('./src/a.js')).toEqual(['@js-owner']);
    expect(owners('../outside.js')).toBeUndefined();
  });

  it('assignable logins are users with @, not teams or e-mail', () => {
    expect(assignableLogin('@bob')).toBe('bob');
    expect(assignableLogin('@acme/payments')).toBeUndefined();
    expect(assignableLogin('bob@example.com')).toBeUndefined();
  });
});

describe('reading CODEOWNERS from a workspace (GitHub precedence)', () => {
  const tree = (files: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'codeowners-'));
    for (const [p, text] of Object.entries(files)) {
      mkdirSync(join(dir, p, '..'), { recursive: true });
      writeFileSync(join(dir, p), text);
    }
    return dir;
  };

  it('.github/CODEOWNERS first, then CODEOWNERS, then docs/CODEOWNERS; only the first found is used', () => {
    const all = tree({ '.github/CODEOWNERS': '* @from-github\n', CODEOWNERS: '* @from-root\n', 'docs/CODEOWNERS': '* @from-docs\n' });
    const two = tree({ CODEOWNERS: '* @from-root\n', 'docs/CODEOWNERS': '*.md @from-docs\n' });
    const docs = tree({ 'docs/CODEOWNERS': '* @from-docs\n' });
    const none = tree({ 'src/a.js': '' });
    try {
      expect(readCodeowners(all).codeowners?.match('a.js')?.owners).toEqual(['@from-github']);
      expect(readCodeowners(all).codeowners?.file).toBe('.github/CODEOWNERS');
      // Not merged: docs/CODEOWNERS is not consulted when CODEOWNERS exists.
      expect(readCodeowners(two).codeowners?.match('a.md')?.owners).toEqual(['@from-root']);
      expect(readCodeowners(docs).codeowners?.match('a.md')?.owners).toEqual(['@from-docs']);
      expect(readCodeowners(none)).toEqual({ warnings: [] });
    } finally {
      for (const d of [all, two, docs, none]) rmSync(d, { recursive: true, force: true });
    }
  });

  it('does not follow a symbolic link, and says so', () => {
    const dir = tree({ 'secret.txt': '* @x\n' });
    try {
      mkdirSync(join(dir, '.github'));
      symlinkSync(join(dir, 'secret.txt'), join(dir, '.github/CODEOWNERS'));
      const r = readCodeowners(dir);
      expect(r.codeowners).toBeUndefined();
      expect(r.warnings[0]).toMatch(/symbolic link/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('owners of findings', () => {
  const POLICY = `${BASE_POLICY}components:
  - {name: payments, paths: ["apps/payments/**"], owner: "@acme/payments", owners: ["@carol"]}
  - {name: web, paths: ["apps/web/**"]}
`;
  const co = parseCodeowners('* @acme/platform\napps/ @octocat\n', 'CODEOWNERS');
  const file = (findings: ReturnType<typeof finding>[]) => ({ file: 'x.sarif', findings, tools: [{ name: 'CodeQL' }], errors: [] });

  it('component owners first, else CODEOWNERS; recorded in the ledger; gates match owner: globs', () => {
    const policy = policyFrom(
      `${POLICY.replace('gates:\n  default:\n    - {name: No critical, severity: critical}\n', '')}gates:
  default:
    - {name: Payments team, owner: "@ACME/pay*", max: 0}
`,
    );
    const r = runEngine({
      files: [
        file([
          finding({ fingerprint: 'a', path: 'apps/payments/x.js' }),
          finding({ fingerprint: 'b', path: 'apps/web/y.js' }),
          finding({ fingerprint: 'c', path: 'lib/z.js' }),
          finding({ fingerprint: 'd', path: undefined, location: 'https://x.example/' }),
        ]),
      ],
      policy,
      environment: 'default',
      onInputError: 'fail',
      now: NOW,
      ledger: { entries: {}, runs: [] },
      codeowners: co,
    });
    const by = Object.fromEntries(r.findings.map((f) => [f.fingerprint, f]));
    expect(by.a?.owners).toEqual(['@acme/payments', '@carol']);
    expect(by.a?.ownersFrom).toBe('component payments');
    // A component without owners falls through to CODEOWNERS.
    expect(by.b?.owners).toEqual(['@octocat']);
    expect(by.b?.ownersFrom).toBe('CODEOWNERS:2 (apps/)');
    expect(by.c?.owners).toEqual(['@acme/platform']);
    expect(by.d?.owners).toBeUndefined();
    expect(r.nextLedger.entries.a?.owners).toEqual(['@acme/payments', '@carol']);
    expect(r.nextLedger.entries.d?.owners).toBeUndefined();
    expect(r.verdict.status).toBe('fail');
    expect(r.verdict.rules[0]?.findings).toEqual(['a']);
    expect(r.verdict.rules[0]?.conditions).toBe('owner @ACME/pay*');
  });
});

describe('owners through the CLI (check --report, --format markdown, explain) on a CodeQL run', () => {
  let ws: string;
  const io = () => {
    const out = { stdout: '', stderr: '' };
    return {
      out,
      io: {
        stdout: (s: string) => (out.stdout += s),
        stderr: (s: string) => (out.stderr += s),
        cwd: ws,
        env: {},
        isTTY: false,
        now: () => new Date('2026-11-25T12:00:00Z'),
      },
    };
  };
  beforeAll(() => {
    ws = mkdtempSync(join(tmpdir(), 'dg-owners-'));
    copyFileSync('__fixtures__/corpus/defectdojo/sarif/codeQL-output.sarif', join(ws, 'codeql.sarif'));
    mkdirSync(join(ws, '.github'));
    // Real-looking: a default team, an unanchored directory rule, a later anchored file rule wins for libuser.py.
    writeFileSync(join(ws, '.github/CODEOWNERS'), '* @acme/platform\nbad/ @acme/legacy\n/bad/libuser.py @bob @acme/identity\n');
    writeFileSync(join(ws, 'CODEOWNERS'), '* @never-used\n');
    writeFileSync(
      join(ws, 'policy.yml'),
      `${BASE_POLICY}components:\n  - {name: sessions, paths: ["bad/libsession.py"], owner: "@acme/sessions"}\n`,
    );
  });
  afterAll(() => rmSync(ws, { recursive: true, force: true }));

  it('JSON report, job summary owner column, explain', async () => {
    const a = io();
    await runCli(['check', '--policy', 'policy.yml', '--report', 'report.json', 'codeql.sarif'], a.io);
    const report = JSON.parse(readFileSync(join(ws, 'report.json'), 'utf8')) as {
      findings: { path?: string; owners?: string[]; ownersFrom?: string; fingerprint: string }[];
    };
    const at = (p: string) => report.findings.find((f) => f.path === p);
    expect(at('bad/libuser.py')).toMatchObject({
      owners: ['@bob', '@acme/identity'],
      ownersFrom: '.github/CODEOWNERS:3 (/bad/libuser.py)',
    });
    expect(at('bad/libapi.py')).toMatchObject({ owners: ['@acme/legacy'], ownersFrom: '.github/CODEOWNERS:2 (bad/)' });
    expect(at('bad/libsession.py')).toMatchObject({ owners: ['@acme/sessions'], ownersFrom: 'component sessions' });
    expect(report.findings.every((f) => !f.owners?.includes('@never-used'))).toBe(true);

    const b = io();
    await runCli(['check', '--policy', 'policy.yml', '--format', 'markdown', 'codeql.sarif'], b.io);
    expect(b.out.stdout).toContain('| Severity | Finding | Location | Owners | Tool |');
    // In code spans: a summary or comment never notifies the owners.
    expect(b.out.stdout).toContain('`@bob` `@acme/identity`');
    expect(b.out.stdout).not.toMatch(/[^`]@bob/);

    const c = io();
    const fp = at('bad/libuser.py')?.fingerprint as string;
    await runCli(['explain', '--policy', 'policy.yml', '--fingerprint', fp, 'codeql.sarif'], c.io);
    expect(c.out.stdout).toContain('  owners:     @bob @acme/identity (.github/CODEOWNERS:3 (/bad/libuser.py))');
  });
});
