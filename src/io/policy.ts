import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { posix } from 'node:path';
import defaultPolicyText from '../../policies/default.yml';
import { compilePolicy, type Policy } from '../policy/compile';
import {
  locator,
  parseExceptionsFile,
  pathText,
  positionOf,
  PolicyLoadError,
  readPolicySource,
  validatePolicy,
  type Locate,
  type PolicyError,
  type PolicySource,
} from '../policy/load';
import { lockViolations, mergePolicyValues } from '../policy/merge';
import { builtinPolicyParsed, DEFAULT_POLICY_NAME } from '../policy/builtin';
import type { ExceptionEntryInput, PolicyParsed } from '../policy/schema';
import { httpStatus } from '../github/client';
import { errorMessage } from '../errors';

/**
 * Loading a policy: the file, the policies it `extends` (local paths, or `owner/repo/path@ref` read through the GitHub
 * API), and the exception files each includes. Merging follows src/policy/merge.ts; every error keeps the file and
 * line:column where it is written.
 *
 * One pass, no restarts: the loader is a generator that yields each location it needs and receives its text. The
 * async driver reads through a `PolicyReader` (files, and the GitHub API for `owner/repo/path@ref`); the sync one
 * (`loadPolicy`) reads local files only.
 */

export { DEFAULT_POLICY_NAME, defaultPolicyText };

/** Reads `path` of `owner/repo` at `ref` through the GitHub API. */
export type RemotePolicyFetcher = (spec: { owner: string; repo: string; path: string; ref: string }) => Promise<string>;

const REMOTE_RE = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)\/([^@\s]+)@([^@\s]+)$/;

/** `owner/repo/path@ref` (the ref is required, so a base policy is pinned), or undefined for a local path. */
export function parseRemoteSpec(spec: string): { owner: string; repo: string; path: string; ref: string } | undefined {
  if (spec.startsWith('.') || spec.startsWith('/')) return undefined;
  const m = REMOTE_RE.exec(spec.trim());
  return m ? { owner: m[1] as string, repo: m[2] as string, path: m[3] as string, ref: m[4] as string } : undefined;
}

/** Where a policy file lives: on disk, or in a repository at a ref. */
export type PolicyLocation = { kind: 'local'; abs: string } | { kind: 'remote'; owner: string; repo: string; path: string; ref: string };
type Location = PolicyLocation;

/** The port the loader reads through: a file on disk, or `path` of `owner/repo` at `ref`. */
export interface PolicyReader {
  read(location: PolicyLocation): Promise<string>;
  /** Whether `owner/repo/path@ref` locations can be read (else they are an error at the `extends` that names them). */
  readonly remote: boolean;
}

/** Files with `fs`, remote bases with `fetch` (none: remote bases are an error). */
export function policyReader(fetch?: RemotePolicyFetcher): PolicyReader {
  return {
    remote: fetch !== undefined,
    read: (l) =>
      l.kind === 'local'
        ? readFile(l.abs, 'utf8')
        : (fetch as RemotePolicyFetcher)({ owner: l.owner, repo: l.repo, path: l.path, ref: l.ref }),
  };
}

/** The loader's requests: the location to read; it gets the text back (or the read's error thrown at the request). */
type Reads<T> = Generator<Location, T, string>;

function idOf(l: Location): string {
  return l.kind === 'local' ? l.abs : `${l.owner}/${l.repo}/${l.path}@${l.ref}`;
}

interface Reader {
  workspace: string;
  remoteAllowed: boolean;
}

function shownName(l: Location, workspace: string): string {
  if (l.kind === 'remote') return idOf(l);
  return relative(workspace, l.abs).split('\\').join('/') || l.abs;
}

