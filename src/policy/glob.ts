import picomatch from 'picomatch';

/** Policy globs (paths, rule ids, tool names, packages, CVE ids, tags), compiled once. */

export interface GlobOptions {
  /** Case-insensitive (tool names, packages, CVE ids, tags). */
  nocase?: boolean;
}

/** One test for a list of globs: true when any matches. Dotfiles match like other files. */
export function globMatcher(globs: readonly string[], opts: GlobOptions = {}): (s: string) => boolean {
  return picomatch([...globs], { dot: true, nocase: opts.nocase === true });
}
