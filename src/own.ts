/**
 * Records keyed by data (level names from a ledger, tool names from a scanner): "__proto__" or "constructor" is a key
 * like any other, never an inherited member of Object.prototype.
 */

/** An empty record without a prototype: lookups of absent keys give undefined, whatever the key. */
export function ownRecord<V>(): Record<string, V> {
  return Object.create(null) as Record<string, V>;
}

/** Adds `n` to `record[key]`, as an own member (counting from 0 when the record has none of its own). */
export function addCount(record: Record<string, number>, key: string, n = 1): void {
  if (Object.hasOwn(record, key)) record[key] = (record[key] as number) + n;
  else Object.defineProperty(record, key, { value: n, enumerable: true, writable: true, configurable: true });
}
