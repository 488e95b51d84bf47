import type { RatedFinding } from '../model';
import type { Policy } from '../policy/compile';
import { isTeam, type Codeowners } from './codeowners';

/**
 * Owners of every finding: the policy component's `owner`/`owners` when it has one, else the last matching CODEOWNERS
 * rule for the finding's path. Pure: CODEOWNERS comes parsed (the shell reads it, src/io/codeowners.ts).
 * A finding without a path (a dependency without a manifest location, a DAST URL) only gets component owners.
 */
export function assignOwners(findings: RatedFinding[], policy: Policy, codeowners?: Codeowners): void {
  const byComponent = new Map<string, string[]>();
  for (const c of policy.components) if (c.owners?.length && !byComponent.has(c.name)) byComponent.set(c.name, c.owners);
  for (const f of findings) {
    const fromComponent = f.component !== undefined ? byComponent.get(f.component) : undefined;
    if (fromComponent) {
      f.owners = fromComponent;
      f.ownersFrom = `component ${f.component}`;
      continue;
    }
    if (!codeowners || f.path === undefined) continue;
    const rule = codeowners.match(f.path);
    if (!rule) continue;
    // A rule without owners means "nobody": recorded, so `explain` says why the finding has no owner.
    if (rule.owners.length) f.owners = rule.owners;
    f.ownersFrom = `${codeowners.file}:${rule.line} (${rule.pattern})`;
  }
}

/** Users (`@login`, e-mail addresses) and teams (`@org/team`, and a component's free-text owner such as "payments"). */
export function splitOwners(owners: readonly string[] | undefined): { users: string[]; teams: string[] } {
  const users: string[] = [];
  const teams: string[] = [];
  for (const o of owners ?? []) (isUser(o) ? users : teams).push(o);
  return { users, teams };
}

/** `@login` or an e-mail address. */
export function isUser(owner: string): boolean {
  return (/^@[A-Za-z0-9][A-Za-z0-9-]*$/.test(owner) || /^[^@\s]+@[^@\s]+$/.test(owner)) && !isTeam(owner);
}

/** A GitHub login that can be assigned (`@bob` → `bob`); undefined for teams and e-mail addresses. */
export function assignableLogin(owner: string): string | undefined {
  const m = /^@([A-Za-z0-9][A-Za-z0-9-]{0,38})$/.exec(owner);
  return m?.[1];
}
