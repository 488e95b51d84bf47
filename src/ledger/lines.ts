import { Buffer, isAscii } from 'node:buffer';
import * as crypto from 'node:crypto';
import { ownRecord } from '../own';
import { redactionRulesId } from '../redact/text';
import { LEDGER_VERSION, LedgerEntrySchema, type LedgerBook, type LedgerEntry, type LedgerFile } from './schema';
import { isWrittenEntry, isWrittenLedger } from './shape';

/**
 * The ledger file's layout, and reading it lazily (issue #21: `check --ledger` must cost ≤ 1.2× a check without one,
 * and parsing, checking, merging and writing every entry of a 10 MB document took 0.6× on its own).
 *
 * The file is still one JSON document (version 1: any JSON reader, and defect-gate before this layout, reads it), laid
 * out one entry per line, ASCII only, each entry's hot members first in a fixed order (`entryJson`):
 *
 * ```
 * {"schema":"defect-gate-ledger","version":1,"updatedAt":"…","integrity":{"sha1":"…","redaction":"…"},"books":{
 * "default":{"runs":[…],"approvals":{…},"entries":{
 * "<fingerprint>":{"state":"open","lastSeen":"…","firstSeen":"…","sighting":"…","severity":"high","gated":true,"tool":"…","kind":"…","fingerprint":"<fingerprint>",…},
 * "<fingerprint>":{"state":"fixed","fixedAt":"…","lastSeen":"…",…}
 * }}
 * }}
 * ```
 *
 * `integrity.sha1` is the hash of everything after the first line, `integrity.redaction` the redaction rules the
 * entries were written with (src/redact/text.ts `redactionRulesId`). A file whose hash and rules match is exactly what
 * defect-gate wrote from checked entries: it is indexed by fingerprint (`readLedgerLines`) and no entry is parsed when
 * it is read. What the merge needs of an entry is read from its line at fixed places (`seenAgain`: an open entry's
 * times and sighting digest; `isOpenLine`, `isFixedLine`, `fixedLine`), or from its hot members (`rawEntry`: the JSON
 * of the line's start); the whole entry is parsed, and checked (src/ledger/shape.ts, else zod), only when something
 * reads it. A finding seen again unchanged (src/ledger/track.ts) moves only `lastSeen`, in the line; an entry no run
 * changes is written back as the line it was read from. Anything else — another layout, a hash that does not match (a
 * hand edit, a damaged file), other redaction rules — is read the way every ledger was before: parsed whole and
 * validated (schema.ts `migrateLedger`), and written in this layout by the next run.
 *
 * The book's `entries` is then a record over a map of lines and entries (`lazyEntries`: a Proxy): reading a member
 * parses its line and keeps the entry, so code that reads entries sees plain entries whatever it does (keys, values,
 * spread, JSON.stringify, assignment, delete). The code that reads only hot members of every entry (track.ts,
 * compact.ts, redaction, the writer) goes to the map (`entryKeys`, `rawEntry`, `hotEntry` and the line readers): an
 * entry no one reads whole is never parsed.
 */

/**
 * The members of an entry read from its line without parsing it (a plain entry has them too). The start of a line also
 * holds `sighting`, `reopenedAt` and `kevDueDate`: `seenAgain` reads those at their places; they are checked here.
 */
export interface HotEntry {
  fingerprint: string;
  state: 'open' | 'fixed';
  lastSeen: string;
  firstSeen: string;
  severity: string;
  gated: boolean;
  tool: string;
  kind: string;
  component?: string;
  fixedAt?: string;
}

/**
 * A lazy entry whose hot members were read: its line (`"<fp>":{…}`; `key` is `"<fp>"`, `json` the rest after the
 * colon) and those members.
 */
