import { describe, expect, it, beforeAll, afterAll } from '@jest/globals';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { validateXML } from 'xmllint-wasm';
import { parse as parseYaml } from 'yaml';
import { helpText, runCli } from '../src/cli';

// --gitlab-codequality and --junit, checked against the vendored schemas (schema/vendor/README.md), and the GitLab CI
// and Jenkins templates (templates/): valid YAML, their defect-gate commands run as written, README shows them verbatim.

const XSD = readFileSync('schema/vendor/jenkins-junit.xsd', 'utf8');
const ajv = new Ajv({ allErrors: true, strict: false });
const codeQualitySchema = ajv.compile(JSON.parse(readFileSync('schema/vendor/gitlab-codequality.schema.json', 'utf8')) as object);

async function validJunit(xml: string): Promise<string[]> {
  const r = await validateXML({
    xml: [{ fileName: 'junit.xml', contents: xml }],
    schema: [{ fileName: 'jenkins-junit.xsd', contents: XSD }],
  });
  return r.valid ? [] : r.errors.map((e) => e.rawMessage);
}

let ws: string;
beforeAll(() => {
  ws = mkdtempSync(join(tmpdir(), 'dg-ci-reports-'));
  mkdirSync(join(ws, 'reports'));
  for (const f of ['codeql', 'gitleaks', 'grype', 'semgrep']) copyFileSync(`examples/${f}.sarif`, join(ws, `reports/${f}.sarif`));
  copyFileSync('policies/default.yml', join(ws, '.defect-gate.yml'));
});
afterAll(() => rmSync(ws, { recursive: true, force: true }));

async function cli(args: string[], cwd = ws) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    cwd,
    env: {},
    isTTY: false,
    now: () => new Date('2026-11-25T12:00:00Z'),
  });
  return { code, stdout, stderr };
}

describe('GitLab Code Quality and JUnit reports', () => {
  it("match GitLab's documented Code Quality format and the Jenkins JUnit XSD on the examples", async () => {
    const r = await cli([
      'check',
      '--environment',
      'production',
      '--format',
      'json',
      '--gitlab-codequality',
      'out/cq.json',
      '--junit',
      'out/junit.xml',
      'reports/',
    ]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { counts: { blocking: number }; verdict: { rules: { name: string }[] } };
    const cq = JSON.parse(readFileSync(join(ws, 'out/cq.json'), 'utf8')) as {
      severity: string;
      fingerprint: string;
      location: { path: string };
    }[];
    expect(codeQualitySchema(cq) ? [] : codeQualitySchema.errors).toEqual([]);
    expect(cq.length).toBeGreaterThan(0);
    expect(new Set(cq.map((i) => i.fingerprint)).size).toBe(cq.length); // GitLab compares base and head by fingerprint
    expect(cq.filter((i) => i.severity === 'blocker')).toHaveLength(report.counts.blocking);
    const xml = readFileSync(join(ws, 'out/junit.xml'), 'utf8');
    expect(await validJunit(xml)).toEqual([]);
    // one test case per gate rule and one failing test case per blocking finding
    expect((xml.match(/<testcase /g) ?? []).length).toBe(report.verdict.rules.length + report.counts.blocking);
    expect((xml.match(/<failure /g) ?? []).length).toBeGreaterThanOrEqual(report.counts.blocking + 1);
  });

  it('stay valid on hostile scanner text (markup, CDATA ends, control characters, lone surrogates)', async () => {
    const nasty = 'x</failure>]]><!-- & "q" \'a\' \u0001\u0008\u001b[31m \ud800 <script>';
    const sarif = {
      version: '2.1.0',
      runs: [
        {
          tool: { driver: { name: `T${nasty}`, rules: [{ id: 'r1', properties: { 'security-severity': '9.8' } }] } },
          results: [
            {
              ruleId: 'r1',
              level: 'error',
              message: { text: nasty },
              locations: [{ physicalLocation: { artifactLocation: { uri: 'src/a<b>.js' }, region: { startLine: 3 } } }],
            },
          ],
        },
      ],
    };
    writeFileSync(join(ws, 'nasty.sarif'), JSON.stringify(sarif));
    const r = await cli(['check', '--gitlab-codequality', 'n/cq.json', '--junit', 'n/junit.xml', 'nasty.sarif']);
    expect(r.code).toBe(1);
    expect(await validJunit(readFileSync(join(ws, 'n/junit.xml'), 'utf8'))).toEqual([]);
    const cq = JSON.parse(readFileSync(join(ws, 'n/cq.json'), 'utf8')) as unknown;
    expect(codeQualitySchema(cq) ? [] : codeQualitySchema.errors).toEqual([]);
  });

  it('a passing run gives an empty Code Quality array and a JUnit report without failures; input errors are JUnit errors', async () => {
    writeFileSync(join(ws, 'empty.sarif'), JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [] }] }));
    const r = await cli(['check', '--gitlab-codequality', 'p/cq.json', '--junit', 'p/junit.xml', 'empty.sarif']);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(join(ws, 'p/cq.json'), 'utf8'))).toEqual([]);
    const xml = readFileSync(join(ws, 'p/junit.xml'), 'utf8');
    expect(await validJunit(xml)).toEqual([]);
    expect(xml).not.toContain('<failure');
    writeFileSync(join(ws, 'broken.sarif'), '{"version": "2.1.0", "runs": [');
    const b = await cli(['check', '--junit', 'b/junit.xml', 'broken.sarif']);
    expect(b.code).toBe(2);
    const bx = readFileSync(join(ws, 'b/junit.xml'), 'utf8');
    expect(await validJunit(bx)).toEqual([]);
    expect(bx).toMatch(/<error type="input"/);
  });

  it('an output path that is a directory is a usage error before the run', async () => {
    mkdirSync(join(ws, 'adir'), { recursive: true });
    const r = await cli(['check', '--junit', 'adir', 'reports/']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--junit: cannot write "adir"/);
  });
});

