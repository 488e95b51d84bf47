/**
 * A value built on first use, that reads like the value itself: `lazyObject(() => z.object({...}))` is typed as the
 * schema and behaves like it (members, `in`, `instanceof`), and the schema is built the first time one of its members
 * is read. For module-level zod schemas that other modules import by name: building them when the module is
 * evaluated cost every run, also the many that never validate such a document (issue #21, small runs start fast).
 */
export function lazyObject<T extends object>(build: () => T): T {
  let value: T | undefined;
  const real = (): T => (value ??= build());
  return new Proxy({} as T, {
    get: (_, key) => Reflect.get(real(), key),
    set: (_, key, v) => Reflect.set(real(), key, v),
    has: (_, key) => Reflect.has(real(), key),
    ownKeys: () => Reflect.ownKeys(real()),
    getOwnPropertyDescriptor: (_, key) => {
      const d = Reflect.getOwnPropertyDescriptor(real(), key);
      // A proxy may not report a member its (empty) target lacks as non-configurable.
      return d && { ...d, configurable: true };
    },
    getPrototypeOf: () => Reflect.getPrototypeOf(real()),
  });
}
