import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorMessage, UserError } from '../src/errors';
import { OutputPathError } from '../src/check';
import { PolicyLoadError } from '../src/policy/load';
import { PolicyTestFileError } from '../src/policy/testing';
import { UnknownEnvironmentError } from '../src/gate/gate';
import { LedgerError, LedgerFormatError } from '../src/ledger/schema';
import { InputValidationError } from '../src/action/inputs';
import { GitHubUnavailableError } from '../src/github/retry';
import { runCli } from '../src/cli';

/** One error model (src/errors.ts): every error for people is a UserError with a code; each shell maps it once. */

describe('UserError', () => {
  it('every error for people is a UserError with its code', () => {
    const pos = { file: 'p.yml', line: 3, column: 5, path: 'levels', message: 'bad' };
    const cases: [UserError, UserError['code']][] = [
      [new OutputPathError('report', 'out/r.json', 'a directory'), 'usage'],
      [new InputValidationError("Invalid input 'x'"), 'usage'],
      [new PolicyLoadError([pos]), 'policy'],
      [new PolicyTestFileError([pos]), 'policy'],
      [new UnknownEnvironmentError('prod', ['default']), 'policy'],
      [new LedgerError('l.json', 'locked'), 'ledger'],
      [new LedgerFormatError('l.json', 'damaged'), 'ledger'],
      [new GitHubUnavailableError('GitHub did not answer', new Error('ECONNRESET')), 'github'],
    ];
    for (const [err, code] of cases)
      expect({ name: err.name, user: err instanceof UserError, code: err.code }).toEqual({ name: err.name, user: true, code });
    expect(new OutputPathError('sarif-output', 'x', 'y').option).toBe('sarif-output');
  });

  it('errorMessage formats anything thrown', () => {
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage('text')).toBe('text');
    expect(errorMessage({ message: 'from another realm' })).toBe('from another realm');
    expect(errorMessage({ code: 42 })).toBe('{"code":42}');
    expect(errorMessage(undefined)).toBe('undefined');
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(errorMessage(circular)).toBe('[object Object]');
  });
});

describe('the CLI maps every UserError to exit 2 in one place', () => {
  const ws = mkdtempSync(join(tmpdir(), 'dg-errors-'));
  writeFileSync(join(ws, 'empty.sarif'), JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { name: 't' } }, results: [] }] }));
  writeFileSync(join(ws, 'bad.yml'), 'levels: 3\n');
  writeFileSync(join(ws, 'ledger.json'), '{"not":"a ledger"');
  async function cli(args: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await runCli(args, {
      stdout: (s) => (stdout += s),
      stderr: (s) => (stderr += s),
      cwd: ws,
      env: {},
      isTTY: false,
      now: () => new Date('2026-11-25T12:00:00Z'),
    });
    return { code, stdout, stderr };
  }

  it("usage (an output path): the flag, the message and the command's help line", async () => {
    const r = await cli(['check', '--report', '.', 'empty.sarif']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^defect-gate: --report: cannot write the JSON report to/);
    expect(r.stderr).toContain("Run 'defect-gate check --help' for usage.");
  });

  it('policy, environment and ledger problems: the message, no help line', async () => {
    for (const [args, text] of [
      [['check', '--policy', 'bad.yml', 'empty.sarif'], 'invalid policy'],
      [
        ['check', '--environment', 'nowhere', 'empty.sarif'],
        'defect-gate: --environment: no gate profile "nowhere" in the policy: expected one of ',
      ],
      [['explain', '--policy', 'bad.yml', 'empty.sarif'], 'invalid policy'],
      [['report', '--ledger', 'file:ledger.json'], 'ledger.json'],
    ] as const) {
      const r = await cli([...args]);
      expect({ args, code: r.code, text: r.stderr.includes(text), help: r.stderr.includes('--help') }).toEqual({
        args,
        code: 2,
        text: true,
        help: false,
      });
    }
  });
});
