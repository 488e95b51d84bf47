import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ingestText } from '../src/ingest/index';
import { PARSERS } from '../src/ingest/registry';
import { resolveInputs } from '../src/io/inputs';
import { runCli } from '../src/cli';
import { OutputPathError, runCheck, type CheckSettings } from '../src/check';
import { silentLogger } from '../src/logger';
import { loadEnrichment } from '../src/io/enrichment';

/**
 * Issue #14, "fail closed everywhere": input files, formats, gzip, encodings, enrichment files. Every bypass class
 * (a way to make the gate read fewer findings than the files hold without an error) has a regression test here.
 */

const CORPUS = '__fixtures__/corpus/defectdojo';

/** One real file per format: the first of each corpus folder that detection reads, with its format. */
function onePerFormat(): { file: string; format: string }[] {
  const out = new Map<string, string>();
  for (const dir of readdirSync(CORPUS).sort()) {
    let entries: string[];
    try {
      entries = readdirSync(join(CORPUS, dir)).sort();
    } catch {
      continue;
    }
    for (const e of entries) {
      const file = join(CORPUS, dir, e);
      if (!/\.(json|sarif|xml)$/.test(e) || statSync(file).size > 200_000) continue;
      const r = ingestText(readFileSync(file, 'utf8'), { file });
      if (r.format && !out.has(r.format)) out.set(r.format, file);
      if (r.format) break;
    }
  }
  return [...out].map(([format, file]) => ({ file, format }));
}

describe('forced formats must fit the content', () => {
  const samples = onePerFormat();

  it('covers most formats', () => {
    expect(samples.length).toBeGreaterThanOrEqual(12);
  });

  it.each(samples)('$format ($file) forced as any other format is an input error naming what it looks like', ({ file, format }) => {
    const text = readFileSync(file, 'utf8');
    const label = PARSERS.find((p) => p.id === format)?.label as string;
    for (const other of PARSERS) {
      if (other.id === format) continue;
      const r = ingestText(text, { file }, other.id);
      expect(r.findings).toEqual([]);
      expect(r.errors).toHaveLength(1);
      const e = r.errors[0];
      expect(e?.severity).toBe('fatal');
      expect(e?.file).toBe(file);
      if (other.syntax === PARSERS.find((p) => p.id === format)?.syntax) {
        expect(e?.message).toBe(`forced as ${other.id}, but the content looks like ${label}`);
      } else {
        expect(e?.message).toMatch(/XML|looks like/);
      }
    }
  });

  it('a SARIF log forced as Grype is an error, not 0 findings and a pass', () => {
    const sarif = JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { name: 'CodeQL' } }, results: [] }] });
    const r = ingestText(sarif, { file: 'codeql.json' }, 'grype');
    expect(r.errors).toEqual([
      expect.objectContaining({
        file: 'codeql.json',
        jsonPath: '$',
        severity: 'fatal',
        message: 'forced as grype, but the content looks like SARIF 2.1.0',
      }),
    ]);
    expect(r.errors[0]?.hint).toBe(
      'remove the format override (input-formats / --input-format) for this file: detection reads it as sarif',
    );
  });

  it('content of no known format forced as Grype says what it is', () => {
    const r = ingestText('{"foo": 1}', { file: 'x.json' }, 'grype');
    expect(r.errors[0]?.message).toBe('forced as grype, but the content is not Grype JSON: an object with top-level keys "foo"');
  });

  it('empty reports that detection cannot tell apart still load when their format is forced', () => {
    for (const [text, format] of [
      ['[]', 'gitleaks'],
      ['[]', 'trivy'],
      ['{"results": []}', 'osv-scanner'],
      ['{"results": [], "errors": []}', 'semgrep'],
    ] as const) {
      const r = ingestText(text, { file: 'x.json' }, format);
      expect({ text, format, errors: r.errors, got: r.format }).toEqual({ text, format, errors: [], got: format });
    }
    // A null document is not an empty report (Gitleaks writes [] when it finds nothing): an error, forced or not.
    expect(ingestText('null', { file: 'x.json' }, 'gitleaks').errors.map((e) => e.severity)).toEqual(['fatal']);
    // Without the override they are not guessed.
    expect(ingestText('[]', { file: 'x.json' }).errors[0]?.message).toMatch(/unrecognized input/);
  });
});

