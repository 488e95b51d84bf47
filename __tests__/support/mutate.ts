import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Mutations of real input files for the fuzz tests (__tests__/fuzz*.test.ts): truncation, type swaps, wrong-type
 * leaves, deep nesting, huge numbers, invalid UTF-8, `__proto__`/`constructor` keys, duplicate keys, XML entities.
 */

/** mulberry32: tiny seeded PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : /\.(json|sarif|xml)$/i.test(f) && statSync(p).size < 2_000_000 ? [p] : [];
  });
}

export type Rand = () => number;
export const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;

export const WEIRD_LEAVES: unknown[] = [
  null,
  true,
  0,
  -1,
  1e308,
  -1e-308,
  9223372036854775807,
  2 ** 63,
  Number.MAX_SAFE_INTEGER + 2,
  '',
  ' ',
  '9223372036854775808',
  '__proto__',
  '../../../../etc/passwd',
  'file:///etc/passwd',
  '<img src=x onerror=alert(1)> @everyone **bold** [x](javascript:alert(1)) \u001b[31m\u202e',
  'x'.repeat(5000),
  [],
  {},
  [[[]]],
  { __proto__: null },
];

/** Collects [parent, key] pairs of the tree (capped), for picking a node to mutate. */
export function slots(doc: unknown, max = 5000): [Record<string, unknown> | unknown[], string | number][] {
  const out: [Record<string, unknown> | unknown[], string | number][] = [];
  const stack: unknown[] = [doc];
  while (stack.length && out.length < max) {
    const v = stack.pop();
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        out.push([v, i]);
        stack.push(x);
      });
    } else if (typeof v === 'object' && v !== null) {
      for (const k of Object.keys(v)) {
        out.push([v as Record<string, unknown>, k]);
        stack.push((v as Record<string, unknown>)[k]);
      }
    }
  }
  return out;
}

export function setOwn(o: Record<string, unknown> | unknown[], k: string | number, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

export function nest(depth: number, leaf: string, r: Rand): string {
  const obj = r() < 0.5;
  return (obj ? '{"a":' : '[').repeat(depth) + leaf + (obj ? '}' : ']').repeat(depth);
}

/** One mutation of a corpus file's text. Returns the new text and a label for failures. */
export function mutate(text: string, r: Rand): { text: string; op: string } {
  const isJson = /^\s*[[{]/.test(text);
  const ops = isJson
    ? ['truncate', 'typeSwap', 'typeSwap', 'wrongLeaf', 'deepNest', 'hugeNumber', 'invalidUtf8', 'proto', 'duplicateKey', 'bytes', 'drop']
    : ['truncate', 'invalidUtf8', 'bytes', 'xmlEntity', 'deepNest'];
  const op = pick(r, ops);
  switch (op) {
    case 'truncate':
      return { op, text: text.slice(0, Math.floor(r() * text.length)) };
    case 'invalidUtf8': {
      const b = Buffer.from(text, 'utf8');
      const at = Math.floor(r() * b.length);
      const junk = Buffer.from(pick(r, [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0x00]]));
      return { op, text: Buffer.concat([b.subarray(0, at), junk, b.subarray(at)]).toString('utf8') };
    }
    case 'bytes': {
      const chars = [...text];
      for (let i = 0; i < 1 + r() * 8; i++)
        chars[Math.floor(r() * chars.length)] = pick(r, ['{', '}', '[', ']', '"', ',', ':', '\\', '<', '>', '&', '0', '\n', '\u0000']);
      return { op, text: chars.join('') };
    }
    case 'xmlEntity':
      return {
        op,
        text: text.replace(
          /<\?xml[^>]*\?>/,
          (m) =>
            `${m}<!DOCTYPE lolz [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">]>`,
        ),
      };
    default:
      break;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { op: 'truncate', text: text.slice(0, Math.floor(r() * text.length)) };
  }
  const ss = slots(doc);
  const slot = ss.length ? pick(r, ss) : undefined;
  switch (op) {
    case 'deepNest': {
      const depth = pick(r, [100, 1000, 5000]);
      if (!slot) return { op, text: nest(depth, '1', r) };
      setOwn(slot[0], slot[1], '\u0000NEST\u0000');
      return { op: `${op}@${String(slot[1])}`, text: JSON.stringify(doc).replace('"\\u0000NEST\\u0000"', nest(depth, '1', r)) };
    }
    case 'hugeNumber': {
      const n = pick(r, [
        '9223372036854775808',
        '18446744073709551616',
        '1e400',
        '-1e400',
        '123456789012345678901234567890',
        '1.5e-400',
        '-0',
      ]);
      if (slot) setOwn(slot[0], slot[1], '\u0000NUM\u0000');
      return { op: `${op}@${String(slot?.[1])}`, text: JSON.stringify(doc).replace('"\\u0000NUM\\u0000"', n) };
    }
    case 'proto': {
      const objs = ss
        .map(([p, k]) => (p as Record<string, unknown>)[k as string])
        .filter((v) => typeof v === 'object' && v !== null && !Array.isArray(v));
      const target = (objs.length ? pick(r, objs) : doc) as Record<string, unknown>;
      if (typeof target !== 'object' || target === null) return { op, text };
      setOwn(target, '__proto__', { polluted: 'yes', toString: 'x', runs: [], version: '2.1.0' });
      setOwn(target, 'constructor', { prototype: { polluted: 'yes' } });
      return { op, text: JSON.stringify(doc) };
    }
    case 'duplicateKey': {
      const s = JSON.stringify(doc);
      const at = s.indexOf('{', Math.floor(r() * s.length));
      if (at < 0) return { op, text: s };
      const key = pick(r, ['runs', 'results', 'version', 'Results', 'matches', 'vulnerabilities', 'tool', 'locations']);
      const val = JSON.stringify(pick(r, WEIRD_LEAVES));
      return { op: `${op}:${key}`, text: `${s.slice(0, at + 1)}"${key}":${val},${s.slice(at + 1)}` };
    }
    case 'drop':
      if (slot) {
        if (Array.isArray(slot[0])) slot[0].splice(slot[1] as number, 1);
        else delete slot[0][slot[1] as string];
      }
      return { op, text: JSON.stringify(doc) };
    case 'typeSwap':
    case 'wrongLeaf':
    default: {
      const n = op === 'typeSwap' ? 1 + Math.floor(r() * 4) : 10;
      for (let i = 0; i < n && ss.length; i++) {
        const [p, k] = pick(r, ss);
        const cur = (p as Record<string | number, unknown>)[k];
        if (op === 'wrongLeaf' && typeof cur === 'object' && cur !== null) continue;
        setOwn(p, k, pick(r, WEIRD_LEAVES));
      }
      return { op, text: JSON.stringify(doc) };
    }
  }
}
