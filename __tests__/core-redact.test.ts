/**
 * The pure redaction functions (src/redact/) tested exactly: whole outputs, every redacted field, what is left as it is
 * (the same object when nothing changes), and both sides of each condition (issue #22: the mutants that survived).
 */
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Finding, InputError } from '../src/model';
import { emptyBook, type LedgerBook } from '../src/ledger/schema';
import {
  isSecretFinding,
  redactErrors,
  redactFinding,
  redactIngested,
  redactionNote,
  redactLedger,
  redactSarifDocument,
  showsRedaction,
} from '../src/redact/finding';
import { jsonMayHoldSecret, redactJson } from '../src/redact/json';
import {
  hasMarker,
  isMarker,
  marker,
  mayHoldSecret,
  mayHoldSecretBytes,
  PATTERNS,
  redactionRulesId,
  redactKnown,
  redactText,
} from '../src/redact/text';
import { finding } from './helpers';

// Shaped like real credentials (none is live); the AWS pair is AWS's documented example, as Gitleaks reports it.
const AWS_ID = 'AKIAIOSFODNN7EXAMPLE';
const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const GHP = 'ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789';
const KEY_BODY = 'MIIEowIBAAKCAQEA7bq3\nk9Zx+/abc=';
const RSA = `-----BEGIN RSA PRIVATE KEY-----\n${KEY_BODY}\n-----END RSA PRIVATE KEY-----`;

const CORPUS = '/work/shared/corpus/defectdojo/sarif/gitleaks_7.5.0.sarif';

describe('redaction rules id', () => {
  it('is pinned: changing a pattern, the token names or the revision changes it, and ledgers written before are redacted again when read', () => {
    // Update the pin together with the rules (src/redact/text.ts); a change to the code around the patterns that
    // removes more needs REDACTION_REVISION bumped, which also changes this id.
    expect(redactionRulesId()).toBe('6bcadc631da0f938');
    expect(redactionRulesId()).toBe(redactionRulesId());
  });
});

describe('marker', () => {
  it('names the kind and the first 8 hex digits of the value’s SHA-256', () => {
    // sha256("password") = 5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8
    expect(marker('secret', 'password')).toBe('[REDACTED secret sha256:5e884898]');
  });
});

describe('redactText: private keys', () => {
  it('a whole block, with its footer', () => {
    expect(redactText(`key: ${RSA} end`)).toBe(`key: ${marker('private-key', RSA)} end`);
  });

  it('a header right before its footer is one block', () => {
    const block = '-----BEGIN RSA PRIVATE KEY----------END RSA PRIVATE KEY-----';
    expect(redactText(`a ${block} b`)).toBe(`a ${marker('private-key', block)} b`);
  });

  it('two blocks, each with its own footer', () => {
    const second = RSA.replace('abc=', 'xyz=');
    expect(redactText(`${RSA}\nand\n${second}`)).toBe(`${marker('private-key', RSA)}\nand\n${marker('private-key', second)}`);
  });

  it('a header without a footer takes the key-like text after it; trailing line breaks and tabs stay', () => {
    const header = '-----BEGIN OPENSSH PRIVATE KEY-----';
    expect(redactText(`x ${header}\nb3BlbnNzaA==\r\t\n`)).toBe(`x ${marker('private-key', `${header}\nb3BlbnNzaA==`)}\r\t\n`);
    expect(redactText(`x ${header}\nb3BlbnNzaA==\n\t\r more`)).toBe(`x ${marker('private-key', `${header}\nb3BlbnNzaA==`)}\n\t\r more`);
    expect(redactText(`${header}\n`)).toBe(`${marker('private-key', header)}\n`);
  });

  it('a footer before the header is not the header’s footer', () => {
    const header = '-----BEGIN RSA PRIVATE KEY-----';
    const s = `-----END RSA PRIVATE KEY----- then ${header}\nabc`;
    expect(redactText(s)).toBe(`-----END RSA PRIVATE KEY----- then ${marker('private-key', `${header}\nabc`)}`);
  });

  it('"PRIVATE KEY" without a header is text', () => {
    const s = 'rotate the PRIVATE KEY yearly';
    expect(redactText(s)).toBe(s);
  });
});

