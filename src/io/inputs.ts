import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  realpathSync,
  statSync,
  type Stats,
} from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import type { InputError } from '../model';
import { errorMessage } from '../errors';

/**
 * Finding the input files: patterns are files, directories or globs, relative to the workspace.
 * A pattern that matches nothing is an error (fail closed: the scanner step probably wrote nothing), and so is a
 * symbolic link that leads outside the workspace, dangles or loops, a directory that cannot be listed, and a walk
 * stopped at MAX_WALK entries: each would otherwise hide the reports it stands for.
 */

const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn']);
/** Files a directory input reads (gzip-compressed ones too; the content decides, see src/io/gzip.ts). */
const REPORT_EXT = /\.(sarif|json|xml)(\.gz)?$/i;
const MAX_WALK = 200_000;

export interface ResolvedInputs {
  /** Absolute paths, in pattern order, each once (a file reached twice, e.g. through a link, is read once). */
  files: string[];
  /** For files read through a symbolic link: the file read (workspace-relative, `/`-separated). */
  targets: Map<string, string>;
  errors: InputError[];
}

/** Splits a newline- or comma-separated list; blank entries and `#` comments dropped. */
export function splitList(s: string): string[] {
  return s
    .split(/[\n,]/)
    .map((x) => x.trim())
    .filter((x) => x !== '' && !x.startsWith('#'));
}

function toPosix(p: string): string {
  return sep === '/' ? p : p.split(sep).join('/');
}

/** The display name of a file: workspace-relative when inside it. */
export function displayName(file: string, workspace: string): string {
  const rel = relative(workspace, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? toPosix(rel) : toPosix(file);
}

function lexists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

const isInside = (root: string, p: string) => p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);

/**
 * True when a file below the directory `rel` (relative to the glob's base, `/`-separated) could match the glob `rest`,
 * so a symbolic link to a directory there matters. Conservative: `**` and braces may match anything below.
 */
function couldMatchBelow(rest: string, rel: string): boolean {
  if (rest.includes('{')) return true;
  const g = rest.split('/');
  const r = rel.split('/');
  for (let i = 0; i < r.length; i++) {
    const seg = g[i];
    if (seg === undefined) return false;
    if (seg.includes('**')) return true;
    if (!picomatch(seg, { dot: true })(r[i] as string)) return false;
  }
  return g.length > r.length;
}

/** What a directory walk collects, and which entries matter (links that do not matter are not followed or reported). */
interface Walk {
  ws: string;
  /** The workspace's real path (symbolic links resolved): links must resolve inside it. */
  realWs: string;
  found: string[];
  errors: InputError[];
  /** Real paths of the directories walked through links (loop guard). */
  visited: Set<string>;
  truncated: boolean;
  wantFile(abs: string): boolean;
  wantDir(abs: string): boolean;
}

function linkError(w: Walk, link: string, message: string, hint: string): void {
  w.errors.push({ file: displayName(link, w.ws), message, hint, severity: 'fatal' });
}

/** Why a link (or a path through one) cannot be read: dangling, a loop, or unreadable. */
function unresolvable(w: Walk, link: string, err: unknown): void {
  const code = (err as NodeJS.ErrnoException).code;
  let target = '';
  try {
    target = readlinkSync(link);
  } catch {
    // not itself a link: a link in its path is broken
  }
  const to = target ? ` (to ${JSON.stringify(target)})` : '';
  if (code === 'ELOOP') {
    linkError(w, link, `symbolic link loop${to}: not read`, 'replace the link by the report file it should name');
  } else if (code === 'ENOENT' || code === 'ENOTDIR') {
    linkError(
      w,
      link,
      `dangling symbolic link${to}: what it names does not exist, so it was not read`,
      'check that the scanner step wrote its report where the link points, or remove the link',
    );
  } else {
    linkError(w, link, `cannot resolve the symbolic link${to}: ${errorMessage(err)}`, 'check the link and its permissions');
  }
}

/** Follows the symbolic link `p` (an entry of a walked directory) when it matters; a link that cannot be followed is an error. */
function followLink(p: string, name: string, w: Walk): void {
  let real: string;
  let st;
  try {
    real = realpathSync(p);
    st = statSync(real);
  } catch (err) {
    if (w.wantFile(p) || w.wantDir(p)) unresolvable(w, p, err);
    return;
  }
  const isDir = st.isDirectory();
  if (isDir ? SKIP_DIRS.has(name) || !w.wantDir(p) : !w.wantFile(p)) return;
  if (!isInside(w.realWs, real)) {
    linkError(
      w,
      p,
      `symbolic link to ${JSON.stringify(toPosix(real))}, outside the workspace: not read`,
      'reports must be inside the workspace: copy the file there instead of linking to it, or remove the link',
    );
    return;
  }
  if (!isDir) {
    if (st.isFile()) w.found.push(p);
    else specialFile(w, p);
    return;
  }
  if (w.visited.has(real)) return; // already walked (a link loop, or two links to one directory)
  w.visited.add(real);
  walk(p, w);
}

