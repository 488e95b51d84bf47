import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import type { LedgerFile } from '../src/ledger/schema';

/**
 * Concurrent `check --ledger file:PATH` runs on one ledger file (a matrix job on one runner, two pipelines on one
 * agent), run as real processes of the CLI built from the current source.
 */

const WRITERS = 40;
let dir: string;
let cli: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dg-ledger-conc-'));
  cli = join(dir, 'cli.js');
  // As scripts/build.mjs builds dist/cli.js, into a temporary folder (dist/ is the committed build).
  await build({
    entryPoints: [resolve('src/bin.ts')],
    outfile: cli,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    loader: { '.yml': 'text' },
    logLevel: 'warning',
    banner: {
      js: "import { createRequire as __dgCreateRequire } from 'node:module';\nconst require = __dgCreateRequire(import.meta.url);",
    },
  });
  writeFileSync(join(dir, 'package.json'), '{"type": "module"}\n');
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A SARIF log of tool `tool` with `n` findings of its own (distinct fingerprints). */
function sarif(tool: string, n: number): string {
  return JSON.stringify({
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: tool, rules: [{ id: 'R1' }] } },
        results: Array.from({ length: n }, (_, i) => ({
          ruleId: 'R1',
          level: 'error',
          message: { text: `problem ${i} of ${tool}` },
          partialFingerprints: { primaryLocationLineHash: `${tool}-${i}` },
          locations: [{ physicalLocation: { artifactLocation: { uri: `src/${tool}.js` }, region: { startLine: i + 1 } } }],
        })),
      },
    ],
  });
}

interface Run {
  code: number | null;
  stderr: string;
}

function runCli(args: string[], cwd: string): Promise<Run> {
  return new Promise((ok) => {
    const child = spawn(process.execPath, [cli, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => ok({ code, stderr }));
  });
}

function readLedger(path: string): LedgerFile {
  return JSON.parse(readFileSync(path, 'utf8')) as LedgerFile;
}

describe('file ledger with concurrent writers', () => {
  it(`${WRITERS} CLI processes started at once: every run and every finding is in the ledger`, async () => {
    const ws = join(dir, 'conc');
    mkdirSync(ws);
    const tools = Array.from({ length: WRITERS }, (_, i) => `scanner-${String(i).padStart(2, '0')}`);
    for (const [i, tool] of tools.entries()) writeFileSync(join(ws, `${tool}.sarif`), sarif(tool, (i % 3) + 1));
    const started = Date.now();
    const runs = await Promise.all(
      tools.map((tool) => runCli(['check', `${tool}.sarif`, '--ledger', 'file:ledger.json', '--format', 'json'], ws)),
    );
    const ms = Date.now() - started;
    for (const r of runs) expect({ code: r.code, stderr: r.stderr.replace(/^ledger .* updated\n/m, '') }).toEqual({ code: 0, stderr: '' });
    const book = readLedger(join(ws, 'ledger.json')).books.default;
    // One snapshot per run, and each tool's findings, open (no run fixes another tool's findings).
    expect(book?.runs.map((r) => r.tools.join()).sort()).toEqual(tools);
    const expected = tools.flatMap((tool, i) => Array.from({ length: (i % 3) + 1 }, (_, k) => `${tool}/problem ${k} of ${tool}`)).sort();
    expect(
      Object.values(book?.entries ?? {})
        .map((e) => `${e.tool}/${e.title}`)
        .sort(),
    ).toEqual(expected);
    expect(Object.values(book?.entries ?? {}).every((e) => e.state === 'open')).toBe(true);
    // Nothing left behind: no lock, no temporary file.
    expect(
      readdirSync(ws)
        .filter((f) => f.startsWith('ledger.json'))
        .sort(),
    ).toEqual(['ledger.json']);
    process.stderr.write(`${WRITERS} concurrent writers: ${ms} ms\n`);
  }, 120_000);
});
