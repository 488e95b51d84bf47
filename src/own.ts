/**
 * Records keyed by data (level names from a ledger, tool names from a scanner): "__proto__" or "constructor" is a key
 * like any other, never an inherited member of Object.prototype.
 */

/** An empty record without a prototype: lookups of absent keys give undefined, whatever the key. */
export function ownRecord<V>(): Record<string, V> {
  return Object.create(null) as Record<string, V>;
}

/**
 * Adds `n` to the count of `key` (counting from 0 when there is none): the one counter for keys that are data. In a
 * record the count is an own member; a Map is counted as is.
 */
export function addCount(counts: Record<string, number> | Map<string, number>, key: string, n = 1): void {
  if (counts instanceof Map) counts.set(key, (counts.get(key) ?? 0) + n);
  else if (Object.hasOwn(counts, key)) counts[key] = (counts[key] as number) + n;
  else Object.defineProperty(counts, key, { value: n, enumerable: true, writable: true, configurable: true });
}
