/** Comparisons used in policies: `">= 7.0"` on numbers, `">= high"` on severity levels. Parsed once, applied often. */

export type Op = '>=' | '<=' | '>' | '<' | '==';

const NUM_RE = /^\s*(>=|<=|>|<|==|=)?\s*(-?\d+(?:\.\d+)?)\s*$/;
const SEV_RE = /^\s*(>=|<=|>|<|==|=)?\s*([A-Za-z0-9][A-Za-z0-9_.-]*)\s*$/;

export interface NumberTest {
  op: Op;
  value: number;
  text: string;
}

export function parseNumberComparison(v: number | string): NumberTest {
  if (typeof v === 'number') return { op: '==', value: v, text: `== ${v}` };
  const m = NUM_RE.exec(v);
  if (!m) throw new Error(`invalid comparison "${v}": expected e.g. ">= 7.0"`);
  const op = (m[1] === '=' || !m[1] ? '==' : m[1]) as Op;
  return { op, value: Number(m[2]), text: `${op} ${m[2]}` };
}

export function testNumber(t: NumberTest, x: number): boolean {
  switch (t.op) {
    case '>=':
      return x >= t.value;
    case '<=':
      return x <= t.value;
    case '>':
      return x > t.value;
    case '<':
      return x < t.value;
    case '==':
      return x === t.value;
  }
}

/** A parsed severity comparison: either an operator against one level, or a set of levels. */
export type SeverityTest = { op: Op; level: string; levels: string[] } | { op: 'in'; levels: string[] };

export function parseSeverityComparison(v: string | string[]): SeverityTest {
  if (Array.isArray(v)) return { op: 'in', levels: v };
  const m = SEV_RE.exec(v);
  if (!m) throw new Error(`invalid severity comparison "${v}": expected e.g. ">= high"`);
  const op = (m[1] === '=' || !m[1] ? '==' : m[1]) as Op;
  const level = m[2] as string;
  return { op, level, levels: [level] };
}

/**
 * The set of ranks (0 = most severe) that a severity test accepts. "More severe" means a lower rank, so
 * `>= high` accepts high and everything above it.
 */
export function ranksFor(t: SeverityTest, rankOf: (level: string) => number | undefined, levelCount: number): Set<number> {
  const out = new Set<number>();
  if (t.op === 'in') {
    for (const l of t.levels) {
      const r = rankOf(l);
      if (r !== undefined) out.add(r);
    }
    return out;
  }
  const r = rankOf(t.level);
  if (r === undefined) return out;
  for (let i = 0; i < levelCount; i++) {
    const ok = t.op === '==' ? i === r : t.op === '>=' ? i <= r : t.op === '>' ? i < r : t.op === '<=' ? i >= r : i > r;
    if (ok) out.add(i);
  }
  return out;
}

export function describeSeverityTest(t: SeverityTest): string {
  return t.op === 'in' ? t.levels.join(' or ') : t.op === '==' ? t.level : `${t.op} ${t.level}`;
}
