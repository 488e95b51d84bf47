import { describe, expect, it } from '@jest/globals';
import { LEDGER_VERSION, LedgerFileSchema, migrateLedger, LedgerFormatError } from '../src/ledger/schema';
import { isWrittenBook, isWrittenEntry, isWrittenLedger } from '../src/ledger/shape';

/**
 * The ledger's hot path (src/ledger/shape.ts) skips zod for a ledger exactly as defect-gate writes it. Its one duty:
 * never accept what zod rejects, never accept what zod would change. Checked on a ledger with every member the schema
 * knows, damaged at every member in every way below, and with an unknown member added to every object.
 */

const T = '2026-03-01T10:00:00.000Z';
const full = {
  fingerprint: 'fp-full',
  tool: 'Trivy',
  ruleId: 'CVE-2026-0001',
  title: 'lodash: prototype pollution',
  kind: 'sca',
  path: 'package-lock.json',
  startLine: 12,
  location: 'lodash@4.17.20',
  component: 'payments',
  criticality: 'high',
  owners: ['@acme/payments', '@bob'],
  ticket: { tracker: 'github', repo: 'acme/app', number: 7, hash: 'abc', state: 'open', remindedFor: 'due-soon' },
  cwe: ['CWE-1321'],
  environments: { production: T },
  exposures: { production: [T, '2026-03-05T10:00:00.000Z'] },
  seen: {
    gated: false,
    notGatedReason: 'exception EX-1 (accepted-risk)',
    level: 'error',
    scannerSeverity: 'HIGH',
    score: 7.5,
    cve: ['CVE-2026-0001'],
    tags: ['security'],
    package: { ecosystem: 'npm', name: 'lodash', version: '4.17.20', fixedVersions: ['4.17.21'] },
    kev: true,
    epss: 0.42,
  },
  published: '2026-02-01T00:00:00.000Z',
  firstSeen: T,
  lastSeen: '2026-03-06T10:00:00.000Z',
  state: 'open',
  reopenedCount: 1,
  reopenedAt: '2026-03-05T10:00:00.000Z',
  severity: 'high',
  gated: true,
  kevDueDate: '2026-03-20',
  sighting: 'L7beOFJWJ6RIiU0q1UeM8KOFVe4=',
  events: [
    { at: T, type: 'opened', severity: 'high' },
    { at: '2026-03-02T10:00:00.000Z', type: 'fixed' },
    { at: '2026-03-05T10:00:00.000Z', type: 'reopened', severity: 'high' },
    { at: '2026-03-05T10:00:00.000Z', type: 'severity', severity: 'critical' },
  ],
  exceptions: [{ id: 'EX-1', type: 'accepted-risk', from: T, to: '2026-03-02T10:00:00.000Z', approvedBy: 'security' }],
};
const fixed = {
  fingerprint: 'fp-fixed',
  tool: 'CodeQL',
  ruleId: 'js/xss',
  title: 'XSS',
  kind: 'sast',
  firstSeen: T,
  lastSeen: T,
  state: 'fixed',
  fixedAt: '2026-03-02T10:00:00.000Z',
  reopenedCount: 0,
  severity: 'medium',
  gated: true,
  events: [{ at: T, type: 'opened', severity: 'medium' }],
};
const run = {
  at: T,
  environment: 'production',
  event: 'push',
  ref: 'refs/heads/main',
  sha: 'abc',
  runId: '1',
  tools: ['Trivy', 'CodeQL'],
  incomplete: ['ZAP'],
  toolKinds: { Trivy: ['sca'] },
  open: { high: 1 },
  new: 1,
  fixed: 0,
  reopened: 0,
  slaBreached: 0,
  slaDueSoon: 0,
  verdict: 'fail',
};
const approval = {
  approvers: [{ login: 'bob', team: 'acme/appsec' }, { login: 'eve' }],
  pr: { number: 12, url: 'https://github.com/acme/app/pull/12', mergedAt: T, author: 'alice' },
  commit: 'def',
  problem: 'not approved',
};
const ledger = () =>
  structuredClone({
    schema: 'defect-gate-ledger',
    version: LEDGER_VERSION,
    updatedAt: T,
    integrity: { sha1: 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=', redaction: '0123456789abcdef' },
    books: { default: { entries: { 'fp-full': full, 'fp-fixed': fixed }, runs: [run], approvals: { 'EX-1:abc': approval } } },
  });

type Path = (string | number)[];
/** Every member path of a JSON value (objects and arrays), the root excluded. */
function paths(v: unknown, at: Path = []): Path[] {
  if (typeof v !== 'object' || v === null) return [];
  const keys: (string | number)[] = Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v);
  return keys.flatMap((k) => [[...at, k], ...paths((v as Record<string | number, unknown>)[k], [...at, k])]);
}
function setAt(doc: unknown, path: Path, value: unknown): void {
  let o = doc as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  o[path[path.length - 1] as string | number] = value;
}
function objectsOf(v: unknown, at: Path = []): Path[] {
  if (typeof v !== 'object' || v === null) return [];
  const inner = paths(v, at).filter((p) => {
    let o: unknown = v;
    for (const k of p.slice(at.length)) o = (o as Record<string | number, unknown>)[k];
    return typeof o === 'object' && o !== null && !Array.isArray(o);
  });
  return [at, ...inner];
}

