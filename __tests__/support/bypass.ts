import { gzipSync } from 'node:zlib';
import { pick, type Rand } from './mutate';

/**
 * Mutations toward the bypass classes of the fail-closed rules (README "Fail closed"): each one either keeps what the
 * file says (gzip, a byte order mark, escaped keys, reordered keys) or hides findings in a way the gate must notice
 * (a duplicate key whose last value is empty, a missing or null findings container, a scan that says it did not
 * complete, a score out of range, a format forced onto content that does not fit, UTF-16). The oracle in
 * __tests__/fuzz-bypass.test.ts: no mutated file may get a better verdict than the original without an input error.
 */

export interface BypassCase {
  op: string;
  /** The file's bytes as written to the workspace. */
  bytes: Buffer;
  /** A format forced onto the file (`--input-format`), if any. */
  format?: string;
  /** True when the mutation keeps every finding: the outcome must then be the same, not only no better. */
  preserving: boolean;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every object in the tree with the path to it (capped), for picking one to mutate. */
function objects(doc: Json, max = 4000): { obj: Obj; path: string }[] {
  const out: { obj: Obj; path: string }[] = [];
  const stack: [Json, string][] = [[doc, '$']];
  while (stack.length && out.length < max) {
    const [v, p] = stack.pop() as [Json, string];
    if (Array.isArray(v)) v.forEach((x, i) => stack.push([x, `${p}[${i}]`]));
    else if (isObj(v)) {
      out.push({ obj: v, path: p });
      for (const k of Object.keys(v)) stack.push([v[k] as Json, `${p}.${k}`]);
    }
  }
  return out;
}

/** An empty value of the same JSON type (what a second, hiding key would hold). */
function emptyLike(v: Json): Json {
  if (Array.isArray(v)) return [];
  if (isObj(v)) return {};
  if (typeof v === 'string') return '';
  if (typeof v === 'number') return 0;
  return null;
}

/**
 * JSON text of `doc` where the object `target` writes `key` twice: first `first`, then its own value (or the other way
 * round). JSON.parse keeps the last; a reader that does not refuse duplicates sees whichever it keeps.
 */
function stringifyWithDuplicate(doc: Json, target: Obj, key: string, dup: Json, dupFirst: boolean): string {
  const write = (v: Json): string => {
    if (Array.isArray(v)) return `[${v.map(write).join(',')}]`;
    if (isObj(v)) {
      const parts = Object.keys(v).map((k) => {
        const own = `${JSON.stringify(k)}:${write(v[k] as Json)}`;
        if (v !== target || k !== key) return own;
        const extra = `${JSON.stringify(k)}:${write(dup)}`;
        return dupFirst ? `${extra},${own}` : `${own},${extra}`;
      });
      return `{${parts.join(',')}}`;
    }
    return JSON.stringify(v);
  };
  return write(doc);
}

/** Keys whose value is a non-empty array of objects: the likely findings containers (results, Results, alerts, …). */
function containers(doc: Json): { obj: Obj; key: string; path: string; objPath: string }[] {
  return objects(doc).flatMap(({ obj, path }) =>
    Object.keys(obj)
      .filter((k) => {
        const v = obj[k];
        return Array.isArray(v) && v.length > 0 && v.some(isObj);
      })
      .map((key) => ({ obj, key, path: `${path}.${key}`, objPath: path })),
  );
}

const SCORE_KEY = /^(security-severity|cvss.*score|score|base_?score|cvssv?3?_?score)$/i;
const BAD_SCORES: Json[] = ['99', '9,8', '-9.8', 'high-ish', 11, -1];

function escapeKeyChars(text: string, r: Rand): string {
  // Escape every character of a few keys as \uXXXX: the same document to any JSON reader.
  const keys = [...new Set([...text.matchAll(/"([A-Za-z][A-Za-z_-]{2,30})"\s*:/g)].map((m) => m[1] as string))];
  if (!keys.length) return text;
  let out = text;
  for (let i = 0; i < 3; i++) {
    const k = pick(r, keys);
    const esc = [...k].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
    out = out.split(`"${k}":`).join(`"${esc}":`);
  }
  return out;
}

function utf16le(text: string): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
}

/**
 * Documented absences: container mutations that give a legitimate clean report, so a better verdict is not a bypass.
 * Each entry is one format, the mutation ops and the JSON paths it covers, and why the scanner's own output can look
 * like that. Keep it small and specific: an entry here is a hole in the oracle. Renames, and `null` where the format
 * never writes it, stay judged (the parsers must refuse them).
 */
