import type { Finding, InputError } from '../model';
import type { LedgerBook, LedgerEntry } from '../ledger/schema';
import { entryKeys, isLine } from '../ledger/lines';
import { firstLine } from '../ingest/values';
import { redactJson } from './json';
import { hasMarker, marker, redactText } from './text';

/**
 * Redaction at ingestion: each finding's scanner text is redacted once, where findings are made, so that every output
 * (annotations, comment, check run, job summary, JSON report, rated SARIF runs of native tools, ledger, HTML metrics,
 * terminal) shows markers instead of secrets. Fingerprints were computed by the parsers from the real values before:
 * they do not change.
 *
 * Identifiers are not redacted: `path`, `ruleId`, tool names and package names are matched by policies and
 * exceptions, and are not where scanners put secrets.
 */

const MARKERS = /\[REDACTED [a-z0-9-]+ sha256:[0-9a-f]{8}\]/g;

/** Rule ids of secret rules in scanners that are not secret scanners (Semgrep `generic.secrets.…`). */
const SECRET_RULE = /(?:^|[./])secrets?(?:[./]|$)/i;

/** A finding whose location text is a secret: kind `secret`, or a secret rule of a general scanner. */
export function isSecretFinding(f: Pick<Finding, 'kind' | 'ruleId'>): boolean {
  return f.kind === 'secret' || SECRET_RULE.test(f.ruleId);
}

/**
 * Redacted titles and help URIs, for one file's findings or one ledger: the findings of one rule share them (one string
 * object each, whose hash V8 keeps), in any order. A memo per call, not kept: a key may be a slice of a much larger
 * text (a ledger's or a response's) that it would keep alive. Bounded: short texts only, emptied when full.
 */
type Memo = Map<string, string>;
const MEMO_MAX = 4096;
function red(s: string, memo: Memo | undefined): string {
  if (memo === undefined || s.length > 1024) return redactText(s); // (a long text is a finding's own, not a rule's)
  let r = memo.get(s);
  if (r === undefined) {
    r = redactText(s);
    if (memo.size >= MEMO_MAX) memo.clear();
    memo.set(s, r);
  }
  return r;
}

/** Tags arrays without secrets: the findings of one rule share their tags array (never changed in place). */
const cleanTags = new WeakSet<readonly string[]>();
function tagsClean(tags: readonly string[], memo: Memo | undefined): boolean {
  if (tags.length === 0 || cleanTags.has(tags)) return true;
  if (!tags.every((t) => red(t, memo) === t)) return false;
  cleanTags.add(tags);
  return true;
}

const TEXT_FIELDS = ['title', 'message', 'location', 'component', 'helpUri'] as const;

/** Redacts a finding's scanner text in place; returns true when something changed. */
export function redactFinding(f: Finding, memo?: Memo): boolean {
  let changed = false;
  // A title cut from the message's first line (`…`) may end inside a secret, too short there for its pattern: it is
  // cut again from the redacted message.
  if (f.title.endsWith('…') && f.message.startsWith(f.title.slice(0, -1))) {
    const title = firstLine(redactText(f.message));
    if (title !== f.title) {
      f.title = title;
      changed = true;
    }
  }
  const target = f as unknown as Record<string, string | undefined>;
  for (const k of TEXT_FIELDS) {
    const v = target[k];
    if (v === undefined) continue;
    const r = k === 'title' || k === 'helpUri' ? red(v, memo) : redactText(v);
    if (r !== v) {
      target[k] = r;
      changed = true;
    }
  }
  if (f.snippet !== undefined) {
    let snippet = redactText(f.snippet);
    // A secret finding's snippet is its secret, unless the parser already put a marker where the secret was.
    if (isSecretFinding(f) && !hasMarker(snippet) && snippet.trim() !== '') snippet = marker('secret', f.snippet);
    if (snippet !== f.snippet) {
      f.snippet = snippet;
      changed = true;
    }
    // Outputs that show the message and not the snippet (annotations, JSON report) say which secret it was.
    if (isSecretFinding(f) && hasMarker(snippet) && !hasMarker(f.message)) {
      const notes = snippet.match(MARKERS) ?? [];
      f.message = `${f.message}${f.message ? '\n' : ''}Secret: ${notes.join(', ')}`;
      changed = true;
    }
  }
  if (f.references?.some((u) => redactText(u) !== u)) {
    f.references = f.references.map(redactText);
    changed = true;
  }
  if (!tagsClean(f.tags, memo)) {
    f.tags = f.tags.map(redactText);
    changed = true;
  }
  if (f.suppressions.some((s) => s.justification !== undefined && redactText(s.justification) !== s.justification)) {
    f.suppressions = f.suppressions.map((s) => (s.justification === undefined ? s : { ...s, justification: redactText(s.justification) }));
    changed = true;
  }
  return changed;
}

