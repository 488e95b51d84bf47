/**
 * Merging a policy onto the policies it extends. Pure, on plain values (before validation). The documented rules:
 *
 * - `severity.levels`, `severity.default`, `suppressions`, `criticality`: the derived policy's value when it sets one,
 *   else the base's.
 * - `severity.from-score`, `from-level`, `from-scanner`, `sla`, `incomplete-scans`, `gate-scope`, `coverage` (by
 *   environment), `activities` (by tool), and the `exceptions` rules (`require`, `max-days`,
 *   `allow`, `expiring-days`): merged key by key, the derived policy wins.
 * - `severity.rules`: the base's rules, then the derived policy's (appended).
 * - `gates`: by profile; a profile the derived policy defines replaces the base's profile of that name.
 * - `components`: by name; a derived component replaces the base's of the same name, others are appended.
 * - `exceptions.entries`: concatenated; ids must be unique across all files.
 * - `locked`: the union; a derived policy may not change a locked key (a dotted path such as `sla.critical`).
 */

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Sets an own member, whatever the key (`out["__proto__"] = v` would set the prototype instead). */
function setOwn(o: Obj, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

function keyMerge(a: unknown, b: unknown): unknown {
  if (b === undefined) return a;
  if (isObj(a) && isObj(b)) return { ...a, ...b };
  return b;
}

function byName(a: unknown, b: unknown): unknown {
  if (!Array.isArray(b)) return a;
  if (!Array.isArray(a)) return b;
  const out = [...a];
  for (const item of b) {
    const name = isObj(item) ? item.name : undefined;
    const at = name === undefined ? -1 : out.findIndex((x) => isObj(x) && x.name === name);
    if (at >= 0) out[at] = item;
    else out.push(item);
  }
  return out;
}

export function mergePolicyValues(base: Obj, child: Obj): Obj {
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(child)) {
    if (k === 'extends') continue;
    switch (k) {
      case 'severity': {
        const b = isObj(base.severity) ? base.severity : {};
        const c = isObj(v) ? v : {};
        const sev: Obj = { ...b, ...c };
        for (const m of ['from-score', 'from-level', 'from-scanner']) {
          const merged = keyMerge(b[m], c[m]);
          if (merged !== undefined) sev[m] = merged;
        }
        const rules = [...(Array.isArray(b.rules) ? b.rules : []), ...(Array.isArray(c.rules) ? c.rules : [])];
        if (rules.length > 0 || 'rules' in c || 'rules' in b) sev.rules = rules;
        out.severity = sev;
        break;
      }
      case 'sla':
      case 'gates':
      case 'incomplete-scans':
      case 'gate-scope':
      case 'coverage':
      case 'activities':
        setOwn(out, k, keyMerge(Object.hasOwn(base, k) ? base[k] : undefined, v));
        break;
      case 'components':
        setOwn(out, k, byName(Object.hasOwn(base, k) ? base[k] : undefined, v));
        break;
      case 'exceptions': {
        const b = isObj(base.exceptions) ? base.exceptions : {};
        const c = isObj(v) ? v : {};
        const ex: Obj = { ...b, ...c };
        for (const m of ['max-days', 'allow']) {
          const merged = keyMerge(b[m], c[m]);
          if (merged !== undefined) ex[m] = merged;
        }
        const entries = [...(Array.isArray(b.entries) ? b.entries : []), ...(Array.isArray(c.entries) ? c.entries : [])];
        if (entries.length > 0) ex.entries = entries;
        delete ex.include; // includes are resolved per file, before merging
        out.exceptions = ex;
        break;
      }
      case 'locked':
        out.locked = [...new Set([...(Array.isArray(base.locked) ? base.locked : []), ...(Array.isArray(v) ? v : [])])];
        break;
      default:
        setOwn(out, k, v);
    }
  }
  delete out.extends;
  return out;
}

/** The value at a dotted path (`sla.critical`, `gates.production`), or undefined. */
export function getPath(o: unknown, dotted: string): unknown {
  let cur: unknown = o;
  for (const k of dotted.split('.')) {
    if (!isObj(cur) || !Object.hasOwn(cur, k)) return undefined;
    cur = cur[k];
  }
  return cur;
}

function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (isObj(v))
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable(v[k])}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'undefined';
}

/** Locked paths whose value the derived policy changed. */
export function lockViolations(base: Obj, merged: Obj, locked: readonly string[]): string[] {
  return locked.filter((path) => stable(getPath(base, path)) !== stable(getPath(merged, path)));
}