describe('symbolic links', () => {
  let ws: string;
  let outside: string;
  const SARIF = (rule: string) =>
    JSON.stringify({
      version: '2.1.0',
      runs: [{ tool: { driver: { name: 'T' } }, results: [{ ruleId: rule, level: 'error', message: { text: rule } }] }],
    });

  beforeAll(() => {
    const top = mkdtempSync(join(tmpdir(), 'dg-links-'));
    ws = join(top, 'ws');
    outside = join(top, 'outside');
    mkdirSync(join(ws, 'reports/real'), { recursive: true });
    mkdirSync(join(ws, 'scans'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(ws, 'scans/a.sarif'), SARIF('a'));
    writeFileSync(join(ws, 'reports/real/b.sarif'), SARIF('b'));
    writeFileSync(join(outside, 'secret.sarif'), SARIF('outside'));
    mkdirSync(join(outside, 'dir'));
    writeFileSync(join(outside, 'dir/c.sarif'), SARIF('c'));
  });
  afterAll(() => rmSync(join(ws, '..'), { recursive: true, force: true }));

  /** A fresh directory under the workspace for one case. */
  function dir(name: string): string {
    const d = join(ws, name);
    mkdirSync(d, { recursive: true });
    return d;
  }

  it('a link to a file inside the workspace is read, once, and listed with its target', () => {
    const d = dir('in-file');
    symlinkSync('../scans/a.sarif', join(d, 'a.sarif'));
    symlinkSync(join(ws, 'scans/a.sarif'), join(d, 'again.sarif'));
    const r = resolveInputs(['in-file', 'in-file/*.sarif', 'scans/a.sarif'], ws);
    expect(r.errors).toEqual([]);
    expect(r.files).toEqual([join(d, 'a.sarif')]);
    expect(r.targets.get(join(d, 'a.sarif'))).toBe('scans/a.sarif');
  });

  it('a link to a directory inside the workspace is walked (directory inputs and globs), loops end', () => {
    const d = dir('in-dir');
    symlinkSync('../reports/real', join(d, 'linked'));
    symlinkSync('..', join(d, 'loop')); // in-dir/loop -> the workspace root: walked once, not forever
    const asDir = resolveInputs(['in-dir'], ws);
    expect(asDir.errors).toEqual([]);
    expect(asDir.files.map((f) => relative(ws, f))).toContain(join('in-dir', 'linked', 'b.sarif'));
    const asGlob = resolveInputs(['in-dir/linked/*.sarif'], ws);
    expect(asGlob.errors).toEqual([]);
    expect(asGlob.files).toEqual([join(d, 'linked/b.sarif')]);
    expect(asGlob.targets.get(join(d, 'linked/b.sarif'))).toBe('reports/real/b.sarif');
  });

  it('a link pointing outside the workspace is a fatal error naming the link (file, directory, glob, direct)', () => {
    const d = dir('out');
    symlinkSync(join(outside, 'secret.sarif'), join(d, 'secret.sarif'));
    symlinkSync(join(outside, 'dir'), join(d, 'dir'));
    for (const pattern of ['out', 'out/**/*.sarif']) {
      const r = resolveInputs([pattern], ws);
      expect(r.files).toEqual([]);
      expect(r.errors.map((e) => `${e.file} ${e.severity}`).sort()).toEqual(['out/dir fatal', 'out/secret.sarif fatal']);
      for (const e of r.errors) expect(e.message).toMatch(/^symbolic link to ".*", outside the workspace: not read$/);
    }
    const direct = resolveInputs(['out/secret.sarif', 'out/dir/c.sarif'], ws);
    expect(direct.files).toEqual([]);
    expect(direct.errors.map((e) => e.file)).toEqual(['out/secret.sarif', 'out/dir/c.sarif']);
    expect(direct.errors[1]?.message).toMatch(/"out\/dir\/c.sarif" leads through a symbolic link to .*outside the workspace/);
  });

  it('a dangling link is a fatal error naming the link and its target', () => {
    const d = dir('dangling');
    symlinkSync('gone.sarif', join(d, 'report.sarif'));
    for (const pattern of ['dangling', 'dangling/*.sarif', 'dangling/report.sarif']) {
      const r = resolveInputs([pattern], ws);
      expect(r.files).toEqual([]);
      expect(r.errors).toEqual([
        expect.objectContaining({
          file: 'dangling/report.sarif',
          severity: 'fatal',
          message: 'dangling symbolic link (to "gone.sarif"): what it names does not exist, so it was not read',
        }),
      ]);
    }
  });

  it('links that could not name a report are not followed (no error for unrelated links)', () => {
    const d = dir('unrelated');
    writeFileSync(join(d, 'r.sarif'), SARIF('r'));
    symlinkSync('nowhere.txt', join(d, 'notes.txt'));
    symlinkSync(join(outside, 'dir'), join(d, 'vendor'));
    const r = resolveInputs(['unrelated/*.sarif'], ws);
    expect(r.errors).toEqual([]);
    expect(r.files).toEqual([join(d, 'r.sarif')]);
  });

  it('a FIFO (or device) where a report is expected is an error, never opened (it could block)', () => {
    const d = dir('fifo');
    execFileSync('mkfifo', [join(d, 'pipe.sarif')]);
    symlinkSync('pipe.sarif', join(d, 'link.sarif'));
    for (const pattern of ['fifo/pipe.sarif', 'fifo/*.sarif', 'fifo']) {
      const r = resolveInputs([pattern], ws);
      expect(r.files).toEqual([]);
      expect(r.errors.map((e) => e.message)).toContain('not a regular file (a device, FIFO or socket): not read');
    }
    expect(
      resolveInputs(['fifo/*.sarif'], ws)
        .errors.map((e) => e.file)
        .sort(),
    ).toEqual(['fifo/link.sarif', 'fifo/pipe.sarif']);
  });

  it('check: a link outside the workspace fails the gate; --verbose and the report list the files read', async () => {
    const d = dir('check');
    symlinkSync('../scans/a.sarif', join(d, 'a.sarif'));
    symlinkSync(join(outside, 'secret.sarif'), join(d, 'b.sarif'));
    let stderr = '';
    let stdout = '';
    const code = await runCli(['check', '--verbose', '--format', 'json', 'check'], {
      stdout: (s) => (stdout += s),
      stderr: (s) => (stderr += s),
      cwd: ws,
      env: {},
      isTTY: false,
      now: () => new Date('2026-11-25T12:00:00Z'),
    });
    expect(code).toBe(2);
    const report = JSON.parse(stdout) as {
      inputs: { file: string; target?: string }[];
      errors: { file: string; message: string }[];
      verdict: { status: string };
    };
    expect(report.verdict.status).toBe('fail');
    expect(report.inputs).toEqual(
      expect.arrayContaining([expect.objectContaining({ file: 'check/a.sarif', target: 'scans/a.sarif', format: 'sarif' })]),
    );
    expect(report.errors).toEqual([expect.objectContaining({ file: 'check/b.sarif' })]);
    expect(stderr).toContain('debug: read check/a.sarif (link to scans/a.sarif): sarif, 1 finding(s)');
  });
});

describe('output paths', () => {
  let ws: string;
  beforeAll(() => {
    ws = mkdtempSync(join(tmpdir(), 'dg-out-'));
    mkdirSync(join(ws, 'out'));
    writeFileSync(join(ws, 'a.sarif'), JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { name: 'T' } }, results: [] }] }));
    writeFileSync(join(ws, 'file'), 'x');
  });
  afterAll(() => rmSync(ws, { recursive: true, force: true }));

  async function cli(args: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await runCli(args, {
      stdout: (s) => (stdout += s),
      stderr: (s) => (stderr += s),
      cwd: ws,
      env: {},
      isTTY: false,
      now: () => new Date('2026-11-25T12:00:00Z'),
    });
    return { code, stdout, stderr };
  }

  it('--report or --sarif-output naming a directory is a usage error (exit 2), not a crash', async () => {
    for (const flag of ['--report', '--sarif-output']) {
      const r = await cli(['check', flag, 'out', 'a.sarif']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(
        `defect-gate: ${flag}: cannot write the ${flag === '--report' ? 'JSON report' : 'rated SARIF'} to "out": it is an existing directory`,
      );
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    const below = await cli(['check', '--report', 'file/report.json', 'a.sarif']);
    expect(below.code).toBe(2);
    expect(below.stderr).toContain('is a file, not a directory');
    expect((await cli(['exceptions', '--report', 'out', 'a.sarif'])).code).toBe(2);
  });

  it('runCheck (both shells) throws OutputPathError before reading anything', async () => {
    await expect(
      runCheck({ files: ['a.sarif'], onInputError: 'fail', workspace: ws, sarifOutput: 'out' }, new Date(), silentLogger),
    ).rejects.toThrow(OutputPathError);
  });
});