describe('redactText: token formats and URLs', () => {
  it('an AWS key id, and a 40-character secret in the same text', () => {
    expect(redactText(`id ${AWS_ID} key ${AWS_SECRET}`)).toBe(
      `id ${marker('aws-access-key-id', AWS_ID)} key ${marker('aws-secret-key', AWS_SECRET)}`,
    );
  });

  it('an AWS key id alone names AWS for the secret after it (through its marker)', () => {
    expect(redactText(`${AWS_ID}:${AWS_SECRET}`)).toBe(`${marker('aws-access-key-id', AWS_ID)}:${marker('aws-secret-key', AWS_SECRET)}`);
  });

  it('a 40-character string is not an AWS secret next to another kind of token', () => {
    expect(redactText(`${GHP} ${AWS_SECRET}`)).toBe(`${marker('github-token', GHP)} ${AWS_SECRET}`);
  });

  it('a 40-digit hex string next to AWS is a commit, not a key', () => {
    const sha = '6d127980966808f7413935678e079dcd7fedf9c2';
    expect(redactText(`aws commit ${sha}`)).toBe(`aws commit ${sha}`);
  });

  it('the password of a URL', () => {
    expect(redactText('git clone https://bob:hunter2x@example.com/r.git')).toBe(
      `git clone https://bob:${marker('url-password', 'hunter2x')}@example.com/r.git`,
    );
  });

  it('is idempotent and returns the text as it is when nothing is found', () => {
    const once = redactText(`t ${GHP} https://bob:hunter2x@example.com password=abcdef`);
    expect(redactText(once)).toBe(once);
    expect(redactText('')).toBe('');
    expect(redactText('nothing to see here')).toBe('nothing to see here');
  });
});

describe('redactText: assignments', () => {
  it.each([
    ['an unquoted value', 'pwd=abc next', `pwd=${marker('secret', 'abc')} next`],
    ['a quoted value keeps its quotes', 'password: "s3cr3t-v"', `password: "${marker('secret', 's3cr3t-v')}"`],
    ['a single-quoted value', "secret = 'x y z'", `secret = '${marker('secret', 'x y z')}'`],
    ['an unclosed quote ends at the line', 'password="abcdef\nnext', `password="${marker('secret', 'abcdef')}\nnext`],
    ['a value ending in the word undefined', 'token=valueundefined', `token=${marker('secret', 'valueundefined')}`],
    ['a quoted reference is a value', 'password = "self.value"', `password = "${marker('secret', 'self.value')}"`],
    ['a quoted value with a comma inside', 'password: "abc, def"', `password: "${marker('secret', 'abc, def')}"`],
    ['a quoted value with a colon after letters', 'password: "ab12:cd"', `password: "${marker('secret', 'ab12:cd')}"`],
  ])('%s', (_name, input, expected) => {
    expect(redactText(input)).toBe(expected);
  });

  it.each([
    ['a value shorter than 3', 'pwd=ab next'],
    ['a placeholder with spaces around it', 'password = " null "'],
    ['a call', 'password = get_password()'],
    ['a code reference', 'password = os.environ'],
    ['a value that starts with a comma', 'password: " , x"'],
    ['a position', 'secret=14:3'],
  ])('%s stays', (_name, input) => {
    expect(redactText(input)).toBe(input);
  });
});

describe('redactKnown', () => {
  it('replaces given values of 4 characters or more (after trimming), longest first, then the patterns', () => {
    expect(redactKnown('abcdefgh and abcd', ['abcd', 'abcdefgh'])).toBe(`${marker('secret', 'abcdefgh')} and ${marker('secret', 'abcd')}`);
    expect(redactKnown('abcdefgh and abcd', ['abcdefgh', 'abcd'])).toBe(`${marker('secret', 'abcdefgh')} and ${marker('secret', 'abcd')}`);
    expect(redactKnown(`abc  ab  ${GHP}`, [undefined, 'abc', '  ab  '])).toBe(`abc  ab  ${marker('github-token', GHP)}`);
    expect(redactKnown('none here', ['absent', undefined])).toBe('none here');
  });
});