/** A device, FIFO or socket where a report is expected: not read (it could block or never end). */
function specialFile(w: Walk, p: string): void {
  w.errors.push({
    file: displayName(p, w.ws),
    message: 'not a regular file (a device, FIFO or socket): not read',
    hint: 'name the report file itself',
    severity: 'fatal',
  });
}

function walk(dir: string, w: Walk): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    w.errors.push({
      file: displayName(dir, w.ws),
      message: `cannot list the directory: ${errorMessage(err)}`,
      hint: 'check its permissions',
      severity: 'fatal',
    });
    return;
  }
  for (const e of entries) {
    if (w.found.length >= MAX_WALK) {
      w.truncated = true;
      return;
    }
    const p = join(dir, e.name);
    if (e.isSymbolicLink()) followLink(p, e.name, w);
    else if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) walk(p, w);
    } else if (e.isFile()) w.found.push(p);
    else if (w.wantFile(p)) specialFile(w, p);
  }
}

/**
 * Resolves the input patterns to files. Symbolic links (to files or directories, given directly or met in a directory
 * or a glob) are read like what they point to when that is inside the workspace; a link that points outside it, is
 * dangling or loops is a fatal input error naming the link (fail closed: the report it stands for was not read).
 * Links that could not name a report (another extension, outside the glob) are not followed.
 */
export function resolveInputs(patterns: string[], workspace: string): ResolvedInputs {
  const ws = resolve(workspace);
  let realWs = ws;
  try {
    realWs = realpathSync(ws);
  } catch {
    // a missing workspace: every pattern is then "file not found"
  }
  const files: string[] = [];
  const targets = new Map<string, string>();
  const seen = new Set<string>();
  const errors: InputError[] = [];
  /** Adds a file once (by real path: the same report reached twice is read once). */
  const add = (f: string) => {
    let real = f;
    try {
      real = realpathSync(f);
    } catch {
      // read (and reported) later
    }
    if (seen.has(real)) return;
    seen.add(real);
    files.push(f);
    if (isInside(ws, f) && relative(ws, f) !== relative(realWs, real)) targets.set(f, displayName(real, realWs));
  };
  /** Checks a path given in a pattern: when inside the workspace, links on the way must stay inside it. */
  const through = (abs: string, pattern: string, w: Walk): boolean => {
    if (!isInside(ws, abs)) return true; // named by the workflow itself, outside the (untrusted) workspace
    let real: string;
    try {
      real = realpathSync(abs);
    } catch (err) {
      unresolvable(w, abs, err);
      return false;
    }
    if (!isInside(realWs, real)) {
      linkError(
        w,
        abs,
        `${JSON.stringify(pattern)} leads through a symbolic link to ${JSON.stringify(toPosix(real))}, outside the workspace: not read`,
        'reports must be inside the workspace: copy the file there instead of linking to it, or remove the link',
      );
      return false;
    }
    return true;
  };
  for (const pattern of patterns) {
    const scan = picomatch.scan(pattern);
    const isGlob = scan.isGlob;
    const base = resolve(ws, isGlob ? scan.base || '.' : pattern);
    const rest = scan.glob;
    const isMatch = isGlob ? picomatch(rest, { dot: true }) : undefined;
    const w: Walk = {
      ws,
      realWs,
      found: [],
      errors,
      visited: new Set(),
      truncated: false,
      wantFile: (p) => (isMatch ? isMatch(toPosix(relative(base, p))) : REPORT_EXT.test(p)),
      wantDir: (p) => (isGlob ? couldMatchBelow(rest, toPosix(relative(base, p))) : true),
    };
    const errorsBefore = errors.length;
    let st: Stats | undefined;
    if (!lexists(base)) {
      if (!isGlob) {
        errors.push({
          file: pattern,
          message: 'file not found',
          hint: 'check the path (relative to the workspace) and that the scanner step wrote its report there',
          severity: 'fatal',
        });
        continue;
      }
    } else {
      try {
        st = statSync(base);
      } catch (err) {
        unresolvable(w, base, err);
        continue;
      }
      if (!through(base, pattern, w)) continue;
    }
    if (!isGlob) {
      if (st?.isDirectory()) {
        try {
          w.visited.add(realpathSync(base));
        } catch {
          // listed below, which reports it
        }
        walk(base, w);
        const reports = w.found.filter((f) => REPORT_EXT.test(f)).sort();
        if (reports.length === 0 && errors.length === errorsBefore) {
          errors.push({
            file: pattern,
            message: 'the directory holds no .sarif, .json or .xml file (or .gz of one)',
            hint: 'name the report files or a glob',
            severity: 'fatal',
          });
        }
        reports.forEach(add);
      } else if (st && !st.isFile()) specialFile(w, base);
      else add(base);
    } else {
      if (st?.isDirectory()) {
        try {
          w.visited.add(realpathSync(base));
        } catch {
          // listed below, which reports it
        }
        walk(base, w);
      }
      const matched = w.found.filter((f) => (isMatch as (s: string) => boolean)(toPosix(relative(base, f)))).sort();
      if (matched.length === 0 && errors.length === errorsBefore) {
        errors.push({
          file: pattern,
          message: 'no file matches this pattern',
          hint: 'check the glob (relative to the workspace) and that the scanner step ran and wrote its report',
          severity: 'fatal',
        });
      }
      matched.forEach(add);
    }
    if (w.truncated) {
      errors.push({
        file: pattern,
        message: `stopped listing files after ${MAX_WALK.toLocaleString('en-US')} entries: reports beyond them were not read`,
        hint: 'name the report files or a narrower directory or glob',
        severity: 'fatal',
      });
    }
  }
  return { files, targets, errors };
}

