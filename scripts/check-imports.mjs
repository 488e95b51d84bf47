#!/usr/bin/env node
/**
 * Layering check (run by `npm run lint`): no import cycles in src/, and no upward imports from the pure core.
 *
 * - The pure core (the ingest, policy, rate, gate, exceptions, ledger, metrics, report, owners and redact folders,
 *   engine.ts, model.ts) must not import the shells: src/cli/, src/action/, src/main.ts, src/bin.ts,
 *   src/index.ts, src/check.ts, src/io/ or src/github/. The ledger's stores (src/ledger/*-store.ts, file-lock.ts) are
 *   adapters and may use src/io/ and src/github/.
 * - Import cycles are found over every import, `import type` included (a type cycle is a layering knot too).
 * - One direction between core folders (DIRECTION below): the policy (parse, compile, its exceptions section
 *   included: src/policy/exceptions.ts) never imports src/exceptions/ (applying exceptions to findings at run time).
 *
 * KNOWN lists what exists today and is to be fixed (issue #15 part B); anything else fails the lint. A KNOWN entry
 * that no longer occurs is reported so it can be removed.
 */
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..');
const SRC = join(ROOT, 'src');

/** Known upward imports ("from -> to") and cycles (their files, sorted, joined by " "), to be fixed. */
// (The approval verifier, which read GitHub from exceptions/, is src/github/approvals.ts since part B.)
const KNOWN = new Set([]);

function files(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function resolveImport(from, spec) {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(dirname(from), spec);
  for (const c of [`${base}.ts`, join(base, 'index.ts'), base]) if (existsSync(c) && statSync(c).isFile() && c.endsWith('.ts')) return c;
  return undefined;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
const rel = (p) => relative(SRC, p).split('\\').join('/');

const graph = new Map();
for (const f of files(SRC)) {
  const text = readFileSync(f, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:])\/\/.*$/gm, '$1');
  const deps = new Set();
  for (const m of text.matchAll(IMPORT)) {
    const target = resolveImport(f, m[1] ?? m[2]);
    if (target) deps.add(rel(target));
  }
  graph.set(rel(f), [...deps]);
}

const CORE = /^(ingest|policy|rate|gate|exceptions|ledger|metrics|report|owners|redact)\/|^(engine|model)\.ts$/;
const SHELL = /^(cli|action|io|github)\/|^(main|bin|index|check)\.ts$/;
const ADAPTER = /^ledger\/([\w-]+-store|file-lock)\.ts$/;

const problems = [];
for (const [from, deps] of graph) {
  if (!CORE.test(from) || ADAPTER.test(from)) continue;
  for (const to of deps) if (SHELL.test(to)) problems.push(`upward import: ${from} -> ${to}`);
}

/** Folder pairs [from, to]: `from` must not import `to` (the other direction is the allowed one). */
const DIRECTION = [[/^policy\//, /^exceptions\//]];
for (const [from, deps] of graph) {
  for (const [a, b] of DIRECTION)
    if (a.test(from)) for (const to of deps) if (b.test(to)) problems.push(`wrong direction: ${from} -> ${to}`);
}

// Tarjan's strongly connected components: every component of more than one file is a cycle.
let index = 0;
const idx = new Map();
const low = new Map();
const stack = [];
const on = new Set();
function strong(v) {
  idx.set(v, index);
  low.set(v, index++);
  stack.push(v);
  on.add(v);
  for (const w of graph.get(v) ?? []) {
    if (!idx.has(w)) {
      strong(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
  }
  if (low.get(v) === idx.get(v)) {
    const comp = [];
    let w;
    do {
      w = stack.pop();
      on.delete(w);
      comp.push(w);
    } while (w !== v);
    if (comp.length > 1) problems.push(`import cycle: ${comp.sort().join(' ')}`);
  }
}
for (const v of graph.keys()) if (!idx.has(v)) strong(v);

const fresh = problems.filter((p) => !KNOWN.has(p));
const stale = [...KNOWN].filter((k) => !problems.includes(k));
for (const s of stale) console.log(`check-imports: fixed, remove from KNOWN in scripts/check-imports.mjs: ${s}`);
for (const p of fresh) console.error(`check-imports: ${p}`);
if (fresh.length) {
  console.error(
    `check-imports: ${fresh.length} problem(s): a pure core module imports a shell, modules import each other, or a core folder imports against its direction (DIRECTION). Move the shared piece down (into the core or src/io/), or pass it in as a parameter.`,
  );
  process.exit(1);
}
console.log(`check-imports: ${graph.size} modules, no new cycle or upward import (${problems.length} known, to be fixed)`);
