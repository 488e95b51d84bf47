import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ingestText } from '../src/ingest/index';
import { runEngine } from '../src/engine';
import { buildRatedSarif } from '../src/report/sarif';
import { ratedSarifPlan, writeRatedSarif, writeRatedSarifInWorker, type SarifInputFile } from '../src/io/rated-sarif';
import { BASE_POLICY, defaultPolicy, policyFrom } from './helpers';
import { cutNote, MAX_STRING } from '../src/ingest/json';
import { distDir } from './support/dist';

/**
 * The rated SARIF written from the input files (src/io/rated-sarif.ts) against the one built from parsed documents
 * (buildRatedSarif), on the shapes a byte-level writer can get wrong: repeated members, members in any order, results
 * that are not objects, chunk boundaries everywhere, byte order marks, invalid UTF-8, numbers beyond 2^53.
 */

const dir = mkdtempSync(join(tmpdir(), 'dg-rated-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const policy = defaultPolicy();
const NOW = new Date('2026-11-25T12:00:00Z');
let n = 0;

function input(content: string | Buffer): SarifInputFile {
  const path = join(dir, `in${n++}.sarif`);
  writeFileSync(path, content);
  const st = statSync(path);
  return { file: path, path, size: st.size, mtimeMs: st.mtimeMs };
}

/** Writes the rated SARIF of `content` both ways; returns the written text and both values. */
function both(content: string | Buffer, space: 0 | 2 = 0, chunkSize?: number) {
  const inp = input(content);
  const ingested = ingestText(readFileSync(inp.path, 'utf8'), { file: inp.file, workspace: '/ws' });
  const result = runEngine({ files: [ingested], policy, environment: 'default', onInputError: 'warn', now: NOW });
  const out = join(dir, `out${n++}.sarif`);
  writeRatedSarif(out, result, policy, [inp], space, chunkSize ? { chunkSize } : {});
  const text = readFileSync(out, 'utf8');
  const expected = JSON.parse(JSON.stringify(buildRatedSarif(result, policy, new Map([[inp.file, ingested.document]])))) as unknown;
  return { text, written: JSON.parse(text) as unknown, expected, result, inp };
}

const log = (runs: unknown) =>
  JSON.stringify({ version: '2.1.0', $schema: 'https://json.schemastore.org/sarif-2.1.0.json', runs }, null, 1);
const tool = { driver: { name: 'T', rules: [{ id: 'r1', properties: { 'security-severity': '9.1' } }, { id: 'r2' }] } };

/** Shapes a byte-level writer can get wrong. */
const shapes: [string, string][] = [
  [
    'a plain run',
    log([
      {
        tool,
        results: [
          { ruleId: 'r1', level: 'note', message: { text: 'm' } },
          { ruleId: 'r2', message: { text: 'n' }, properties: { a: 1 } },
        ],
      },
    ]),
  ],
  [
    'results before tool, properties in the middle',
    log([{ results: [{ properties: { x: [1, { y: 2 }] }, ruleId: 'r1', message: { text: 'm' } }], properties: { k: 'v' }, tool }]),
  ],
  [
    'results that are not objects, a run that is not an object',
    log([7, { tool, results: [42, null, 'x', [1], { ruleId: 'r1', message: { text: 'm' } }] }, null]),
  ],
  ['a run without results, results null, empty runs', log([{ tool }, { tool, results: null }, { tool, results: [] }])],
  [
    'non-object properties and tool',
    log([{ tool: 'x', properties: 5, results: [{ ruleId: 'r1', properties: 'p', message: { text: 'm' } }] }]),
  ],
  [
    'escapes, unicode and numbers as written',
    '\uFEFF{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"T\\u00e9\\"","rules":[{"id":"r1"}]}},"results":[{"ruleId":"r1","message":{"text":"a\\n\\u2028<b>é"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"src/a.js"},"region":{"startLine":1.0e0,"startColumn":9223372036854775807}}}]}]}]}',
  ],
  [
    'several runs, later ones with more results than the file has findings (the plan grows its columns)',
    log([
      { tool, results: [{ ruleId: 'r1', message: { text: 'a' } }, 3] },
      {
        tool,
        results: Array.from({ length: 40 }, (_, i) =>
          i % 3 === 0 ? null : { ruleId: i % 2 ? 'r1' : 'r2', message: { text: `b${i}` }, partialFingerprints: { k: `v${i}` } },
        ),
      },
      { tool, results: [...Array.from({ length: 25 }, () => 0), { ruleId: 'r2', message: { text: 'c' } }, 'x'] },
    ]),
  ],
  ['no runs member', '{"version":"2.1.0"}'],
  [
    'properties that already hold rating members, empty properties, whitespace everywhere',
    '{ "version" : "2.1.0" , "runs" : [ { "tool" : {"driver":{"name":"T","rules":[{"id":"r1"}]}} , "results" : [ { "ruleId" : "r1" , "properties" : { "security-severity" : "2.0" , "defect-gate/severity" : "x" , "b" : 1 } , "message" : {"text":"m"} } , { "ruleId" : "r1" , "properties" : {  } , "level" : "note" , "message" : {"text":"n"} } , {"ruleId":"r1","message":{"text":"o"},"properties":{"x":{"y":[1,2]}}} ] } ] }',
  ],
];

describe('rated SARIF written from the input files', () => {
  it('a log with repeated members is not read (duplicate keys are input errors), so it is not rated', () => {
    const text =
      '{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"T","rules":[{"id":"r1"}]}},"results":[{"ruleId":"r2","message":{"text":"a"}}],"results":[]}]}';
    const ingested = ingestText(text, { file: 'f.sarif' });
    expect(ingested.findings).toEqual([]);
    expect(ingested.errors).toEqual([expect.objectContaining({ severity: 'fatal', jsonPath: '$.runs[0].results', line: 1, column: 133 })]);
  });

  it.each(shapes)('%s: the same log as buildRatedSarif, compact and indented, with tiny and large reads', (_name, text) => {
    for (const space of [0, 2] as const) {
      for (const chunk of [5, 1 << 20]) {
        const { written, expected } = both(text, space, chunk);
        expect(written).toEqual(expected);
      }
    }
  });

  it('copies the scanner text exactly: numbers beyond 2^53 keep their digits, only ratings are rewritten', () => {
    const text =
      '{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"T","rules":[{"id":"r1"}]}},"results":[{"ruleId":"r1","message":{"text":"m"},"properties":{"id":9223372036854775807},"locations":[{"id":18446744073709551616}]}]}]}';
    const { text: out } = both(text, 0);
    expect(out).toContain('"locations":[{"id":18446744073709551616}]');
    expect(out).toMatch(/"properties":\{"id":9223372036854775807,"defect-gate\/severity":/);
    expect(out).toMatch(/"defect-gate\/severity":"[a-z]+"/);
  });

  it('writes valid UTF-8 from an input with invalid bytes (replaced as when the input was read)', () => {
    const bytes = Buffer.concat([
      Buffer.from('{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"T"}},"results":[{"ruleId":"r1","message":{"text":"a'),
      Buffer.from([0xff, 0xc3]),
      Buffer.from('b"}}]}]}'),
    ]);
    const { written, expected, text } = both(bytes);
    expect(written).toEqual(expected);
    expect(Buffer.from(text, 'utf8').includes(Buffer.from([0xff]))).toBe(false);
    expect(text).toContain('a\uFFFD\uFFFDb');
  });

  it('cuts strings longer than MAX_STRING as ingest does, in rated results, unrated ones and run members (issue #14)', () => {
    // Past the limit by more than the slack; multi-byte characters and an escape straddle the cut point.
    const long = (c: string) => `${'x'.repeat(MAX_STRING - 3)}é\\u00e9${c.repeat(3 * MAX_STRING)}`;
    const text = `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"T","rules":[{"id":"r1"}]}},"artifacts":[{"description":{"text":"${long('a')}"}}],"results":[{"ruleId":"r1","message":{"text":"${long('€')}"},"properties":{"n":9223372036854775807}},"${long('b')}",{"ruleId":"r1","message":{"text":"short"}}]}]}`;
    for (const space of [0, 2] as const) {
      for (const chunk of [7, 1 << 20]) {
        const { written, expected, text: out } = both(text, space, chunk);
        expect(written).toEqual(expected);
        expect(out.length).toBeLessThan(4 * MAX_STRING);
        const rated = written as { runs: { results: unknown[]; artifacts: { description: { text: string } }[] }[] };
        const [first, second, third] = rated.runs[0]!.results as [{ message: { text: string } }, string, { message: { text: string } }];
        // Cut before the escape that straddles MAX_STRING; the note counts the characters left out (é and the repeated ones).
        for (const t of [first.message.text, second, rated.runs[0]!.artifacts[0]!.description.text]) {
          expect(t === `${'x'.repeat(MAX_STRING - 3)}é${cutNote(1 + 3 * MAX_STRING)}`).toBe(true);
        }
        expect(third.message.text).toBe('short');
      }
    }
  });

  it('strings too long to hold (past 6 × (MAX_STRING + 65) bytes) are cut the same way, never held whole', () => {
    const long = (c: string) => `${'x'.repeat(MAX_STRING - 3)}é\\u00e9${c.repeat(8 * MAX_STRING)}`;
    const text = `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"T","rules":[{"id":"r1"}]}},"artifacts":[{"description":{"text":"${long('a')}"}}],"results":[{"ruleId":"r1","message":{"text":"${long('€')}"},"properties":{"n":9223372036854775807}},"${long('b')}",{"ruleId":"r1","message":{"text":"short"}}]}]}`;
    for (const chunk of [7, 1 << 16, 1 << 22]) {
      const { written, expected } = both(text, 0, chunk);
      expect(written).toEqual(expected);
      const rated = written as { runs: { results: unknown[]; artifacts: { description: { text: string } }[] }[] };
      const [first, second] = rated.runs[0]!.results as [{ message: { text: string } }, string];
      for (const t of [first.message.text, second, rated.runs[0]!.artifacts[0]!.description.text]) {
        expect(t === `${'x'.repeat(MAX_STRING - 3)}é${cutNote(1 + 8 * MAX_STRING)}`).toBe(true);
      }
    }
  });

  it('fails with the file named when an input changed after it was read', () => {
    const { result, inp } = both(log([{ tool, results: [{ ruleId: 'r1', message: { text: 'm' } }] }]));
    writeFileSync(inp.path, log([{ tool, results: [{ ruleId: 'r1', message: { text: 'changed' } }] }]));
    const out = join(dir, 'changed.sarif');
    expect(() => writeRatedSarif(out, result, policy, [inp], 0)).toThrow(`${inp.file} changed while defect-gate was running`);
    rmSync(inp.path);
    expect(() => writeRatedSarif(out, result, policy, [inp], 0)).toThrow(/cannot be read any more/);
  });

  it('fails when another file (same size and time) took the place of the input after it was read', () => {
    const { result, inp } = both(log([{ tool, results: [{ ruleId: 'r1', message: { text: 'm' } }] }]));
    utimesSync(inp.path, 1_700_000_000, 1_700_000_000); // (whole seconds: the copy below gets exactly the same time)
    const st = statSync(inp.path);
    const read = { ...inp, mtimeMs: st.mtimeMs, dev: st.dev, ino: st.ino };
    writeRatedSarif(join(dir, 'same.sarif'), result, policy, [read], 0); // the file read: written
    // Same bytes, same size and modification time, another inode (a file or link swapped in).
    const other = `${inp.path}.other`;
    writeFileSync(other, readFileSync(inp.path));
    utimesSync(other, 1_700_000_000, 1_700_000_000);
    renameSync(other, inp.path);
    expect(statSync(inp.path).mtimeMs).toBe(st.mtimeMs);
    expect(() => writeRatedSarif(join(dir, 'swapped.sarif'), result, policy, [read], 0)).toThrow(
      /changed while defect-gate was running \(another file is now in its place\)/,
    );
  });
});

/** The built worker script, from the bundles the jest global setup builds from the current sources. */
const BUILT_WORKER = pathToFileURL(join(distDir(), 'rated-sarif-worker.js'));

describe('rated SARIF written by a worker thread (dist/rated-sarif-worker.js)', () => {
  /** The rated SARIF of `inputs` written in this thread and by the worker: the two texts, and how the second was written. */
  async function inThreadAndWorker(inputs: SarifInputFile[], space: 0 | 2, p = policy, script = BUILT_WORKER) {
    const files = inputs.map((inp) => ingestText(readFileSync(inp.path, 'utf8'), { file: inp.file, workspace: '/ws' }));
    const result = runEngine({ files, policy: p, environment: 'default', onInputError: 'warn', now: NOW });
    const here = join(dir, `here${n++}.sarif`);
    writeRatedSarif(here, result, p, inputs, space);
    const there = join(dir, `there${n++}.sarif`);
    const by = await writeRatedSarifInWorker(there, () => ratedSarifPlan(result, p, inputs, space), script);
    return { here: readFileSync(here, 'utf8'), there: readFileSync(there, 'utf8'), by, result };
  }

  it.each(shapes)('%s: byte for byte what this thread writes, compact and indented', async (_name, text) => {
    for (const space of [0, 2] as const) {
      const { here, there, by } = await inThreadAndWorker([input(text)], space);
      expect(by).toBe('worker');
      expect(there).toBe(here);
    }
  });

  it('real logs with findings out of the gate (an exception), blocking ones and invalid UTF-8, several inputs', async () => {
    const corpus = '__fixtures__/corpus/defectdojo/sarif';
    const withException = policyFrom(`${BASE_POLICY}exceptions:
  entries:
    - {id: EX-1, type: false-positive, match: {path: "**/*.java"}, reason: generated code, approved-by: sec, expires: 2027-01-01}
`);
    const bad = Buffer.concat([
      Buffer.from('{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"T"}},"results":[{"ruleId":"r1","message":{"text":"a'),
      Buffer.from([0xff]),
      Buffer.from('"}}]}]}'),
    ]);
    // Two results alike: the second one's fingerprint gets `~2` (not 32 hex digits, held as UTF-8 in the plan).
    const twins = log([
      {
        tool,
        results: [
          { ruleId: 'r1', message: { text: 'é' } },
          { ruleId: 'r1', message: { text: 'é' } },
        ],
      },
    ]);
    const inputs = [
      input(readFileSync(`${corpus}/codeQL-output.sarif`)),
      input(readFileSync(`${corpus}/cxf-3.4.6.sarif`)),
      input(bad),
      input(readFileSync(`${corpus}/spotbugs.sarif`)),
      input(twins),
    ];
    const { here, there, by, result } = await inThreadAndWorker(inputs, 0, withException);
    expect(by).toBe('worker');
    expect(there).toBe(here);
    expect(result.findings.some((f) => !f.gated && f.notGatedReason)).toBe(true);
    expect(result.blocking.size).toBeGreaterThan(0);
    expect(there).toContain('"defect-gate/not-gated":');
    expect(there).toContain('"defect-gate/blocking":true');
    expect(there).toMatch(/"defect-gate\/fingerprint":"[0-9a-f]{32}~2"/);
  });

  it("rejects with the writer's error, naming the file, when an input changed after it was read", async () => {
    const inp = input(log([{ tool, results: [{ ruleId: 'r1', message: { text: 'm' } }] }]));
    const ingested = ingestText(readFileSync(inp.path, 'utf8'), { file: inp.file, workspace: '/ws' });
    const result = runEngine({ files: [ingested], policy, environment: 'default', onInputError: 'warn', now: NOW });
    writeFileSync(inp.path, log([{ tool, results: [{ ruleId: 'r1', message: { text: 'changed' } }] }]));
    const out = join(dir, 'changed-worker.sarif');
    await expect(writeRatedSarifInWorker(out, () => ratedSarifPlan(result, policy, [inp], 0), BUILT_WORKER)).rejects.toThrow(
      `${inp.file} changed while defect-gate was running`,
    );
  });

  it('writes in this thread when there is no worker script or it cannot load, and fails when it stops without an answer', async () => {
    const text = log([{ tool, results: [{ ruleId: 'r1', message: { text: 'm' } }] }]);
    const missing = await inThreadAndWorker([input(text)], 0, policy, pathToFileURL(join(dir, 'no-such-worker.js')));
    expect(missing.by).toBe('thread');
    expect(missing.there).toBe(missing.here);
    const broken = join(dir, 'broken-worker.mjs');
    writeFileSync(broken, 'throw new Error("cannot load");\n');
    const fallback = await inThreadAndWorker([input(text)], 0, policy, pathToFileURL(broken));
    expect(fallback.by).toBe('thread');
    expect(fallback.there).toBe(fallback.here);
    const silent = join(dir, 'silent-worker.mjs');
    writeFileSync(silent, 'process.exit(3);\n');
    await expect(inThreadAndWorker([input(text)], 0, policy, pathToFileURL(silent))).rejects.toThrow(
      'the rated SARIF writer stopped without an answer (exit code 3)',
    );
  });
});