/** Redacts input errors in place (their messages quote scanner values). */
export function redactErrors(errors: InputError[]): void {
  for (const e of errors) {
    e.message = redactText(e.message);
    if (e.hint !== undefined) e.hint = redactText(e.hint);
  }
}

interface Ingested {
  findings: Finding[];
  errors: InputError[];
  document?: unknown;
}

/**
 * Redacts what ingestion read from one file, in place: its findings, its errors and, for SARIF, the document kept for
 * the rated SARIF (the results of secret findings as a secret scanner's, every string of the log by pattern).
 */
export function redactIngested<T extends Ingested>(r: T): T {
  const memo: Memo = new Map();
  for (const f of r.findings) redactFinding(f, memo);
  redactErrors(r.errors);
  if (r.document !== undefined) redactSarifDocument(r.document, r.findings);
  return r;
}

/** Redacts a parsed SARIF log in place (see redactIngested). */
export function redactSarifDocument(doc: unknown, findings: readonly Finding[]): void {
  const runs = typeof doc === 'object' && doc !== null ? (doc as { runs?: unknown }).runs : undefined;
  if (Array.isArray(runs)) {
    for (const f of findings) {
      const { runIndex, resultIndex } = f.source;
      if (!isSecretFinding(f) || runIndex === undefined || resultIndex === undefined) continue;
      const results = (runs[runIndex] as { results?: unknown } | undefined)?.results;
      if (Array.isArray(results)) redactJson(results[resultIndex], { secret: true });
    }
  }
  redactJson(doc);
}

/** True when a finding shows a redaction marker in its text. */
export function showsRedaction(f: Pick<Finding, 'title' | 'message' | 'snippet' | 'location'>): boolean {
  return (
    hasMarker(f.message) ||
    hasMarker(f.title) ||
    (f.snippet !== undefined && hasMarker(f.snippet)) ||
    (f.location !== undefined && hasMarker(f.location))
  );
}

/**
 * The line reports add when findings had secrets redacted (Markdown), or undefined when none had: outputs that list
 * titles only still say that secrets were there and how they are shown.
 */
export function redactionNote(findings: readonly Pick<Finding, 'title' | 'message' | 'snippet' | 'location'>[]): string | undefined {
  let n = 0;
  for (const f of findings) if (showsRedaction(f)) n++;
  if (n === 0) return undefined;
  return `🔒 ${n} finding${n === 1 ? '' : 's'} held secrets: redacted in every output, shown as \`[REDACTED <kind> sha256:<hash of the value>]\``;
}

/**
 * Redacts the texts a ledger keeps of each finding (title, location, component), in place: entries written before
 * redaction existed, or of findings not seen again (they are listed as fixed), are cleaned when the ledger is read for
 * a run, and the next ledger written holds no secret. Returns the book.
 */
export function redactLedger(book: LedgerBook): LedgerBook {
  const memo: Memo = new Map();
  for (const fp of entryKeys(book.entries)) {
    // An entry still lazy was written with the current redaction rules (src/ledger/lines.ts): nothing to redact.
    if (isLine(book.entries, fp)) continue;
    const e = book.entries[fp] as LedgerEntry;
    const title = red(e.title, memo);
    if (title !== e.title) e.title = title;
    if (e.location !== undefined) e.location = redactText(e.location);
    if (e.component !== undefined) e.component = redactText(e.component);
  }
  return book;
}
