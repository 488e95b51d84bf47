/** Tool references of native parsers (Snyk, Checkov and GitLab reports name several tools per file). */
import type { ToolRef } from '../../model';

/** Unique list of tools in insertion order. */
export class ToolSet {
  private readonly map = new Map<string, ToolRef>();
  add(t: ToolRef): ToolRef {
    const key = `${t.name}\u0000${t.version ?? ''}`;
    const known = this.map.get(key);
    if (known) return known;
    this.map.set(key, t);
    return t;
  }
  list(): ToolRef[] {
    return [...this.map.values()];
  }
}

export function toolRef(name: string, version?: string): ToolRef {
  return version ? { name, version } : { name };
}