describe('small predicates', () => {
  it('hasMarker, mayHoldSecret', () => {
    expect(hasMarker('x [REDACTED secret sha256:00000000]')).toBe(true);
    expect(hasMarker('REDACTED')).toBe(false);
    expect(mayHoldSecret('my token')).toBe(true);
    expect(mayHoldSecret('hello')).toBe(false);
  });

  it('isSecretFinding: kind secret, or a rule id with a secrets segment', () => {
    expect(isSecretFinding({ kind: 'secret', ruleId: 'aws-access-token' })).toBe(true);
    expect(isSecretFinding({ kind: 'sast', ruleId: 'generic.secrets.security.detected-aws-key' })).toBe(true);
    expect(isSecretFinding({ kind: 'sast', ruleId: 'rules/secret' })).toBe(true);
    expect(isSecretFinding({ kind: 'sast', ruleId: 'js/secretary-pattern' })).toBe(false);
    expect(isSecretFinding({ kind: 'sast', ruleId: 'js/sql-injection' })).toBe(false);
  });
});

describe('redactFinding', () => {
  it('leaves a finding without secrets as it is: false, the same arrays', () => {
    const f = finding({
      title: 'Query',
      message: 'Query built from user input',
      snippet: 'const q = "select " + x;',
      location: 'https://example.com/a',
      component: 'pkg@1.0.0',
      helpUri: 'https://example.com/help',
      references: ['https://example.com/ref'],
      tags: ['security'],
      suppressions: [{ kind: 'inSource' }, { kind: 'external', justification: 'reviewed' }],
    });
    const before = structuredClone(f);
    const { references, tags, suppressions } = f;
    expect(redactFinding(f)).toBe(false);
    expect(f).toStrictEqual(before);
    expect(f.references).toBe(references);
    expect(f.tags).toBe(tags);
    expect(f.suppressions).toBe(suppressions);
  });

  it('a title cut from a long message is left when the message has no secret', () => {
    const message = 'y'.repeat(250);
    const f = finding({ title: `${'y'.repeat(199)}…`, message });
    expect(redactFinding(f)).toBe(false);
    expect(f.title).toBe(`${'y'.repeat(199)}…`);
  });

  it('a title cut inside a secret is cut again from the redacted message', () => {
    const message = `Token ${GHP} leaked`;
    const f = finding({ title: 'Token ghp_aBcDe…', message });
    expect(redactFinding(f)).toBe(true);
    expect(f.title).toBe(`Token ${marker('github-token', GHP)} leaked`);
    expect(f.message).toBe(`Token ${marker('github-token', GHP)} leaked`);
  });

  it('a title cut again changes the finding even when the message does not', () => {
    const f = finding({ title: 'Short…', message: 'Short text' });
    expect(redactFinding(f)).toBe(true);
    expect(f.title).toBe('Short text');
    expect(f.message).toBe('Short text');
  });

  it.each([
    ['a title ending in … that is not the message’s start', { title: 'Token abc…', message: 'Token xyz' }],
    ['a title that is the message’s start without …', { title: 'Short', message: 'Short text' }],
  ])('%s stays', (_name, over) => {
    const f = finding(over);
    expect(redactFinding(f)).toBe(false);
    expect(f.title).toBe(over.title);
  });

  it('redacts each text field alone', () => {
    const cases: [keyof Finding, string, string][] = [
      ['message', `uses ${GHP}`, `uses ${marker('github-token', GHP)}`],
      ['title', `uses ${GHP}`, `uses ${marker('github-token', GHP)}`],
      ['location', 'https://bob:hunter2x@example.com/', `https://bob:${marker('url-password', 'hunter2x')}@example.com/`],
      ['component', `pkg ${GHP}`, `pkg ${marker('github-token', GHP)}`],
      ['helpUri', 'https://x.test/?token=abcdef123', `https://x.test/?token=${marker('secret', 'abcdef123')}`],
    ];
    for (const [k, v, expected] of cases) {
      const f = finding({ [k]: v });
      const before = structuredClone(f);
      expect(redactFinding(f)).toBe(true);
      expect(f).toStrictEqual({ ...before, [k]: expected });
    }
  });

  it('a snippet of a finding that is not a secret finding: by pattern only, message untouched', () => {
    const f = finding({ snippet: `const t = "${GHP}";` });
    expect(redactFinding(f)).toBe(true);
    expect(f.snippet).toBe(`const t = "${marker('github-token', GHP)}";`);
    expect(f.message).toBe('Query built from user input');
  });

  it('a secret finding’s snippet is its secret; the message says which', () => {
    const f = finding({ kind: 'secret', ruleId: 'generic-api-key', message: 'Secret found', snippet: 'hunter2hunter2' });
    expect(redactFinding(f)).toBe(true);
    expect(f.snippet).toBe(marker('secret', 'hunter2hunter2'));
    expect(f.message).toBe(`Secret found\nSecret: ${marker('secret', 'hunter2hunter2')}`);
  });

  it('a secret finding with an empty message and two secrets in its snippet', () => {
    const f = finding({ kind: 'secret', ruleId: 'r', message: '', snippet: `${GHP} ${AWS_ID}` });
    expect(redactFinding(f)).toBe(true);
    const snippet = `${marker('github-token', GHP)} ${marker('aws-access-key-id', AWS_ID)}`;
    expect(f.snippet).toBe(snippet);
    expect(f.message).toBe(`Secret: ${marker('github-token', GHP)}, ${marker('aws-access-key-id', AWS_ID)}`);
  });

  it('a snippet the parser already redacted: kept, and named in the message', () => {
    const m = marker('secret', 'x1y2z3w4');
    const f = finding({ kind: 'secret', ruleId: 'r', message: 'found', snippet: m });
    expect(redactFinding(f)).toBe(true);
    expect(f.snippet).toBe(m);
    expect(f.message).toBe(`found\nSecret: ${m}`);
  });

  it('a snippet that only looks like a marker (not one of ours) is the secret: replaced, and the message names it', () => {
    const f = finding({ kind: 'secret', ruleId: 'r', message: 'found', snippet: '[REDACTED by the scanner]' });
    expect(redactFinding(f)).toBe(true);
    const m = marker('secret', '[REDACTED by the scanner]');
    expect(f.snippet).toBe(m);
    expect(f.message).toBe(`found\nSecret: ${m}`);
  });

  it('a blank snippet of a secret finding stays; a message with a marker gets no note', () => {
    const blank = finding({ kind: 'secret', ruleId: 'r', snippet: '   ' });
    expect(redactFinding(blank)).toBe(false);
    expect(blank.snippet).toBe('   ');
    const m = marker('secret', 'hunter2hunter2');
    const noted = finding({ kind: 'secret', ruleId: 'r', message: `value ${m}`, snippet: m });
    expect(redactFinding(noted)).toBe(false);
    expect(noted.message).toBe(`value ${m}`);
  });

  it('references, tags and suppressions’ justifications: only the ones with secrets change', () => {
    const just = { kind: 'inSource' };
    const f = finding({
      references: ['https://example.com/ok', 'https://bob:hunter2x@example.com/'],
      tags: ['security', 'token=abcdef123'],
      suppressions: [
        just,
        { kind: 'external', justification: 'ok' },
        { kind: 'external', status: 'accepted', justification: 'password=hunter22x' },
      ],
    });
    expect(redactFinding(f)).toBe(true);
    expect(f.references).toStrictEqual(['https://example.com/ok', `https://bob:${marker('url-password', 'hunter2x')}@example.com/`]);
    expect(f.tags).toStrictEqual(['security', `token=${marker('secret', 'abcdef123')}`]);
    expect(f.suppressions).toStrictEqual([
      { kind: 'inSource' },
      { kind: 'external', justification: 'ok' },
      { kind: 'external', status: 'accepted', justification: `password=${marker('secret', 'hunter22x')}` },
    ]);
    expect(f.suppressions[0]).toBe(just);
  });

  it.each([
    ['references', { references: ['https://bob:hunter2x@example.com/'] }],
    ['tags', { tags: ['token=abcdef123'] }],
    ['suppressions', { suppressions: [{ kind: 'external', justification: 'password=hunter22x' }] }],
  ])('a change in %s alone is a change', (_name, over) => {
    expect(redactFinding(finding(over))).toBe(true);
  });
});