function* readLocation(l: Location, r: Reader, shown: string, at?: { file: string; line: number; column: number }): Reads<string> {
  if (l.kind === 'remote') {
    if (!r.remoteAllowed) {
      throw new PolicyLoadError([
        {
          file: at?.file ?? shown,
          line: at?.line ?? 1,
          column: at?.column ?? 1,
          path: 'extends',
          message: `${shown} is read through the GitHub API, which this command does not use: download it and extend the local copy`,
        },
      ]);
    }
    // A failed remote read ends the load in the driver (one error naming the base), never comes back here.
    return yield l;
  }
  try {
    return yield l;
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : errorMessage(err);
    if (at) throw new PolicyLoadError([{ ...at, path: 'extends', message: `cannot read ${shown}: ${why}` }]);
    throw new PolicyLoadError([{ file: shown, line: 1, column: 1, path: '', message: `cannot read the policy: ${why}` }]);
  }
}

/** A location relative to another policy file (same repository and ref for remote ones). */
function relativeTo(from: Location, spec: string): Location {
  const remote = parseRemoteSpec(spec);
  if (remote) return { kind: 'remote', ...remote };
  if (from.kind === 'remote') {
    return { ...from, path: posix.normalize(posix.join(posix.dirname(from.path), spec)).replace(/^\/+/, '') };
  }
  return { kind: 'local', abs: resolve(dirname(from.abs), spec) };
}

interface Loaded {
  /** Most derived first. */
  sources: PolicySource[];
  merged: Record<string, unknown>;
  /** Exception files to check after the merge, in order. */
  includes: { text: string; file: string }[];
  /** For each source, how many inline exception entries / rating rules it contributed, in merge order (root first). */
  segments: { source: PolicySource; entries: number; rules: number }[];
}