export class RawEntry implements HotEntry {
  component?: string;
  fixedAt?: string;
  constructor(
    readonly key: string,
    readonly json: string,
    readonly fingerprint: string,
    readonly state: 'open' | 'fixed',
    readonly lastSeen: string,
    readonly firstSeen: string,
    readonly severity: string,
    readonly gated: boolean,
    readonly tool: string,
    readonly kind: string,
  ) {}
}

/** What the map of a lazy record holds: the entry's line as read, its hot members read, or the entry. */
type Slot = string | RawEntry | LedgerEntry;
type Entries = Record<string, LedgerEntry>;

/** The map behind each lazy record. */
const MAPS = new WeakMap<object, Map<string, Slot>>();

/** A damaged line in a file whose hash matched: only a bug could write one. */
export class LedgerLineError extends Error {
  constructor(fp: string) {
    super(`ledger entry ${JSON.stringify(fp)}: its line is not an entry as defect-gate writes it`);
    this.name = 'LedgerLineError';
  }
}

/** The entry of a line (`json` after the key), checked. */
function parseEntry(fp: string, json: string): LedgerEntry {
  let e: unknown;
  try {
    e = JSON.parse(json);
  } catch {
    throw new LedgerLineError(fp);
  }
  if (isWrittenEntry(e) && (e as LedgerEntry).fingerprint === fp) return e as LedgerEntry;
  // Valid in another form (a time such as 2026-01-01T00:00:00Z, from an older ledger): what zod makes of it, as a
  // ledger read whole gets (schema.ts migrateLedger).
  const parsed = LedgerEntrySchema.safeParse(e);
  if (!parsed.success || parsed.data.fingerprint !== fp) throw new LedgerLineError(fp);
  return parsed.data;
}

/** The fingerprint's JSON text at the start of a line (`"<fp>"`), or undefined when the line does not start with one. */
function keyOf(line: string): string | undefined {
  if (line.charCodeAt(0) !== 34) return undefined;
  let end = line.indexOf('"', 1);
  if (line.lastIndexOf('\\', end) > 0) {
    // An escape in the fingerprint (rare: they are hashes): find the closing quote past escaped characters.
    end = 1;
    for (; end < line.length; end++) {
      const c = line.charCodeAt(end);
      if (c === 92) end++;
      else if (c === 34) break;
    }
  }
  return end > 0 && end < line.length && line.charCodeAt(end + 1) === 58 ? line.slice(0, end + 1) : undefined;
}

const CANONICAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** Canonical times already checked (a ledger repeats its run times thousands of times); bounded. */
const TIMES = new Set<string>();
function isTime(t: unknown): t is string {
  if (typeof t !== 'string') return false;
  if (TIMES.has(t)) return true;
  if (!CANONICAL_TIME.test(t) || new Date(t).toISOString() !== t) return false;
  if (TIMES.size > 10_000) TIMES.clear();
  TIMES.add(t);
  return true;
}
const optString = (v: unknown): v is string | undefined => v === undefined || typeof v === 'string';
const optTime = (v: unknown): v is string | undefined => v === undefined || isTime(v);

/**
 * The hot members of a line, from the JSON of its start (up to `,"fingerprint":`, which cannot occur inside a JSON
 * string: a quote there is escaped); undefined when the line does not start as `entryJson` writes it (it is then read
 * whole). `key` is the line's key (keyOf).
 */
