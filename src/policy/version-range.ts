/**
 * Package version ranges for exceptions: an exact version ("1.2.3") or comparisons joined by commas
 * (">= 1.0, < 2.0"). Versions compare segment by segment, numerically where both segments are numbers
 * ("1.10" > "1.9"); a pre-release suffix ("1.0.0-rc1") sorts before its release. Ecosystem-exact semantics
 * (Maven qualifiers, Debian epochs) are approximated; an exact version always works.
 */

const OPS = ['>=', '<=', '>', '<', '==', '='] as const;
type Op = (typeof OPS)[number];

function split(v: string): { main: string[]; pre: string | undefined } {
  const s = v.trim().replace(/^v(?=\d)/i, '');
  const dash = s.search(/[-+~]/);
  const main = (dash >= 0 ? s.slice(0, dash) : s).split(/[._:]/);
  const pre = dash >= 0 && s[dash] !== '+' ? s.slice(dash + 1) : undefined;
  return { main, pre };
}

function cmpSeg(a: string, b: string): number {
  const na = /^\d+$/.test(a);
  const nb = /^\d+$/.test(b);
  if (na && nb) return Number(a) - Number(b) || a.length - b.length;
  if (na !== nb) return na ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareVersions(a: string, b: string): number {
  const A = split(a);
  const B = split(b);
  const n = Math.max(A.main.length, B.main.length);
  for (let i = 0; i < n; i++) {
    const c = cmpSeg(A.main[i] ?? '0', B.main[i] ?? '0');
    if (c !== 0) return Math.sign(c);
  }
  if (A.pre === B.pre) return 0;
  if (A.pre === undefined) return 1;
  if (B.pre === undefined) return -1;
  return Math.sign(cmpSeg(A.pre, B.pre));
}

export type VersionTest = (version: string | undefined) => boolean;

/** Compiles a version spec; throws with a message naming what is wrong. */
export function compileVersionRange(spec: string): VersionTest {
  const parts = spec
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.length === 0) throw new Error('empty version range');
  const tests = parts.map((p) => {
    const op = OPS.find((o) => p.startsWith(o));
    const v = (op ? p.slice(op.length) : p).trim();
    if (!v || /\s/.test(v)) throw new Error(`invalid version condition "${p}": expected e.g. "1.2.3", ">= 1.0" or "< 2.0"`);
    const o: Op = op ?? '==';
    return (x: string) => {
      const c = compareVersions(x, v);
      return o === '>=' ? c >= 0 : o === '<=' ? c <= 0 : o === '>' ? c > 0 : o === '<' ? c < 0 : c === 0;
    };
  });
  return (version) => version !== undefined && tests.every((t) => t(version));
}
