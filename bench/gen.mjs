// Generates a CodeQL-shaped SARIF 2.1.0 log with N results, written in chunks (never one big string).
// `node bench/gen.mjs N OUT` — deterministic for a given N (seeded PRNG).
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';

/** mulberry32: a tiny seeded PRNG. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CWES = [79, 89, 22, 78, 94, 200, 311, 327, 352, 400, 502, 601, 611, 798, 918, 1333];
const LANGS = ['js', 'py', 'java', 'go', 'cs'];
const DIRS = ['src', 'lib', 'services/payments', 'services/auth', 'web/app', 'tools', 'test', 'vendor/pkg', 'internal/api'];

function rules(n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const lang = LANGS[i % LANGS.length];
    const cwe = CWES[i % CWES.length];
    const level = ['error', 'warning', 'note'][i % 3];
    out.push({
      id: `${lang}/rule-${i}`,
      name: `Rule${i}`,
      shortDescription: { text: `Rule ${i}: a CodeQL-like query` },
      fullDescription: { text: `Detects a pattern that may lead to CWE-${cwe}.` },
      defaultConfiguration: { enabled: true, level },
      help: { text: `# Rule ${i}\nFix it.`, markdown: `# Rule ${i}\nFix it.` },
      helpUri: `https://codeql.github.com/codeql-query-help/${lang}/rule-${i}/`,
      properties: {
        tags: ['security', `external/cwe/cwe-${String(cwe).padStart(3, '0')}`],
        description: `Detects CWE-${cwe}`,
        id: `${lang}/rule-${i}`,
        kind: 'path-problem',
        name: `Rule ${i}`,
        precision: 'high',
        'problem.severity': level,
        'security-severity': (((i * 37) % 100) / 10).toFixed(1),
      },
    });
  }
  return out;
}

const hex = (r, n) => {
  let s = '';
  for (let i = 0; i < n; i++) s += ((r() * 16) | 0).toString(16);
  return s;
};

function result(r, i, nRules, levels) {
  const ruleIndex = (r() * nRules) | 0;
  const lang = LANGS[ruleIndex % LANGS.length];
  const dir = DIRS[(r() * DIRS.length) | 0];
  const file = `${dir}/m${(r() * 5000) | 0}/file${i % 997}.${lang}`;
  const line = 1 + ((r() * 4000) | 0);
  const col = 1 + ((r() * 80) | 0);
  const res = {
    ruleId: `${lang}/rule-${ruleIndex}`,
    ruleIndex,
    rule: { id: `${lang}/rule-${ruleIndex}`, index: ruleIndex },
    message: { text: `This value depends on a [user-provided value](1) at line ${line} and flows to a sink.` },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: file, uriBaseId: '%SRCROOT%', index: i % 1000 },
          region: { startLine: line, startColumn: col, endColumn: col + 12 },
        },
      },
    ],
    partialFingerprints: { primaryLocationLineHash: `${hex(r, 16)}:1`, primaryLocationStartColumnFingerprint: String(col % 7) },
  };
  if (r() < 0.3) res.level = levels[(r() * levels.length) | 0];
  return res;
}

/** Writes the log; resolves to { results, errors } (the count of results with level "error" written explicitly). */
export async function generate(n, out) {
  const r = prng(0x5eed ^ n);
  const nRules = 60;
  const levels = ['error', 'warning', 'note'];
  const ws = createWriteStream(out);
  let buf = '';
  const flush = async (force) => {
    if (buf.length < 1 << 20 && !force) return;
    if (!ws.write(buf)) await once(ws, 'drain');
    buf = '';
  };
  const head = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
  };
  const run = {
    tool: { driver: { name: 'CodeQL', semanticVersion: '2.19.0', organization: 'GitHub', rules: rules(nRules) } },
    originalUriBaseIds: { '%SRCROOT%': { uri: 'file:///home/runner/work/mono/mono/' } },
    artifacts: Array.from({ length: 1000 }, (_, k) => ({ location: { uri: `src/a${k}.js`, uriBaseId: '%SRCROOT%', index: k } })),
  };
  buf += `${JSON.stringify(head).slice(0, -1)},"runs":[${JSON.stringify(run).slice(0, -1)},"results":[\n`;
  let errors = 0;
  for (let i = 0; i < n; i++) {
    const res = result(r, i, nRules, levels);
    if (res.level === 'error') errors++;
    buf += (i ? ',\n' : '') + JSON.stringify(res);
    await flush(false);
  }
  buf += '\n],"columnKind":"utf16CodeUnits","properties":{"semmle.formatSpecifier":"sarif-latest"}}]}\n';
  await flush(true);
  ws.end();
  await once(ws, 'finish');
  return { results: n, errors };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const n = Number(process.argv[2] ?? 1000);
  const out = process.argv[3] ?? `bench/out/sarif-${n}.sarif`;
  const t = Date.now();
  const info = await generate(n, out);
  process.stdout.write(`${out}: ${info.results} results (${info.errors} level=error) in ${Date.now() - t} ms\n`);
}
