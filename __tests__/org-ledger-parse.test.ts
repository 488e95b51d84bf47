import { describe, expect, it } from '@jest/globals';
import { parseLedgerFiles, shardEntries, trimRuns } from '../src/ledger/branch-store';
import { isCanonicalTime, parseLedgerTexts, specDrift, specOfZod, SPEC, type LedgerTexts } from '../src/github/org-ledger-parse';
import { isoTime } from '../src/ingest/values';
import { LedgerBookSchema, LEDGER_VERSION, type LedgerBook } from '../src/ledger/schema';
import { OrgSim } from './support/org-sim';

/**
 * The org report's ledger reader (src/github/org-ledger-parse.ts): a fast checker in front of the ledger's zod schema.
 * It must give the zod reader's result on every ledger, and refuse what zod refuses, naming the file and JSON path.
 */

const NOW = new Date('2026-06-30T20:00:00Z');
const WHERE = 'acme/app branch:defect-gate-data:default/';

function textsOf(book: LedgerBook): LedgerTexts {
  const shards = shardEntries(book.entries);
  return {
    meta: `${JSON.stringify({ schema: 'defect-gate-ledger', version: LEDGER_VERSION, updatedAt: NOW.toISOString(), shards: shards.size })}\n`,
    entries: [...shards].map(([path, text]) => ({ path, text })),
    runs: trimRuns(book.runs),
  };
}

const zodRead = (t: LedgerTexts) => parseLedgerFiles(WHERE, { ...t, entries: t.entries.map((e) => e.text) });

/** A ledger with one entry edited by `edit` (on its JSON), as texts. */
function edited(edit: (entry: Record<string, unknown>) => void): LedgerTexts {
  const sim = new OrgSim({ repos: 8, now: NOW, bigEvery: 0, maxEntries: 12 });
  const name = sim.repositoryNames().find((n) => Object.keys(sim.book(n.split('/')[1] as string)?.entries ?? {}).length > 2) as string;
  const book = JSON.parse(JSON.stringify(sim.book(name.split('/')[1] as string))) as LedgerBook;
  const first = Object.values(book.entries)[0] as unknown as Record<string, unknown>;
  edit(first);
  return textsOf(book);
}

function error(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  throw new Error('expected an error');
}

describe('the fast checker describes the ledger schema exactly', () => {
  it('SPEC equals the description read from the zod schema (a change to the ledger format fails here)', () => {
    expect(specDrift()).toEqual([]);
    expect(specOfZod(LedgerBookSchema)).toEqual(SPEC);
  });

  it('the comparison sees a difference (it is not vacuous)', async () => {
    const { z } = await import('zod');
    expect(specOfZod(z.object({ a: z.string().optional(), b: z.number().int() }))).toEqual({ object: { 'a?': 'string', b: 'int' } });
    expect(specOfZod(z.string().refine((s) => s.length > 3))).toMatch(/^unknown:string with checks/);
    expect(specOfZod(z.number().min(3))).toMatch(/^unknown:number/);
  });
});

describe('canonical times: what the fast path accepts, the ledger’s time check accepts', () => {
  it('on edge cases both ways', () => {
    const yes = [
      '2026-06-30T20:00:00.000Z',
      '2026-06-30T20:00:00Z',
      '2024-02-29T23:59:59.999Z',
      '2000-02-29T00:00:00Z',
      '0001-01-01T00:00:00Z',
    ];
    const no = [
      '2026-02-29T00:00:00Z',
      '1900-02-29T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-00-10T00:00:00Z',
      '2026-06-30T24:00:00Z',
      '2026-06-30T23:60:00Z',
      '2026-06-30T23:59:60Z',
      '2026-06-30 20:00:00Z',
      '2026-06-30T20:00:00.00Z',
      '2026-06-30T20:00:00+00:00',
      '2026-06-30T20:00:0aZ',
      '2026-06-30',
      '42',
    ];
    for (const s of yes) expect({ s, fast: isCanonicalTime(s), zod: isoTime(s) !== undefined }).toEqual({ s, fast: true, zod: true });
    for (const s of no) expect({ s, fast: isCanonicalTime(s) }).toEqual({ s, fast: false });
  });

  it('on 20,000 random strings of the canonical shape: fast ⇒ isoTime', () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    const p = (n: number, w: number) => String(n).padStart(w, '0');
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const s = `${p(rnd(10000), 4)}-${p(rnd(14), 2)}-${p(rnd(33), 2)}T${p(rnd(26), 2)}:${p(rnd(62), 2)}:${p(rnd(62), 2)}${rnd(2) ? `.${p(rnd(1000), 3)}` : ''}Z`;
      if (!isCanonicalTime(s)) continue;
      accepted++;
      expect({ s, iso: isoTime(s) !== undefined }).toEqual({ s, iso: true });
    }
    expect(accepted).toBeGreaterThan(5_000);
  });
});

