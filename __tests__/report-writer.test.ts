import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { compareFindings, countFindings, runEngine, sortFindings, type EngineInput } from '../src/engine';
import type { RatedFinding } from '../src/model';
import { ingestText, type IngestedFile } from '../src/ingest/index';
import { jsonPieces } from '../src/io/json-writer';
import { buildReport, reportForWriting } from '../src/report/json';
import { buildRatedSarif } from '../src/report/sarif';
import { renderText, TEXT_LIMIT } from '../src/report/text';
import { renderMarkdown } from '../src/report/markdown';
import { writeRatedSarif, type SarifInputFile } from '../src/io/rated-sarif';
import { rateAll } from '../src/rate/rate';
import { defaultPolicy, policyFrom, BASE_POLICY } from './helpers';

/**
 * check.ts writes the JSON report and the rated SARIF without building them: report entries are made batch by batch
 * as they are written (reportForWriting), the rated SARIF is written from the input files read again
 * (writeRatedSarif), and the engine rates the ingested findings in place (EngineInput.inPlace). The written JSON must
 * be that of the built objects (the report: byte for byte; the rated SARIF: the same value, since it copies the
 * scanner's own text).
 */

const NOW = new Date('2026-11-25T12:00:00Z');
const WS = '/home/runner/work/app/app';

function corpusFiles(dir = '__fixtures__/corpus'): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...corpusFiles(p));
    else out.push(p);
  }
  return out;
}

const FILES = corpusFiles();
const ingestAll = (): IngestedFile[] => FILES.map((file) => ingestText(readFileSync(file, 'utf8'), { file, workspace: WS }));
const tmp = mkdtempSync(join(tmpdir(), 'dg-writer-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The SARIF inputs of `files` as check.ts passes them to writeRatedSarif (file names are paths here). */
function sarifInputs(files: IngestedFile[]): SarifInputFile[] {
  return files
    .filter((f) => f.format === 'sarif')
    .map((f) => {
      const st = statSync(f.file);
      return { file: f.file, path: resolve(f.file), size: st.size, mtimeMs: st.mtimeMs };
    });
}

/** The rated SARIF as writeRatedSarif writes it, parsed. */
function writtenSarif(
  r: ReturnType<typeof runEngine>,
  policy: ReturnType<typeof defaultPolicy>,
  files: IngestedFile[],
  space: 0 | 2,
): { text: string; value: unknown } {
  const out = join(tmp, `rated-${space}.sarif`);
  writeRatedSarif(out, r, policy, sarifInputs(files), space);
  const text = readFileSync(out, 'utf8');
  return { text, value: JSON.parse(text) as unknown };
}
/** Rules, components and business criticality: explanations of several steps, components set while rating. */
const RULES_AND_COMPONENTS = policyFrom(
  BASE_POLICY.replace(
    'gates:',
    `  rules:
    - {name: Tests, when: {path: "src/f1*"}, lower: 1}
    - {name: Noted, when: {tool: codeql}, floor: low}
components:
  - {name: app, paths: ["src/f2*"], owner: team-app, criticality: high}
  - {name: images, packages: ["*"], criticality: low}
criticality: {high: {raise: 1}, low: {lower: 1}}
gates:`,
  ),
);
const written = (value: unknown, space: 0 | 2) => [...jsonPieces(value, '', 0, space)].join('');

/** A SARIF log of n results over a few rules and files (more than one write batch). */
function manyResults(n: number): string {
  const rules = ['js/sql-injection', 'js/xss', 'js/path-injection', 'js/unused-local-variable'];
  return JSON.stringify({
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'CodeQL',
            rules: rules.map((id, i) => ({
              id,
              properties: { 'security-severity': String(9.8 - i * 3), tags: ['security', `external/cwe/cwe-${79 + i}`] },
            })),
          },
        },
        results: Array.from({ length: n }, (_, i) => ({
          ruleId: rules[i % rules.length],
          ruleIndex: i % rules.length,
          level: i % 7 === 0 ? 'note' : 'error',
          message: { text: `finding ${i}` },
          locations: [{ physicalLocation: { artifactLocation: { uri: `src/f${i % 13}.js` }, region: { startLine: (i % 97) + 1 } } }],
          partialFingerprints: { primaryLocationLineHash: `h${i}` },
          ...(i % 11 === 0 ? { suppressions: [{ kind: 'inSource', justification: 'test' }] } : {}),
          ...(i % 5 === 0 ? { properties: { extra: i } } : {}),
        })),
      },
    ],
  });
}