export const DOCUMENTED_ABSENCES: readonly { format: string; ops: readonly string[]; path: RegExp; reason: string }[] = [
  {
    format: 'trivy',
    ops: ['dropContainer'],
    path: /^\$\.Results$/,
    reason:
      'Trivy writes Report.Results with omitempty (pkg/types/report.go): a filesystem or repository scan that found no target has none (an image report without Results is an error)',
  },
  {
    format: 'trivy',
    ops: ['dropContainer'],
    path: /^\$(\.(Resources|Findings|Vulnerabilities|Misconfigurations)\[\d+\])?\.Results\[\d+\]\.(Vulnerabilities|Misconfigurations|Secrets)$/,
    reason: 'Trivy writes Result.Vulnerabilities/Misconfigurations/Secrets with omitempty: a target without findings has none',
  },
  {
    format: 'trivy',
    ops: ['dropContainer'],
    path: /^\$(\.(Resources|Findings|Vulnerabilities|Misconfigurations)|\.(Resources|Findings|Vulnerabilities|Misconfigurations)\[\d+\]\.Results)$/,
    reason: 'Kubernetes reports (pkg/k8s/report/report.go) write Resources, Findings and Resource.Results with omitempty',
  },
  {
    format: 'trivy',
    ops: ['dropContainer', 'nullContainer'],
    path: /^\$\[\d+\]\.Vulnerabilities$/,
    reason:
      'the legacy array format (before SchemaVersion 2) writes "Vulnerabilities": null for a target without vulnerabilities (corpus legacy_trivy_mix.json)',
  },
  {
    format: 'sarif',
    ops: ['dropContainer'],
    path: /^\$\.runs\[\d+\]\.invocations(\[\d+\]\.toolExecutionNotifications)?$/,
    reason:
      'SARIF run.invocations and invocation.toolExecutionNotifications are optional: a tool that does not describe its invocation, or reported no notification, leaves them out (null or another type is an error)',
  },
];

/** The reason a mutation (`op` as in BypassCase.op: "dropContainer $.Results") of a `format` file is a documented absence. */
export function documentedAbsence(format: string | undefined, op: string): string | undefined {
  const [name, path] = op.split(' ', 2);
  if (!format || !name || !path) return undefined;
  return DOCUMENTED_ABSENCES.find((a) => a.format === format && a.ops.includes(name) && a.path.test(path))?.reason;
}

