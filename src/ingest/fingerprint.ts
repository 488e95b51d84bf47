import * as crypto from 'node:crypto';

/**
 * One-shot `crypto.hash` (Node ≥ 20.12) straight to hex: no Buffer per call (making one cost more than the hash of
 * a short input); `createHash` on older Nodes.
 */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;
const sha256Hex = oneShot
  ? (data: string): string => oneShot('sha256', data, 'hex')
  : (data: string): string => crypto.createHash('sha256').update(data).digest('hex');

/** Short, stable hash of the given parts (sha256, hex, 32 chars). Parts are joined unambiguously. */
export function hashParts(...parts: (string | number | undefined)[]): string {
  // The parts joined and hashed at once (the same bytes as one update per part).
  let joined = '';
  for (const p of parts) {
    const s = p === undefined ? '\u0000' : String(p);
    joined += `${s.length}:${s}|`;
  }
  return sha256Hex(joined).slice(0, 32);
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