function asList(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function* loadFile(l: Location, r: Reader, chain: string[], at?: { file: string; line: number; column: number }): Reads<Loaded> {
  const shown = shownName(l, r.workspace);
  const src = readPolicySource(yield* readLocation(l, r, shown, at), shown);
  const errors: PolicyError[] = [];
  const bases = asList(src.raw.extends);
  let base: Loaded | undefined;
  for (let i = 0; i < bases.length; i++) {
    const spec = bases[i] as string;
    const pos = { file: shown, ...positionOf(src.doc, src.lc, Array.isArray(src.raw.extends) ? ['extends', i] : ['extends']) };
    const target = relativeTo(l, spec);
    const id = idOf(target);
    if (chain.includes(id) || id === idOf(l)) {
      const names = [...chain, idOf(l), id].map((x) => (x.startsWith('/') ? relative(r.workspace, x) || x : x));
      errors.push({ ...pos, path: 'extends', message: `policies extend each other in a cycle: ${names.join(' → ')}` });
      continue;
    }
    let loaded: Loaded;
    try {
      loaded = yield* loadFile(target, r, [...chain, idOf(l)], pos);
    } catch (err) {
      if (err instanceof PolicyLoadError) {
        errors.push(...err.errors);
        continue;
      }
      throw err;
    }
    if (!base) {
      base = loaded;
      continue;
    }
    // Several bases: merged left to right.
    base = {
      sources: [...loaded.sources, ...base.sources],
      merged: mergePolicyValues(base.merged, loaded.merged),
      includes: [...base.includes, ...loaded.includes],
      segments: [...base.segments, ...loaded.segments],
    };
  }
  if (errors.length > 0) throw new PolicyLoadError(errors);
  const includes: { text: string; file: string }[] = [];
  const ex = src.raw.exceptions as { include?: unknown } | undefined;
  const included = asList(ex?.include);
  for (let i = 0; i < included.length; i++) {
    const target = relativeTo(l, included[i] as string);
    const incShown = shownName(target, r.workspace);
    const pos = { file: shown, ...positionOf(src.doc, src.lc, ['exceptions', 'include', i]) };
    try {
      includes.push({ text: yield* readLocation(target, r, incShown, pos), file: incShown });
    } catch (err) {
      if (err instanceof PolicyLoadError) errors.push(...err.errors.map((e) => ({ ...e, path: `exceptions.include[${i}]` })));
      else throw err;
    }
  }
  if (errors.length > 0) throw new PolicyLoadError(errors);
  const own = { ...src.raw };
  const sev = own.severity as { rules?: unknown } | undefined;
  const segment = {
    source: src,
    entries: Array.isArray((ex as { entries?: unknown } | undefined)?.entries) ? (ex as { entries: unknown[] }).entries.length : 0,
    rules: Array.isArray(sev?.rules) ? sev.rules.length : 0,
  };
  if (!base) {
    const merged = mergePolicyValues({}, own);
    return { sources: [src], merged, includes, segments: [segment] };
  }
  const merged = mergePolicyValues(base.merged, own);
  // `locked` keys of the bases may not change.
  const locked = asList(base.merged.locked);
  for (const path of lockViolations(base.merged, merged, locked)) {
    const keys = path.split('.');
    errors.push({
      file: shown,
      ...positionOf(src.doc, src.lc, keys, true),
      path,
      message: `"${path}" is locked by ${base.sources[base.sources.length - 1]?.file ?? 'the base policy'}: this policy may not change it`,
    });
  }
  if (errors.length > 0) throw new PolicyLoadError(errors);
  return { sources: [src, ...base.sources], merged, includes: [...base.includes, ...includes], segments: [...base.segments, segment] };
}

/** Locates merged array items (appended rules and exception entries) in the file that wrote them. */
function mergedLocator(loaded: Loaded): Locate {
  const plain = locator(loaded.sources);
  return (path, preferKey) => {
    const [a, b, i, ...rest] = path;
    const which = a === 'exceptions' && b === 'entries' ? 'entries' : a === 'severity' && b === 'rules' ? 'rules' : undefined;
    if (which && typeof i === 'number') {
      let offset = i;
      for (const seg of loaded.segments) {
        if (offset < seg[which]) {
          const local = [a, b, offset, ...rest] as (string | number)[];
          return { file: seg.source.file, ...positionOf(seg.source.doc, seg.source.lc, local, preferKey) };
        }
        offset -= seg[which];
      }
    }
    return plain(path, preferKey);
  };
}

function finish(loaded: Loaded): { parsed: PolicyParsed; included: { entry: ExceptionEntryInput; file: string }[]; inlineFiles: string[] } {
  const locate = mergedLocator(loaded);
  const parsed = validatePolicy(loaded.merged, locate);
  const errors: PolicyError[] = [];
  const included: { entry: ExceptionEntryInput; file: string }[] = [];
  const ids = new Map<string, string>();
  const inlineFiles: string[] = [];
  (parsed.exceptions?.entries ?? []).forEach((e, i) => {
    const pos = locate(['exceptions', 'entries', i, 'id']);
    inlineFiles.push(pos.file);
    ids.set(e.id, `${pos.file}:${pos.line}:${pos.column}`);
  });
  for (const inc of loaded.includes) {
    try {
      const ex = parseExceptionsFile(inc.text, inc.file, parsed.exceptions, parsed.severity.levels);
      ex.entries.forEach((entry, i) => {
        const pos = ex.positions[i] ?? { line: 1, column: 1 };
        const prev = ids.get(entry.id);
        if (prev)
          errors.push({
            file: inc.file,
            ...pos,
            path: pathText(['entries', i, 'id']),
            message: `exception id "${entry.id}" is already used at ${prev}: ids must be unique`,
          });
        else ids.set(entry.id, `${inc.file}:${pos.line}:${pos.column}`);
        included.push({ entry, file: inc.file });
      });
    } catch (err) {
      if (err instanceof PolicyLoadError) errors.push(...err.errors);
      else throw err;
    }
  }
  if (errors.length > 0) throw new PolicyLoadError(errors);
  return { parsed, included, inlineFiles };
}

function compileLoaded(loaded: Loaded, file: string): Policy {
  const { parsed, included, inlineFiles } = finish(loaded);
  const policy = compilePolicy(parsed, { file, includedExceptions: included });
  // Inline exceptions of base policies say which file they come from.
  policy.exceptions.entries.forEach((e, i) => {
    if (i < inlineFiles.length) e.file = inlineFiles[i] as string;
  });
  return policy;
}

/**
 * Loads and compiles a policy file, or the built-in default when `path` is empty, with its local base policies and
 * included exception files. Throws PolicyLoadError listing every problem. Remote bases need `loadPolicyAsync`.
 */
export function loadPolicy(path: string | undefined, workspace: string): { policy: Policy; file: string } {
  if (!path) {
    // Validated when the bundle was built (src/policy/builtin.ts): no YAML parse or zod check at run time.
    return { policy: compilePolicy(builtinPolicyParsed(), { file: DEFAULT_POLICY_NAME }), file: DEFAULT_POLICY_NAME };
  }
  const loads = loadFile({ kind: 'local', abs: resolve(workspace, path) }, { workspace, remoteAllowed: false }, []);
  let step = loads.next();
  while (!step.done) {
    const l = step.value;
    let text: string;
    try {
      // Remote locations never reach here (remoteAllowed: false).
      text = readFileSync(l.kind === 'local' ? l.abs : idOf(l), 'utf8');
    } catch (err) {
      step = loads.throw(err);
      continue;
    }
    step = loads.next(text);
  }
  return { policy: compileLoaded(step.value, path), file: path };
}

/** Like `loadPolicy`, and reads `owner/repo/path@ref` bases through `fetch` (GitHub contents API). */
export async function loadPolicyAsync(
  path: string | undefined,
  workspace: string,
  fetch?: RemotePolicyFetcher,
): Promise<{ policy: Policy; file: string }> {
  if (!path) return loadPolicy(path, workspace);
  return loadPolicyFrom({ kind: 'local', abs: resolve(workspace, path) }, path, workspace, policyReader(fetch));
}

/**
 * Loads the policy `path` (repository-relative, POSIX) as it is in `owner/repo` at commit `ref`, through `fetch`: the
 * policy, its local bases and its exception files are all read at that commit (never from the workspace); remote
 * `extends` stay pinned by their own `@ref`. Used for the base-branch policy of pull requests (src/io/policy-source.ts).
 */
export async function loadPolicyAtRef(
  path: string,
  at: { owner: string; repo: string; ref: string },
  workspace: string,
  fetch: RemotePolicyFetcher,
): Promise<{ policy: Policy; file: string }> {
  return loadPolicyFrom({ kind: 'remote', ...at, path }, path, workspace, policyReader(fetch));
}

/** Why a remote read failed, on one line, with the HTTP status when GitHub answered one. */
function remoteFailure(e: unknown): string {
  const status = httpStatus(e);
  const first = (e instanceof Error ? e.message : String(e)).split('\n')[0]?.slice(0, 300) ?? '';
  return status === undefined || first.includes(`HTTP ${status}`) ? first : `${first} (HTTP ${status})`;
}

/** Most remote files one policy may read (bases and their exception files). */
const MAX_REMOTE = 50;

/**
 * Loads the policy at `root` (shown as `path`), reading every file it needs through `reader`, once each. A remote file
 * that cannot be read ends the load with one error naming it.
 */

export async function loadPolicyFrom(
  root: PolicyLocation,
  path: string,
  workspace: string,
  reader: PolicyReader,
): Promise<{ policy: Policy; file: string }> {
  const loads = loadFile(root, { workspace, remoteAllowed: reader.remote }, []);
  const remote = new Map<string, string>();
  let step = loads.next();
  while (!step.done) {
    const l = step.value;
    if (l.kind === 'remote') {
      const id = idOf(l);
      let text = remote.get(id);
      if (text === undefined) {
        if (remote.size >= MAX_REMOTE)
          throw new PolicyLoadError([
            { file: path, line: 1, column: 1, path: 'extends', message: `too many remote base policies (more than ${MAX_REMOTE})` },
          ]);
        try {
          text = await reader.read(l);
        } catch (e) {
          throw new PolicyLoadError([
            { file: id, line: 1, column: 1, path: '', message: `cannot read the base policy through the GitHub API: ${remoteFailure(e)}` },
          ]);
        }
        remote.set(id, text);
      }
      step = loads.next(text);
      continue;
    }
    let text: string;
    try {
      text = await reader.read(l);
    } catch (err) {
      step = loads.throw(err);
      continue;
    }
    step = loads.next(text);
  }
  return { policy: compileLoaded(step.value, path), file: path };
}