/** One mutation toward a bypass class; `formats` are the parser ids a format can be forced to. */
export function bypassMutate(text: string, r: Rand, formats: readonly string[], ownFormat: string | undefined): BypassCase {
  const isJson = /^\s*[[{]/.test(text);
  const utf8 = (t: string) => Buffer.from(t, 'utf8');
  const textOps = ['gzip', 'bom', 'forceFormat', 'utf16'];
  const jsonOps = [
    'duplicateKey',
    'duplicateKey',
    'dropContainer',
    'nullContainer',
    'renameContainer',
    'score',
    'incomplete',
    'noRuns',
    'escapedKeys',
    'reorder',
  ];
  const xmlOps = ['xmlEntity'];
  const op = pick(r, isJson ? [...textOps, ...jsonOps] : [...textOps, ...xmlOps]);
  switch (op) {
    case 'gzip':
      return { op, bytes: gzipSync(utf8(text)), preserving: true };
    case 'bom':
      return { op, bytes: utf8(text.startsWith('\uFEFF') ? text : `\uFEFF${text}`), preserving: true };
    case 'utf16':
      return { op, bytes: utf16le(text), preserving: false };
    case 'forceFormat': {
      const others = formats.filter((f) => f !== ownFormat);
      return { op: `${op}:${pick(r, others)}`, bytes: utf8(text), format: pick(r, others), preserving: false };
    }
    case 'escapedKeys':
      return { op, bytes: utf8(escapeKeyChars(text, r)), preserving: true };
    case 'xmlEntity': {
      // An entity declaration (which could expand to gigabytes, or replace report text) after the XML declaration.
      const decl = /^\uFEFF?\s*<\?xml[^>]*\?>/.exec(text)?.[0] ?? '';
      const entity = pick(r, ['<!ENTITY e "">', '<!ENTITY e SYSTEM "file:///etc/hostname">', '<!ENTITY % p "x">']);
      return { op, bytes: utf8(`${decl}<!DOCTYPE r [${entity}]>${text.slice(decl.length)}`), preserving: false };
    }
    default:
      break;
  }
  let doc: Json;
  try {
    doc = JSON.parse(text) as Json;
  } catch {
    return { op: 'gzip', bytes: gzipSync(utf8(text)), preserving: true };
  }
  const cs = containers(doc);
  switch (op) {
    case 'duplicateKey': {
      // A duplicate on the path to findings: most often a container, else any key.
      const os = objects(doc);
      const c = cs.length && r() < 0.8 ? pick(r, cs) : undefined;
      const o = c ?? (os.length ? { ...pick(r, os), key: '' } : undefined);
      const key = c?.key ?? (o && Object.keys(o.obj).length ? pick(r, Object.keys(o.obj)) : undefined);
      if (!o || key === undefined) break;
      const dupFirst = r() < 0.3;
      const path = `${c ? c.objPath : 'path' in o ? o.path : '$'}.${key}`;
      return {
        op: `${op}${dupFirst ? ':first' : ':last'} ${path}`,
        bytes: utf8(stringifyWithDuplicate(doc, o.obj, key, emptyLike(o.obj[key] as Json), dupFirst)),
        preserving: false,
      };
    }
    case 'dropContainer':
    case 'nullContainer':
    case 'renameContainer': {
      if (!cs.length) break;
      const c = pick(r, cs);
      const v = c.obj[c.key] as Json;
      delete c.obj[c.key];
      if (op === 'nullContainer') c.obj[c.key] = null;
      if (op === 'renameContainer')
        c.obj[pick(r, [c.key.toLowerCase() === c.key ? c.key.toUpperCase() : c.key.toLowerCase(), `${c.key}_`, `${c.key}s`])] = v;
      return { op: `${op} ${c.path}`, bytes: utf8(JSON.stringify(doc)), preserving: false };
    }
    case 'score': {
      const hits = objects(doc).flatMap(({ obj, path }) =>
        Object.keys(obj)
          .filter(
            (k) =>
              SCORE_KEY.test(k) && (typeof obj[k] === 'number' || (typeof obj[k] === 'string' && /^\d+(\.\d+)?$/.test(obj[k] as string))),
          )
          .map((k) => ({ obj, k, path: `${path}.${k}` })),
      );
      if (!hits.length) break;
      const h = pick(r, hits);
      const bad = pick(r, [...BAD_SCORES, 'huge']);
      if (bad === 'huge') {
        const marker = '"__dg_huge__"';
        h.obj[h.k] = '__dg_huge__';
        return { op: `${op}=1e400 ${h.path}`, bytes: utf8(JSON.stringify(doc).replace(marker, '1e400')), preserving: false };
      }
      h.obj[h.k] = bad;
      return { op: `${op}=${JSON.stringify(bad)} ${h.path}`, bytes: utf8(JSON.stringify(doc)), preserving: false };
    }
    case 'incomplete': {
      if (!isObj(doc) || !Array.isArray(doc.runs) || !doc.runs.length) break;
      const run = pick(r, doc.runs);
      if (!isObj(run)) break;
      run.invocations = [{ executionSuccessful: false }];
      return { op, bytes: utf8(JSON.stringify(doc)), preserving: false };
    }
    case 'noRuns': {
      // A SARIF log with no run at all: no tool reported anything.
      if (!isObj(doc) || !Array.isArray(doc.runs) || !doc.runs.length) break;
      doc.runs = [];
      return { op, bytes: utf8(JSON.stringify(doc)), preserving: false };
    }
    case 'reorder': {
      const reorder = (v: Json): Json => {
        if (Array.isArray(v)) return v.map(reorder);
        if (isObj(v)) {
          const out: Obj = {};
          for (const k of Object.keys(v).reverse())
            Object.defineProperty(out, k, { value: reorder(v[k] as Json), enumerable: true, writable: true, configurable: true });
          return out;
        }
        return v;
      };
      return { op, bytes: utf8(JSON.stringify(reorder(doc), null, 1)), preserving: true };
    }
    default:
      break;
  }
  return { op: 'bom', bytes: utf8(`\uFEFF${text.replace(/^\uFEFF/, '')}`), preserving: true };
}
