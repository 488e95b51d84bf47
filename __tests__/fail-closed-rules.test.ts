import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestText } from '../src/ingest/index';
import { MAX_STRING } from '../src/ingest/json';
import { ingestSarifFile } from '../src/io/file-bytes';
import { runEngine } from '../src/engine';
import { BASE_POLICY, policyFrom } from './helpers';
import { InputOpenError, openInput, readWholeFd, resolveInputs } from '../src/io/inputs';
import { readInputs } from '../src/check';
import { silentLogger } from '../src/logger';

/**
 * Issue #14, the rules added last: XML entity declarations, SARIF logs without runs, unknown schema versions of native
 * formats, and inputs swapped between their check and their read.
 */

const EDGE = '__fixtures__/edge/fail-closed';
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dg-fail-closed-rules-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ZAP_SITE =
  '<OWASPZAPReport version="2.9.0"><site name="https://example.org" host="example.org" port="443" ssl="true"><alerts><alertitem><pluginid>10020</pluginid><alert>X</alert><name>X</name><riskcode>3</riskcode><confidence>2</confidence><riskdesc>High (Medium)</riskdesc><desc>DESC</desc><instances><instance><uri>https://example.org/</uri><method>GET</method></instance></instances><count>1</count><solution>s</solution><cweid>1021</cweid><wascid>15</wascid><sourceid>1</sourceid></alertitem></alerts></site></OWASPZAPReport>';

describe('XML entity declarations are refused', () => {
  it('billion laughs: an input error at the first <!ENTITY, nothing expanded', () => {
    const r = ingestText(readFileSync(`${EDGE}/zap-billion-laughs.xml`, 'utf8'), { file: 'zap.xml' });
    expect(r.findings).toEqual([]);
    expect(r.errors).toEqual([
      {
        file: 'zap.xml',
        severity: 'fatal',
        line: 3,
        column: 3,
        message: expect.stringMatching(/^XML refused: the DOCTYPE declares an entity \(<!ENTITY\): entity declarations are refused/),
        hint: expect.stringContaining('remove the DOCTYPE'),
      },
    ]);
  });

  it('an external entity (XXE) never reads the file it names', () => {
    const secret = join(dir, 'secret.txt');
    writeFileSync(secret, 'TOP-SECRET-CONTENT');
    for (const decl of [
      `<!ENTITY xxe SYSTEM "file://${secret}">`,
      `<!ENTITY % p SYSTEM "file://${secret}"> %p;`,
      `<!ENTITY xxe PUBLIC "-//X//Y" "${secret}">`,
    ]) {
      const text = `<?xml version="1.0"?>\n<!DOCTYPE OWASPZAPReport [\n${decl}\n]>\n${ZAP_SITE.replace('DESC', '&xxe;')}`;
      const r = ingestText(text, { file: 'zap.xml' });
      expect(r.findings).toEqual([]);
      expect(r.errors).toEqual([
        expect.objectContaining({ severity: 'fatal', line: 3, column: 1, message: expect.stringContaining('<!ENTITY') }),
      ]);
      expect(JSON.stringify(r)).not.toContain('TOP-SECRET');
    }
  });

  it('an internal entity cannot replace report text (no injection), in any case of the keyword', () => {
    const text = `<!doctype OWASPZAPReport [ <!-- ' --> <!entity desc "<b>injected</b>"> ]>${ZAP_SITE.replace('DESC', '&desc;')}`;
    expect(ingestText(text, { file: 'zap.xml' }).errors).toEqual([expect.objectContaining({ severity: 'fatal', line: 1, column: 39 })]);
  });

  it('allowed: a DOCTYPE naming an external DTD (never read), and DOCTYPE text inside the report', () => {
    const text = `<?xml version="1.0"?>\n<!-- zap -->\n<!DOCTYPE OWASPZAPReport SYSTEM "https://example.org/zap.dtd">\n${ZAP_SITE.replace('DESC', '&lt;!DOCTYPE x [&lt;!ENTITY a "b"&gt;]&gt; &amp; &quot;')}`;
    const r = ingestText(text, { file: 'zap.xml' });
    expect(r.errors).toEqual([]);
    expect(r.findings.map((f) => f.message)).toEqual(['<!DOCTYPE x [<!ENTITY a "b">]> & "\n\nSolution: s']);
  });
});

