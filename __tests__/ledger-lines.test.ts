import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  entryJson,
  entryKeys,
  fixedLine,
  isLine,
  lazyEntries,
  ledgerBytes,
  ledgerText,
  rawEntry,
  readLedgerLines,
  seenAgain,
  setLastSeen,
  sha1,
  copyEntry,
  emptyEntries,
  hotEntry,
  isFixedLine,
  isOpenLine,
  LedgerLineError,
} from '../src/ledger/lines';
import { migrateLedger, type LedgerBook, type LedgerEntry, type LedgerFile } from '../src/ledger/schema';
import { sightingDigest, trackRun } from '../src/ledger/track';
import { compactBook } from '../src/ledger/compact';
import { FileLedgerStore } from '../src/ledger/file-store';
import { redactLedger } from '../src/redact/finding';
import { applyTickets } from '../src/tracker/sync';
import { redactionRulesId } from '../src/redact/text';
import type { RatedFinding } from '../src/model';
import { rateAll } from '../src/rate/rate';
import { BASE_POLICY, finding, ledgerEntry, policyFrom } from './helpers';

/**
 * The ledger file's layout and lazy reading (src/ledger/lines.ts, issue #21): one entry per line, hot members first, a
 * hash over the body; a file that matches is read without parsing its entries, and a finding seen again unchanged
 * (same sighting digest) only moves `lastSeen` in its line. The differential test below runs the same days of findings
 * through the merge twice — once from plain entries (every entry parsed and merged, as before this layout) and once
 * from the lazy file — and requires byte-identical files every day.
 */

const policy = policyFrom(BASE_POLICY);
const DAY = 86_400_000;
const T0 = Date.parse('2026-03-01T06:00:00.000Z');
const at = (d: number): Date => new Date(T0 + d * DAY);

const fileOf = (books: Record<string, LedgerBook>, updatedAt = '2026-03-01T00:00:00.000Z'): LedgerFile => ({
  schema: 'defect-gate-ledger',
  version: 1,
  updatedAt,
  books,
});

/** The file read the way every file was before this layout: parsed whole, validated; plain entries. */
const eagerRead = (text: string): LedgerFile => migrateLedger(JSON.parse(text), 'test');
const lazyRead = (text: string): LedgerFile => {
  const f = readLedgerLines(Buffer.from(text, 'latin1'));
  if (!f) throw new Error('not read lazily');
  return f;
};
const book = (f: LedgerFile, scope = 'default'): LedgerBook => f.books[scope] as LedgerBook;

const ENTRIES: LedgerEntry[] = [
  ledgerEntry({ fingerprint: 'a1', sighting: 'AAAA', component: 'api', kevDueDate: '2026-04-01', reopenedAt: '2026-02-01T00:00:00.000Z' }),
  ledgerEntry({ fingerprint: 'b2', state: 'fixed', fixedAt: '2026-02-20T00:00:00.000Z', title: 'Ünïcode — title ✓ 🔒' }),
  ledgerEntry({ fingerprint: 'with "quote" and \\ backslash', tool: 'to"ol', kind: 'sca' }),
  ledgerEntry({ fingerprint: '42', gated: false, severity: 'low' }),
  ledgerEntry({ fingerprint: 'constructor', firstSeen: '2026-01-01T00:00:00Z' }),
  ledgerEntry({ fingerprint: 'e5', events: [{ at: '2026-01-01T00:00:00.000Z', type: 'opened', severity: 'high' }], owners: ['@org/team'] }),
];

const plainBook = (): LedgerBook => ({
  entries: Object.fromEntries(ENTRIES.map((e) => [e.fingerprint, structuredClone(e)])),
  runs: [],
  approvals: { 'x:1': { approvers: [{ login: 'alice' }] } },
});

