/**
 * Nesting depth beyond which a kept SARIF document's subtrees are replaced by null: writing such a document back
 * (rated SARIF: structuredClone, JSON.stringify) would overflow the stack. Real logs nest about 15 levels deep.
 */
export const MAX_DOCUMENT_DEPTH = 200;

/** Cuts subtrees nested deeper than MAX_DOCUMENT_DEPTH (in place, iteratively); returns the document. */
export function pruneDeep<T>(doc: T, max = MAX_DOCUMENT_DEPTH): T {
  const values: unknown[] = [doc];
  const depths: number[] = [0];
  while (values.length > 0) {
    const v = values.pop() as object;
    const d = depths.pop() as number;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const c: unknown = v[i];
        if (typeof c !== 'object' || c === null) continue;
        if (d + 1 >= max) v[i] = null;
        else {
          values.push(c);
          depths.push(d + 1);
        }
      }
    } else if (typeof v === 'object' && v !== null) {
      for (const k of Object.keys(v)) {
        const c: unknown = (v as Record<string, unknown>)[k];
        if (typeof c !== 'object' || c === null) continue;
        if (d + 1 >= max) Object.defineProperty(v, k, { value: null, enumerable: true, writable: true, configurable: true });
        else {
          values.push(c);
          depths.push(d + 1);
        }
      }
    }
  }
  return doc;
}