describe('a SARIF log without runs', () => {
  const CORPUS_NO_RUNS = '__fixtures__/corpus/defectdojo/sarif/no_runs.sarif';
  let n = 0;
  /** Read whole and streamed (tiny chunks): both must agree. */
  const both = (text: string) => {
    const path = join(dir, `r${n++}.sarif`);
    writeFileSync(path, text);
    const mem = ingestText(text, { file: 'in.sarif' });
    const streamed = ingestSarifFile(path, { file: 'in.sarif' }, undefined, { chunkSize: 7 });
    expect(streamed.errors).toEqual(mem.errors);
    expect(streamed.findings).toEqual(mem.findings);
    return mem;
  };

  it('`"runs": []` (the corpus no_runs.sarif) is a "scan incomplete" input error, read whole or streamed', () => {
    const r = both(readFileSync(CORPUS_NO_RUNS, 'utf8'));
    expect(r.errors).toEqual([
      {
        file: 'in.sarif',
        jsonPath: '$.runs',
        severity: 'fatal',
        message: 'no runs: the scanner produced no results; an empty scan is a run with "results": []',
        hint: expect.stringContaining('incomplete-scans: {default: warn}'),
        incompleteScan: { tool: 'default' },
      },
    ]);
    // A run that found nothing is a clean scan.
    expect(both('{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"T"}},"results":[]}]}').errors).toEqual([]);
  });

  const judge = (policy: string) =>
    runEngine({
      files: [ingestText(readFileSync(CORPUS_NO_RUNS, 'utf8'), { file: 'no_runs.sarif' })],
      policy: policyFrom(policy),
      environment: 'default',
      onInputError: 'fail',
      now: new Date('2026-11-25T12:00:00Z'),
    });

  it('fails the gate by default; incomplete-scans `default: warn` accepts it as a warning (a tool name does not)', () => {
    expect(judge(BASE_POLICY).verdict.status).toBe('fail');
    const warned = judge(`${BASE_POLICY}incomplete-scans: {default: warn}\n`);
    expect(warned.verdict.status).toBe('warn');
    expect(warned.errors).toEqual([
      expect.objectContaining({ severity: 'scanner', message: expect.stringContaining('(accepted as a warning: incomplete-scans)') }),
    ]);
    expect(judge(`${BASE_POLICY}incomplete-scans: {default: fail, CodeQL: warn}\n`).verdict.status).toBe('fail');
  });
});