/** The defect-gate arguments of a template command (`npx --yes defect-gate@1 check …`), quotes and variables resolved. */
function defectGateArgs(command: string, vars: Record<string, string>): string[] {
  const m = /npx --yes defect-gate@\d+ (.*)$/s.exec(command.trim());
  if (!m) throw new Error(`not a defect-gate command: ${command}`);
  const words = (m[1] as string).match(/"[^"]*"|'[^']*'|\S+/g) ?? [];
  return words.map((w) => w.replace(/^["']|["']$/g, '').replace(/\$\{?(\w+)\}?/g, (_, v: string) => vars[v] ?? ''));
}

function flagsOf(args: string[]): string[] {
  return args.filter((a) => a.startsWith('--'));
}

describe('CI templates', () => {
  const gitlab = readFileSync('templates/gitlab-ci.yml', 'utf8');
  const jenkins = readFileSync('templates/Jenkinsfile', 'utf8');

  it('templates/gitlab-ci.yml parses, its reports are the files the command writes, and the command runs as written', async () => {
    const doc = parseYaml(gitlab, { uniqueKeys: true }) as Record<
      string,
      { script?: (string | string[])[]; variables?: Record<string, string>; artifacts?: { reports?: Record<string, string> } }
    >;
    const job = doc['defect-gate'];
    expect(job).toBeDefined();
    const command = (job?.script ?? []).flat().find((s) => s.includes('defect-gate@'));
    expect(command).toBeDefined();
    const args = defectGateArgs(command as string, job?.variables ?? {});
    for (const flag of flagsOf(args)) expect(await helpText()).toContain(flag);
    const at = (flag: string) => args[args.indexOf(flag) + 1];
    expect(job?.artifacts?.reports?.codequality).toBe(at('--gitlab-codequality'));
    expect(job?.artifacts?.reports?.junit).toBe(at('--junit'));
    // GitLab's security report keys, each the file of the matching option (schema-checked in gitlab-security.test.ts)
    expect(job?.artifacts?.reports?.sast).toBe(at('--gitlab-sast'));
    expect(job?.artifacts?.reports?.dependency_scanning).toBe(at('--gitlab-dependency-scanning'));
    expect(job?.artifacts?.reports?.container_scanning).toBe(at('--gitlab-container-scanning'));
    const r = await cli(args);
    expect(r.stderr).not.toMatch(/Run 'defect-gate ([a-z]+ )*--help'/);
    expect(r.code).toBe(1); // the examples hold critical findings: the production gate fails
    expect(await validJunit(readFileSync(join(ws, at('--junit') as string), 'utf8'))).toEqual([]);
    expect(codeQualitySchema(JSON.parse(readFileSync(join(ws, at('--gitlab-codequality') as string), 'utf8')))).toBe(true);
    for (const [flag, file] of [
      ['--gitlab-sast', 'sast'],
      ['--gitlab-dependency-scanning', 'dependency-scanning'],
      ['--gitlab-container-scanning', 'container-scanning'],
    ] as const) {
      const validate = ajv.compile(JSON.parse(readFileSync(`schema/vendor/gitlab/${file}-report-format.json`, 'utf8')) as object);
      const doc = JSON.parse(readFileSync(join(ws, at(flag) as string), 'utf8')) as unknown;
      expect(validate(doc) ? [] : validate.errors).toEqual([]);
    }
  });

  it('templates/Jenkinsfile runs a real defect-gate command and publishes the JUnit file it writes', async () => {
    const sh = /sh '([^']+)'/.exec(jenkins)?.[1];
    expect(sh).toBeDefined();
    const args = defectGateArgs(sh as string, {});
    for (const flag of flagsOf(args)) expect(await helpText()).toContain(flag);
    const junitFile = args[args.indexOf('--junit') + 1];
    expect(jenkins).toContain(`junit testResults: '${junitFile}'`);
    const r = await cli(args);
    expect(r.code).toBe(1);
    expect(await validJunit(readFileSync(join(ws, junitFile as string), 'utf8'))).toEqual([]);
  });

  it('README shows both templates verbatim', () => {
    const readme = readFileSync('README.md', 'utf8');
    expect(readme).toContain(gitlab.trim());
    expect(readme).toContain(jenkins.trim());
  });
});
