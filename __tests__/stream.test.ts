import { describe, expect, it, beforeAll, afterAll } from '@jest/globals';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestText } from '../src/ingest/index';
import { ingestSarifFile } from '../src/io/file-bytes';
import { runCheck, type CheckSettings } from '../src/check';
import { jsonPieces } from '../src/io/json-writer';
import { silentLogger, type Logger } from '../src/logger';

const SARIF_DIR = '__fixtures__/corpus/defectdojo/sarif';
const WS = '/home/runner/work/app/app';
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dg-stream-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function both(text: string, chunkSize = 7, format?: string) {
  const path = join(dir, `f${n++}.sarif`);
  writeFileSync(path, text);
  const ctx = { file: 'in.sarif', workspace: WS };
  const mem = ingestText(text, ctx, format);
  const streamed = ingestSarifFile(path, ctx, format, { chunkSize });
  return { mem, streamed };
}

function same(text: string, chunkSize = 7) {
  const { mem, streamed } = both(text, chunkSize);
  expect(streamed.findings).toEqual(mem.findings);
  expect(streamed.errors).toEqual(mem.errors);
  expect(streamed.tools).toEqual(mem.tools);
  expect(streamed.format).toEqual(mem.format);
  return { mem, streamed };
}

const silent: Logger = silentLogger;