/** An input file that could not be opened as the file that was checked: the message and hint of its input error. */
export class InputOpenError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'InputOpenError';
  }
}

/** An input file opened and verified (see `openInput`): read it through `fd` only. */
export interface OpenedInput {
  fd: number;
  size: number;
  mtimeMs: number;
  /** Device and inode of what was opened: the rated SARIF, read later, checks it reads the same file. */
  dev: number;
  ino: number;
}

const SWAPPED_HINT =
  'something changed the workspace while defect-gate read it: run defect-gate in a step of its own after the scanners, and let no other process (or code from the pull request) write the workspace meanwhile';

/**
 * Opens an input file, then checks that what was opened is what the path names now, inside the workspace: the path's
 * real path (links resolved) must be inside the workspace's, and be the same file (device and inode) as the open
 * descriptor. A link swapped between `resolveInputs` and the open (or during it) is then an error, never a read of a
 * file outside the workspace; reading through the returned descriptor reads exactly the file that was checked.
 * Paths outside the workspace (named by the workflow itself, not by its untrusted content) are only checked to be
 * regular files. Opened non-blocking, so a FIFO put in a report's place cannot hang the run.
 * Throws InputOpenError.
 *
 * @param afterOpen test hook, called between the open and the check
 */
export function openInput(path: string, workspace: string, afterOpen?: () => void): OpenedInput {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw new InputOpenError(
      `cannot read the file: ${errorMessage(err)}`,
      'check that the scanner step wrote its report there, and its permissions',
    );
  }
  try {
    afterOpen?.();
    const st = fstatSync(fd);
    if (!st.isFile()) throw new InputOpenError('not a regular file (a device, FIFO or socket): not read', 'name the report file itself');
    const ws = resolve(workspace);
    if (isInside(ws, resolve(path))) {
      let realWs = ws;
      let real: string;
      let now: Stats;
      try {
        realWs = realpathSync(ws);
        real = realpathSync(path);
        now = statSync(real);
      } catch (err) {
        throw new InputOpenError(`the file changed while it was being opened (${errorMessage(err)}): not read`, SWAPPED_HINT);
      }
      if (!isInside(realWs, real)) {
        throw new InputOpenError(
          `now leads to ${JSON.stringify(toPosix(real))}, outside the workspace (a link replaced after the inputs were checked): not read`,
          SWAPPED_HINT,
        );
      }
      if (now.dev !== st.dev || now.ino !== st.ino) {
        throw new InputOpenError(
          'the file opened is not the file the path names now (a link or file replaced while it was being opened): not read',
          SWAPPED_HINT,
        );
      }
    }
    return { fd, size: st.size, mtimeMs: st.mtimeMs, dev: st.dev, ino: st.ino };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/** The whole content of an open file, read by position (whatever the descriptor's current offset). */
export function readWholeFd(fd: number): Buffer {
  const size = fstatSync(fd).size;
  const buf = Buffer.allocUnsafe(size);
  let got = 0;
  while (got < size) {
    const n = readSync(fd, buf, got, size - got, got);
    if (n === 0) break;
    got += n;
  }
  return got === size ? buf : buf.subarray(0, got);
}

/** Reads lines of workspace files for fingerprints, with a cache. Never reads outside the workspace. */
export function sourceLineReader(workspace: string, maxBytes = 4 * 1024 * 1024): (path: string, line: number) => string | undefined {
  const cache = new Map<string, string[] | null>();
  const root = resolve(workspace);
  let realRoot = root;
  try {
    realRoot = realpathSync(root);
  } catch {
    // no workspace: nothing is read
  }
  return (path, line) => {
    let lines = cache.get(path);
    if (lines === undefined) {
      lines = null;
      const abs = resolve(root, path);
      if (abs.startsWith(root + sep)) {
        try {
          // A link in the (untrusted) workspace must not make a finding carry a line of a file outside it.
          if (!realpathSync(abs).startsWith(realRoot + sep)) throw new Error('outside the workspace');
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
    if (i <= 0 || i === e.length - 1)
      throw new Error(`invalid format override "${e}": expected <glob>=<format>, e.g. reports/*.json=trivy`);
    return { glob: e.slice(0, i).trim(), format: e.slice(i + 1).trim() };
  });
}
