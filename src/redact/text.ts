import { createHash } from 'node:crypto';

/**
 * Redaction of secrets in scanner text. Secrets found by scanners are evidence, not content: every output shows
 * `[REDACTED <what> sha256:<8 hex>]` instead of the value (the hash is of the value itself, so two different secrets
 * stay two, and a reader can tell a secret seen twice).
 *
 * What is found in any text (messages, titles, snippets, properties):
 * - private key blocks (`-----BEGIN … PRIVATE KEY----- … -----END … PRIVATE KEY-----`, or a header without its end);
 * - well-known token formats: AWS access key ids (and a 40-character secret key in the same text), GitHub tokens,
 *   Slack tokens and webhooks, Stripe keys, Google API keys, JWTs, passwords in URLs;
 * - generic assignments: `password=…`, `token: …`, `secret=…`, `api_key=…` and their kin.
 *
 * The patterns are hand-written (see the commit that added this file for why no library's): each is a literal start
 * and greedy runs of one character class, with a one-character look-behind so that a run has one start; none has
 * nested or adjacent quantifiers over the same characters. Matching is linear in the length of the text (tested on
 * megabyte-long hostile strings). Private key blocks are found by a scan, not a regex.
 */

/** The note that stands for a redacted value. */
export function marker(what: string, value: string): string {
  return `[REDACTED ${what} sha256:${createHash('sha256').update(value, 'utf8').digest('hex').slice(0, 8)}]`;
}

const MARKER_START = '[REDACTED ';
/** A whole marker as `marker()` writes it: a value that only starts like one (`[REDACTED hunter2`) is not one. */
const MARKER = /\[REDACTED [a-z0-9-]+ sha256:[0-9a-f]{8}\]/;
const WHOLE_MARKER = new RegExp(`^${MARKER.source}$`);

/** True when `s` is exactly one redaction marker (already redacted, nothing to hide). */
export function isMarker(s: string): boolean {
  return WHOLE_MARKER.test(s);
}

/**
 * A cheap test that a text may hold something `redactText` would change (a superset: false means certainly not).
 * Every pattern below starts with one of these.
 */
const HINT =
  /PRIVATE KEY|A3T|AKIA|ASIA|ABIA|ACCA|aws|gh[pousr]_|github_pat_|xox[abposr]-|hooks\.slack\.com|_live_|_test_|AIza|eyJ|:\/\/[^\s/:@]{0,200}:|passw|passphrase|pwd|secret|token|api[_-]?key|access[_-]?key|authoriz|credential|private[_-]?key|bearer/i;

/**
 * How each alternative of HINT starts, lowercased: its first four characters, or three where any fourth may follow
 * (`a3t`, `aws`, `eyj`, `pwd`, `://`). `mayHoldSecretBytes` runs HINT only where text starts like one of these (tests
 * check that every alternative of HINT is found through them).
 */
export const HINT_STARTS = [
  'priv',
  'a3t',
  'akia',
  'asia',
  'abia',
  'acca',
  'aws',
  'ghp_',
  'gho_',
  'ghu_',
  'ghs_',
  'ghr_',
  'gith',
  'xoxa',
  'xoxb',
  'xoxp',
  'xoxo',
  'xoxs',
  'xoxr',
  'hook',
  '_liv',
  '_tes',
  'aiza',
  'eyj',
  '://',
  'pass',
  'pwd',
  'secr',
  'toke',
  'api_',
  'api-',
  'apik',
  'acce',
  'auth',
  'cred',
  'bear',
] as const;

/** The longest text HINT can match (`://`, 200 characters, `:`), with room to spare. */
const HINT_SPAN = 256;
/** HINT anchored where it is run (`lastIndex`; the same source as HINT, not one more rule for `redactionRulesId`). */
const HINT_AT = new RegExp(HINT.source, 'iy');
/** Byte `c` with ASCII letters lowercased (other bytes may fold onto others: the tables then only ask for more checks). */
const fold = (c: number) => c | 0x20;
/**
 * The start tables, by folded bytes: START2[first << 8 | second] is the pair's row (1-based) in START3, START3[row << 8 |
 * third] the triple's row in START4 (ANY_FOURTH when three are enough), START4[row << 8 | fourth] 1 when the four start
 * an alternative. ESCAPE marks `\u` and `\/` (an escape may hide a hint from the bytes: JSON text counts them as hints).
 */