function rawLine(fp: string, key: string, line: string): RawEntry | undefined {
  const start = key.length + 1;
  if (!line.startsWith('{"state":"', start)) return undefined;
  const end = line.indexOf(',"fingerprint":', start);
  if (end < 0 || !line.startsWith(key, end + 15)) return undefined;
  const after = line.charCodeAt(end + 15 + key.length);
  if (after !== 44 && after !== 125) return undefined; // , or }
  let h: Record<string, unknown>;
  try {
    h = JSON.parse(`${line.slice(start, end)}}`) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const { state, lastSeen, firstSeen, severity, gated, tool, kind, component, fixedAt, reopenedAt, kevDueDate, sighting } = h;
  if (
    (state !== 'open' && state !== 'fixed') ||
    !isTime(lastSeen) ||
    !isTime(firstSeen) ||
    typeof severity !== 'string' ||
    typeof gated !== 'boolean' ||
    typeof tool !== 'string' ||
    typeof kind !== 'string' ||
    !optString(component) ||
    !optTime(fixedAt) ||
    !optTime(reopenedAt) ||
    !optString(kevDueDate) ||
    !optString(sighting)
  ) {
    return undefined;
  }
  // Only these members before the fingerprint: 7 required, and those of the optional ones that are there.
  let n = 7;
  for (const v of [component, fixedAt, reopenedAt, kevDueDate, sighting]) if (v !== undefined) n++;
  if (Object.keys(h).length !== n) return undefined;
  const raw = new RawEntry(key, line.slice(start), fp, state, lastSeen, firstSeen, severity, gated, tool, kind);
  if (component !== undefined) raw.component = component;
  if (fixedAt !== undefined) raw.fixedAt = fixedAt;
  return raw;
}

/**
 * The hot members of `map`'s slot `fp` when it is still a line (read from it, and kept); a line that does not start as
 * usual is read whole and kept as its entry (undefined then).
 */
function rawOf(map: Map<string, Slot>, fp: string): RawEntry | undefined {
  const v = map.get(fp);
  if (v instanceof RawEntry) return v;
  if (typeof v !== 'string') return undefined;
  const key = keyOf(v) as string;
  const raw = rawLine(fp, key, v);
  map.set(fp, raw ?? parseEntry(fp, v.slice(key.length + 1)));
  return raw;
}

/** The entry of a slot, parsed (and kept in the map) when it is still a line. */
function entryOf(map: Map<string, Slot>, fp: string): LedgerEntry | undefined {
  const v = map.get(fp);
  if (v === undefined || (typeof v !== 'string' && !(v instanceof RawEntry))) return v;
  const e = typeof v === 'string' ? parseEntry(fp, v.slice((keyOf(v) as string).length + 1)) : parseEntry(fp, v.json);
  map.set(fp, e);
  return e;
}

/**
 * A record of entries over `map` (fingerprint → line or entry), for code that reads records: members are the map's
 * keys, in its order; reading one gives the entry (its line parsed once); assigning, defining and deleting change the
 * map. It cannot be frozen (nothing in defect-gate freezes a book read from a file).
 */
export function lazyEntries(map: Map<string, Slot>): Entries {
  const handler: ProxyHandler<Entries> = {
    get: (_t, k) => (typeof k === 'string' ? entryOf(map, k) : undefined),
    set: (_t, k, v: LedgerEntry) => {
      if (typeof k !== 'string') return false;
      FIXED.delete(record);
      map.set(k, v);
      return true;
    },
    has: (_t, k) => typeof k === 'string' && map.has(k),
    deleteProperty: (_t, k) => {
      FIXED.delete(record);
      return typeof k !== 'string' || (map.delete(k), true);
    },
    ownKeys: () => [...map.keys()],
    // An accessor: listing keys (Object.keys, spread) asks for every member's descriptor, which must not parse it.
    getOwnPropertyDescriptor: (_t, k) =>
      typeof k === 'string' && map.has(k)
        ? {
            get: () => entryOf(map, k),
            set: (v: LedgerEntry) => map.set(k, v),
            enumerable: true,
            configurable: true,
          }
        : undefined,
    defineProperty: (_t, k, d) => {
      if (typeof k !== 'string' || !('value' in d)) return false;
      FIXED.delete(record);
      map.set(k, d.value as LedgerEntry);
      return true;
    },
    preventExtensions: () => false,
  };
  const record = new Proxy(Object.create(null) as Entries, handler);
  MAPS.set(record, map);
  return record;
}

/** The fingerprints of a lazy record's fixed entries, as the merge left them (any change to the record forgets it). */
const FIXED = new WeakMap<object, ReadonlySet<string>>();

/** Records which entries of a lazy record are fixed (trackRun, which looked at every one), for compaction. */
export function setFixedKeys(entries: Entries, fixed: ReadonlySet<string>): void {
  if (MAPS.has(entries)) FIXED.set(entries, fixed);
}

/** The fixed entries' fingerprints, when the merge recorded them and the record has not changed since. */
export function fixedKeys(entries: Entries): ReadonlySet<string> | undefined {
  return FIXED.get(entries);
}

/** The line of `entries[fp]` with its hot members, when it was not read whole yet (undefined for a plain entry or none). */
export function rawEntry(entries: Entries, fp: string): RawEntry | undefined {
  const map = MAPS.get(entries);
  return map ? rawOf(map, fp) : undefined;
}

/** What hot-path code reads of `entries[fp]`: its line's hot members, or the entry. */
export function hotEntry(entries: Entries, fp: string): HotEntry {
  const map = MAPS.get(entries);
  if (!map) return entries[fp] as LedgerEntry;
  return rawOf(map, fp) ?? (map.get(fp) as LedgerEntry);
}

/** The fingerprints of a record, without asking a lazy one for each member's descriptor. */
export function entryKeys(entries: Entries): string[] {
  const map = MAPS.get(entries);
  return map ? [...map.keys()] : Object.keys(entries);
}

/** An empty record of the same kind as `like` (lazy when it is). */
export function emptyEntries(like: Entries): Entries {
  return MAPS.has(like) ? lazyEntries(new Map()) : ownRecord<LedgerEntry>();
}

/** Copies member `fp` of `from` to `to` (a line stays a line when both are lazy). */
export function copyEntry(to: Entries, from: Entries, fp: string): void {
  const a = MAPS.get(from);
  const b = MAPS.get(to);
  if (a && b) b.set(fp, a.get(fp) as Slot);
  else to[fp] = from[fp] as LedgerEntry;
}

/** A copy of an entries record (without a prototype), lazy entries left lazy. */
export function copyEntries(from: Entries): Entries {
  const map = MAPS.get(from);
  if (map) return lazyEntries(new Map(map));
  const to = ownRecord<LedgerEntry>();
  for (const fp of Object.keys(from)) to[fp] = from[fp] as LedgerEntry;
  return to;
}

/** The start of an open entry's line after its key, up to its `lastSeen` value (a canonical time, 24 characters). */
const OPEN_HEAD = '{"state":"open","lastSeen":"';
const FIRST_SEEN = '","firstSeen":"';
const SIGHTING = '","sighting":"';
const REOPENED_AT = ',"reopenedAt":"';
const KEV_DUE = ',"kevDueDate":"';

/** An open entry seen again with the same sighting digest: what its SLA clock needs, and its line. */
export interface SeenAgain {
  firstSeen: string;
  reopenedAt?: string;
  kevDueDate?: string;
  /** The line and the length of its key. */
  line: string;
  keyLength: number;
}

/**
 * When `entries[fp]` is still a line, of an open entry whose sighting digest is `digest`: its first seen, reopen and KEV
 * due date, read at the fixed places `entryJson` writes them (no parse). Otherwise undefined (the caller merges the
 * entry itself).
 */
export function seenAgain(entries: Entries, fp: string, digest: string): SeenAgain | undefined {
  const v = MAPS.get(entries)?.get(fp);
  let line: string;
  let keyLength: number;
  if (typeof v === 'string') {
    line = v;
    keyLength = line.indexOf('":{') + 1;
    if (keyLength <= 0 || line.charCodeAt(keyLength - 2) === 92) return undefined;
  } else if (v instanceof RawEntry) {
    line = `${v.key}:${v.json}`;
    keyLength = v.key.length;
  } else return undefined;
  const k = keyLength + 1;
  if (!line.startsWith(OPEN_HEAD, k)) return undefined;
  const p1 = k + OPEN_HEAD.length + 24;
  if (!line.startsWith(FIRST_SEEN, p1)) return undefined;
  const firstSeen = line.slice(p1 + FIRST_SEEN.length, p1 + FIRST_SEEN.length + 24);
  let p = p1 + FIRST_SEEN.length + 24;
  if (!isTime(firstSeen) || !line.startsWith(SIGHTING, p) || !line.startsWith(digest, p + SIGHTING.length)) return undefined;
  p += SIGHTING.length + digest.length;
  if (line.charCodeAt(p) !== 34) return undefined;
  p++;
  const again: SeenAgain = { firstSeen, line, keyLength };
  if (line.startsWith(REOPENED_AT, p)) {
    const at = line.slice(p + REOPENED_AT.length, p + REOPENED_AT.length + 24);
    if (!isTime(at) || line.charCodeAt(p + REOPENED_AT.length + 24) !== 34) return undefined;
    again.reopenedAt = at;
    p += REOPENED_AT.length + 25;
  }
  if (line.startsWith(KEV_DUE, p)) {
    const end = line.indexOf('"', p + KEV_DUE.length);
    const due = line.slice(p + KEV_DUE.length, end);
    if (end < 0 || due.includes('\\')) return undefined;
    again.kevDueDate = due;
    p = end + 1;
  }
  return line.startsWith(',"severity":', p) ? again : undefined;
}

/** Moves the `lastSeen` of an entry `seenAgain` answered for to `at` (a canonical time), in its line. */
export function setLastSeen(entries: Entries, fp: string, again: SeenAgain, at: string): void {
  const map = MAPS.get(entries);
  if (!map || at.length !== 24) throw new Error('setLastSeen: a lazy record and a canonical time');
  const start = again.keyLength + 1 + OPEN_HEAD.length;
  map.set(fp, again.line.slice(0, start) + at + again.line.slice(start + 24));
}

/** Whether `entries[fp]` is still its line as read (hot members read or not): an entry no one read whole. */
export function isLine(entries: Entries, fp: string): boolean {
  const v = MAPS.get(entries)?.get(fp);
  return typeof v === 'string' || v instanceof RawEntry;
}

const FIXED_HEAD = '{"state":"fixed","fixedAt":"';

/** Whether `entries[fp]` is known fixed without reading it: still a line that starts as a fixed entry's. */
export function isFixedLine(entries: Entries, fp: string): boolean {
  const v = MAPS.get(entries)?.get(fp);
  if (v instanceof RawEntry) return v.state === 'fixed';
  return typeof v === 'string' && v.startsWith(FIXED_HEAD, v.indexOf('":{') + 2);
}

/** A fixed entry's fix and last sighting when `entries[fp]` is still its line (read at fixed places, no parse). */
export function fixedLine(entries: Entries, fp: string): { fixedAt: string; lastSeen: string } | undefined {
  const v = MAPS.get(entries)?.get(fp);
  if (v instanceof RawEntry)
    return v.state === 'fixed' && v.fixedAt !== undefined ? { fixedAt: v.fixedAt, lastSeen: v.lastSeen } : undefined;
  if (typeof v !== 'string') return undefined;
  const k = v.indexOf('":{') + 2;
  if (!v.startsWith(FIXED_HEAD, k)) return undefined;
  const p = k + FIXED_HEAD.length;
  const fixedAt = v.slice(p, p + 24);
  if (!v.startsWith('","lastSeen":"', p + 24)) return undefined;
  const lastSeen = v.slice(p + 38, p + 62);
  return isTime(fixedAt) && isTime(lastSeen) && v.charCodeAt(p + 62) === 34 ? { fixedAt, lastSeen } : undefined;
}

/** Whether `entries[fp]` is known open without reading it: still a line that starts as an open entry's. */
export function isOpenLine(entries: Entries, fp: string): boolean {
  const v = MAPS.get(entries)?.get(fp);
  if (v instanceof RawEntry) return v.state === 'open';
  return typeof v === 'string' && v.startsWith(OPEN_HEAD, v.indexOf('":{') + 2);
}

// --- writing ---------------------------------------------------------------------------------------------------------

/** An entry's JSON text, hot members first (the reader finds them at the line's start). */
export function entryJson(e: LedgerEntry): string {
  // The order `seenAgain` reads at fixed offsets: state, lastSeen, firstSeen, sighting, reopenedAt, kevDueDate.
  // A fixed entry's fixedAt right after its state (`fixedLine` reads it there).
  const head: Record<string, unknown> = { state: e.state };
  if (e.fixedAt !== undefined) head.fixedAt = e.fixedAt;
  head.lastSeen = e.lastSeen;
  head.firstSeen = e.firstSeen;
  if (e.sighting !== undefined) head.sighting = e.sighting;
  if (e.reopenedAt !== undefined) head.reopenedAt = e.reopenedAt;
  if (e.kevDueDate !== undefined) head.kevDueDate = e.kevDueDate;
  head.severity = e.severity;
  head.gated = e.gated;
  head.tool = e.tool;
  head.kind = e.kind;
  if (e.component !== undefined) head.component = e.component;
  head.fingerprint = e.fingerprint;
  return JSON.stringify(Object.assign(head, e));
}

/** `crypto.hash` (Node ≥ 20.12, not in the types yet): a one-shot digest, without a Hash object per call. */
const oneShot = (crypto as unknown as { hash?: (algorithm: string, data: string | Buffer, encoding: 'base64') => string }).hash;

/** The SHA-1 of bytes (or of a text's UTF-8 bytes), in base64 (28 characters): for integrity, not security. */
export function sha1(text: string | Buffer): string {
  return oneShot ? oneShot('sha1', text, 'base64') : crypto.createHash('sha1').update(text).digest('base64');
}

/** JSON text in ASCII: every other character as its `\\u` escape (the same JSON value; the file is read as bytes). */
const NON_ASCII = /[\u0080-\uffff]/;
const NON_ASCII_ALL = /[\u0080-\uffff]/g;
const ascii = (json: string): string =>
  NON_ASCII.test(json) ? json.replace(NON_ASCII_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : json;

/**
 * The ledger file in the layout above, as its first line (`head`, with the hash of the rest) and the bytes of the rest
 * (`body`): lazy entries written as their lines, every other entry as `entryJson`, scopes and entries in the order of
 * their records. ASCII only (JSON escapes), so that text and bytes are the same (the body's bytes are its Latin-1
 * copy, hashed as bytes: a hash of the 9 MB text took 30-50 ms, of its bytes 5-9 ms).
 */
export function ledgerParts(file: LedgerFile): { head: string; body: Buffer } {
  const parts: string[] = [];
  let first = true;
  for (const [scope, book] of Object.entries(file.books)) {
    const { entries, ...rest } = book;
    const meta = ascii(JSON.stringify(rest));
    parts.push(`${first ? '' : ','}${ascii(JSON.stringify(scope))}:${meta === '{}' ? '{' : `${meta.slice(0, -1)},`}"entries":{\n`);
    first = false;
    const lines: string[] = [];
    const map = MAPS.get(entries);
    if (map) {
      for (const [fp, v] of map) {
        lines.push(
          typeof v === 'string' ? v : v instanceof RawEntry ? `${v.key}:${v.json}` : ascii(`${JSON.stringify(fp)}:${entryJson(v)}`),
        );
      }
    } else {
      for (const fp of Object.keys(entries)) lines.push(ascii(`${JSON.stringify(fp)}:${entryJson(entries[fp] as LedgerEntry)}`));
    }
    if (lines.length > 0) parts.push(lines.join(',\n'), '\n');
    parts.push('}}\n');
  }
  parts.push('}}\n');
  const body = Buffer.from(parts.join(''), 'latin1');
  const head =
    `{"schema":"defect-gate-ledger","version":${LEDGER_VERSION},"updatedAt":${ascii(JSON.stringify(file.updatedAt))},` +
    `"integrity":{"sha1":"${sha1(body)}","redaction":"${redactionRulesId()}"},"books":{\n`;
  return { head, body };
}

/** The ledger file's bytes (`ledgerParts` together). */
export function ledgerBytes(file: LedgerFile): Buffer {
  const { head, body } = ledgerParts(file);
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

/** The ledger file's text (`ledgerBytes` as a string). */
export function ledgerText(file: LedgerFile): string {
  return ledgerBytes(file).toString('latin1');
}

// --- reading ---------------------------------------------------------------------------------------------------------

const STR = '"(?:[^"\\\\\\n]|\\\\.)*"';
const HEAD_RE = new RegExp(
  `^\\{"schema":"defect-gate-ledger","version":${LEDGER_VERSION},"updatedAt":(${STR}),"integrity":\\{"sha1":"([A-Za-z0-9+/=]{28})","redaction":"([0-9a-f]{1,64})"\\},"books":\\{\\n`,
);
/**
 * The ledger of a text written in this layout, with lazy entries; undefined when the text is not exactly that (another
 * layout, a hash or redaction rules that do not match, anything unexpected): the caller then parses and validates it
 * whole, which names any problem.
 */
export function readLedgerLines(bytes: Buffer): LedgerFile | undefined {
  // This layout is ASCII (ledgerBytes): its text is its bytes as Latin-1, a copy instead of a decode.
  if (!isAscii(bytes)) return undefined;
  const text = bytes.toString('latin1');
  const head = HEAD_RE.exec(text);
  if (!head) return undefined;
  if (head[3] !== redactionRulesId()) return undefined;
  if (sha1(bytes.subarray(head[0].length)) !== head[2]) return undefined;
  const updatedAt = JSON.parse(head[1] as string) as string;
  const lines = text.slice(head[0].length).split('\n');
  const books = ownRecord<LedgerBook>();
  let i = 0;
  for (let nBook = 0; ; nBook++) {
    let line = lines[i++];
    if (line === undefined) return undefined;
    if (line === '}}') break;
    if (nBook > 0) {
      if (!line.startsWith(',')) return undefined;
      line = line.slice(1);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(`{${line}}}}`);
    } catch {
      return undefined;
    }
    const scopes = Object.keys(parsed as object);
    const scope = scopes[0] as string;
    if (scopes.length !== 1 || scope === '__proto__' || Object.hasOwn(books, scope)) return undefined;
    const book = (parsed as Record<string, LedgerBook>)[scope] as LedgerBook;
    const check = { schema: 'defect-gate-ledger', version: LEDGER_VERSION, updatedAt, books: { [scope]: book } };
    if (!isWrittenLedger(check, LEDGER_VERSION) || Object.keys(book.entries).length !== 0) return undefined;
    const map = new Map<string, Slot>();
    for (;;) {
      line = lines[i++];
      if (line === undefined) return undefined;
      if (line === '}}') break;
      const last = lines[i] === '}}';
      if (last === line.endsWith(',')) return undefined;
      if (!last) line = line.slice(0, -1);
      // Indexed by fingerprint only: the line is read when something needs its entry (rawOf, entryOf).
      const key = keyOf(line);
      if (key === undefined) return undefined;
      let fp: string;
      try {
        fp = key.includes('\\') ? (JSON.parse(key) as string) : key.slice(1, -1);
      } catch {
        return undefined;
      }
      if (fp === '__proto__' || map.has(fp)) return undefined;
      map.set(fp, line);
    }
    book.entries = lazyEntries(map);
    books[scope] = book;
  }
  if (i !== lines.length - 1 || lines[i] !== '') return undefined;
  return { schema: 'defect-gate-ledger', version: LEDGER_VERSION, updatedAt, books: { ...books } };
}