const BAD_VALUES: unknown[] = [
  null,
  true,
  -1,
  1.5,
  2 ** 60,
  'text',
  '',
  '2026-02-30T00:00:00.000Z',
  '2026-03-01T24:00:00.000Z',
  '2026-03-01T10:00:00Z',
  ' 2026-03-01T10:00:00.000Z',
  // Years outside 0000-9999 as Date#toISOString writes them: they read back the same, but are not the written form.
  '+012026-03-01T10:00:00.000Z',
  '-000001-03-01T10:00:00.000Z',
  [],
  ['x'],
  [1],
  {},
  { a: 1 },
];

describe('the ledger hot path never accepts what zod would reject or change', () => {
  it('accepts the written ledger, and returns it exactly as zod does', () => {
    const doc = ledger();
    expect(isWrittenLedger(doc, LEDGER_VERSION)).toBe(true);
    expect(LedgerFileSchema.parse(ledger())).toEqual(doc);
    expect(migrateLedger(doc, 'file:l.json')).toBe(doc); // no copy on the hot path
  });

  it('every member replaced by every bad value: accepted only when zod accepts it unchanged', () => {
    const all = paths(ledger());
    expect(all.length).toBeGreaterThan(100);
    let rejected = 0;
    let accepted = 0;
    for (const p of all) {
      for (const bad of BAD_VALUES) {
        const doc = ledger();
        setAt(doc, p, structuredClone(bad));
        const fast = isWrittenLedger(doc, LEDGER_VERSION);
        const zod = LedgerFileSchema.safeParse(structuredClone(doc));
        if (fast) accepted++;
        else rejected++;
        // Accepted by the hot path ⇒ zod accepts it and returns it as it is.
        expect({ path: p, bad, fast, zod: fast ? zod.success && JSON.stringify(zod.data) === JSON.stringify(doc) : false }).toEqual({
          path: p,
          bad,
          fast,
          zod: fast,
        });
      }
    }
    // Both sides were exercised: string members take strings, times refuse the damaged ones.
    expect(accepted).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(accepted);
  });

  it('an unknown member in any object sends the ledger to zod (which drops it)', () => {
    // Records (keys are data: scopes, fingerprints, environments, tools, levels) take any key.
    const RECORDS = new Set(['books', 'entries', 'approvals', 'environments', 'exposures', 'toolKinds', 'open']);
    const objects = objectsOf(ledger()).filter((p) => !RECORDS.has(String(p[p.length - 1])));
    expect(objects.length).toBeGreaterThan(15);
    for (const p of objects) {
      // A number and a string: some objects allow optional string members, which must still be known ones.
      for (const value of [1, 'x']) {
        const doc = ledger();
        let o = doc as unknown as Record<string | number, unknown>;
        for (const k of p) o = o[k] as Record<string | number, unknown>;
        o.unknownMember = value;
        expect({ path: p, value, fast: isWrittenLedger(doc, LEDGER_VERSION) }).toEqual({ path: p, value, fast: false });
      }
    }
  });

  it('times in another ISO 8601 form go to zod and are accepted there as before', () => {
    const doc = ledger();
    doc.books.default.entries['fp-fixed'].lastSeen = '2026-03-01T10:00:00Z';
    expect(isWrittenLedger(doc, LEDGER_VERSION)).toBe(false);
    expect(migrateLedger(doc, 'file:l.json').books.default?.entries['fp-fixed']?.lastSeen).toBe('2026-03-01T10:00:00Z');
  });

  it('a damaged ledger is still an error naming its JSON path (zod reports it)', () => {
    const doc = ledger();
    doc.books.default.entries['fp-full'].exposures.production[1] = '2026-02-30T10:00:00.000Z';
    expect(() => migrateLedger(doc, 'file:l.json')).toThrow(LedgerFormatError);
    expect(() => migrateLedger(doc, 'file:l.json')).toThrow(
      'file:l.json: invalid ledger at $.books.default.entries.fp-full.exposures.production[1]: expected an ISO 8601 time',
    );
  });
});

