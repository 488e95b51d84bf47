import { describe, expect, it } from '@jest/globals';
import { LedgerError, LedgerFormatError, LedgerFileSchema, migrateLedger } from '../src/ledger/schema';
import { UserError } from '../src/errors';

/**
 * Reading a ledger document (src/ledger/schema.ts `migrateLedger`): what is refused and with which message, the
 * pre-release version 0 migrated exactly, `__proto__` keys refused, and the values each field admits. A ledger is
 * read from a branch or a file anyone with write access can edit: every refusal is part of failing closed. Written
 * against Stryker's survivors.
 */

const T = '2026-05-01T00:00:00.000Z';
const entry = (over: Record<string, unknown> = {}) => ({
  fingerprint: 'fp',
  tool: 'CodeQL',
  ruleId: 'r',
  title: 't',
  kind: 'sast',
  firstSeen: T,
  lastSeen: T,
  state: 'open',
  reopenedCount: 0,
  severity: 'high',
  gated: true,
  events: [],
  ...over,
});
const file = (entries: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  schema: 'defect-gate-ledger',
  version: 1,
  updatedAt: T,
  books: { default: { entries, runs: [], ...extra } },
});

const refusal = (raw: unknown): LedgerFormatError => {
  try {
    migrateLedger(raw, 'ledger.json');
  } catch (e) {
    return e as LedgerFormatError;
  }
  throw new Error('expected the ledger to be refused');
};

describe('migrateLedger', () => {
  it('refuses what is not a JSON object, naming the ledger', () => {
    for (const raw of [null, [], 'x', 3, undefined]) {
      const e = refusal(raw);
      expect(e).toBeInstanceOf(LedgerFormatError);
      expect(e).toBeInstanceOf(LedgerError);
      expect(e).toBeInstanceOf(UserError);
      expect(e.name).toBe('LedgerFormatError');
      expect(e.code).toBe('ledger');
      expect(e.where).toBe('ledger.json');
      expect(e.message).toBe('ledger.json: not a defect-gate ledger: expected a JSON object');
    }
    expect(new LedgerError('w', 'm').name).toBe('LedgerError');
  });

  it('refuses a newer version by name; an unknown older one goes to validation', () => {
    expect(refusal({ ...file({}), version: 2 }).message).toBe(
      'ledger.json: ledger version 2 was written by a newer defect-gate (this one reads up to 1); upgrade defect-gate',
    );
    expect(refusal({ ...file({}), version: '2' }).message).toMatch(/^ledger\.json: invalid ledger at \$\.version: /);
  });

  it('migrates a version 0 ledger exactly: defaults first, the entry`s own fields over them, fixed when it has a fix', () => {
    const v0 = {
      version: 0,
      scope: 'nightly',
      updatedAt: T,
      runs: [],
      entries: [
        { fingerprint: 'a', tool: 'CodeQL', ruleId: 'js/x', firstSeen: T, lastSeen: T, severity: 'high' },
        { fingerprint: 'b', tool: 'CodeQL', ruleId: 'js/y', firstSeen: T, lastSeen: T, severity: 'low', fixedAt: T, kind: 'sast' },
        { tool: 'no fingerprint' },
        'not an entry',
        null,
      ],
    };
    expect(migrateLedger(v0, 'ledger.json')).toStrictEqual({
      schema: 'defect-gate-ledger',
      version: 1,
      updatedAt: T,
      books: {
        nightly: {
          runs: [],
          entries: {
            a: {
              fingerprint: 'a',
              tool: 'CodeQL',
              ruleId: 'js/x',
              title: 'js/x',
              kind: 'other',
              firstSeen: T,
              lastSeen: T,
              state: 'open',
              reopenedCount: 0,
              severity: 'high',
              gated: true,
              events: [{ at: T, type: 'opened', severity: 'high' }],
            },
            b: {
              fingerprint: 'b',
              tool: 'CodeQL',
              ruleId: 'js/y',
              title: 'js/y',
              kind: 'sast',
              firstSeen: T,
              lastSeen: T,
              state: 'fixed',
              fixedAt: T,
              reopenedCount: 0,
              severity: 'low',
              gated: true,
              events: [{ at: T, type: 'opened', severity: 'low' }],
            },
          },
        },
      },
    });
    const bare = migrateLedger({ version: 0 }, 'l');
    expect(bare).toStrictEqual({
      schema: 'defect-gate-ledger',
      version: 1,
      updatedAt: new Date(0).toISOString(),
      books: { default: { entries: {}, runs: [] } },
    });
    expect(Object.keys(migrateLedger({ version: 0, scope: 3, updatedAt: 5, entries: 'x', runs: 'y' }, 'l').books)).toEqual(['default']);
  });

  it('refuses a __proto__ scope or fingerprint, with where it is', () => {
    const books = JSON.parse('{"__proto__": {"entries": {}, "runs": []}}') as unknown;
    expect(refusal({ ...file({}), books }).message).toBe(
      'ledger.json: invalid ledger at $.books: the key "__proto__" cannot be a scope or fingerprint (fix or remove the ledger; it is rebuilt from the next runs)',
    );
    const entries = JSON.parse(`{"__proto__": ${JSON.stringify(entry())}}`) as unknown;
    expect(refusal(file(entries as Record<string, unknown>)).message).toBe(
      'ledger.json: invalid ledger at $.books.default.entries: the key "__proto__" cannot be a scope or fingerprint (fix or remove the ledger; it is rebuilt from the next runs)',
    );
    // Books or entries that are not objects are left to validation, which names them.
    expect(refusal({ ...file({}), books: [] }).message).toMatch(/^ledger\.json: invalid ledger at \$\.books: /);
    expect(refusal({ ...file({}), books: { default: null } }).message).toMatch(/^ledger\.json: invalid ledger at \$\.books\.default: /);
    expect(refusal({ ...file({}), books: { default: { entries: [], runs: [] } } }).message).toMatch(
      /^ledger\.json: invalid ledger at \$\.books\.default\.entries: /,
    );
  });

  it('a ledger as written is read as it is; a damaged one names the first problem with its JSON path', () => {
    const ok = file({ fp: entry() });
    expect(migrateLedger(ok, 'l')).toBe(ok);
    expect(refusal(file({ fp: entry({ lastSeen: 'yesterday' }) })).message).toBe(
      'ledger.json: invalid ledger at $.books.default.entries.fp.lastSeen: expected an ISO 8601 time such as 2026-11-25T12:00:00.000Z (fix or remove the ledger; it is rebuilt from the next runs)',
    );
    expect(refusal(file({ fp: entry({ events: [{ at: T, type: 'opened' }, 7] }) })).message).toMatch(
      /^ledger\.json: invalid ledger at \$\.books\.default\.entries\.fp\.events\[1\]: /,
    );
  });
});