describe('the line layout', () => {
  it('is one JSON document, ASCII, one entry per line with its hot members first, and reads back equal', () => {
    const text = ledgerText(fileOf({ default: plainBook(), other: { entries: {}, runs: [] } }));
    expect(/^[\x00-\x7f]*$/.test(text)).toBe(true);
    expect(JSON.parse(text).books.default.entries.b2.title).toBe('Ünïcode — title ✓ 🔒');
    const lines = text.split('\n');
    expect(lines[0]).toMatch(
      /^\{"schema":"defect-gate-ledger","version":1,"updatedAt":"[^"]+","integrity":\{"sha1":"[^"]{28}","redaction":"[0-9a-f]+"\},"books":\{$/,
    );
    expect(lines.filter((l) => l.startsWith('"a1":'))).toEqual([
      expect.stringMatching(
        /^"a1":\{"state":"open","lastSeen":"[^"]{24}","firstSeen":"[^"]{24}","sighting":"AAAA","reopenedAt":"[^"]{24}","kevDueDate":"2026-04-01","severity":"high","gated":true,"tool":"CodeQL","kind":"sast","component":"api","fingerprint":"a1",/,
      ),
    ]);
    expect(lines.filter((l) => l.startsWith('"b2":'))).toEqual([
      expect.stringMatching(/^"b2":\{"state":"fixed","fixedAt":"2026-02-20T00:00:00.000Z","lastSeen":/),
    ]);
    const lazy = lazyRead(text);
    const eager = eagerRead(text);
    expect({ ...book(lazy).entries }).toEqual(book(eager).entries);
    expect(book(lazy).approvals).toEqual(plainBook().approvals);
    expect(Object.keys(lazy.books)).toEqual(['default', 'other']);
    // Written again without reading an entry: the same bytes but for the hash of the new updatedAt's file.
    expect(ledgerText(lazyRead(text))).toBe(text);
  });

  it('entries stay lines until read; a record over them behaves as a record', () => {
    const text = ledgerText(fileOf({ default: plainBook() }));
    const entries = book(lazyRead(text)).entries;
    expect(entryKeys(entries)).toEqual(['42', 'a1', 'b2', 'with "quote" and \\ backslash', 'constructor', 'e5']);
    expect(Object.keys(entries)).toEqual(entryKeys(entries));
    expect(ENTRIES.every((e) => isLine(entries, e.fingerprint))).toBe(true);
    // Hot members from the line, without parsing it.
    const raw = rawEntry(entries, 'a1');
    expect(raw).toMatchObject({ state: 'open', severity: 'high', component: 'api', gated: true, tool: 'CodeQL', kind: 'sast' });
    expect(rawEntry(entries, 'a1')).toBe(raw); // kept: read once
    expect(fixedLine(entries, 'b2')).toEqual({ fixedAt: '2026-02-20T00:00:00.000Z', lastSeen: '2026-05-01T00:00:00.000Z' });
    expect(fixedLine(entries, 'a1')).toBeUndefined();
    // A time in another form is not read at its fixed place: that entry is read whole, and equal.
    expect(rawEntry(entries, 'constructor')).toBeUndefined();
    expect(isLine(entries, 'constructor')).toBe(false);
    expect(entries.constructor).toEqual(ENTRIES[4]);
    expect('a1' in entries && Object.hasOwn(entries, 'a1') && !('zz' in entries)).toBe(true);
    expect(entries.a1).toEqual(ENTRIES[0]);
    expect(isLine(entries, 'a1')).toBe(false); // read whole now, and kept
    expect(entries.a1).toBe(entries.a1);
    entries.n = ledgerEntry({ fingerprint: 'n' });
    delete entries.e5;
    expect(Object.keys(entries)).toEqual(['42', 'a1', 'b2', 'with "quote" and \\ backslash', 'constructor', 'n']);
    expect(JSON.parse(JSON.stringify(entries)).n.fingerprint).toBe('n');
    expect(Object.values(entries).map((e) => e.fingerprint)).toEqual(Object.keys(entries));
    expect(() => Object.freeze(entries)).toThrow(TypeError);
  });

  it('a record made by lazyEntries reads its map', () => {
    const e = ledgerEntry({ fingerprint: 'x' });
    const r = lazyEntries(new Map([['x', e]]));
    expect(r.x).toBe(e);
    expect({ ...r }).toEqual({ x: e });
  });

  it('is read whole (and validated) when its hash, its redaction rules or its layout do not match', () => {
    const text = ledgerText(fileOf({ default: plainBook() }));
    expect(readLedgerLines(Buffer.from(text.replace('"title":"SQL injection"', '"title":"SQL injectioN"'), 'latin1'))).toBeUndefined();
    expect(readLedgerLines(Buffer.from(text.replace(`"redaction":"${redactionRulesId()}"`, '"redaction":"0"'), 'latin1'))).toBeUndefined();
    expect(readLedgerLines(Buffer.from(`${JSON.stringify(JSON.parse(text))}\n`))).toBeUndefined(); // the older one-line file
    expect(readLedgerLines(Buffer.from(text.replace('"title":"SQL injection"', '"title":"SQL injéction"')))).toBeUndefined(); // not ASCII
    expect(readLedgerLines(Buffer.from(text.slice(0, -4), 'latin1'))).toBeUndefined();
  });

  it('the file store: a hand-edited ledger is validated whole (errors with their place) and rewritten in this layout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dg-lines-'));
    const path = join(dir, 'ledger.json');
    const text = ledgerText(fileOf({ default: plainBook() }));
    writeFileSync(path, text.replace('"severity":"low"', '"severity":"critical"'));
    const store = new FileLedgerStore(path, () => new Date('2026-06-01T00:00:00.000Z'));
    expect((await store.read('default'))?.entries['42']?.severity).toBe('critical');
    await store.update('default', (b) => b);
    const again = readFileSync(path, 'latin1');
    expect(book(lazyRead(again)).entries['42']?.severity).toBe('critical');
    writeFileSync(path, text.replace('"gated":false', '"gated":"no"'));
    await expect(new FileLedgerStore(path, () => new Date()).read('default')).rejects.toThrow(
      /invalid ledger at \$\.books\.default\.entries\.42\.gated/,
    );
    writeFileSync(path, text.replace('"gated":false,', '"gated":false'));
    await expect(new FileLedgerStore(path, () => new Date()).read('default')).rejects.toThrow(/ledger\.json:\d+:\d+.*not valid JSON/);
  });

  it('the file store: an update merges into the file as it is now (another run wrote it since it was read), else into what it read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dg-lines-'));
    const path = join(dir, 'ledger.json');
    writeFileSync(path, ledgerText(fileOf({ default: plainBook() })));
    const store = new FileLedgerStore(path, () => new Date('2026-06-01T00:00:00.000Z'));
    const read = await store.read('default');
    let given: LedgerBook | undefined;
    await store.update('default', (b) => ((given = b), b));
    expect(given).toBe(read); // the same file: what was read, not read again
    const read2 = await store.read('default');
    // Another writer: the same size and layout, another entry's severity (the first line's hash differs).
    writeFileSync(path, readFileSync(path, 'latin1').replace('"severity":"low"', '"severity":"lOw"'), 'latin1');
    await store.update('default', (b) => ((given = b), b));
    expect(given).not.toBe(read2);
    expect(given?.entries['42']?.severity).toBe('lOw');
  });

  it('the tracker records tickets on a lazy book without parsing its other entries, and keeps its runs and approvals', () => {
    const lazy = book(lazyRead(ledgerText(fileOf({ default: plainBook() }))));
    const ticket = { tracker: 'github-issues', repo: 'acme/app', number: 7 };
    const next = applyTickets(
      lazy,
      new Map([
        ['a1', ticket],
        ['not-in-the-book', ticket],
      ]),
    );
    expect(next.approvals).toEqual(plainBook().approvals); // dropped before: the book's record of who approved what
    expect(next.runs).toBe(lazy.runs);
    expect(next.entries.a1?.ticket).toEqual(ticket);
    expect(isLine(next.entries, 'e5')).toBe(true);
    expect('not-in-the-book' in next.entries).toBe(false);
    expect(lazy.entries.a1?.ticket).toBeUndefined();
    const plain = applyTickets(plainBook(), new Map([['a1', ticket]]));
    expect(plain.approvals).toEqual(plainBook().approvals);
    expect(Object.keys(plain.entries)).toEqual(Object.keys(plainBook().entries));
  });

  it('redaction: a line written with other rules is redacted when read (the file is read whole), a line is not redacted again', () => {
    const secret = 'AKIAIOSFODNN7EXAMPLE';
    const b = plainBook();
    (b.entries.a1 as LedgerEntry).title = `leaked ${secret}`;
    const text = ledgerText(fileOf({ default: b }));
    const lazy = book(lazyRead(text));
    redactLedger(lazy); // a line is as written: this one was written by a test without redaction, and stays so
    expect(ledgerText(fileOf({ default: lazy }))).toContain(secret);
    const other = text.replace(`"redaction":"${redactionRulesId()}"`, '"redaction":"0"');
    expect(readLedgerLines(Buffer.from(other, 'latin1'))).toBeUndefined();
    const eager = book(eagerRead(other));
    redactLedger(eager);
    expect(ledgerText(fileOf({ default: eager }))).not.toContain(secret);
  });
});