describe('gzip-compressed inputs and encodings', () => {
  let ws: string;
  let tmp: string;
  const savedTmp = process.env.TMPDIR;
  const SARIF = JSON.stringify({
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'T' } },
        results: [
          {
            ruleId: 'r1',
            level: 'error',
            message: { text: 'm' },
            locations: [{ physicalLocation: { artifactLocation: { uri: 'src/a.js' }, region: { startLine: 3 } } }],
          },
        ],
      },
    ],
  });

  beforeAll(async () => {
    ws = mkdtempSync(join(tmpdir(), 'dg-gz-'));
    tmp = mkdtempSync(join(tmpdir(), 'dg-gz-tmp-'));
    process.env.TMPDIR = tmp; // the decompressed copies go here: the tests check that they are deleted
    writeFileSync(join(ws, 'plain.sarif'), SARIF);
    writeFileSync(join(ws, 'report.sarif.gz'), gzipSync(SARIF));
    writeFileSync(join(ws, 'report.json'), gzipSync(SARIF)); // named .json: recognized by its bytes
    writeFileSync(join(ws, 'cut.sarif'), gzipSync(SARIF).subarray(0, 40));
    writeFileSync(join(ws, 'twice.sarif'), gzipSync(gzipSync(SARIF)));
    writeFileSync(join(ws, 'utf16le.sarif'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(SARIF, 'utf16le')]));
    writeFileSync(join(ws, 'utf16be.sarif'), Buffer.from(SARIF, 'utf16le').swap16()); // no BOM: NUL-interleaved
    writeFileSync(join(ws, 'utf16.sarif.gz'), gzipSync(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(SARIF, 'utf16le')])));
    writeFileSync(join(ws, 'zipped.sarif'), Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]));
    // A decompression bomb: 100 MB of zeros in ~100 KB, written as a stream (the test holds no 100 MB buffer).
    await pipeline(
      Readable.from(
        (function* () {
          const zeros = Buffer.alloc(1 << 20);
          for (let i = 0; i < 100; i++) yield zeros;
        })(),
      ),
      createGzip({ level: 9 }),
      createWriteStream(join(ws, 'bomb.sarif.gz')),
    );
  });
  afterAll(() => {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
    rmSync(ws, { recursive: true, force: true });
    rmSync(tmp, { recursive: true, force: true });
  });

  const check = (files: string[], over: Partial<CheckSettings> = {}) =>
    runCheck({ files, onInputError: 'fail', workspace: ws, ...over }, new Date('2026-11-25T12:00:00Z'), silentLogger);

  it('a gzip-compressed SARIF log is read like the plain one (whole or streamed), and its rated SARIF written', async () => {
    const plain = await check(['plain.sarif']);
    for (const streamThreshold of [undefined, 64]) {
      const gz = await check(['report.sarif.gz', 'report.json'], {
        sarifOutput: 'rated.sarif',
        ...(streamThreshold ? { streamThreshold } : {}),
      });
      expect(gz.result.errors).toEqual([]);
      expect(gz.result.inputs.map((i) => [i.file, i.format, i.findings])).toEqual([
        ['report.sarif.gz', 'sarif', 1],
        ['report.json', 'sarif', 1],
      ]);
      expect(gz.result.findings).toHaveLength(1); // the same defect twice: one finding
      expect(gz.result.findings.map((f) => f.fingerprint)).toEqual(plain.result.findings.map((f) => f.fingerprint));
      const rated = JSON.parse(readFileSync(join(ws, 'rated.sarif'), 'utf8')) as { runs: { results: unknown[] }[] };
      expect(rated.runs.flatMap((r) => r.results)).toHaveLength(2);
    }
    expect(readdirSync(tmp)).toEqual([]); // decompressed copies deleted
    // Directory inputs take .sarif.gz / .json.gz files too.
    mkdirSync(join(ws, 'dir'));
    writeFileSync(join(ws, 'dir/scan.sarif.gz'), gzipSync(SARIF));
    expect((await check(['dir'])).result.inputs).toEqual([
      expect.objectContaining({ file: 'dir/scan.sarif.gz', format: 'sarif', findings: 1 }),
    ]);
  });

  it('a decompression bomb ends in a clear error naming the file, within the limit', async () => {
    const before = process.memoryUsage().rss;
    const r = await check(['bomb.sarif.gz'], { maxDecompressedBytes: 10 * 1024 * 1024 });
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
    expect(r.result.verdict.status).toBe('fail');
    expect(r.result.errors).toEqual([
      expect.objectContaining({
        file: 'bomb.sarif.gz',
        severity: 'fatal',
        message:
          'gzip-compressed file: it decompresses to more than 10 MiB (the limit for one file): refused as a likely decompression bomb',
      }),
    ]);
    expect(readdirSync(tmp)).toEqual([]);
    // The limit comes from the environment too.
    process.env.DEFECT_GATE_MAX_DECOMPRESSED = String(1024 * 1024);
    try {
      expect((await check(['bomb.sarif.gz'])).result.errors[0]?.message).toContain('more than 1 MiB');
    } finally {
      delete process.env.DEFECT_GATE_MAX_DECOMPRESSED;
    }
  });

  it('damaged, doubly compressed, UTF-16 and other archive files are named as such', async () => {
    const r = await check(['cut.sarif', 'twice.sarif', 'utf16le.sarif', 'utf16be.sarif', 'utf16.sarif.gz', 'zipped.sarif']);
    const byFile = Object.fromEntries(r.result.errors.map((e) => [e.file, e.message]));
    expect(byFile).toEqual({
      'cut.sarif': 'cannot decompress the gzip-compressed file: unexpected end of file',
      'twice.sarif': 'gzip-compressed file: the file is gzip-compressed twice',
      'utf16le.sarif': 'the file is UTF-16 (little-endian, with a byte order mark) text; only UTF-8 is read',
      'utf16be.sarif': 'the file is UTF-16 (big-endian, NUL bytes between the characters) text; only UTF-8 is read',
      'utf16.sarif.gz': 'gzip-compressed file: the file is UTF-16 (little-endian, with a byte order mark) text; only UTF-8 is read',
      'zipped.sarif': 'the file is a zip archive; only gzip-compressed files are decompressed',
    });
    for (const e of r.result.errors) expect(e.severity).toBe('fatal');
    expect(r.result.verdict.status).toBe('fail');
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('ingestText (pure) names gzip and UTF-16 content decoded as UTF-8 instead of a JSON syntax error', () => {
    expect(ingestText(gzipSync(SARIF).toString('utf8'), { file: 'a' }).errors[0]?.message).toBe('the content is gzip-compressed, not text');
    for (const bytes of [readFileSync(join(ws, 'utf16le.sarif')), readFileSync(join(ws, 'utf16be.sarif'))]) {
      expect(ingestText(bytes.toString('utf8'), { file: 'a' }).errors[0]?.message).toMatch(
        /^the content is not UTF-8 text: it looks like UTF-16/,
      );
    }
  });
});