describe('redactErrors, redactLedger', () => {
  it('input errors: message and hint', () => {
    const errors: InputError[] = [
      { file: 'a.json', message: `bad ${GHP}`, hint: 'use password=hunter22x', severity: 'fatal' } as InputError,
      { file: 'b.json', message: 'plain', severity: 'fatal' } as InputError,
    ];
    redactErrors(errors);
    expect(errors.map((e) => [e.message, e.hint])).toStrictEqual([
      [`bad ${marker('github-token', GHP)}`, `use password=${marker('secret', 'hunter22x')}`],
      ['plain', undefined],
    ]);
  });

  it('ledger entries: title, location and component', () => {
    const book: LedgerBook = emptyBook();
    const entry = {
      fingerprint: 'f',
      tool: 'T',
      ruleId: 'r',
      kind: 'sast',
      firstSeen: '2026-01-01T00:00:00Z',
      lastSeen: '2026-01-01T00:00:00Z',
    };
    book.entries.a = {
      ...entry,
      title: `t ${GHP}`,
      location: 'https://bob:hunter2x@example.com/',
      component: `c ${GHP}`,
    } as LedgerBook['entries'][string];
    book.entries.b = { ...entry, title: 'plain' } as LedgerBook['entries'][string];
    expect(redactLedger(book)).toBe(book);
    expect([book.entries.a?.title, book.entries.a?.location, book.entries.a?.component]).toStrictEqual([
      `t ${marker('github-token', GHP)}`,
      `https://bob:${marker('url-password', 'hunter2x')}@example.com/`,
      `c ${marker('github-token', GHP)}`,
    ]);
    expect(book.entries.b).toStrictEqual({ ...entry, title: 'plain' });
  });
});