describe('an input swapped between its check and its read (symbolic link TOCTOU)', () => {
  const REPORT = '{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"T"}},"results":[{"ruleId":"r","message":{"text":"inside"}}]}]}';
  let n = 0;
  /** A workspace with reports/scan.sarif a link to reports/real.sarif, and a file outside the workspace. */
  const setup = () => {
    const root = join(dir, `toctou${n++}`);
    const ws = join(root, 'ws');
    mkdirSync(join(ws, 'reports'), { recursive: true });
    writeFileSync(join(ws, 'reports', 'real.sarif'), REPORT);
    writeFileSync(join(ws, 'reports', 'other.sarif'), REPORT.replace('inside', 'other'));
    writeFileSync(join(root, 'outside.sarif'), REPORT.replace('inside', 'OUTSIDE-SECRET'));
    const link = join(ws, 'reports', 'scan.sarif');
    symlinkSync('real.sarif', link);
    /** Points the link somewhere else atomically (as an attacker racing the check would). */
    const swap = (to: string) => {
      symlinkSync(to, `${link}.new`);
      renameSync(`${link}.new`, link);
    };
    return { root, ws, link, swap };
  };
  const refused = (f: () => unknown) => {
    try {
      const got = f();
      return `not refused: ${JSON.stringify(got)}`;
    } catch (err) {
      return err instanceof InputOpenError ? err.message : `another error: ${String(err)}`;
    }
  };

  it('a link checked inside the workspace, then pointed outside before the open: refused, the outside file never read', () => {
    const t = setup();
    const resolved = resolveInputs(['reports/scan.sarif'], t.ws);
    expect(resolved.errors).toEqual([]);
    t.swap(join(t.root, 'outside.sarif')); // between resolveInputs and the open
    expect(refused(() => openInput(resolved.files[0] as string, t.ws))).toMatch(
      /^now leads to ".*\/outside\.sarif", outside the workspace \(a link replaced after the inputs were checked\): not read$/,
    );
  });

  it('a link swapped after the open (to outside, or to another workspace file): the descriptor is not the checked file, refused', () => {
    const t = setup();
    // Opened inside, then the link is pointed outside: the path no longer names a workspace file.
    expect(refused(() => openInput(t.link, t.ws, () => t.swap(join(t.root, 'outside.sarif'))))).toMatch(/outside the workspace/);
    // Opened outside (swapped just before), then pointed back inside before the check: the opened file is not the one the
    // path names now.
    const t2 = setup();
    t2.swap(join(t2.root, 'outside.sarif'));
    expect(refused(() => openInput(t2.link, t2.ws, () => t2.swap('real.sarif')))).toMatch(
      /^the file opened is not the file the path names now/,
    );
    // The same with another file of the workspace: still refused (what was read must be what was checked).
    expect(refused(() => openInput(t2.link, t2.ws, () => t2.swap('other.sarif')))).toMatch(
      /^the file opened is not the file the path names now/,
    );
  });

  it('a link left alone reads the file it names, through the descriptor', () => {
    const t = setup();
    const opened = openInput(t.link, t.ws);
    try {
      expect(readWholeFd(opened.fd).toString('utf8')).toBe(REPORT);
      expect(readWholeFd(opened.fd).toString('utf8')).toBe(REPORT); // by position: a second read reads it all again
    } finally {
      closeSync(opened.fd);
    }
    // A path removed between the check and the open is an error too.
    unlinkSync(join(t.ws, 'reports', 'real.sarif'));
    expect(refused(() => openInput(t.link, t.ws))).toMatch(/^cannot read the file: ENOENT/);
  });

  it('check reads the verified file: findings of the link target, its identity kept for the rated SARIF', async () => {
    const t = setup();
    const read = await readInputs({ files: ['reports/scan.sarif'], workspace: t.ws, onInputError: 'fail' }, silentLogger);
    read.cleanup();
    expect(read.files.map((f) => [f.file, f.target, f.findings.map((x) => x.message), f.errors])).toEqual([
      ['reports/scan.sarif', 'reports/real.sarif', ['inside'], []],
    ]);
    expect(read.sarif).toEqual([expect.objectContaining({ file: 'reports/scan.sarif', dev: expect.any(Number), ino: expect.any(Number) })]);
  });
});

describe('unknown schema versions of native formats warn, naming the version seen and the known ones', () => {
  const C = '__fixtures__/corpus/defectdojo';
  const warnings = (text: string, file = 'in.json') => ingestText(text, { file }).errors.map((e) => [e.severity, e.jsonPath, e.message]);
  const withJson = (path: string, edit: (d: Record<string, unknown>) => void) => {
    const d = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    edit(d);
    return JSON.stringify(d);
  };

  it('the versions of the corpus are known: no warning', () => {
    const files = [
      'npm_audit_7_plus',
      'gitlab_sast',
      'gitlab_dep_scan',
      'gitlab_container_scan',
      'gitlab_secret_detection_report',
      'gitlab_dast',
      'dependency_check',
    ].flatMap((d) => readdirSync(`${C}/${d}`).map((f) => `${C}/${d}/${f}`));
    expect(files.length).toBeGreaterThan(40);
    const versionWarnings = files.flatMap((f) =>
      ingestText(readFileSync(f, 'utf8'), { file: f })
        .errors.filter((e) => /is not known/.test(e.message))
        .map((e) => `${f}: ${e.message}`),
    );
    expect(versionWarnings).toEqual([]);
  });

  it('npm audit: auditReportVersion 3 is read as 2, with a warning (it was an unrecognized file)', () => {
    const path = `${C}/npm_audit_7_plus/one_vuln.json`;
    const three = ingestText(
      withJson(path, (d) => (d.auditReportVersion = 3)),
      { file: 'audit.json' },
    );
    expect(three.findings.length).toBe(ingestText(readFileSync(path, 'utf8'), { file: 'audit.json' }).findings.length);
    expect(three.findings.length).toBeGreaterThan(0);
    expect(three.errors).toEqual([
      {
        file: 'audit.json',
        severity: 'scanner',
        jsonPath: '$.auditReportVersion',
        message: 'npm audit auditReportVersion 3 is not known (known: 2): read as the latest known version',
        hint: expect.any(String),
      },
    ]);
  });

  it('GitLab: a schema version of an unknown major warns (2.3 to 15.x are known)', () => {
    const path = `${C}/gitlab_sast/gl-sast-report-1-vuln_v15.json`;
    expect(warnings(withJson(path, (d) => (d.version = '16.0.0')))).toEqual([
      [
        'scanner',
        '$.version',
        'GitLab security report schema version "16.0.0" is not known (known: 2.x, 3.x, 13.x, 14.x, 15.x): read as the latest known version',
      ],
    ]);
    expect(warnings(withJson(path, (d) => (d.version = '15.2.1')))).toEqual([]);
  });

  it('Dependency-Check XML: a schema namespace of an unknown major warns (1.x and 2.x are known)', () => {
    const text = readFileSync(`${C}/dependency_check/single_vuln.xml`, 'utf8');
    expect(text).toContain('dependency-check.1.3.xsd');
    const r = ingestText(text.replace('dependency-check.1.3.xsd', 'dependency-check.3.0.xsd'), { file: 'dc.xml' });
    expect(r.findings.length).toBeGreaterThan(0);
    expect(r.errors.map((e) => [e.severity, e.jsonPath, e.message])).toEqual([
      [
        'scanner',
        '/analysis/@xmlns',
        'Dependency-Check report schema "https://jeremylong.github.io/DependencyCheck/dependency-check.3.0.xsd" is not known (known: dependency-check.1.x.xsd, dependency-check.2.x.xsd): read as the latest known version',
      ],
    ]);
  });
});

