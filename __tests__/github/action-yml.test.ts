import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/** Every input the Action reads is declared in action.yml, and every declared input is read. */
describe('action.yml and src/action/inputs.ts', () => {
  it('declare the same inputs', () => {
    const action = parse(readFileSync('action.yml', 'utf8')) as { inputs: Record<string, unknown> };
    const source = readFileSync('src/action/inputs.ts', 'utf8');
    const read = new Set([...source.matchAll(/(?:get|getInput)\('([a-z-]+)'\)/g)].map((m) => m[1]));
    expect([...read].sort()).toEqual(Object.keys(action.inputs).sort());
  });
});