describe('showsRedaction, redactionNote', () => {
  const m = marker('secret', 'hunter2hunter2');
  const plain = { title: 't', message: 'm' };
  it.each([
    ['message', { ...plain, message: m }, true],
    ['title', { ...plain, title: m }, true],
    ['snippet', { ...plain, snippet: m }, true],
    ['location', { ...plain, location: m }, true],
    ['none', { ...plain, snippet: 's', location: 'l' }, false],
  ])('%s', (_name, f, expected) => {
    expect(showsRedaction(f)).toBe(expected);
  });

  it('counts the findings that show a marker', () => {
    expect(redactionNote([plain])).toBeUndefined();
    expect(redactionNote([plain, { ...plain, message: m }])).toBe(
      '🔒 1 finding held secrets: redacted in every output, shown as `[REDACTED <kind> sha256:<hash of the value>]`',
    );
    expect(redactionNote([{ ...plain, title: m }, plain, { ...plain, message: m }])).toBe(
      '🔒 2 findings held secrets: redacted in every output, shown as `[REDACTED <kind> sha256:<hash of the value>]`',
    );
  });
});

describe('redactJson', () => {
  it('a string: a new string and whether it changed', () => {
    expect(redactJson(`t ${GHP}`)).toStrictEqual({ value: `t ${marker('github-token', GHP)}`, changed: true });
    expect(redactJson('plain')).toStrictEqual({ value: 'plain', changed: false });
  });

  it.each([5, null, true, undefined])('%p is left as it is', (v) => {
    expect(redactJson(v, { secret: true })).toStrictEqual({ value: v, changed: false });
  });

  it('every string of objects and arrays, by pattern; other values as they are', () => {
    const v = { a: [`x ${GHP}`, 1, null, ['pwd=abcdef']], b: { c: 'plain', d: 2, e: null }, snippet: { text: 'hunter2hunter2' } };
    const r = redactJson(v);
    expect(r).toStrictEqual({
      value: {
        a: [`x ${marker('github-token', GHP)}`, 1, null, [`pwd=${marker('secret', 'abcdef')}`]],
        b: { c: 'plain', d: 2, e: null },
        snippet: { text: 'hunter2hunter2' },
      },
      changed: true,
    });
    expect(r.value).toBe(v);
    expect(redactJson({ a: ['plain'], b: null })).toStrictEqual({ value: { a: ['plain'], b: null }, changed: false });
  });

  it('a secret scanner’s result: snippets and secret members whole, their values wherever else they occur', () => {
    const result = {
      message: { text: 'found hunter2hunter2 in line' },
      locations: [{ physicalLocation: { region: { snippet: { text: 'pass = hunter2hunter2' } } } }],
      properties: { offender: 'hunter2hunter2', Match: '   ', Secret: marker('secret', 'zzzz1111'), tags: ['hunter2hunter2 x'] },
    };
    expect(redactJson(result, { secret: true })).toStrictEqual({
      value: {
        message: { text: `found ${marker('secret', 'hunter2hunter2')} in line` },
        locations: [{ physicalLocation: { region: { snippet: { text: marker('secret', 'pass = hunter2hunter2') } } } }],
        properties: {
          offender: marker('secret', 'hunter2hunter2'),
          Match: '   ',
          Secret: marker('secret', 'zzzz1111'),
          tags: [`${marker('secret', 'hunter2hunter2')} x`],
        },
      },
      changed: true,
    });
  });
});