describe('streaming SARIF ingest', () => {
  const files = readdirSync(SARIF_DIR).filter((f) => f.endsWith('.sarif'));
  it.each(files)('%s: same findings, errors and tools as the in-memory parser (tiny chunks)', (f) => {
    const text = readFileSync(join(SARIF_DIR, f), 'utf8');
    same(text, 5);
    same(text, 4096);
  });

  it('handles results before tool (index members after results are applied by a second pass)', () => {
    const doc = {
      runs: [
        {
          results: [
            { ruleIndex: 0, message: { text: 'm' }, locations: [{ physicalLocation: { artifactLocation: { index: 0 } } }] },
            42,
            { ruleId: 'R2', message: 'not an object' },
          ],
          tool: { driver: { name: 'Late', rules: [{ id: 'R1', defaultConfiguration: { level: 'error' } }] } },
          artifacts: [{ location: { uri: 'src/late.js' } }],
        },
      ],
      version: '2.1.0',
    };
    const { streamed } = same(JSON.stringify(doc, null, 1));
    expect(streamed.findings[0]).toMatchObject({ ruleId: 'R1', level: 'error', path: 'src/late.js' });
  });

  it('reports structural problems as the in-memory parser does', () => {
    same('{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"X"}},"results":42},7,{"results":null},{"tool":{},"results":[{}]}]}');
    same('{"version":"2.1.0","runs":{"a":1}}');
    same('{"runs":[{"tool":{"driver":{"name":"X"}},"results":[{"ruleId":"a"}]}],"version":"2.0.0"}');
    same(
      '{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"X"}},"results":[{"ruleId":"a"}],"results":[{"ruleId":"b"},{"ruleId":"c"}]}]}',
    );
    same(
      '\uFEFF{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"é\\"\\\\"}},"results":[{"ruleId":"a\\\\","message":{"text":"x\\"}y"}}]}]}',
    );
  });

  it('keeps __proto__ members as data, never as prototypes', () => {
    const before = Object.keys(Object.prototype);
    const { streamed } = same(
      '{"version":"2.1.0","__proto__":{"polluted":1},"runs":[{"__proto__":{"x":1},"tool":{"driver":{"name":"X","__proto__":{"y":1}}},"results":[{"ruleId":"a","__proto__":{"z":1}}]}]}',
    );
    expect(Object.keys(Object.prototype)).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(streamed.findings).toHaveLength(1);
  });

  it('turns JSON syntax errors into a fatal error with a position', () => {
    for (const text of [
      '{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"X"}},"results":[{"ruleId":"a"},',
      '{"version":"2.1.0",\n "runs": [\n',
      '{"version":"2.1.0","runs":[]} x',
      '{"version":"2.1.0","runs":[{"results":[{"a":tru}]}]}',
      '{"version" "2.1.0"}',
    ]) {
      const { mem, streamed } = both(text);
      expect(streamed.findings).toEqual([]);
      expect(streamed.errors).toHaveLength(1);
      expect(streamed.errors[0]).toMatchObject({ severity: 'fatal', file: 'in.sarif' });
      expect(streamed.errors[0]?.message).toMatch(/^not valid JSON: /);
      expect(streamed.errors[0]?.line).toBe(mem.errors[0]?.line);
    }
  });

  it('gives a clear error for other formats and non-SARIF documents', () => {
    const trivy = readFileSync('__fixtures__/corpus/defectdojo/trivy/scheme_2_many_vulns.json', 'utf8');
    const r = both(trivy).streamed;
    expect(r.findings).toEqual([]);
    expect(r.errors[0]?.message).toMatch(/only SARIF logs are read by streaming/);
    expect(both('[1,2]').streamed.errors[0]?.message).toMatch(/only SARIF/);
    expect(both('<?xml version="1.0"?><a/>').streamed.errors[0]?.message).toMatch(/XML.*only SARIF/);
    expect(both('{"version":"2.1.0","runs":[]}', 7, 'trivy').streamed.errors[0]?.message).toMatch(/format "trivy" cannot be streamed/);
    expect(both('   ').streamed.errors[0]?.message).toBe('the file is empty');
  });

  it('jsonPieces joins to JSON.stringify(value, null, 2)', () => {
    const big = Array.from({ length: 600 }, (_, i) => ({ i, s: `x${i}`, u: undefined, a: [1, { b: [] }], d: new Date(0), n: null }));
    for (const v of [
      big,
      { runs: [{ results: big, tool: {} }], e: [], o: {}, f: () => 1 },
      'x',
      1,
      null,
      [],
      {},
      { a: [undefined, () => 1] },
    ]) {
      expect([...jsonPieces(v)].join('')).toBe(JSON.stringify(v, null, 2));
    }
  });

  it('runCheck: files above the threshold that cannot be streamed are read whole, with the same outcome', async () => {
    const ws = mkdtempSync(join(dir, 'ws-'));
    writeFileSync(join(ws, 'trivy.json'), readFileSync('__fixtures__/corpus/defectdojo/trivy/scheme_2_many_vulns.json'));
    writeFileSync(join(ws, 'lines.json'), '{"a":1}\n{"b":2}\n');
    writeFileSync(join(ws, 'cut.sarif'), '{"version":"2.1.0","runs":[{"tool":');
    writeFileSync(join(ws, 'codeql.sarif'), readFileSync(join(SARIF_DIR, 'codeQL-output.sarif')));
    const settings = (streamThreshold: number): CheckSettings => ({
      files: ['*.json', '*.sarif'],
      onInputError: 'warn',
      workspace: ws,
      streamThreshold,
    });
    const now = new Date('2026-11-25T12:00:00Z');
    const whole = await runCheck(settings(Number.MAX_SAFE_INTEGER), now, silent);
    const streamed = await runCheck(settings(0), now, silent);
    expect(streamed.report.findings.length).toBeGreaterThan(10);
    expect(streamed.report).toEqual(whole.report);
    expect(streamed.report.errors.map((e) => e.message).join('\n')).toMatch(/looks like NDJSON/);
  });

  it('runCheck: a streamed input gives the same report as the in-memory path', async () => {
    const ws = mkdtempSync(join(dir, 'ws-'));
    writeFileSync(join(ws, 'codeql.sarif'), readFileSync(join(SARIF_DIR, 'codeQL-output.sarif')));
    writeFileSync(join(ws, 'spotbugs.sarif'), readFileSync(join(SARIF_DIR, 'spotbugs.sarif')));
    const settings = (streamThreshold: number, suffix: string): CheckSettings => ({
      files: ['codeql.sarif', 'spotbugs.sarif'],
      onInputError: 'warn',
      workspace: ws,
      reportPath: `report-${suffix}.json`,
      sarifOutput: `rated-${suffix}.sarif`,
      streamThreshold,
    });
    const now = new Date('2026-11-25T12:00:00Z');
    const a = await runCheck(settings(Number.MAX_SAFE_INTEGER, 'mem'), now, silent);
    // whileWriting (the CLI renders its Markdown there) gets the final result before the report is written, while a
    // worker writes the rated SARIF of a streamed input.
    const seen: { result?: unknown; reportThere?: boolean }[] = [];
    const b = await runCheck(settings(0, 'stream'), now, silent, {
      whileWriting: (result) => seen.push({ result, reportThere: existsSync(join(ws, 'report-stream.json')) }),
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.result).toBe(b.result);
    expect(seen[0]?.reportThere).toBe(false);
    // What it throws fails the check, once the rated SARIF's worker is done (no write left behind).
    rmSync(join(ws, 'rated-stream.sarif'));
    await expect(
      runCheck(settings(0, 'stream'), now, silent, {
        whileWriting: () => {
          throw new Error('render failed');
        },
      }),
    ).rejects.toThrow('render failed');
    expect(existsSync(join(ws, 'rated-stream.sarif'))).toBe(true);
    expect(b.result.findings).toEqual(a.result.findings);
    expect(b.report).toEqual(a.report);
    expect(readFileSync(join(ws, 'report-stream.json'), 'utf8')).toBe(readFileSync(join(ws, 'report-mem.json'), 'utf8'));
    // The rated SARIF of a streamed input is synthesized: same runs and ratings, results reduced.
    const ra = JSON.parse(readFileSync(join(ws, 'rated-mem.sarif'), 'utf8')) as { runs: { results: { properties?: object }[] }[] };
    const rb = JSON.parse(readFileSync(join(ws, 'rated-stream.sarif'), 'utf8')) as typeof ra;
    expect(rb.runs.length).toBe(ra.runs.length);
    rb.runs.forEach((run, i) => {
      expect(run.results.map((r) => r.properties)).toEqual(ra.runs[i]?.results.map((r) => r.properties));
    });
  });
});

describe('duplicate keys in streamed results (checked while the result is skipped)', () => {
  const result = (inner: string) =>
    `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"t","rules":[]}},"results":[{"ruleId":"a","message":{"text":"ok"}},${inner}]}]}`;
  const cases: [string, string, string | undefined][] = [
    ['a repeated top-level key', '{"ruleId":"b","message":{"text":"x"},"ruleId":"c"}', '$.runs[0].results[1].ruleId'],
    ['a repeated key in a nested object', '{"ruleId":"b","message":{"text":"x","text":"y"}}', '$.runs[0].results[1].message.text'],
    [
      'a repeated key deep in an array',
      '{"ruleId":"b","message":{"text":"x"},"locations":[{"physicalLocation":{"region":{"startLine":1,"endLine":2,"startLine":3}}}]}',
      '$.runs[0].results[1].locations[0].physicalLocation.region.startLine',
    ],
    ['the same key spelled with an escape', '{"ruleId":"b","message":{"text":"x"},"rule\\u0049d":"c"}', '$.runs[0].results[1].ruleId'],
    [
      'equal keys in sibling objects (no duplicate)',
      '{"ruleId":"b","message":{"text":"x"},"properties":{"text":"y","message":{"text":"z"}}}',
      undefined,
    ],
    ["a key equal to its parent object's (no duplicate)", '{"ruleId":"b","message":{"ruleId":"x","text":"y"}}', undefined],
    [
      'keys that differ in the last byte (no duplicate)',
      '{"ruleId":"b","message":{"text":"x"},"properties":{"abcd":1,"abce":2,"abc":3}}',
      undefined,
    ],
  ];
  for (const [name, inner, path] of cases) {
    it(`${name}: the same error as when read whole, at every chunk size`, () => {
      const text = result(inner);
      for (const chunk of [5, 16, 64, 1 << 16]) {
        const { mem, streamed } = both(text, chunk);
        expect(streamed.errors).toEqual(mem.errors);
        expect(streamed.findings).toEqual(mem.findings);
        if (path === undefined) {
          expect(streamed.errors).toEqual([]);
          expect(streamed.findings).toHaveLength(2);
        } else {
          expect(streamed.errors).toHaveLength(1);
          expect(streamed.errors[0]?.message).toContain(`at ${path}`);
        }
      }
    });
  }

  it('an object with more keys than the skip tracks is still checked (a duplicate after 60 keys)', () => {
    const keys = Array.from({ length: 60 }, (_, i) => `"k${i}":${i}`).join(',');
    for (const [props, dup] of [
      [`{${keys}}`, false],
      [`{${keys},"k7":0}`, true],
    ] as const) {
      const { mem, streamed } = both(result(`{"ruleId":"b","message":{"text":"x"},"properties":${props}}`), 64);
      expect(streamed.errors).toEqual(mem.errors);
      expect(streamed.errors).toHaveLength(dup ? 1 : 0);
    }
  });
});