describe('streamed report writers', () => {
  const cases: [string, () => IngestedFile[]][] = [
    ['the whole corpus', ingestAll],
    [
      '700 results (several batches)',
      () => {
        const file = join(tmp, 'many.sarif');
        writeFileSync(file, manyResults(700));
        return [ingestText(readFileSync(file, 'utf8'), { file, workspace: WS })];
      },
    ],
  ];
  for (const [name, files] of cases) {
    it(`${name}: the written report and rated SARIF equal JSON.stringify of buildReport / buildRatedSarif`, () => {
      for (const policy of [defaultPolicy(), RULES_AND_COMPONENTS]) {
        const input: EngineInput = { files: files(), policy, environment: 'default', onInputError: 'warn', now: NOW };
        const r = runEngine(input);
        const docs = new Map<string, unknown>();
        for (const f of input.files) if (f.document !== undefined) docs.set(f.file, f.document);
        const tracking = { ledger: 'file:ledger.json', scope: 'main', written: false };
        const report = buildReport(r, 'policy.yml', tracking);
        expect(written(reportForWriting(r, 'policy.yml', tracking), 0)).toBe(JSON.stringify(report));
        expect(written(reportForWriting(r, 'policy.yml', tracking), 2)).toBe(JSON.stringify(report, null, 2));
        expect(JSON.stringify(reportForWriting(r, 'policy.yml'))).toBe(JSON.stringify(buildReport(r, 'policy.yml')));
        const sarif = buildRatedSarif(r, policy, docs);
        const expected = JSON.parse(JSON.stringify(sarif)) as unknown;
        expect(writtenSarif(r, policy, input.files, 0).value).toEqual(expected);
        const pretty = writtenSarif(r, policy, input.files, 2);
        expect(pretty.value).toEqual(expected);
        expect(pretty.text).toBe(`${JSON.stringify(JSON.parse(pretty.text), null, 2)}\n`); // consistently indented

        // Rating in place gives the same findings, reports and rated SARIF as rating copies.
        const inPlace = runEngine({ ...input, files: files(), inPlace: true });
        expect(inPlace.findings).toStrictEqual(r.findings);
        expect(inPlace.counts).toEqual(r.counts);
        expect(JSON.stringify(buildReport(inPlace, 'policy.yml', tracking))).toBe(JSON.stringify(report));
        expect(JSON.stringify(buildRatedSarif(inPlace, policy, docs))).toBe(JSON.stringify(sarif));
      }
    });
  }

  /** The corpus rated, some findings blocking, shuffled so that ties in the sort keys are common and in no order. */
  const shuffledRated = () => {
    const findings = rateAll(
      ingestAll().flatMap((f) => f.findings),
      RULES_AND_COMPONENTS,
    );
    const blocking = new Set(findings.filter((_, i) => i % 3 === 0).map((f) => f.fingerprint));
    const shuffled = findings
      .map((f, i) => ({ f, k: (i * 7919) % 1009 }))
      .sort((a, b) => a.k - b.k)
      .map((x) => x.f);
    return { shuffled, blocking };
  };

  it('sortFindings sorts as a stable sort by compareFindings', () => {
    const { shuffled, blocking } = shuffledRated();
    const expected = [...shuffled].sort(compareFindings(blocking));
    const actual = [...shuffled];
    const first = sortFindings(actual, blocking);
    expect(actual.length).toBeGreaterThan(500);
    expect(actual.map((f) => f.fingerprint)).toEqual(expected.map((f) => f.fingerprint));
    // Sorted whole, it says how many come first that block: exactly those block.
    expect(first).toBe(shuffled.filter((f) => blocking.has(f.fingerprint)).length);
    expect(first).toBeGreaterThan(100);
    expect(actual.map((f, i) => blocking.has(f.fingerprint) === i < (first as number)).every(Boolean)).toBe(true);
    // Sorted in part, it does not.
    expect(sortFindings([...shuffled], blocking, 50)).toBeUndefined();
  });

  it('outputs know which findings block by their position when the run is sorted whole: the same report, Markdown and rated SARIF as by fingerprint', () => {
    const files = ingestAll();
    const r = runEngine({ files, policy: RULES_AND_COMPONENTS, environment: 'default', onInputError: 'warn', now: NOW });
    expect(r.blockingFirst).toBe(r.findings.filter((f) => r.blocking.has(f.fingerprint)).length);
    expect(r.blockingFirst).toBeGreaterThan(0);
    expect(r.blockingFirst).toBeLessThan(r.findings.length);
    const byFingerprint = { ...r, blockingFirst: undefined };
    const outputs = (x: typeof r) => ({
      report: JSON.stringify(buildReport(x, 'policy.yml')),
      written: [...jsonPieces(reportForWriting(x, 'policy.yml'), '', 0, 0)].join(''),
      markdown: renderMarkdown(x, { maxBytes: 64 * 1024 }),
      sarif: writtenSarif(x, RULES_AND_COMPONENTS, files, 0).text,
    });
    const expected = outputs(byFingerprint);
    expect(outputs(r)).toEqual(expected);
    // The position is what they read: a wrong one changes every output.
    const wrong = outputs({ ...r, blockingFirst: 0 });
    for (const k of Object.keys(expected) as (keyof typeof expected)[]) expect([k, wrong[k] === expected[k]]).toEqual([k, false]);
  });

  it('sortFindings sorts as compareFindings on paths chosen to be hard: shared prefixes, prefixes of others, equal paths, surrogates, U+FFFF, none', () => {
    const { shuffled } = shuffledRated();
    const base = shuffled[0] as (typeof shuffled)[number];
    // A seeded generator: the same findings on every run.
    let seed = 0x2f6b1d;
    const rnd = (k: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % k;
    };
    const pieces = [
      '',
      'a',
      'b',
      'a/',
      'ab',
      'src/',
      'src/app/',
      'src/app/m1',
      '\uffff',
      '\ud83d\ude00',
      '\ud800',
      'é',
      'Z',
      '~',
      ' ',
      '0',
    ];
    const prefix = 'x'.repeat(300);
    for (const n of [0, 1, 2, 13, 40, 700, 3000]) {
      const findings = Array.from({ length: n }, (_, i) => {
        let path: string | undefined = '';
        for (let k = rnd(5); k > 0; k--) path += pieces[rnd(pieces.length)] as string;
        if (rnd(6) === 0) path = prefix + path; // long shared prefixes
        if (rnd(9) === 0) path = undefined; // no path: the location, or U+FFFF
        return {
          ...base,
          fingerprint: `fp${i}`,
          path,
          ...(path === undefined && rnd(2) === 0 ? { location: `loc${rnd(3)}` } : { location: undefined }),
          startLine: rnd(4) === 0 ? undefined : rnd(5),
          ruleId: `r${rnd(3)}`,
          gated: rnd(4) !== 0,
          rank: rnd(3),
        };
      });
      const blocking = new Set(findings.filter(() => rnd(5) === 0).map((f) => f.fingerprint));
      const expected = [...findings].sort(compareFindings(blocking));
      const actual = [...findings];
      sortFindings(actual, blocking);
      expect(actual.map((f) => f.fingerprint)).toEqual(expected.map((f) => f.fingerprint));
    }
  });

  it('sortFindings orders every path of up to 6 code units over NUL, a, U+FFFE, U+FFFF as compareFindings (its keys read three at a time)', () => {
    const { shuffled } = shuffledRated();
    const base = shuffled[0] as (typeof shuffled)[number];
    const paths = [''];
    for (let from = 0, len = 0; len < 6; len++) {
      const to = paths.length;
      for (let i = from; i < to; i++) for (const c of ['\u0000', 'a', '\ufffe', '\uffff']) paths.push((paths[i] as string) + c);
      from = to;
    }
    expect(paths).toHaveLength(5461);
    // Each path twice (equal paths ordered by line, then input order), in a scrambled order.
    const findings = [...paths, ...paths]
      .map((path, i) => ({
        ...base,
        fingerprint: `fp${i}`,
        path,
        location: undefined,
        startLine: i % 3,
        ruleId: 'r',
        gated: true,
        rank: 0,
      }))
      .map((f, i) => ({ f, k: (i * 7919) % 10_007 }))
      .sort((a, b) => a.k - b.k)
      .map((x) => x.f);
    const expected = [...findings].sort(compareFindings(new Set()));
    const actual = [...findings];
    sortFindings(actual, new Set());
    expect(actual.map((f) => f.fingerprint)).toEqual(expected.map((f) => f.fingerprint));
  });

  it('sortFindings with a top sorts the first places as the full sort does, the others follow in input order', () => {
    const { shuffled, blocking } = shuffledRated();
    const full = [...shuffled];
    sortFindings(full, blocking);
    const n = shuffled.length;
    for (const top of [0, 1, 2, 7, 50, 333, n - 1, n, n + 5]) {
      const actual = [...shuffled];
      sortFindings(actual, blocking, top);
      const k = Math.min(top, n);
      expect(actual.slice(0, k).map((f) => f.fingerprint)).toEqual(full.slice(0, k).map((f) => f.fingerprint));
      // The rest: every other finding once, in input order.
      const chosen = new Set(actual.slice(0, k));
      expect(actual.slice(k)).toEqual(shuffled.filter((f) => !chosen.has(f)));
    }
  });

  it("the CLI's text verdict (sortTop) shows what the fully sorted run shows", () => {
    const input: EngineInput = {
      files: ingestAll(),
      policy: RULES_AND_COMPONENTS,
      environment: 'default',
      onInputError: 'warn',
      now: NOW,
    };
    const all = runEngine(input);
    const top = runEngine({ ...input, files: ingestAll(), sortTop: TEXT_LIMIT });
    expect(all.blockingFirst).toBeGreaterThan(0);
    expect(top.blockingFirst).toBeUndefined();
    expect(all.findings.length).toBeGreaterThan(TEXT_LIMIT * 4);
    expect(renderText(top)).toBe(renderText(all));
    expect(top.counts).toEqual(all.counts);
    expect(top.verdict).toEqual(all.verdict);
    expect(top.findings.slice(0, TEXT_LIMIT)).toEqual(all.findings.slice(0, TEXT_LIMIT));
  });

  it('countFindings counts as one record per finding would: tools of one name in several objects, severities outside the levels, __proto__', () => {
    const { shuffled } = shuffledRated();
    const base = shuffled[0] as (typeof shuffled)[number];
    const levels = ['critical', 'high', 'medium'];
    const tools = [{ name: 'A' }, { name: 'B' }, { name: 'A' }, { name: '__proto__' }, { name: 'constructor' }];
    const sevs = ['high', 'odd', 'critical', 'medium', 'other', '__proto__'];
    let seed = 11;
    const rnd = (k: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % k;
    };
    const findings = Array.from({ length: 400 }, (_, i) => ({
      ...base,
      fingerprint: `fp${i}`,
      tool: tools[rnd(tools.length)] as (typeof tools)[number],
      severity: sevs[rnd(sevs.length)] as string,
      gated: rnd(5) !== 0,
      status: (['new', 'reopened', 'existing', undefined] as const)[rnd(4)],
      sla: rnd(3) === 0 ? undefined : { due: '2026-12-01', daysLeft: 1, state: (['breached', 'due-soon', 'ok'] as const)[rnd(3)] },
    })) as RatedFinding[];
    // First: severities outside the levels seen in an order that no single tool's findings give.
    findings.unshift(
      ...(['odd', 'other', '__proto__'] as const).map((severity, i) => ({
        ...base,
        fingerprint: `first${i}`,
        tool: tools[i % 2] as (typeof tools)[number],
        severity,
        gated: true,
      })),
    );
    // What countFindings did before (and says): a record per severity and per tool name, keys in order of first sight.
    const add = (o: Record<string, number>, k: string) =>
      Object.hasOwn(o, k)
        ? (o[k] = (o[k] as number) + 1)
        : Object.defineProperty(o, k, { value: 1, enumerable: true, writable: true, configurable: true });
    const bySeverity: Record<string, number> = Object.fromEntries(levels.map((l) => [l, 0]));
    const byTool: Record<string, Record<string, number>> = {};
    for (const f of findings) {
      if (!f.gated) continue;
      add(bySeverity, f.severity);
      if (!Object.hasOwn(byTool, f.tool.name))
        Object.defineProperty(byTool, f.tool.name, {
          value: Object.fromEntries(levels.map((l) => [l, 0])),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      add(byTool[f.tool.name] as Record<string, number>, f.severity);
    }
    const gated = findings.filter((f) => f.gated);
    const counts = countFindings(findings, levels, new Set(['x', 'y']), 3);
    expect(JSON.stringify(counts.bySeverity)).toBe(JSON.stringify(bySeverity));
    expect(JSON.stringify(counts.byTool)).toBe(JSON.stringify(byTool));
    expect(Object.getPrototypeOf(counts.byTool)).toBe(Object.prototype);
    expect(counts).toEqual({
      total: 403,
      gated: gated.length,
      blocking: 2,
      notGated: 403 - gated.length,
      bySeverity,
      byTool,
      new: gated.filter((f) => f.status === 'new' || f.status === 'reopened').length,
      reopened: gated.filter((f) => f.status === 'reopened').length,
      fixed: 3,
      slaBreached: gated.filter((f) => f.sla?.state === 'breached').length,
      slaDueSoon: gated.filter((f) => f.sla?.state === 'due-soon').length,
    });
  });

  it('rateAll stays pure: rating copies leaves the ingested findings as they were', () => {
    const findings = ingestAll().flatMap((f) => f.findings);
    const before = JSON.stringify(findings);
    for (const policy of [defaultPolicy(), RULES_AND_COMPONENTS]) rateAll(findings, policy);
    expect(JSON.stringify(findings)).toBe(before);
  });
});