describe('jsonMayHoldSecret', () => {
  it('a hint or an escape that could hide one', () => {
    expect(jsonMayHoldSecret(Buffer.from('{"a":"token"}'))).toBe(true);
    expect(jsonMayHoldSecret(Buffer.from('{"a":"\\u0041"}'))).toBe(true);
    expect(jsonMayHoldSecret(Buffer.from('{"a":"x\\/y"}'))).toBe(true);
    expect(jsonMayHoldSecret(Buffer.from('{"a":"hello"}'))).toBe(false);
    expect(jsonMayHoldSecret(Buffer.alloc(0))).toBe(false);
  });

  it('large inputs: a hint anywhere (the text was once read in overlapping windows)', () => {
    const WINDOW = 1 << 20;
    const big = Buffer.alloc(2 * WINDOW + 100, 0x20);
    expect(jsonMayHoldSecret(big)).toBe(false);
    // A hint across the first window's end, and one in the last window only.
    const across = Buffer.from(big);
    across.write('secret', WINDOW - 3, 'latin1');
    expect(jsonMayHoldSecret(across)).toBe(true);
    const last = Buffer.from(big);
    last.write('secret', 2 * WINDOW + 50, 'latin1');
    expect(jsonMayHoldSecret(last)).toBe(true);
  });
});