/** A text with its first line's hash made to match its body again (a file as defect-gate would have written it). */
function rehash(text: string): string {
  const nl = text.indexOf('\n') + 1;
  const body = text.slice(nl);
  return text.slice(0, nl).replace(/"sha1":"[^"]{28}"/, `"sha1":"${sha1(Buffer.from(body, 'latin1'))}"`) + body;
}
const lazyOr = (text: string): LedgerFile | undefined => readLedgerLines(Buffer.from(text, 'latin1'));

describe('reading the line layout: every departure from it, even with a matching hash, is read whole', () => {
  const text = ledgerText(fileOf({ default: plainBook(), two: { entries: { z: ledgerEntry({ fingerprint: 'z' }) }, runs: [] } }));
  const swap = (from: string | RegExp, to: string) => rehash(text.replace(from, to));
  /** `from` replaced in the line of `fp` only. */
  const swapIn = (fp: string, from: string, to: string) =>
    rehash(
      text
        .split('\n')
        .map((l) => (l.startsWith(`${JSON.stringify(fp)}:`) ? l.replace(from, to) : l))
        .join('\n'),
    );

  it('the hash is checked (rehash makes a file that matches)', () => {
    expect(lazyOr(rehash(text))).toBeDefined();
    expect(lazyOr(text.replace('"state":"open"', '"state":"opeN"'))).toBeUndefined();
  });

  it.each([
    ['a second book without its comma', (t: string) => t.replace('\n,"two":', '\n"two":')],
    ['a first book with a comma', (t: string) => t.replace('books":{\n"default"', 'books":{\n,"default"')],
    ['a book header that is not JSON', (t: string) => t.replace('"two":{"runs":[]', '"two":{"runs":[')],
    ['a book header of two scopes', (t: string) => t.replace(',"two":{"runs":[],', ',"two":{"runs":[]},"three":{"runs":[],')],
    ['a scope twice', (t: string) => t.replace(',"two":{', ',"default":{')],
    ['a scope "__proto__"', (t: string) => t.replace(',"two":{', ',"__proto__":{')],
    ['a book header with entries in it', (t: string) => t.replace('"two":{"runs":[],"entries":{', '"two":{"runs":[],"entries":{"q":1,')],
    ['a book header that is not a book', (t: string) => t.replace('"two":{"runs":[],', '"two":{"runs":[1],')],
    ['an entry line without its comma', (t: string) => t.replace(/("a1":\{[^\n]*),\n/, '$1\n')],
    ['the last entry line with a comma', (t: string) => t.replace(/("z":\{[^\n]*)\n/, '$1,\n')],
    ['an entry line without a key', (t: string) => t.replace('\n"a1":{', '\n{"a1":{')],
    ['a key without its opening quote', (t: string) => t.replace('\n"a1":{', '\na1":{')],
    ['a file that ends after a book, without its end', (t: string) => t.slice(0, -4)],
    ['a file that ends after an entry', (t: string) => t.slice(0, t.indexOf('\n', t.indexOf('\n"a1":{') + 1))],
    [
      'a book header with an entry in it',
      (t: string) =>
        t.replace('"two":{"runs":[],"entries":{', `"two":{"runs":[],"entries":{"q":${entryJson(ledgerEntry({ fingerprint: 'q' }))}`),
    ],
    ['a file in this layout that is not ASCII', (t: string) => t.replace('"title":"SQL injection"', '"title":"SQL injéction"')],
    ['a key not followed by a colon', (t: string) => t.replace('\n"a1":{', '\n"a1" :{')],
    ['a key with a broken escape', (t: string) => t.replace('\n"a1":{', '\n"a\\x1":{')],
    ['a key without its closing quote', (t: string) => t.replace(/\n"a1":\{[^\n]*,\n/, '\n"a1,\n')],
    ['a fingerprint twice', (t: string) => t.replace('\n"b2":{', '\n"a1":{')],
    ['a fingerprint "__proto__"', (t: string) => t.replace('\n"b2":{', '\n"__proto__":{')],
    ['a missing end', (t: string) => t.slice(0, -3)],
    ['a missing book end', (t: string) => t.replace('}}\n,"two"', ',"two"')],
    ['something after the end', (t: string) => `${t}x\n`],
    ['an empty line after the end', (t: string) => `${t}\n`],
    ['no newline at the end', (t: string) => t.slice(0, -1)],
    ['another version', (t: string) => t.replace('"version":1,', '"version":2,')],
  ])('%s', (_name, damage) => {
    expect(lazyOr(rehash(damage(text)))).toBeUndefined();
  });

  it('an updatedAt with an escape is read', () => {
    const f = lazyOr(swap('"updatedAt":"2026-03-01T00:00:00.000Z"', '"updatedAt":"2026-03-01T00:00:00.000Z\\u0041"'));
    expect(f?.updatedAt).toBe('2026-03-01T00:00:00.000ZA');
  });

  it.each([
    ['a state that is not open or fixed', '"state":"open","lastSeen"', '"state":"gone","lastSeen"', 'error'],
    [
      'a time that does not exist',
      '"lastSeen":"2026-05-01T00:00:00.000Z","firstSeen":"2026-01-01T00:00:00.000Z","sighting":"AAAA"',
      '"lastSeen":"2026-02-30T00:00:00.000Z","firstSeen":"2026-01-01T00:00:00.000Z","sighting":"AAAA"',
      'error',
    ],
    [
      'a first seen in another form',
      '"firstSeen":"2026-01-01T00:00:00.000Z","sighting":"AAAA"',
      '"firstSeen":"2026-01-01T00:00:00Z","sighting":"AAAA"',
      'whole',
    ],
    [
      'gated not a boolean',
      '"gated":true,"tool":"CodeQL","kind":"sast","component":"api"',
      '"gated":1,"tool":"CodeQL","kind":"sast","component":"api"',
      'error',
    ],
    [
      'a severity not a string',
      '"severity":"high","gated":true,"tool":"CodeQL","kind":"sast","component":"api"',
      '"severity":3,"gated":true,"tool":"CodeQL","kind":"sast","component":"api"',
      'error',
    ],
    ['a tool not a string', '"tool":"CodeQL","kind":"sast","component":"api"', '"tool":null,"kind":"sast","component":"api"', 'error'],
    ['a kind not a string', '"kind":"sast","component":"api"', '"kind":[],"component":"api"', 'error'],
    ['a component not a string', '"component":"api"', '"component":{}', 'error'],
    ['a reopen in another form', '"reopenedAt":"2026-02-01T00:00:00.000Z"', '"reopenedAt":"2026-02-01"', 'whole'],
    ['a KEV due date not a string', '"kevDueDate":"2026-04-01"', '"kevDueDate":20260401', 'error'],
    ['a sighting not a string', '"sighting":"AAAA"', '"sighting":false', 'error'],
    ['an unknown member before the fingerprint', '"kind":"sast","component":"api"', '"kind":"sast","extra":1,"component":"api"', 'whole'],
    ['a head that is not JSON', '"kind":"sast","component":"api"', '"kind":"sast",,"component":"api"', 'error'],
    ['the fingerprint of another entry', '"fingerprint":"a1"', '"fingerprint":"a2"', 'error'],
    ['the fingerprint not followed by a comma', '"fingerprint":"a1",', '"fingerprint":"a1" ,', 'whole'],
  ])('an entry whose start departs from the layout (%s) is not read from its start', (_name, from, to, whole) => {
    expect(text.split('\n').find((l) => l.startsWith('"a1":'))).toContain(from);
    const f = lazyOr(swapIn('a1', from, to));
    expect(f).toBeDefined();
    const entries = book(f as LedgerFile).entries;
    if (whole === 'error') {
      // Not valid either (only a bug writes one: the hash matched): an error when anything reads it.
      expect(() => rawEntry(entries, 'a1')).toThrow(LedgerLineError);
      return;
    }
    expect(rawEntry(entries, 'a1')).toBeUndefined();
    expect(isLine(entries, 'a1')).toBe(false);
    expect(entries.a1?.fingerprint).toBe('a1');
    expect(entries.a1).not.toHaveProperty('extra');
  });

  it('an entry read whole that is not valid is a LedgerLineError (only a bug writes one: the hash matched)', () => {
    const entries = book(
      lazyOr(
        swap(
          '"ruleId":"js/sql-injection","title":"SQL injection","reopenedCount":0,"events":[]}',
          '"ruleId":5,"title":"SQL injection","reopenedCount":0,"events":[]}',
        ),
      ) as LedgerFile,
    ).entries;
    expect(() => entries['42']).toThrow(LedgerLineError);
    const broken = book(lazyOr(swap('"events":[]}', '"events":[]')) as LedgerFile).entries;
    expect(() => broken['42']).toThrow(/ledger entry "42": its line is not an entry as defect-gate writes it/);
    expect(() => book(lazyOr(swapIn('a1', '"events":[]}', '"events":[]')) as LedgerFile).entries.a1).toThrow(LedgerLineError);
    const moved = book(lazyOr(swap('"fingerprint":"42","ruleId"', '"fingerprint":"42","fingerprint":"43","ruleId"')) as LedgerFile).entries;
    expect(() => moved['42']).toThrow(LedgerLineError);
  });

  it('the line readers read open and fixed lines at their places, and nothing else', () => {
    const entries = book(lazyRead(text)).entries;
    expect([isOpenLine(entries, 'a1'), isFixedLine(entries, 'a1'), isOpenLine(entries, 'b2'), isFixedLine(entries, 'b2')]).toEqual([
      true,
      false,
      false,
      true,
    ]);
    expect([isOpenLine(entries, 'nope'), isFixedLine(entries, 'nope'), isLine(entries, 'nope')]).toEqual([false, false, false]);
    // Hot members read: still a line.
    expect(hotEntry(entries, 'b2')).toMatchObject({ state: 'fixed', fixedAt: '2026-02-20T00:00:00.000Z' });
    expect([isLine(entries, 'b2'), isFixedLine(entries, 'b2'), isOpenLine(entries, 'b2')]).toEqual([true, true, false]);
    expect(fixedLine(entries, 'b2')).toEqual({ fixedAt: '2026-02-20T00:00:00.000Z', lastSeen: '2026-05-01T00:00:00.000Z' });
    expect(hotEntry(entries, 'a1')).toMatchObject({ state: 'open' });
    expect([isOpenLine(entries, 'a1'), isFixedLine(entries, 'a1'), fixedLine(entries, 'a1')]).toEqual([true, false, undefined]);
    expect(seenAgain(entries, 'a1', 'AAAA')).toMatchObject({ firstSeen: '2026-01-01T00:00:00.000Z' });
    // Read whole: no longer a line for any reader.
    expect(entries.b2?.state).toBe('fixed');
    expect([isLine(entries, 'b2'), isFixedLine(entries, 'b2'), fixedLine(entries, 'b2')]).toEqual([false, false, undefined]);
    expect(hotEntry(entries, 'b2')).toBe(entries.b2);
    // On a plain record, nothing is a line.
    const plain = plainBook().entries;
    expect([isLine(plain, 'a1'), isOpenLine(plain, 'a1'), isFixedLine(plain, 'b2'), fixedLine(plain, 'b2'), rawEntry(plain, 'a1')]).toEqual(
      [false, false, false, undefined, undefined],
    );
    expect(hotEntry(plain, 'a1')).toBe(plain.a1);
    for (const [from, to] of [
      [
        '"fixedAt":"2026-02-20T00:00:00.000Z","lastSeen":"2026-05-01T00:00:00.000Z"',
        '"fixedAt":"2026-02-20T00:00:00.000Z","lastSeen":"2026-05-01T00:00:00.000Y"',
      ],
      ['"fixedAt":"2026-02-20T00:00:00.000Z","lastSeen"', '"fixedAt":"2026-02-20T00:00:00.000Z","lastseen"'],
      ['"fixedAt":"2026-02-20T00:00:00.000Z"', '"fixedAt":"2026-02-31T00:00:00.000Z"'],
    ] as const) {
      expect(fixedLine(book(lazyOr(swap(from, to)) as LedgerFile).entries, 'b2')).toBeUndefined();
    }
  });

  it('seenAgain: each place is checked', () => {
    const e = (over: Partial<LedgerEntry>) => ledgerEntry({ fingerprint: 'o', sighting: 'D1', ...over });
    const read = (x: LedgerEntry, damage?: [string, string]) => {
      let t = ledgerText(fileOf({ default: { entries: { o: x }, runs: [] } }));
      if (damage) t = rehash(t.replace(damage[0], damage[1]));
      return book(lazyOr(t) as LedgerFile).entries;
    };
    expect(seenAgain(read(e({})), 'o', 'D1')).toEqual(expect.objectContaining({ firstSeen: '2026-01-01T00:00:00.000Z' }));
    expect(seenAgain(read(e({})), 'o', 'D1')).not.toHaveProperty('reopenedAt');
    expect(seenAgain(read(e({})), 'o', 'D')).toBeUndefined(); // a prefix of the digest is not the digest
    expect(seenAgain(read(e({ kevDueDate: 'a\\b' })), 'o', 'D1')).toBeUndefined();
    expect(seenAgain(read(e({ kevDueDate: '' })), 'o', 'D1')).toMatchObject({ kevDueDate: '' });
    for (const damage of [
      ['"firstSeen":"2026-01-01T00:00:00.000Z"', '"firstSeen":"2026-01-01T00:00:00.000Y"'],
      ['","firstSeen":', '","firstseen":'],
      ['"sighting":"D1"', '"sightinG":"D1"'],
      ['"sighting":"D1","severity"', '"sighting":"D1x","severity"'],
      ['"state":"open","lastSeen":"2026-05-01T00:00:00.000Z"', '"state":"open","lastSeen":"2026-05-01T00:00:00Z"'],
      ['"sighting":"D1","severity"', '"sighting":"D1","extra":1,"severity"'],
    ] as [string, string][]) {
      expect([damage[1], seenAgain(read(e({}), damage), 'o', 'D1')]).toEqual([damage[1], undefined]);
    }
    const reopened = e({ reopenedAt: '2026-02-01T00:00:00.000Z' });
    expect(seenAgain(read(reopened), 'o', 'D1')).toMatchObject({ reopenedAt: '2026-02-01T00:00:00.000Z' });
    expect(
      seenAgain(read(reopened, ['"reopenedAt":"2026-02-01T00:00:00.000Z"', '"reopenedAt":"2026-02-30T00:00:00.000Z"']), 'o', 'D1'),
    ).toBeUndefined();
    expect(
      seenAgain(read(reopened, ['"reopenedAt":"2026-02-01T00:00:00.000Z"', '"reopenedAt":"2026-02-01T00:00:00.000Zx"']), 'o', 'D1'),
    ).toBeUndefined();
    // A key with an escape before its closing quote: not read at fixed places.
    const odd = ledgerEntry({ fingerprint: 'o\\', sighting: 'D1' });
    expect(
      seenAgain(book(lazyRead(ledgerText(fileOf({ default: { entries: { 'o\\': odd }, runs: [] } })))).entries, 'o\\', 'D1'),
    ).toBeUndefined();
    // Hot members read first: the line is rebuilt from them.
    const entries = read(e({ kevDueDate: '2026-04-01' }));
    rawEntry(entries, 'o');
    expect(seenAgain(entries, 'o', 'D1')).toMatchObject({ kevDueDate: '2026-04-01', keyLength: 3 });
  });

  it('setLastSeen needs a lazy record and a canonical time; a LedgerLineError is named so', () => {
    const entries = book(lazyRead(text)).entries;
    const again = seenAgain(entries, 'a1', 'AAAA') as NonNullable<ReturnType<typeof seenAgain>>;
    expect(() => setLastSeen(plainBook().entries, 'a1', again, '2026-06-01T00:00:00.000Z')).toThrow(/a lazy record and a canonical time/);
    expect(() => setLastSeen(entries, 'a1', again, '2026-06-01T00:00:00Z')).toThrow(/a lazy record and a canonical time/);
    setLastSeen(entries, 'a1', again, '2026-06-01T00:00:00.000Z');
    expect(entries.a1?.lastSeen).toBe('2026-06-01T00:00:00.000Z');
    expect(new LedgerLineError('x').name).toBe('LedgerLineError');
  });

  it('records: traps, copies and empty records', () => {
    const entries = book(lazyRead(text)).entries;
    const sym = Symbol('s');
    expect((entries as unknown as Record<symbol, unknown>)[sym]).toBeUndefined();
    expect(sym in entries).toBe(false);
    expect(() => {
      (entries as unknown as Record<symbol, unknown>)[sym] = 1;
    }).toThrow(TypeError);
    expect(delete (entries as unknown as Record<symbol, unknown>)[sym]).toBe(true);
    expect(() => Object.defineProperty(entries, 'q', { get: () => ledgerEntry() })).toThrow(TypeError);
    expect(() => Object.defineProperty(entries, sym, { value: 1 })).toThrow(TypeError);
    Object.defineProperty(entries, 'q', { value: ledgerEntry({ fingerprint: 'q' }), enumerable: true });
    expect(entries.q?.fingerprint).toBe('q');
    expect(Object.getOwnPropertyDescriptor(entries, 'nope')).toBeUndefined();
    const d = Object.getOwnPropertyDescriptor(entries, 'a1') as PropertyDescriptor;
    expect(d.enumerable).toBe(true);
    (d.set as (v: LedgerEntry) => void)(ledgerEntry({ fingerprint: 'a1', title: 'set' }));
    expect((d.get as () => LedgerEntry)().title).toBe('set');
    expect(Object.isExtensible(entries)).toBe(true);
    expect(() => Object.preventExtensions(entries)).toThrow(TypeError);
    // Copies: a line stays a line between lazy records; a plain record gets the entry.
    const lazyCopy = emptyEntries(entries);
    copyEntry(lazyCopy, entries, 'b2');
    expect(isLine(lazyCopy, 'b2')).toBe(true);
    const plainCopy = emptyEntries({});
    copyEntry(plainCopy, entries, 'e5');
    expect(isLine(plainCopy, 'e5')).toBe(false);
    expect(plainCopy.e5).toEqual(ENTRIES[5]);
    expect(Object.getPrototypeOf(plainCopy)).toBeNull();
    expect(entryKeys(plainCopy)).toEqual(['e5']);
  });

  it('a book without runs or approvals, and an empty file', () => {
    const t = ledgerText(fileOf({ bare: { entries: { z: ledgerEntry({ fingerprint: 'z' }) } } as unknown as LedgerBook }));
    expect(t).toContain('\n"bare":{"entries":{\n');
    expect(JSON.parse(t).books.bare.entries.z.fingerprint).toBe('z');
    expect(ledgerText(fileOf({}))).toMatch(/"books":\{\n\}\}\n$/);
    expect(lazyOr(ledgerText(fileOf({})))?.books).toEqual({});
  });
});

// --- the merge: lazy lines against plain entries ------------------------------------------------------------------

/** Findings of a pool, each field of a sighting changed on some days (every member sightingDigest covers). */
const base = rateAll(
  Array.from({ length: 40 }, (_, i) =>
    finding({
      fingerprint: `f${i}`,
      tool: { name: i % 7 === 0 ? 'Trivy' : 'CodeQL' },
      kind: i === 39 ? 'pentest' : i % 7 === 0 ? 'sca' : 'sast',
      level: i % 3 === 0 ? 'error' : 'warning',
      title: `Finding ${i}`,
      path: `src/f${i}.js`,
      startLine: i + 1,
    }),
  ),
  policy,
);

type Mutator = (f: RatedFinding, d: number) => void;
const MUTATORS: [string, Mutator][] = [
  ['title', (f, d) => (f.title = `${f.title} v${d}`)],
  ['severity', (f) => (f.severity = f.severity === 'high' ? 'medium' : 'high')],
  ['gated', (f) => (f.gated = !f.gated)],
  ['path', (f, d) => (f.path = d % 2 ? undefined : `lib/${f.fingerprint}.js`)],
  ['startLine', (f, d) => (f.startLine = d % 2 ? undefined : d)],
  ['location', (f, d) => (f.location = `loc ${d}`)],
  ['component', (f, d) => (f.component = `c${d % 3}`)],
  ['criticality', (f, d) => (f.criticality = d % 2 ? 'high' : undefined)],
  ['owners', (f, d) => (f.owners = d % 2 ? ['@a', '@b'] : ['@a'])],
  ['cwe', (f, d) => (f.cwe = [`CWE-${d}`])],
  ['notGatedReason', (f, d) => (f.notGatedReason = `reason ${d}`)],
  ['level', (f) => (f.level = f.level === 'error' ? 'note' : 'error')],
  ['scannerSeverity', (f, d) => (f.scannerSeverity = `S${d}`)],
  ['securitySeverity', (f, d) => (f.securitySeverity = d % 10)],
  ['cvss', (f, d) => (f.cvss = { version: '3.1', score: (d % 10) + 0.5 } as RatedFinding['cvss'])],
  ['cve', (f, d) => (f.cve = [`CVE-2026-${d}`])],
  ['tags', (f, d) => (f.tags = [`t${d}`])],
  ['package', (f, d) => (f.package = { name: 'lodash', ecosystem: 'npm', version: `4.${d}`, fixedVersions: [`5.${d}`] })],
  ['kev', (f, d) => (f.exploit = { ...f.exploit, kev: d % 2 === 0 })],
  ['epss', (f, d) => (f.exploit = { ...f.exploit, epss: d / 100 })],
  ['kevDueDate', (f, d) => (f.exploit = { ...f.exploit, kevDueDate: `2026-05-${String((d % 28) + 1).padStart(2, '0')}` })],
  ['published', (f, d) => (f.published = new Date(T0 - d * DAY).toISOString())],
  ['firstDetected', (f, d) => (f.firstDetected = new Date(T0 - (50 + d) * DAY).toISOString())],
  [
    'exception',
    (f, d) =>
      (f.exception = {
        id: `EX-${d % 2}`,
        type: d % 4 < 2 ? 'accepted-risk' : 'sla-extension',
        state: (['active', 'expiring', 'expired', 'not-allowed'] as const)[d % 4] as 'active',
        ...(d % 3 ? { approvedBy: `u${d}` } : {}),
        due: '2026-09-01',
      }),
  ],
  ['fixed', (f, d) => (f.fixed = { on: new Date(T0 + (d - 1) * DAY).toISOString() })],
];

/** The findings of day `d`: most of the pool, a few gone (fixed) and back (reopened), some fields changed. */
function findingsOf(d: number): RatedFinding[] {
  const out: RatedFinding[] = [];
  for (const [i, b] of base.entries()) {
    if ((i * 7 + d) % 11 === 0 || (d > 6 && d < 9 && i % 5 === 0)) continue; // not reported today
    if (i % 9 === 4 && d >= 3 && d <= 14) continue; // gone for 12 days: forgotten with a short retention, then new again
    const f = structuredClone(b);
    if (i === 39 && d < 5) continue; // a manual finding, reported from day 5
    const [, mutate] = MUTATORS[(i + d) % MUTATORS.length] as [string, Mutator];
    if ((i + d) % 3 === 0) mutate(f, d);
    if (i < MUTATORS.length && d >= 10 && d < 12) (MUTATORS[i] as [string, Mutator])[1](f, 3); // every field, two days
    out.push(f);
  }
  return out;
}

describe('the merge over a lazy file equals the merge over plain entries (byte for byte, every day)', () => {
  it.each([
    ['one environment, retention 90 days', undefined, 90],
    ['two environments, retention 4 days (forgetting, representatives)', 'production', 4],
  ])('%s', (_name, env2, retentionDays) => {
    let text = ledgerText(fileOf({ default: { entries: {}, runs: [] } }));
    let fast = 0;
    for (let d = 1; d <= 24; d++) {
      const now = at(d);
      const environment = env2 && d % 4 === 0 ? env2 : 'default';
      const toolsRan = d % 6 === 5 ? ['CodeQL'] : ['CodeQL', 'Trivy', 'manual'];
      const run = (b: LedgerBook) => {
        const r = trackRun({ findings: findingsOf(d), book: b, toolsRan, sla: policy.sla, now, environment });
        return { ...r, next: compactBook(r.next, now, { retentionDays }) };
      };
      const lazyBook = book(lazyRead(text));
      const lines = new Set(entryKeys(lazyBook.entries).filter((fp) => isLine(lazyBook.entries, fp)));
      const eager = run(book(eagerRead(text)));
      const lazy = run(lazyBook);
      const strip = (r: typeof eager) => r.findings.map((f) => [f.fingerprint, f.status, f.firstSeen, f.sla]);
      expect(strip(lazy)).toEqual(strip(eager));
      expect(lazy.fixed).toEqual(eager.fixed);
      expect(lazy.open).toEqual(eager.open);
      // The counts the engine made from every entry before trackRun counted them.
      const open: Record<string, number> = {};
      for (const e of Object.values(eager.next.entries)) if (e.state === 'open' && e.gated) open[e.severity] = (open[e.severity] ?? 0) + 1;
      expect(eager.open).toEqual(open);
      const updatedAt = now.toISOString();
      const eagerText = ledgerText(fileOf({ default: eager.next }, updatedAt));
      const lazyText = ledgerText(fileOf({ default: lazy.next }, updatedAt));
      expect(lazyText).toBe(eagerText);
      for (const fp of entryKeys(lazy.next.entries)) if (lines.has(fp) && isLine(lazy.next.entries, fp)) fast++;
      text = lazyText;
    }
    // Most sightings were unchanged: their lines were never parsed.
    expect(fast).toBeGreaterThan(100);
  });

  it('every member of a sighting changes the digest; the same sighting gives the same digest', () => {
    const b = base[1] as RatedFinding;
    const d0 = sightingDigest(b, 'default');
    expect(sightingDigest(structuredClone(b), 'default')).toBe(d0);
    expect(sightingDigest(b, 'production')).not.toBe(d0);
    for (const [name, mutate] of MUTATORS) {
      if (name === 'fixed' || name === 'firstDetected') continue; // not a sighting's member (merged apart)
      const f = structuredClone(b);
      mutate(f, name === 'exception' ? 4 : 7); // a day on which the member changes (an exception that applies)
      expect([name, sightingDigest(f, 'default')]).not.toEqual([name, d0]);
    }
  });

  it("the digest: a package's version counts; an exception that does not apply does not (it writes nothing)", () => {
    const b = structuredClone(base[1] as RatedFinding);
    b.package = { name: 'lodash', ecosystem: 'npm', version: '4.17.20' };
    const v2 = { ...structuredClone(b), package: { name: 'lodash', ecosystem: 'npm', version: '4.17.21' } };
    expect(sightingDigest(v2, 'default')).not.toBe(sightingDigest(b, 'default'));
    const none = sightingDigest(b, 'default');
    for (const state of ['expired', 'not-allowed', 'unverified'] as const) {
      const x = { ...structuredClone(b), exception: { id: 'EX-9', type: 'accepted-risk' as const, state } };
      expect([state, sightingDigest(x, 'default')]).toEqual([state, none]);
    }
    const active = { ...structuredClone(b), exception: { id: 'EX-9', type: 'sla-extension' as const, state: 'expiring' as const } };
    expect(sightingDigest(active, 'default')).not.toBe(none);
  });

  it('a fixed entry read whole before the merge (not its line) is still compacted and forgotten like any other', () => {
    // A fixed entry that is no longer its line (read whole by another reader, or a line in another form) is not seen
    // by the line readers: the merge must still tell compaction it is fixed.
    const old = ledgerEntry({
      fingerprint: 'gone',
      state: 'fixed',
      firstSeen: '2025-01-01T00:00:00Z',
      lastSeen: '2025-02-01T00:00:00Z',
      fixedAt: '2025-02-02T00:00:00Z',
      events: [],
    });
    const keep = ledgerEntry({
      fingerprint: 'keep',
      state: 'fixed',
      fixedAt: '2026-02-28T00:00:00.000Z',
      lastSeen: '2026-02-27T00:00:00.000Z',
    });
    const open = ledgerEntry({ fingerprint: 'open', lastSeen: '2026-02-27T00:00:00.000Z' });
    const text = ledgerText(fileOf({ default: { entries: { gone: old, keep, open }, runs: [] } }));
    const now = at(1);
    const run = (b: LedgerBook) => {
      const r = trackRun({ findings: [], book: b, toolsRan: ['Other'], sla: policy.sla, now });
      return compactBook(r.next, now, { retentionDays: 30 });
    };
    const lazyBook = book(lazyRead(text));
    expect(lazyBook.entries.gone?.state).toBe('fixed'); // read whole by something before the merge
    expect(isLine(lazyBook.entries, 'gone')).toBe(false);
    const lazy = run(lazyBook);
    const eager = run(book(eagerRead(text)));
    expect(Object.keys(eager.entries)).toEqual(['keep', 'open']);
    expect(ledgerText(fileOf({ default: lazy }))).toBe(ledgerText(fileOf({ default: eager })));
  });

  it('seenAgain reads an open line at its fixed places, and refuses another digest, a fixed entry or an entry read whole', () => {
    const e = ledgerEntry({ fingerprint: 'o', sighting: 'D1', reopenedAt: '2026-02-01T00:00:00.000Z', kevDueDate: '2026-04-01' });
    const lazy = book(
      lazyRead(
        ledgerText(
          fileOf({
            default: {
              entries: { o: e, x: ledgerEntry({ fingerprint: 'x', sighting: 'D1', state: 'fixed', fixedAt: '2026-03-01T00:00:00.000Z' }) },
              runs: [],
            },
          }),
        ),
      ),
    );
    expect(seenAgain(lazy.entries, 'o', 'D1')).toMatchObject({
      firstSeen: e.firstSeen,
      reopenedAt: e.reopenedAt,
      kevDueDate: '2026-04-01',
    });
    expect(seenAgain(lazy.entries, 'o', 'D2')).toBeUndefined();
    expect(seenAgain(lazy.entries, 'x', 'D1')).toBeUndefined();
    expect(lazy.entries.o?.title).toBe('SQL injection');
    expect(seenAgain(lazy.entries, 'o', 'D1')).toBeUndefined();
    expect(seenAgain({ o: e }, 'o', 'D1')).toBeUndefined();
    expect(entryJson(e).startsWith('{"state":"open","lastSeen":')).toBe(true);
  });

  it('bytes and text are the same (ASCII)', () => {
    const f = fileOf({ default: plainBook() });
    expect(ledgerBytes(f).equals(Buffer.from(ledgerText(f), 'utf8'))).toBe(true);
  });
});