describe('the ledger hot path accepts every ledger defect-gate writes', () => {
  const fast = (doc: unknown) => isWrittenLedger(doc, LEDGER_VERSION);
  const zodKeeps = (doc: unknown) => {
    const r = LedgerFileSchema.safeParse(structuredClone(doc));
    return r.success && JSON.stringify(r.data) === JSON.stringify(doc);
  };

  it('every member deleted, one at a time: accepted only when zod accepts it unchanged (required members are required)', () => {
    const all = paths(ledger()).filter((p) => typeof p[p.length - 1] === 'string');
    expect(all.length).toBeGreaterThan(80);
    let refused = 0;
    for (const p of all) {
      const doc = ledger();
      let o = doc as unknown as Record<string | number, unknown>;
      for (const k of p.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
      delete o[p[p.length - 1] as string];
      const got = fast(doc);
      if (!got) refused++;
      expect({ path: p, fast: got }).toEqual({ path: p, fast: zodKeeps(doc) });
    }
    expect(refused).toBeGreaterThan(20); // fingerprint, tool, … of each entry, at and verdict of the run, …
  });

  it('objects with only their required members are accepted (optional members may be absent)', () => {
    const doc = ledger();
    const book = doc.books.default as Record<string, unknown>;
    book.runs = [
      { at: T, environment: 'default', tools: [], open: {}, new: 0, fixed: 0, reopened: 0, slaBreached: 0, slaDueSoon: 0, verdict: 'pass' },
    ];
    book.approvals = { 'EX-2:h': { approvers: [{ login: 'bob' }] }, 'EX-3:h': { approvers: [], pr: { number: 3 } } };
    const e = (book.entries as Record<string, Record<string, unknown>>)['fp-full'] as Record<string, unknown>;
    e.ticket = { tracker: 'github', repo: 'acme/app', number: 1 };
    e.seen = { gated: true, package: { name: 'lodash' } };
    e.exceptions = [{ id: 'EX-1', type: 'accepted-risk', from: T }];
    e.events = [{ at: T, type: 'fixed' }];
    e.environments = {};
    e.exposures = { production: [] };
    e.owners = [];
    expect(zodKeeps(doc)).toBe(true);
    expect(fast(doc)).toBe(true);
    const bare = ledger() as Record<string, unknown>;
    bare.books = { default: { entries: {}, runs: [] } };
    expect(fast(bare)).toBe(true);
    bare.books = {};
    expect(fast(bare)).toBe(true);
  });

  it('every value of every enumeration is accepted', () => {
    const cases: [Path, unknown[]][] = [
      [
        ['books', 'default', 'entries', 'fp-full', 'ticket', 'state'],
        ['open', 'closed', 'not-planned'],
      ],
      [
        ['books', 'default', 'entries', 'fp-full', 'criticality'],
        ['high', 'medium', 'low'],
      ],
      [
        ['books', 'default', 'entries', 'fp-full', 'seen', 'level'],
        ['error', 'warning', 'note', 'none'],
      ],
      [
        ['books', 'default', 'entries', 'fp-full', 'events', 0, 'type'],
        ['opened', 'fixed', 'reopened', 'severity'],
      ],
      [
        ['books', 'default', 'entries', 'fp-full', 'state'],
        ['open', 'fixed'],
      ],
      [
        ['books', 'default', 'runs', 0, 'verdict'],
        ['pass', 'warn', 'fail'],
      ],
      [
        ['books', 'default', 'entries', 'fp-full', 'seen', 'kev'],
        [true, false],
      ],
      [
        ['books', 'default', 'entries', 'fp-full', 'gated'],
        [true, false],
      ],
      [
        ['books', 'default', 'entries', 'fp-full', 'reopenedCount'],
        [0, 1, 2 ** 53 - 1],
      ],
      [
        ['books', 'default', 'entries', 'fp-full', 'startLine'],
        [0, -1, 1],
      ],
      [
        ['books', 'default', 'entries', 'fp-full', 'seen', 'score'],
        [0, -1.5, 9.8, 1e300],
      ],
    ];
    for (const [p, values] of cases) {
      for (const v of values) {
        const doc = ledger();
        setAt(doc, p, v);
        expect({ p, v, zod: zodKeeps(doc), fast: fast(doc) }).toEqual({ p, v, zod: true, fast: true });
      }
    }
  });

  it('numbers JSON cannot hold (NaN, ±Infinity) and unsafe integers are refused', () => {
    for (const [p, v] of [
      [['books', 'default', 'entries', 'fp-full', 'seen', 'score'], Infinity],
      [['books', 'default', 'entries', 'fp-full', 'seen', 'epss'], NaN],
      [['books', 'default', 'entries', 'fp-full', 'seen', 'score'], -Infinity],
      [['books', 'default', 'runs', 0, 'new'], 2 ** 53],
      [['books', 'default', 'entries', 'fp-full', 'ticket', 'number'], 1.5],
      [['books', 'default', 'runs', 0, 'open', 'high'], NaN],
    ] as [Path, unknown][]) {
      const doc = ledger();
      setAt(doc, p, v);
      expect({ p, v, fast: fast(doc) }).toEqual({ p, v, fast: false });
    }
  });

  it('the same time written twice is checked once and still accepted; a bad time after a good one is still refused', () => {
    const doc = ledger();
    const e = doc.books.default.entries['fp-full'];
    e.exposures.production = [T, T, T];
    expect(fast(doc)).toBe(true);
    e.exposures.production = [T, '2026-02-30T10:00:00.000Z'];
    expect(fast(doc)).toBe(false);
  });

  it('another version, schema name or a missing member of the file is refused; isWrittenBook checks one book', () => {
    expect(isWrittenLedger(ledger(), LEDGER_VERSION + 1)).toBe(false);
    const other = ledger() as Record<string, unknown>;
    other.schema = 'other';
    expect(fast(other)).toBe(false);
    for (const k of ['schema', 'version', 'updatedAt', 'books']) {
      const d = ledger() as Record<string, unknown>;
      delete d[k];
      expect({ k, fast: fast(d) }).toEqual({ k, fast: false });
    }
    expect(fast(null)).toBe(false);
    expect(fast([])).toBe(false);
    expect(isWrittenBook(ledger().books.default)).toBe(true);
    const bad = ledger().books.default as Record<string, unknown>;
    bad.runs = [{}];
    expect(isWrittenBook(bad)).toBe(false);
    expect(isWrittenBook(null)).toBe(false);
  });
});

describe('isWrittenEntry: the same check for one entry (lines.ts reads entries one by one)', () => {
  it('accepts the entries of the written ledger and refuses each damaged one', () => {
    expect(isWrittenEntry(structuredClone(full))).toBe(true);
    expect(isWrittenEntry(structuredClone(fixed))).toBe(true);
    expect(isWrittenEntry({ ...structuredClone(full), sighting: 5 })).toBe(false);
    expect(isWrittenEntry({ ...structuredClone(full), lastSeen: '2026-02-30T00:00:00.000Z' })).toBe(false);
    expect(isWrittenEntry(null)).toBe(false);
  });
});