const ANY_FOURTH = 255;
const ESCAPE = 255;
const START2 = new Uint8Array(1 << 16);
const START3 = new Uint8Array(64 << 8);
const START4 = new Uint8Array(64 << 8);
{
  let rows2 = 0;
  let rows3 = 0;
  for (const s of HINT_STARTS) {
    const [a, b, c, d] = [...s].map((ch) => fold(ch.charCodeAt(0)));
    const k2 = ((a as number) << 8) | (b as number);
    if (START2[k2] === 0) START2[k2] = ++rows2;
    const k3 = ((START2[k2] as number) << 8) | (c as number);
    if (d === undefined) START3[k3] = ANY_FOURTH;
    else {
      if (START3[k3] === 0) START3[k3] = ++rows3;
      if (START3[k3] !== ANY_FOURTH) START4[((START3[k3] as number) << 8) | d] = 1;
    }
  }
  if (rows2 >= 64 || rows3 >= 64) throw new Error('HINT_STARTS: too many starts for the tables');
  START2[(fold(0x5c) << 8) | fold(0x75)] = ESCAPE;
  START2[(fold(0x5c) << 8) | fold(0x2f)] = ESCAPE;
}

/**
 * The code unit of `s` at `i` folded as `fold` does; 0 past Latin-1 (such code units start no alternative: HINT's
 * ignoring case never maps them onto ASCII letters).
 */
function unitAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c < 0x100 ? fold(c) : 0;
}

/**
 * True when `s` may hold a secret that `redactText` removes: HINT matches it. The same answer as `HINT.test(s)`, in
 * one pass that runs HINT only where an alternative may start (see mayHoldSecretBytes; ingest tests every message).
 */
export function mayHoldSecret(s: string): boolean {
  const n = s.length;
  if (n < 3) return false;
  let c1 = unitAt(s, 0);
  for (let i = 0; i + 2 < n; i++) {
    const c2 = unitAt(s, i + 1);
    const row = START2[(c1 << 8) | c2] as number;
    c1 = c2;
    if (row === 0 || row === ESCAPE) continue;
    const row3 = START3[(row << 8) | unitAt(s, i + 2)] as number;
    if (row3 === 0) continue;
    if (row3 !== ANY_FOURTH && (i + 3 >= n || START4[(row3 << 8) | unitAt(s, i + 3)] !== 1)) continue;
    HINT_AT.lastIndex = i;
    if (HINT_AT.test(s)) return true;
  }
  return false;
}

/**
 * True when JSON text (bytes, as an input file has them) may hold a secret: HINT matches its bytes read as Latin-1, or
 * it holds an escape (`\u…`, `\/`) that could hide one from the hints. The same answer as testing HINT on the text, in
 * one pass over the bytes that runs HINT only where an alternative may start (the rated SARIF copies every result's
 * bytes through this: HINT on each result's text took a third of its writing time).
 */
export function mayHoldSecretBytes(b: Uint8Array): boolean {
  const n = b.length;
  if (n < 2) return false;
  let c1 = fold(b[0] as number);
  for (let i = 0; i + 1 < n; i++) {
    const c2 = fold(b[i + 1] as number);
    const row = START2[(c1 << 8) | c2] as number;
    c1 = c2;
    if (row === 0) continue;
    if (row === ESCAPE) {
      if (b[i] === 0x5c && (b[i + 1] === 0x75 || b[i + 1] === 0x2f)) return true;
      continue;
    }
    if (i + 2 >= n) break;
    const row3 = START3[(row << 8) | fold(b[i + 2] as number)] as number;
    if (row3 === 0) continue;
    if (row3 !== ANY_FOURTH && (i + 3 >= n || START4[(row3 << 8) | fold(b[i + 3] as number)] !== 1)) continue;
    HINT_AT.lastIndex = 0;
    if (HINT_AT.test(Buffer.from(b.buffer, b.byteOffset + i, Math.min(HINT_SPAN, n - i)).toString('latin1'))) return true;
  }
  return false;
}

// --- private keys ----------------------------------------------------------------------------------------------------

