import { readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import type { InputError } from '../model';

/**
 * Finding the input files: patterns are files, directories or globs, relative to the workspace.
 * A pattern that matches nothing is an error (fail closed: the scanner step probably wrote nothing).
 */

const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn']);
const REPORT_EXT = /\.(sarif|json|xml)$/i;
const MAX_WALK = 200_000;

export interface ResolvedInputs {
  /** Absolute paths, in pattern order, each once. */
  files: string[];
  errors: InputError[];
}

/** Splits a newline- or comma-separated list; blank entries and `#` comments dropped. */
export function splitList(s: string): string[] {
  return s
    .split(/[\n,]/)
    .map((x) => x.trim())
    .filter((x) => x !== '' && !x.startsWith('#'));
}

function walk(dir: string, out: string[]): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    if (out.length >= MAX_WALK) return;
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) walk(p, out);
    } else if (e.isFile()) out.push(p);
  }
}

function toPosix(p: string): string {
  return sep === '/' ? p : p.split(sep).join('/');
}

/** The display name of a file: workspace-relative when inside it. */
export function displayName(file: string, workspace: string): string {
  const rel = relative(workspace, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? toPosix(rel) : toPosix(file);
}

export function resolveInputs(patterns: string[], workspace: string): ResolvedInputs {
  const files: string[] = [];
  const seen = new Set<string>();
  const errors: InputError[] = [];
  const add = (f: string) => {
    if (!seen.has(f)) {
      seen.add(f);
      files.push(f);
    }
  };
  for (const pattern of patterns) {
    const scan = picomatch.scan(pattern);
    if (!scan.isGlob) {
      const abs = resolve(workspace, pattern);
      let st;
      try {
        st = statSync(abs);
      } catch {
        errors.push({
          file: pattern,
          message: 'file not found',
          hint: 'check the path (relative to the workspace) and that the scanner step wrote its report there',
          severity: 'fatal',
        });
        continue;
      }
      if (st.isDirectory()) {
        const found: string[] = [];
        walk(abs, found);
        const reports = found.filter((f) => REPORT_EXT.test(f)).sort();
        if (reports.length === 0) {
          errors.push({ file: pattern, message: 'the directory holds no .sarif, .json or .xml file', hint: 'name the report files or a glob', severity: 'fatal' });
        }
        reports.forEach(add);
      } else add(abs);
      continue;
    }
    const base = resolve(workspace, scan.base || '.');
    const rest = scan.glob;
    const isMatch = picomatch(rest, { dot: true });
    const found: string[] = [];
    walk(base, found);
    const matched = found.filter((f) => isMatch(toPosix(relative(base, f)))).sort();
    if (matched.length === 0) {
      errors.push({
        file: pattern,
        message: 'no file matches this pattern',
        hint: 'check the glob (relative to the workspace) and that the scanner step ran and wrote its report',
        severity: 'fatal',
      });
    }
    matched.forEach(add);
  }
  return { files, errors };
}

/** Reads lines of workspace files for fingerprints, with a cache. Never reads outside the workspace. */
export function sourceLineReader(workspace: string, maxBytes = 4 * 1024 * 1024): (path: string, line: number) => string | undefined {
  const cache = new Map<string, string[] | null>();
  const root = resolve(workspace);
  return (path, line) => {
    let lines = cache.get(path);
    if (lines === undefined) {
      lines = null;
      const abs = resolve(root, path);
      if (abs.startsWith(root + sep)) {
        try {
          const st = statSync(abs);
          if (st.isFile() && st.size <= maxBytes) lines = readFileSync(abs, 'utf8').split(/\r?\n/);
        } catch {
          lines = null;
        }
      }
      cache.set(path, lines);
    }
    return lines ? lines[line - 1] : undefined;
  };
}

/** Parses `glob=format` overrides (the `input-formats` input / `--input-format` flag). */
export function parseFormatOverrides(entries: string[]): { glob: string; format: string }[] {
  return entries.map((e) => {
    const i = e.lastIndexOf('=');
    if (i <= 0 || i === e.length - 1) throw new Error(`invalid format override "${e}": expected <glob>=<format>, e.g. reports/*.json=trivy`);
    return { glob: e.slice(0, i).trim(), format: e.slice(i + 1).trim() };
  });
}
