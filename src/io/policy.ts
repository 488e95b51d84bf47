import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import defaultPolicyText from '../../policies/default.yml';
import { compilePolicy, type Policy } from '../policy/compile';
import { parsePolicy, PolicyLoadError } from '../policy/load';

export const DEFAULT_POLICY_NAME = 'policies/default.yml (built in)';

export { defaultPolicyText };

/** Loads and compiles a policy file, or the built-in default when `path` is empty. Throws PolicyLoadError. */
export function loadPolicy(path: string | undefined, workspace: string): { policy: Policy; file: string } {
  if (!path) return { policy: compilePolicy(parsePolicy(defaultPolicyText, DEFAULT_POLICY_NAME)), file: DEFAULT_POLICY_NAME };
  const abs = resolve(workspace, path);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message;
    throw new PolicyLoadError([{ file: path, line: 1, column: 1, path: '', message: `cannot read the policy: ${why}` }]);
  }
  return { policy: compilePolicy(parsePolicy(text, path)), file: path };
}
