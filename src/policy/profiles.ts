import type { GateProfileInput, GateRuleInput, PolicyParsed } from './schema';
import { ownRecord } from '../own';

/**
 * Gate profiles can inherit: `production: {extends: staging, rules: [...]}` gets staging's rules first, then its own.
 * A child rule with the same name as an inherited one replaces it (in the inherited position).
 */

export interface ProfileRule {
  rule: GateRuleInput;
  /** Where the rule is written: the profile and the index in its own list. */
  profile: string;
  index: number;
}

type Profiles = PolicyParsed['gates'];

export function ownRules(p: GateProfileInput): GateRuleInput[] {
  return Array.isArray(p) ? p : (p.rules ?? []);
}

export function parentsOf(p: GateProfileInput): string[] {
  if (Array.isArray(p)) return [];
  return Array.isArray(p.extends) ? p.extends : [p.extends];
}

/** Resolves every profile's rules; problems (unknown parent, cycle) are returned, not thrown. */
export function resolveProfiles(gates: Profiles): {
  rules: Record<string, ProfileRule[]>;
  problems: { profile: string; message: string }[];
} {
  // Profile names are user text ("constructor"): looked up as own members only.
  const out = ownRecord<ProfileRule[]>();
  const has = (name: string) => Object.hasOwn(gates, name);
  const problems: { profile: string; message: string }[] = [];
  const visiting: string[] = [];
  const resolve = (name: string): ProfileRule[] => {
    const done = Object.hasOwn(out, name) ? out[name] : undefined;
    if (done) return done;
    const profile = has(name) ? gates[name] : undefined;
    if (!profile) return [];
    if (visiting.includes(name)) {
      problems.push({
        profile: name,
        message: `gate profiles extend each other in a cycle: ${[...visiting.slice(visiting.indexOf(name)), name].join(' → ')}`,
      });
      return [];
    }
    visiting.push(name);
    const list: ProfileRule[] = [];
    for (const parent of parentsOf(profile)) {
      if (!has(parent)) {
        problems.push({
          profile: name,
          message: `profile "${name}" extends "${parent}", which is not a gate profile: expected one of ${Object.keys(gates).join(', ')}`,
        });
        continue;
      }
      for (const r of resolve(parent)) if (!list.some((x) => x.rule.name === r.rule.name)) list.push(r);
    }
    ownRules(profile).forEach((rule, index) => {
      const at = list.findIndex((x) => x.rule.name === rule.name);
      const entry = { rule, profile: name, index };
      if (at >= 0) list[at] = entry;
      else list.push(entry);
    });
    visiting.pop();
    out[name] = list;
    return list;
  };
  for (const name of Object.keys(gates)) resolve(name);
  return { rules: out, problems };
}