describe('streamed SARIF: a long string is never held whole', () => {
  const log = (msg: string, extra = '') =>
    `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"T"}},"results":[{"ruleId":"r","message":{"text":"${msg}"}${extra},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a.js"},"region":{"startLine":1,"snippet":{"text":"${msg.slice(0, 300_000)}"}}}}]},{"ruleId":"s","message":{"text":"short"}}]}]}`;
  let n = 0;
  const compare = (text: string) => {
    const path = join(dir, `long${n++}.sarif`);
    writeFileSync(path, text);
    const whole = ingestText(text, { file: 'in.sarif' });
    // Chunks smaller and larger than the string, and than the part of it that is kept.
    for (const chunkSize of [7, 1 << 16, 1 << 22]) {
      const streamed = ingestSarifFile(path, { file: 'in.sarif' }, undefined, { chunkSize });
      expect(streamed.errors).toEqual(whole.errors);
      expect(streamed.findings).toEqual(whole.findings);
    }
    return whole;
  };

  it('the same findings as read whole (the same cut and note), ASCII, multibyte, escapes, a string longer than the read size', () => {
    const cases = [
      'x'.repeat(5_000_000),
      'é😀'.repeat(700_000),
      '\\n\\"\\u00e9\\\\'.repeat(300_000),
      `${'a'.repeat(65_530)}\\ud83d\\ude00${'b'.repeat(2_000_000)}`,
    ];
    for (const msg of cases) {
      const r = compare(log(msg));
      expect(r.errors).toEqual([]);
      expect(r.findings.map((f) => f.ruleId)).toEqual(['r', 's']);
      expect(r.findings[0]?.message).toMatch(/… \[cut: \d+ characters\]$/);
      expect(r.findings[0]?.message.length).toBeLessThan(MAX_STRING + 40);
    }
  });

  it('errors after or inside a long string are named as when read whole (syntax, bad escape, duplicate key)', () => {
    const long = 'x'.repeat(2_000_000);
    const errors = [
      log(long).replace('"ruleId":"r"', '"ruleId":"r",,'),
      log(`${long.slice(0, 1_000_000)}\\q${long.slice(1_000_000)}`),
      log(`${long.slice(0, 1_000_000)}\u0001${long.slice(1_000_000)}`),
      // (On a line of its own: positions past the first MiB of a line are not counted exactly when streamed.)
      log(long, ',\n"ruleId":"again"'),
    ];
    for (const text of errors)
      expect(compare(text).errors).toEqual([
        expect.objectContaining({ severity: 'fatal', line: expect.any(Number), column: expect.any(Number) }),
      ]);
  });
});