describe('mayHoldSecretBytes, mayHoldSecret: HINT on bytes and text, run only where an alternative may start', () => {
  const HINT = PATTERNS[0] as RegExp;
  /** What jsonMayHoldSecret answered before the start tables: HINT on the Latin-1 text, or an escape. */
  const oracle = (b: Buffer) => b.includes('\\u') || b.includes('\\/') || HINT.test(b.toString('latin1'));
  /** One text per alternative of HINT, in its order (a new alternative without a sample fails the count below). */
  const SAMPLES = [
    'private key',
    'a3t',
    'akia',
    'asia',
    'abia',
    'acca',
    'aws',
    'ghp_',
    'github_pat_',
    'xoxb-',
    'hooks.slack.com',
    '_live_',
    '_test_',
    'aiza',
    'eyj',
    '://user:',
    'passw',
    'passphrase',
    'pwd',
    'secret',
    'token',
    'api-key',
    'access_key',
    'authoriz',
    'credential',
    'private_key',
    'bearer',
  ];
  /** Every way an alternative with character classes may start (the samples above take one of each). */
  const VARIANTS = [
    'gho_',
    'ghu_',
    'ghs_',
    'ghr_',
    'xoxa-',
    'xoxp-',
    'xoxo-',
    'xoxs-',
    'xoxr-',
    'api_key',
    'apikey',
    'access-key',
    'accesskey',
    'privatekey',
    'private-key',
    '://:',
    '://a:',
    'passphrase',
  ];
  const mixed = (s: string, seed: number) => [...s].map((c, i) => ((seed >> i) & 1 ? c.toUpperCase() : c)).join('');

  it('has a sample for every alternative of HINT, and finds each in any case and place', () => {
    expect(HINT.source.split('|')).toHaveLength(SAMPLES.length);
    SAMPLES.forEach((sample, i) =>
      expect([sample, new RegExp(`^(?:${HINT.source.split('|')[i]})`, 'i').test(sample)]).toEqual([sample, true]),
    );
    for (const sample of [...SAMPLES, ...VARIANTS]) {
      for (const text of [sample.toUpperCase(), sample, mixed(sample, 0b1010101), mixed(sample, 0b0110011)]) {
        for (const [before, after] of [['', ''] as const, ['{"m":"x ', '"}'], ['\u00e9\r\n', ' '], ['\xff\xc1\r', '']]) {
          const b = Buffer.concat([Buffer.from(before, 'latin1'), Buffer.from(text, 'latin1'), Buffer.from(after, 'latin1')]);
          expect([text, before, mayHoldSecretBytes(b), mayHoldSecret(before + text + after)]).toEqual([text, before, true, true]);
        }
      }
    }
  });

  it('answers as HINT on the text does: corpus files in slices, near misses, random bytes', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(dir, e.name));
        else files.push(join(dir, e.name));
      }
    };
    walk('/work/shared/corpus');
    expect(files.length).toBeGreaterThan(20);
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    let checked = 0;
    let positive = 0;
    const check = (b: Buffer) => {
      const want = oracle(b);
      if (mayHoldSecretBytes(b) !== want) throw new Error(`differs (want ${want}) on ${JSON.stringify(b.toString('latin1'))}`);
      checked++;
      if (want) positive++;
      // mayHoldSecret on text: HINT.test on the same bytes as text, decoded both ways.
      for (const text of [b.toString('latin1'), b.toString('utf8')]) {
        if (mayHoldSecret(text) !== HINT.test(text)) throw new Error(`mayHoldSecret differs on ${JSON.stringify(text)}`);
      }
    };
    for (const f of files) {
      const bytes = readFileSync(f);
      for (let at = 0; at < bytes.length;) {
        const n = 1 + rnd(400);
        check(bytes.subarray(at, at + n));
        at += n;
      }
    }
    // Near misses: each start cut short or followed by what its alternative does not allow.
    for (const sample of [...SAMPLES, ...VARIANTS]) {
      for (let cut = 1; cut <= sample.length; cut++) {
        check(Buffer.from(sample.slice(0, cut), 'latin1'));
        check(Buffer.from(`${sample.slice(0, cut)}#${sample.slice(cut)}`, 'latin1'));
      }
    }
    // Random bytes from an alphabet of what the alternatives are made of.
    const alphabet = Buffer.from('privateyjkeyAKIASghpxob_-./:\\u3twscn \r\xff', 'latin1');
    for (let k = 0; k < 20_000; k++) {
      const b = Buffer.alloc(1 + rnd(24));
      for (let i = 0; i < b.length; i++) b[i] = alphabet[rnd(alphabet.length)] as number;
      check(b);
    }
    // Text with code units past Latin-1 next to the starts (ı, ſ and K upper-case to ASCII letters; HINT ignores that).
    const wide = ['ı', 'ſ', '\u212a', 'é', '\u0100', '\u0161', '\ud83d\ude00', 'İ'];
    for (const sample of [...SAMPLES, ...VARIANTS]) {
      for (const w of wide) {
        for (let at = 0; at <= sample.length; at++) {
          for (const text of [`${sample.slice(0, at)}${w}${sample.slice(at)}`, `${sample.slice(0, at)}${w}`, `${w}${sample.slice(at)}`]) {
            if (mayHoldSecret(text) !== HINT.test(text)) throw new Error(`mayHoldSecret differs on ${JSON.stringify(text)}`);
            checked++;
          }
        }
      }
      expect(mayHoldSecret(`x ${sample.replace(/s/g, 'ſ')} y`)).toBe(HINT.test(`x ${sample.replace(/s/g, 'ſ')} y`));
    }
    expect(checked).toBeGreaterThan(50_000);
    expect(positive).toBeGreaterThan(1000);
    expect(checked - positive).toBeGreaterThan(1000);
  });
});

