import defaultPolicyText from '../../policies/default.yml';
import { locator, readPolicySource, validatePolicy } from './load';
import type { PolicyParsed } from './schema';

/** How the built-in policy is named in messages and reports. */
export const DEFAULT_POLICY_NAME = 'policies/default.yml (built in)';

/**
 * The built-in policy (policies/default.yml) as a policy file is read: its YAML parsed and validated with the policy's
 * zod schema and semantic checks. A new object on every call (the caller may change it).
 *
 * The bundles do not do this at run time (issue #21: the YAML parse and the zod check were most of a small check's
 * policy work, for a file that is the same in every run): scripts/build.mjs calls this function at build time and
 * gives the bundles, in place of this module, one that returns a copy of the value it computed
 * (`prevalidatedBuiltinPolicy`). __tests__/builtin-policy.test.ts checks that the copy equals what this function
 * returns. A policy file given by the user is always read and validated in full.
 */
export function builtinPolicyParsed(): PolicyParsed {
  const source = readPolicySource(defaultPolicyText, DEFAULT_POLICY_NAME);
  return validatePolicy(source.raw, locator([source]));
}