describe('parseLedgerTexts gives the zod reader’s book', () => {
  it('on 40 simulated ledgers (big and small, several shards)', () => {
    const sim = new OrgSim({ repos: 40, now: NOW, bigEvery: 20, bigEntries: 900, maxEntries: 80 });
    let entries = 0;
    for (const full of sim.repositoryNames()) {
      const book = sim.book(full.split('/')[1] as string);
      if (!book) continue;
      const t = textsOf(book);
      const fast = parseLedgerTexts(WHERE, t);
      expect(fast).toEqual(zodRead(t));
      entries += Object.keys(fast.entries).length;
    }
    expect(entries).toBeGreaterThan(1_000);
  });

  it('an unknown key: zod strips it, and so does the result', () => {
    const t = edited((e) => (e.extra = 'x'));
    const book = parseLedgerTexts(WHERE, t);
    expect(book).toEqual(zodRead(t));
    expect(JSON.stringify(book)).not.toContain('"extra"');
  });

  it('a time in another ISO 8601 form that zod accepts is accepted', () => {
    const t = edited((e) => (e.firstSeen = '2026-01-02T03:04:05+00:00'));
    expect(parseLedgerTexts(WHERE, t)).toEqual(zodRead(t));
  });

  it.each([
    ['a day that does not exist', (e: Record<string, unknown>) => (e.firstSeen = '2026-02-30T00:00:00Z'), '.firstSeen'],
    ['a missing field', (e: Record<string, unknown>) => delete e.severity, '.severity'],
    ['null for an optional field', (e: Record<string, unknown>) => (e.fixedAt = null), '.fixedAt'],
    [
      'a wrong type deep inside',
      (e: Record<string, unknown>) => ((e.events as Record<string, unknown>[])[0]!.type = 'gone'),
      '.events[0].type',
    ],
    ['a negative count', (e: Record<string, unknown>) => (e.reopenedCount = -1), '.reopenedCount'],
  ])('refused like zod refuses it, naming the file and the JSON path: %s', (_what, edit, path) => {
    const t = edited(edit);
    expect(() => zodRead(t)).toThrow();
    const msg = error(() => parseLedgerTexts(WHERE, t));
    expect(msg).toContain(`${WHERE}entries/`);
    expect(msg).toMatch(new RegExp(`invalid ledger entry at \\$\\["[0-9a-f]+"\\]${path.replace(/[.[\]]/g, '\\$&')}: `));
  });

  it('a "__proto__" entry is refused (it would be dropped silently)', () => {
    const t = edited(() => {});
    const shard = t.entries[0] as { path: string; text: string };
    shard.text = shard.text.replace(/^\{/, '{"__proto__": {"x": 1},');
    expect(error(() => parseLedgerTexts(WHERE, t))).toContain('an entry keyed "__proto__"');
  });

  it('a shard that is not JSON, a newer ledger version: refused with the file', () => {
    const t = edited(() => {});
    expect(error(() => parseLedgerTexts(WHERE, { ...t, entries: [{ path: 'entries/00.json', text: '{"a":' }] }))).toContain(
      `${WHERE}entries/00.json: not JSON`,
    );
    const newer = { ...t, meta: JSON.stringify({ schema: 'defect-gate-ledger', version: LEDGER_VERSION + 1, updatedAt: 'x', shards: 1 }) };
    expect(error(() => parseLedgerTexts(WHERE, newer))).toContain('written by a newer defect-gate');
  });
});
