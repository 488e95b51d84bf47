import ignore, { type Ignore } from 'ignore';

/**
 * CODEOWNERS, as GitHub reads it (docs: "About code owners"):
 * - the first file found of `.github/CODEOWNERS`, `CODEOWNERS`, `docs/CODEOWNERS` is used (the shell picks it);
 * - each line is a pattern followed by owners (`@user`, `@org/team`, or an e-mail address); `#` starts a comment;
 * - patterns follow gitignore rules (anchored with a leading `/`, `dir/` for a directory and everything below it,
 *   `*`, `**`), case-sensitive, and **the last matching line wins**; a line with a pattern and no owners leaves the
 *   matching files without owner;
 * - not supported by GitHub, and so skipped here with a problem reported: `!` negation, `[ ]` character ranges, and
 *   a `\#` escape (GitHub treats those lines as errors and ignores them).
 * Pattern matching is the `ignore` package (gitignore semantics, maintained, no dependencies); this file only adds
 * GitHub's line format, its restrictions and last-match-wins. Pure: the shell reads the file (src/io/codeowners.ts).
 */

/** The paths GitHub looks at, in its order of precedence: the first that exists is the only one used. */
export const CODEOWNERS_PATHS = ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'] as const;
/** GitHub ignores CODEOWNERS files of 3 MB or more. */
export const CODEOWNERS_MAX_BYTES = 3 * 1024 * 1024;

export interface CodeownersRule {
  /** 1-based line in the file. */
  line: number;
  pattern: string;
  /** Owners as written: `@user`, `@org/team`, `someone@example.com`. Empty: explicitly no owner. */
  owners: string[];
}

export interface CodeownersProblem {
  line: number;
  message: string;
}

export interface Codeowners {
  /** The file it came from, e.g. `.github/CODEOWNERS`. */
  file: string;
  rules: CodeownersRule[];
  /** Lines GitHub would reject; they are skipped, as GitHub does. */
  problems: CodeownersProblem[];
  /** The rule that decides `path` (repository-relative, `/` separators), or undefined when none matches. */
  match(path: string): CodeownersRule | undefined;
}

const OWNER = /^(@[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\/[A-Za-z0-9._-]{1,100})?|[^@\s]+@[^@\s]+\.[^@\s]+)$/;

/** Splits a line on unescaped whitespace (`\ ` keeps a space in a pattern). */
function fields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === '\\' && i + 1 < line.length && line[i + 1] === ' ') {
      cur += '\\ ';
      i++;
    } else if (c === ' ' || c === '\t') {
      if (cur) out.push(cur);
      cur = '';
    } else cur += c;
  }
  if (cur) out.push(cur);
  return out;
}

interface Matcher {
  rule: CodeownersRule;
  ig: Ignore;
  /** For `dir/*` patterns: the only path depth they own. */
  segments?: number;
}

export function parseCodeowners(text: string, file = 'CODEOWNERS'): Codeowners {
  const rules: CodeownersRule[] = [];
  const problems: CodeownersProblem[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    // A `#` starts a comment anywhere it is preceded by whitespace (or at the start of the line).
    const hash = raw.search(/(^|\s)#/);
    const content = (hash < 0 ? raw : raw.slice(0, hash)).trim();
    if (!content) continue;
    const [pattern, ...owners] = fields(content) as [string, ...string[]];
    const line = i + 1;
    if (pattern.startsWith('!')) {
      problems.push({ line, message: `negation "${pattern}" is not supported in CODEOWNERS (GitHub skips the line)` });
      continue;
    }
    if (pattern.startsWith('\\#')) {
      problems.push({ line, message: `"${pattern}": escaping # is not supported in CODEOWNERS (GitHub skips the line)` });
      continue;
    }
    if (/\[|\]/.test(pattern)) {
      problems.push({ line, message: `"${pattern}": character ranges [ ] are not supported in CODEOWNERS (GitHub skips the line)` });
      continue;
    }
    const bad = owners.find((o) => !OWNER.test(o));
    if (bad !== undefined) {
      problems.push({ line, message: `"${bad}" is not an owner (expected @user, @org/team or an e-mail address); GitHub skips the line` });
      continue;
    }
    rules.push({ line, pattern, owners });
  }
  // One matcher per rule, compiled once; paths are matched from the last rule up (the last match wins), and cached.
  // gitignore also excludes everything below a matched directory, so `docs/*` would own docs/a/b.md through docs/a;
  // GitHub documents that `docs/*` does not match nested files. A pattern ending in `/*` (without `**`) has a fixed
  // number of segments: it owns only paths of exactly that many segments.
  const matchers: Matcher[] = rules.map((rule) => {
    const ig = ignore({ ignorecase: false, allowRelativePaths: true }).add(rule.pattern);
    const fixed = /\/\*$/.test(rule.pattern) && !rule.pattern.includes('**');
    return { rule, ig, ...(fixed ? { segments: rule.pattern.replace(/^\//, '').split('/').length } : {}) };
  });
  const cache = new Map<string, CodeownersRule | undefined>();
  return {
    file,
    rules,
    problems,
    match(path: string) {
      const p = path.replace(/^\.?\/+/, '');
      if (!p || p.startsWith('../')) return undefined;
      if (cache.has(p)) return cache.get(p);
      let found: CodeownersRule | undefined;
      for (let i = matchers.length - 1; i >= 0; i--) {
        const m = matchers[i] as Matcher;
        if (m.ig.ignores(p) && (m.segments === undefined || p.split('/').length === m.segments)) {
          found = m.rule;
          break;
        }
      }
      if (cache.size < 100_000) cache.set(p, found);
      return found;
    },
  };
}

/** Teams are `@org/team`; everything else (`@user`, e-mail) is a user. */
export function isTeam(owner: string): boolean {
  return /^@[^/\s]+\/[^/\s]+$/.test(owner);
}
