import { describe, expect, it } from '@jest/globals';
import { MAX_DOCUMENT_DEPTH, pruneDeep } from '../src/ingest/depth';

/** A chain of `levels` objects, `{n: {n: … {leaf: true}}}`, built without recursion. */
function chain(levels: number, array = false): unknown {
  let v: unknown = array ? [true] : { leaf: true };
  for (let i = 1; i < levels; i++) v = array ? [v] : { n: v };
  return v;
}

/** How many objects deep a chain from `chain` still goes after pruning, and what ends it. */
function measure(doc: unknown, array = false): { levels: number; end: unknown } {
  let levels = 0;
  let v: unknown = doc;
  while (typeof v === 'object' && v !== null) {
    levels++;
    const next: unknown = array ? (v as unknown[])[0] : (v as { n?: unknown }).n;
    if (next === undefined) return { levels, end: v };
    v = next;
  }
  return { levels, end: v };
}

/**
 * src/ingest/depth.ts: subtrees nested deeper than the limit become null (rated SARIF would overflow the stack writing
 * them back). The root is depth 0; an object or array at depth `max` or deeper is replaced, primitives are never.
 */
describe('pruneDeep', () => {
  it('keeps objects down to depth max − 1 and replaces the one at depth max by null', () => {
    const doc = { a: { b: { c: { d: 1 } } } };
    expect(pruneDeep(doc, 3)).toEqual({ a: { b: { c: null } } });
    const kept = { a: { b: { c: 1 } } };
    expect(pruneDeep(kept, 3)).toEqual({ a: { b: { c: 1 } } });
  });

  it('cuts arrays the same way, element by element', () => {
    expect(pruneDeep([[[[1]]]], 3)).toEqual([[[null]]]);
    expect(pruneDeep([[[1, 'x', null]]], 3)).toEqual([[[1, 'x', null]]]);
    expect(pruneDeep([1, [2, [3, { a: 1 }, [4]]]], 2)).toEqual([1, [2, null]]);
    expect(pruneDeep([{ a: 1 }, [], { b: { c: 1 } }], 2)).toEqual([{ a: 1 }, [], { b: null }]);
  });

  it('never replaces primitives, however deep; null stays null', () => {
    const doc = { a: { b: { s: 'x', n: 5, t: true, z: null } } };
    expect(pruneDeep(doc, 2)).toEqual({ a: { b: null } });
    const shallow = { a: { s: 'x', n: 5, t: false, z: null } };
    expect(pruneDeep(shallow, 2)).toEqual({ a: { s: 'x', n: 5, t: false, z: null } });
  });

  it('prunes in place and returns the same document', () => {
    const inner = { c: { d: 1 } };
    const doc = { a: { b: inner } };
    expect(pruneDeep(doc, 3)).toBe(doc);
    expect(doc.a.b).toBe(inner);
    expect(inner.c).toBeNull();
  });

  it('walks every branch: siblings at every level, objects inside arrays inside objects', () => {
    const doc = {
      x: { y: { z: { deep: 1 } }, w: 2 },
      list: [{ k: { deep: 2 } }, { k: 3 }],
      other: { p: { q: 4 } },
    };
    expect(pruneDeep(doc, 3)).toEqual({
      x: { y: { z: null }, w: 2 },
      list: [{ k: null }, { k: 3 }],
      other: { p: { q: 4 } },
    });
  });

  it('with a limit of 1 keeps only the root’s primitive members', () => {
    expect(pruneDeep({ a: 1, b: {}, c: [], d: 'x' }, 1)).toEqual({ a: 1, b: null, c: null, d: 'x' });
    expect(pruneDeep([1, {}, [], 'x'], 1)).toEqual([1, null, null, 'x']);
  });

  it('leaves a primitive or null document as it is', () => {
    expect(pruneDeep(5, 1)).toBe(5);
    expect(pruneDeep('x', 1)).toBe('x');
    expect(pruneDeep(null, 1)).toBeNull();
  });

  it('replaces an own "__proto__" member (as JSON.parse makes it) by a null own member, not the prototype', () => {
    const doc = JSON.parse('{"a":{"b":{"__proto__":{"x":{"y":1}},"keep":{"v":1}}}}') as { a: { b: Record<string, unknown> } };
    pruneDeep(doc, 3);
    const b = doc.a.b;
    expect(Object.getPrototypeOf(b)).toBe(Object.prototype);
    expect(Object.hasOwn(b, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(b, '__proto__')).toEqual({ value: null, enumerable: true, writable: true, configurable: true });
    expect(b.keep).toBeNull();
    expect(JSON.stringify(doc)).toBe('{"a":{"b":{"__proto__":null,"keep":null}}}');
  });

  it('a replaced member stays writable, enumerable and deletable (later passes may change it)', () => {
    const doc = { a: { b: { c: {} } } } as { a: { b: Record<string, unknown> } };
    pruneDeep(doc, 3);
    expect(Object.getOwnPropertyDescriptor(doc.a.b, 'c')).toEqual({ value: null, enumerable: true, writable: true, configurable: true });
    doc.a.b.c = 1;
    expect(doc.a.b.c).toBe(1);
    delete doc.a.b.c;
    expect(Object.keys(doc.a.b)).toEqual([]);
  });

  it(`the default limit is MAX_DOCUMENT_DEPTH (${MAX_DOCUMENT_DEPTH}): a chain of that many objects is kept, one more is cut`, () => {
    expect(MAX_DOCUMENT_DEPTH).toBe(200);
    for (const array of [false, true]) {
      const kept = measure(pruneDeep(chain(MAX_DOCUMENT_DEPTH, array)), array);
      expect(kept.levels).toBe(MAX_DOCUMENT_DEPTH);
      // The innermost object is whole: its leaf member (a primitive) is what ends the walk.
      expect(kept.end).toEqual(array ? true : { leaf: true });
      const cut = measure(pruneDeep(chain(MAX_DOCUMENT_DEPTH + 1, array)), array);
      expect(cut.levels).toBe(MAX_DOCUMENT_DEPTH);
      expect(cut.end).toBeNull();
    }
  });

  it('a document far deeper than the stack allows is pruned without recursion and can be written back', () => {
    const doc = chain(100_000);
    pruneDeep(doc);
    expect(measure(doc).levels).toBe(MAX_DOCUMENT_DEPTH);
    expect(() => JSON.stringify(doc)).not.toThrow();
    expect(() => structuredClone(doc)).not.toThrow();
  });
});
