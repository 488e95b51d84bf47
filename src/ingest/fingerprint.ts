import * as crypto from 'node:crypto';

/**
 * The first 16 bytes of the sha256 of `data`, as 32 hex digits. One-shot `crypto.hash` (Node ≥ 20.12) to a latin1
 * string, its bytes turned into hex digits in one `String.fromCharCode`: no Buffer per call (making one cost more than
 * hashing a short input), and a string of its own (a slice of the 64-digit hex would keep all of it alive: ~60 MB more
 * at a million findings). `createHash` on older Nodes.
 */
const oneShot = (crypto as unknown as { hash?: (algorithm: string, data: string, encoding: 'latin1') => string }).hash;
const HEX = new Uint8Array(16);
for (let i = 0; i < 16; i++) HEX[i] = '0123456789abcdef'.charCodeAt(i);
function sha256Hex32(data: string): string {
  if (!oneShot) return crypto.createHash('sha256').update(data).digest().toString('hex', 0, 16);
  const d = oneShot('sha256', data, 'latin1');
  const hi = (i: number) => HEX[d.charCodeAt(i) >> 4] as number;
  const lo = (i: number) => HEX[d.charCodeAt(i) & 15] as number;
  // prettier-ignore
  return String.fromCharCode(
    hi(0), lo(0), hi(1), lo(1), hi(2), lo(2), hi(3), lo(3), hi(4), lo(4), hi(5), lo(5), hi(6), lo(6), hi(7), lo(7),
    hi(8), lo(8), hi(9), lo(9), hi(10), lo(10), hi(11), lo(11), hi(12), lo(12), hi(13), lo(13), hi(14), lo(14), hi(15), lo(15),
  );
}

/** Short, stable hash of the given parts (sha256, hex, 32 chars). Parts are joined unambiguously. */
export function hashParts(...parts: (string | number | undefined)[]): string {
  // The parts joined and hashed at once (the same bytes as one update per part).
  let joined = '';
  for (const p of parts) {
    const s = p === undefined ? '\u0000' : String(p);
    joined += `${s.length}:${s}|`;
  }
  return sha256Hex32(joined);
}

/** Whitespace-insensitive form of a source line, so re-indenting or reformatting spaces keeps identity. */
export function normalizeLine(line: string): string {
  return line.replace(/\s+/g, '');
}

/** A message without numbers (line numbers, counts, build ids) and with collapsed whitespace. */
export function normalizeMessage(message: string): string {
  return message
    .replace(/0x[0-9a-f]+/gi, '#')
    .replace(/\d+/g, '#')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

export interface ComputedFingerprintInput {
  tool: string;
  ruleId: string;
  path?: string;
  /** The flagged line's text, when the source file could be read. */
  lineText?: string;
  message: string;
}

/**
 * Fingerprint for a finding whose tool gave none: tool + rule + path + the flagged line's normalized content when
 * known, otherwise the message with numbers stripped. Never line numbers, build ids or timestamps.
 */
export function computeFingerprint(f: ComputedFingerprintInput): { fingerprint: string; source: string } {
  const tool = f.tool.toLowerCase();
  if (f.lineText !== undefined && normalizeLine(f.lineText) !== '') {
    return { fingerprint: hashParts('line', tool, f.ruleId, f.path, normalizeLine(f.lineText)), source: 'computed:line' };
  }
  return {
    fingerprint: hashParts('message', tool, f.ruleId, f.path, normalizeMessage(f.message)),
    source: 'computed:message',
  };
}

/** Identity of a dependency vulnerability that does not depend on the tool that found it. */
export function packageFingerprint(p: { ecosystem?: string; name: string; version?: string }, vulnId: string): string {
  return hashParts('pkg', (p.ecosystem ?? '').toLowerCase(), p.name.toLowerCase(), p.version ?? '', vulnId.toUpperCase());
}

/**
 * Makes fingerprints unique within one run: the n-th repeat of a fingerprint gets `~n` appended (in input order),
 * so two findings that hash alike (e.g. two on one line) stay two.
 */
export function disambiguate<T extends { fingerprint: string }>(findings: T[]): T[] {
  if (!hasRepeats(findings)) return findings;
  const seen = new Map<string, number>();
  for (const f of findings) {
    const n = seen.get(f.fingerprint) ?? 0;
    seen.set(f.fingerprint, n + 1);
    if (n > 0) f.fingerprint = `${f.fingerprint}~${n + 1}`;
  }
  return findings;
}

/**
 * Whether two findings share a fingerprint. An open-addressing table of positions keyed by a 32-bit hash of the
 * fingerprint (4 bytes a slot) rather than a Map of every fingerprint (~40 MB at a million findings, left as garbage).
 */
function hasRepeats(findings: readonly { fingerprint: string }[]): boolean {
  const n = findings.length;
  if (n < 2) return false;
  let size = 2;
  while (size < n * 2) size *= 2;
  const table = new Uint32Array(size); // position + 1; 0 is empty
  const mask = size - 1;
  for (let i = 0; i < n; i++) {
    const fp = (findings[i] as { fingerprint: string }).fingerprint;
    // FNV-1a of the length, the first 8 and the last 8 characters: fingerprints are hex digests (random in every
    // character), or hex with a `~n` suffix; equal hashes are compared whole below, so this only sets the speed.
    let h = Math.imul(0x811c9dc5 ^ fp.length, 0x01000193);
    const len = fp.length;
    for (let k = 0; k < len && k < 8; k++) h = Math.imul(h ^ fp.charCodeAt(k), 0x01000193);
    for (let k = Math.max(8, len - 8); k < len; k++) h = Math.imul(h ^ fp.charCodeAt(k), 0x01000193);
    for (let slot = (h >>> 0) & mask; ; slot = (slot + 1) & mask) {
      const at = table[slot] as number;
      if (at === 0) {
        table[slot] = i + 1;
        break;
      }
      if ((findings[at - 1] as { fingerprint: string }).fingerprint === fp) return true;
    }
  }
  return false;
}