describe('the values each field admits', () => {
  const valid = (e: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    LedgerFileSchema.safeParse(file({ fp: e }, extra)).success;

  it('enumerations: every value written is admitted, others are not', () => {
    for (const criticality of ['high', 'medium', 'low']) expect(valid(entry({ criticality }))).toBe(true);
    expect(valid(entry({ criticality: '' }))).toBe(false);
    for (const state of ['open', 'closed', 'not-planned'])
      expect(valid(entry({ ticket: { tracker: 'github', repo: 'o/r', number: 1, state } }))).toBe(true);
    expect(valid(entry({ ticket: { tracker: 'github', repo: 'o/r', number: 1, state: '' } }))).toBe(false);
    for (const level of ['error', 'warning', 'note', 'none']) expect(valid(entry({ seen: { gated: true, level } }))).toBe(true);
    expect(valid(entry({ seen: { gated: true, level: '' } }))).toBe(false);
    for (const verdict of ['pass', 'warn', 'fail']) {
      const run = {
        at: T,
        environment: 'default',
        tools: [],
        open: {},
        new: 0,
        fixed: 0,
        reopened: 0,
        slaBreached: 0,
        slaDueSoon: 0,
        verdict,
      };
      const r = LedgerFileSchema.safeParse({ ...file({}), books: { default: { entries: {}, runs: [run] } } });
      expect(r.success).toBe(true);
      const bad = LedgerFileSchema.safeParse({ ...file({}), books: { default: { entries: {}, runs: [{ ...run, verdict: '' }] } } });
      expect(bad.success).toBe(false);
    }
  });
});
