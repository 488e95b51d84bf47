import { describe, expect, it } from '@jest/globals';
import { prevalidatedBuiltinPolicy } from '../scripts/build.mjs';
import { loadPolicy } from '../src/io/policy';
import { builtinPolicyParsed, DEFAULT_POLICY_NAME } from '../src/policy/builtin';
import { parsePolicy } from '../src/policy/load';
import defaultPolicyText from '../policies/default.yml';

// The bundles ship the built-in policy pre-validated (scripts/build.mjs replaces src/policy/builtin.ts with the value
// it computed at build time; issue #21). These tests keep that copy and the YAML from drifting apart.

describe('the built-in policy, pre-validated at build time', () => {
  it('is what the YAML parse and the zod schema give from policies/default.yml, unchanged by JSON', async () => {
    const shipped = await prevalidatedBuiltinPolicy();
    expect(shipped.name).toBe(DEFAULT_POLICY_NAME);
    const fromYaml = parsePolicy(defaultPolicyText, DEFAULT_POLICY_NAME);
    expect(JSON.parse(shipped.json)).toStrictEqual(fromYaml);
    expect(builtinPolicyParsed()).toStrictEqual(fromYaml);
  });

  it('is a new object on every call: a caller that changes it changes no later run', () => {
    const a = builtinPolicyParsed();
    a.severity.levels.push('extra');
    expect(builtinPolicyParsed().severity.levels).not.toContain('extra');
    expect(loadPolicy(undefined, process.cwd()).file).toBe(DEFAULT_POLICY_NAME);
  });
});