const KEY_HEADER = /-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----/g;
const KEY_FOOTER = /-----END[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----/y;
/**
 * What a key body without its footer is made of: base64, PEM header punctuation, real or escaped (`\\n`) line breaks.
 * Not spaces: a header alone in a sentence must not take the rest of the sentence.
 */
const KEY_BODY = /[A-Za-z0-9+/=\r\n\t\\:,.-]*/y;

function redactPrivateKeys(s: string): string {
  if (!s.includes('PRIVATE KEY')) return s;
  KEY_HEADER.lastIndex = 0;
  let out = '';
  let from = 0;
  /** Where the next `-----END` is at or after `endFrom` (-1: none), memoized: each part of the text is searched once. */
  let endAt = -2;
  let endFrom = 0;
  for (let m = KEY_HEADER.exec(s); m; m = KEY_HEADER.exec(s)) {
    const start = m.index;
    const afterHeader = start + m[0].length;
    if (endAt !== -1 && (endAt === -2 || endAt < afterHeader)) {
      endFrom = afterHeader;
      endAt = s.indexOf('-----END', endFrom);
    }
    let stop = -1;
    if (endAt >= afterHeader) {
      KEY_FOOTER.lastIndex = endAt;
      if (KEY_FOOTER.test(s)) stop = KEY_FOOTER.lastIndex;
    }
    if (stop < 0) {
      // No footer (a header alone, or a cut-off key): the header and the key-like text after it.
      KEY_BODY.lastIndex = afterHeader;
      KEY_BODY.test(s);
      stop = KEY_BODY.lastIndex;
      // Trailing line breaks stay (they are the text's, not the key's).
      while (stop > afterHeader && (s[stop - 1] === '\n' || s[stop - 1] === '\r' || s[stop - 1] === '\t')) stop--;
    }
    const block = s.slice(start, stop);
    out += s.slice(from, start) + marker('private-key', block);
    from = stop;
    KEY_HEADER.lastIndex = stop;
  }
  return from === 0 ? s : out + s.slice(from);
}

// --- well-known token formats ------------------------------------------------------------------------------------------

/** One alternative per format; the group that matched names it. */
const TOKENS = new RegExp(
  [
    /(?<aws>(?<![A-Z0-9])(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9]))/,
    /(?<github>(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{30,}|(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{22,})/,
    /(?<slack>(?<![A-Za-z0-9-])xox[abposr]-[A-Za-z0-9-]{10,}|hooks\.slack\.com\/services\/[A-Za-z0-9/_-]+)/,
    /(?<stripe>(?<![A-Za-z0-9_])(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,})/,
    /(?<google>(?<![A-Za-z0-9_-])AIza[A-Za-z0-9_-]{35,})/,
    /(?<jwt>(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*)/,
  ]
    .map((r) => r.source)
    .join('|'),
  'g',
);
const TOKEN_NAMES: Record<string, string> = {
  aws: 'aws-access-key-id',
  github: 'github-token',
  slack: 'slack-token',
  stripe: 'stripe-key',
  google: 'google-api-key',
  jwt: 'jwt',
};

/** An AWS secret access key: 40 base64 characters on their own (looked for only in text that names AWS). */
const AWS_SECRET = /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;
const AWS_CONTEXT = /(?<![a-z])aws|A3T|AKIA|ASIA|ABIA|ACCA/i;
/** A 40-digit lower-case hex string is a git commit or a SHA-1, not a key. */
const HEX40 = /^[0-9a-f]{40}$/;

/** `scheme://user:password@host`: the password. */
const URL_CREDENTIALS = /(:\/\/[^\s/:@]{0,200}:)([^\s/@]{1,500})@/g;

// --- generic assignments -----------------------------------------------------------------------------------------------

/**
 * `<name>[suffix]["'] <sep> [Bearer|Basic] <value>` where name is a credential word: the value. Quoted values end at
 * their quote or the end of the line; others at white space or punctuation.
 */
const ASSIGNMENT = new RegExp(
  '(?<![A-Za-z])(?:passwords?|passwd|passphrase|pwd|secrets?|tokens?|api[_-]?keys?|apikeys?|access[_-]?keys?|' +
    'private[_-]?keys?|client[_-]?secret|auth[_-]?(?:token|key)|authorization|credentials?)' +
    '[A-Za-z0-9_.-]{0,30}["\']?[ \\t]*(?:=>|:=|[:=])[ \\t]*(?:(?:bearer|basic|token)[ \\t]+)?' +
    '(?:(")([^"\\r\\n]*)"?|(\')([^\'\\r\\n]*)\'?|([^\\s"\'`,;&<>(){}\\[\\]]+))',
  'gi',
);
/** Values that are not secrets: placeholders, references, literals. */
const NOT_A_VALUE =
  /^(?:\*+|•+|x{3,}|\$\{?[A-Za-z_][A-Za-z0-9_.]*\}?|\{\{.*\}\}|%[A-Za-z_]+%|<[^>]*>|null|none|nil|true|false|undefined|redacted|hidden|masked|bearer|basic|token)$/i;

/** Code, not a value: a reference through a usual root object (`var.password`, `request.form.get`, `os.environ`). */
const CODE_REFERENCE =
  /^(?:var|local|self|this|os|process|env|config|settings|request|req|body|params|props|args|data|cfg|conf|opts|options|ctx|context|secrets|vars|inputs?)\.[A-Za-z_$][\w$.]*$/;

function redactAssignments(s: string): string {
  return s.replace(
    ASSIGNMENT,
    (
      whole: string,
      q1: string | undefined,
      v1: string | undefined,
      q2: string | undefined,
      v2: string | undefined,
      v3: string | undefined,
      offset: number,
    ) => {
      const value = v1 ?? v2 ?? v3 ?? '';
      if (value.length < 3 || isMarker(value) || NOT_A_VALUE.test(value.trim())) return whole;
      // Code rather than a value: a call (`password = get_password()`), a reference, the end of a string literal.
      if (v3 !== undefined && (s.charCodeAt(offset + whole.length) === 0x28 /* ( */ || CODE_REFERENCE.test(value))) return whole;
      if (/^\s*[,;)]|^\d+:/.test(value)) return whole; // (`file.ts:14:` is a position, not a value)
      // The value is the end of the match, except a closing quote.
      const quote = q1 ?? q2;
      const closed = quote !== undefined && whole.endsWith(quote);
      const valueEnd = whole.length - (closed ? 1 : 0);
      const valueStart = valueEnd - value.length;
      return whole.slice(0, valueStart) + marker('secret', value) + whole.slice(valueEnd);
    },
  );
}

/**
 * `s` with every secret the patterns find replaced by its marker; `s` itself (the same string) when there is none.
 * Idempotent: markers are never matched again.
 */
export function redactText(s: string): string {
  if (s.length === 0 || !mayHoldSecret(s)) return s;
  let out = redactPrivateKeys(s);
  out = out.replace(TOKENS, (m: string, ...args: unknown[]) => {
    const groups = args[args.length - 1] as Record<string, string | undefined>;
    const name = Object.keys(TOKEN_NAMES).find((k) => groups[k] !== undefined) ?? 'secret';
    return marker(TOKEN_NAMES[name] ?? 'secret', m);
  });
  // An AWS key id found above left its marker (`[REDACTED aws-access-key-id …]`), which names AWS too.
  if (AWS_CONTEXT.test(out)) {
    out = out.replace(AWS_SECRET, (m) => (HEX40.test(m) ? m : marker('aws-secret-key', m)));
  }
  // (A marker is never taken for a password: it holds spaces.)
  out = out.replace(URL_CREDENTIALS, (_m, before: string, password: string) => `${before}${marker('url-password', password)}@`);
  out = redactAssignments(out);
  return out === s ? s : out;
}

/**
 * `s` with every occurrence of the given secret values (a secret scanner's `Secret`, `Match`, `offender` …) replaced
 * by a marker, then `redactText`. Values shorter than 4 characters are left to the patterns (they would replace
 * ordinary text).
 */
export function redactKnown(s: string, secrets: readonly (string | undefined)[]): string {
  let out = s;
  const values = secrets.filter((v): v is string => typeof v === 'string' && v.trim().length >= 4).sort((a, b) => b.length - a.length);
  for (const v of values) if (out.includes(v)) out = out.split(v).join(marker('secret', v));
  return redactText(out);
}

/** True when the text holds a redaction marker. */
export function hasMarker(s: string): boolean {
  return s.includes(MARKER_START) && MARKER.test(s);
}

/** Every pattern used here (tests check their structure for linear-time matching). */
export const PATTERNS: readonly RegExp[] = [
  HINT,
  KEY_HEADER,
  KEY_FOOTER,
  KEY_BODY,
  TOKENS,
  AWS_SECRET,
  AWS_CONTEXT,
  HEX40,
  URL_CREDENTIALS,
  ASSIGNMENT,
  NOT_A_VALUE,
  MARKER,
  WHOLE_MARKER,
];

/**
 * Bumped when what `redactText` removes changes in a way its patterns do not show (code around them): ledgers written
 * with other rules are redacted again when read (src/ledger/lines.ts).
 */
const REDACTION_REVISION = 1;
let rulesId: string | undefined;

/** An id of the redaction rules (patterns and revision): a ledger records the rules its entries were redacted with. */
export function redactionRulesId(): string {
  rulesId ??= createHash('sha1')
    .update(
      `${REDACTION_REVISION}\n${[...PATTERNS, CODE_REFERENCE].map((r) => `${r.source}/${r.flags}`).join('\n')}\n${JSON.stringify(TOKEN_NAMES)}`,
    )
    .digest('hex')
    .slice(0, 16);
  return rulesId;
}