describe('enrichment files', () => {
  let ws: string;
  const KEV = readFileSync('__fixtures__/enrich/known_exploited_vulnerabilities.json');
  beforeAll(() => {
    ws = mkdtempSync(join(tmpdir(), 'dg-enrich-fc-'));
    writeFileSync(join(ws, 'empty-kev.json'), JSON.stringify({ catalogVersion: '2026.11.24', count: 0, vulnerabilities: [] }));
    writeFileSync(join(ws, 'header.csv'), '#model_version:v2025.03.14,score_date:2026-11-24T00:00:00+0000\ncve,epss,percentile\n');
    writeFileSync(join(ws, 'kev.json.gz'), gzipSync(KEV));
    writeFileSync(join(ws, 'kev-utf16.json'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(KEV.toString('utf8'), 'utf16le')]));
    writeFileSync(join(ws, 'epss-bomb.csv.gz'), gzipSync(Buffer.alloc(8 * 1024 * 1024)));
    // Past V8's string limit (~512 MB): sparse files, no disk used.
    for (const f of ['huge-kev.json', 'huge-epss.csv']) {
      writeFileSync(join(ws, f), '');
      truncateSync(join(ws, f), 600 * 1024 * 1024);
    }
    writeFileSync(join(ws, 'a.sarif'), JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { name: 'T' } }, results: [] }] }));
  });
  afterAll(() => rmSync(ws, { recursive: true, force: true }));

  it('an empty KEV catalog or a header-only EPSS file is a warning, logged by the check', async () => {
    const r = await loadEnrichment({ kevFile: 'empty-kev.json', epssFile: 'header.csv' }, ws);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([
      'empty-kev.json: the CISA KEV catalog lists no vulnerabilities, so no finding is marked as known exploited (check that the download is complete)',
      'header.csv: the EPSS file has a header but no scores, so no finding gets an EPSS score (check that the download is complete)',
    ]);
    const warnings: string[] = [];
    await runCheck(
      { files: ['a.sarif'], onInputError: 'fail', workspace: ws, kevFile: 'empty-kev.json', epssFile: 'header.csv' },
      new Date(),
      { ...silentLogger, warning: (m) => warnings.push(m) },
    );
    expect(warnings).toEqual(r.warnings.map((w) => `enrichment: ${w}`));
  });

  it("files past V8's string limit are refused with their name, not a crash", async () => {
    const r = await loadEnrichment({ kevFile: 'huge-kev.json', epssFile: 'huge-epss.csv' }, ws);
    expect(r.enrichment).toBeUndefined();
    expect(r.errors).toEqual([
      expect.objectContaining({
        file: 'huge-kev.json',
        severity: 'fatal',
        message: 'cannot read the CISA KEV catalog: the file is 600 MiB, more than the 256 MiB limit for enrichment files',
      }),
      expect.objectContaining({
        file: 'huge-epss.csv',
        severity: 'fatal',
        message: 'cannot read the EPSS scores file: the file is 600 MiB, more than the 256 MiB limit for enrichment files',
      }),
    ]);
  });

  it('gzip uses the same bounded decompression (a KEV .gz is read too; a bomb is refused); UTF-16 is named', async () => {
    const gz = await loadEnrichment({ kevFile: 'kev.json.gz' }, ws);
    expect(gz.errors).toEqual([]);
    expect(gz.enrichment?.kev?.entries.size).toBe(5);
    const bomb = await loadEnrichment({ epssFile: 'epss-bomb.csv.gz' }, ws, { maxBytes: 1024 * 1024 });
    expect(bomb.errors).toEqual([
      expect.objectContaining({
        file: 'epss-bomb.csv.gz',
        severity: 'fatal',
        message:
          'cannot read the gzip-compressed EPSS scores file: it decompresses to more than 1 MiB (the limit for one file): refused as a likely decompression bomb',
      }),
    ]);
    const utf16 = await loadEnrichment({ kevFile: 'kev-utf16.json' }, ws);
    expect(utf16.errors[0]?.message).toBe(
      'cannot read the CISA KEV catalog: the file is UTF-16 (little-endian, with a byte order mark) text; only UTF-8 is read',
    );
  });
});