describe('redactSarifDocument, redactIngested', () => {
  function doc(): { runs: { results?: unknown[] }[] } {
    return {
      runs: [
        { results: [{ properties: { offender: 'hunter2hunter2' } }, { properties: { offender: 'keepthis1' } }] },
        { results: [{ properties: { offender: 'other2other2' } }] },
      ],
    };
  }
  const secretAt = (runIndex?: number, resultIndex?: number): Finding =>
    finding({ kind: 'secret', ruleId: 'r', source: { file: 'g.sarif', format: 'sarif', pointer: '$', runIndex, resultIndex } });

  it('the results of secret findings are redacted as a secret scanner’s; others by pattern only', () => {
    const d = doc();
    redactSarifDocument(d, [
      secretAt(0, 0),
      finding({ source: { file: 'g.sarif', format: 'sarif', pointer: '$', runIndex: 0, resultIndex: 1 } }),
    ]);
    expect(d).toStrictEqual({
      runs: [
        { results: [{ properties: { offender: marker('secret', 'hunter2hunter2') } }, { properties: { offender: 'keepthis1' } }] },
        { results: [{ properties: { offender: 'other2other2' } }] },
      ],
    });
  });

  it('a secret finding without a run or result index, or pointing nowhere, changes nothing', () => {
    const d = doc();
    redactSarifDocument(d, [secretAt(undefined, 0), secretAt(0, undefined), secretAt(5, 0), secretAt(1, 9)]);
    expect(d).toStrictEqual(doc());
    const noResults = { runs: [{ tool: {} }] };
    redactSarifDocument(noResults, [secretAt(0, 0)]);
    expect(noResults).toStrictEqual({ runs: [{ tool: {} }] });
  });

  it('a document that is not a SARIF log is redacted by pattern, without failing', () => {
    for (const d of [null, undefined, 'text', 3]) expect(() => redactSarifDocument(d, [secretAt(0, 0)])).not.toThrow();
    const noRuns: Record<string, unknown> = { note: `t ${GHP}` };
    redactSarifDocument(noRuns, [secretAt(0, 0)]);
    expect(noRuns).toStrictEqual({ note: `t ${marker('github-token', GHP)}` });
  });

  it('redactIngested: findings, errors and the document; no document is fine', () => {
    const d = doc();
    const f = secretAt(0, 0);
    f.message = `m ${GHP}`;
    const r = {
      findings: [f],
      errors: [{ file: 'g.sarif', message: `e ${GHP}`, severity: 'partial' } as InputError],
      document: d as unknown,
    };
    expect(redactIngested(r)).toBe(r);
    expect(f.message).toBe(`m ${marker('github-token', GHP)}`);
    expect(r.errors[0]?.message).toBe(`e ${marker('github-token', GHP)}`);
    expect(d.runs[0]?.results?.[0]).toStrictEqual({ properties: { offender: marker('secret', 'hunter2hunter2') } });
    const none = { findings: [], errors: [] };
    expect(redactIngested(none)).toStrictEqual({ findings: [], errors: [] });
  });

  const corpus = (() => {
    try {
      return readFileSync(CORPUS, 'utf8');
    } catch {
      return undefined;
    }
  })();
  (corpus === undefined ? it.skip : it)(
    `a real Gitleaks 7.5.0 SARIF (${join('corpus', 'gitleaks_7.5.0.sarif')}; skipped without the corpus)`,
    () => {
      const log = JSON.parse(corpus ?? '{}') as { runs: { results: { properties: { offender: string } }[] }[] };
      const offenders = log.runs[0]?.results.map((x) => x.properties.offender) ?? [];
      expect(offenders.length).toBe(8);
      const findings = offenders.map((_, i) => secretAt(0, i));
      redactSarifDocument(log, findings);
      const text = JSON.stringify(log);
      for (const o of offenders) expect(text).not.toContain(o);
      expect(log.runs[0]?.results.map((x) => x.properties.offender)).toStrictEqual(offenders.map((o) => marker('secret', o)));
    },
  );
});

describe('a value that only looks like a marker is not one', () => {
  it('a quoted value starting with "[REDACTED " is redacted; a whole marker is left as it is', () => {
    const fake = 'password="[REDACTED  hunter2hunter2"';
    const out = redactText(fake);
    expect(out).not.toContain('hunter2hunter2');
    expect(out).toBe(`password="${marker('secret', '[REDACTED  hunter2hunter2')}"`);
    const real = `password="${marker('secret', 'hunter2hunter2')}"`;
    expect(redactText(real)).toBe(real);
    expect(isMarker(marker('secret', 'x'))).toBe(true);
    expect(isMarker(`${marker('secret', 'x')} tail`)).toBe(false);
    expect(isMarker('[REDACTED secret sha256:ABCDEF12]')).toBe(false);
    expect(hasMarker('[REDACTED hunter2')).toBe(false);
    expect(hasMarker(`key ${marker('secret', 'x')}`)).toBe(true);
  });
});
