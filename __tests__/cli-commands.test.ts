import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../src/cli';
import { CHECK, TRACK } from '../src/cli/check';
import { EXCEPTIONS } from '../src/cli/exceptions';
import { EXPLAIN } from '../src/cli/explain';
import { POLICY, TEST, VALIDATE } from '../src/cli/policy';
import { REPORT } from '../src/cli/report';
import type { CommandSpec } from '../src/cli/options';

/** The CLI's layout (src/cli/): one module and one option table per command, --help everywhere, no borrowed flags. */

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    cwd: '/nonexistent-workspace',
    env: {},
    isTTY: false,
    now: () => new Date('2026-11-25T12:00:00Z'),
  });
  return { code, stdout, stderr };
}

const COMMANDS: [string[], CommandSpec][] = [
  [['check'], CHECK],
  [['track'], TRACK],
  [['exceptions'], EXCEPTIONS],
  [['report'], REPORT],
  [['explain'], EXPLAIN],
  [['policy'], POLICY],
  [['policy', 'validate'], VALIDATE],
  [['policy', 'test'], TEST],
];

const flags = (spec: CommandSpec) => Object.keys(spec.options).map((k) => `--${k}`);

describe('defect-gate <command> --help', () => {
  it.each(COMMANDS.map(([argv, spec]) => [argv.join(' '), argv, spec] as const))(
    '%s --help and -h print its own usage and options, exit 0',
    async (_name, argv, spec) => {
      for (const h of ['--help', '-h']) {
        const r = await cli([...argv, h]);
        expect(r).toMatchObject({ code: 0, stderr: '' });
        expect(r.stdout).toContain(`Usage:\n  defect-gate ${argv.join(' ')}`);
        for (const flag of flags(spec)) expect(r.stdout).toContain(`${flag}`);
      }
    },
  );

  it('the help of a command lists no flag of another command', async () => {
    const check = (await cli(['check', '--help'])).stdout;
    expect(check).not.toContain('--since');
    expect(check).not.toContain('--rule');
    const validate = (await cli(['policy', 'validate', '--help'])).stdout;
    expect(validate).toContain('--strict');
    expect(validate).not.toContain('--tests');
    expect(validate).not.toContain('--ledger');
  });
});

describe("no command accepts another command's flags", () => {
  const all = new Set(COMMANDS.flatMap(([, spec]) => flags(spec)));
  it.each(COMMANDS.filter(([argv]) => argv.join(' ') !== 'policy').map(([argv, spec]) => [argv.join(' '), argv, spec] as const))(
    '%s refuses every flag that is not in its table (exit 2, Unknown option)',
    async (_name, argv, spec) => {
      const own = new Set(flags(spec));
      const foreign = [...all].filter((f) => !own.has(f));
      expect(foreign.length).toBeGreaterThan(0);
      for (const flag of foreign) {
        const r = await cli([...argv, flag, 'x', 'file.sarif']);
        // `policy validate|test --policy` names the way to give the file (tested below); every other one is unknown.
        const refused =
          flag === '--policy' && argv[0] === 'policy' ? 'give the policy file as an argument, not --policy' : `Unknown option '${flag}'`;
        expect({ flag, code: r.code, refused: r.stderr.includes(refused) }).toEqual({ flag, code: 2, refused: true });
        expect(r.stderr).toContain(`Run 'defect-gate ${argv.join(' ')} --help' for usage.`);
      }
    },
  );

  it('policy validate --policy says to give the file as an argument', async () => {
    const r = await cli(['policy', 'validate', '--policy', 'p.yml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('policy validate: give the policy file as an argument, not --policy');
  });

  it('options before the command, an unknown command or none: exit 2 with the list of commands', async () => {
    for (const argv of [['--policy', 'p.yml', 'check', 'x.sarif'], ['lint'], []]) {
      const r = await cli(argv);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/`check`, `track`, `exceptions`, `report`, `policy` or `explain`/);
    }
    expect((await cli(['--policy', 'p.yml', 'check'])).stderr).toContain('give the command first');
  });
});

describe('policies without a `default` gate profile, and the built-in policy', () => {
  const ws = mkdtempSync(join(tmpdir(), 'dg-cli-commands-'));
  const two =
    'version: 1\nseverity:\n  levels: [critical, high]\ngates:\n  staging: []\n  production:\n    - {name: no criticals, severity: ">= critical", action: fail, max: 0}\n';
  const one =
    'version: 1\nseverity:\n  levels: [critical, high]\ngates:\n  production:\n    - {name: no criticals, severity: ">= critical", action: fail, max: 0}\n';
  writeFileSync(join(ws, 'two.yml'), two);
  writeFileSync(join(ws, 'one.yml'), one);
  writeFileSync(join(ws, 'empty.sarif'), JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { name: 't' } }, results: [] }] }));
  const run = async (args: string[]) => {
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
  };

  it('policy validate warns at `gates:` that there is no default profile, and what the CLI does instead', async () => {
    const r = await run(['policy', 'validate', 'two.yml']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'two.yml:4:1: warning: gates: no `default` gate profile: the CLI gates with it when --environment is not given, so every run must give --environment (one of staging, production)',
    );
    expect((await run(['policy', 'validate', 'one.yml'])).stdout).toContain('(it uses the only profile, "production", instead)');
    expect((await run(['policy', 'validate', '--strict', 'two.yml'])).code).toBe(1);
    expect((await run(['policy', 'validate'])).stdout).not.toContain('no `default` gate profile');
  });

  it('exceptions with FILES names the --environment it needs, or uses the only profile', async () => {
    const r = await run(['exceptions', '--policy', 'two.yml', 'empty.sarif']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('give --environment NAME (one of staging, production)');
    expect((await run(['exceptions', '--policy', 'two.yml', '--environment', 'staging', 'empty.sarif'])).code).toBe(0);
    expect((await run(['exceptions', '--policy', 'one.yml', 'empty.sarif'])).code).toBe(0);
  });

  it('policy test without arguments tests the built-in policy with its bundled tests', async () => {
    const r = await run(['policy', 'test']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('policies/default.test.yml (built in)');
    expect(r.stdout).not.toMatch(/FAIL/);
    expect(r.code).toBe(0);
  });
});

describe('inputs that could not be read come first, on stderr', () => {
  const ws = mkdtempSync(join(tmpdir(), 'dg-cli-inputs-'));
  writeFileSync(join(ws, 'empty.sarif'), JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { name: 't' } }, results: [] }] }));
  it('a missing file and an empty glob: the first lines of stderr, before the all-"ok" gate table on stdout', async () => {
    const out: string[] = [];
    const code = await runCli(['check', 'nope.sarif', 'x/*.sarif', 'empty.sarif'], {
      stdout: (s) => out.push(`stdout:${s}`),
      stderr: (s) => out.push(`stderr:${s}`),
      cwd: ws,
      env: {},
      isTTY: false,
      now: () => new Date('2026-11-25T12:00:00Z'),
    });
    expect(code).toBe(2);
    expect(out[0]).toBe(
      'stderr:error: nope.sarif: file not found (check the path (relative to the workspace) and that the scanner step wrote its report there)\n',
    );
    expect(out[1]).toMatch(/^stderr:error: x\/\*\.sarif: no file matches this pattern/);
    expect(out[2]).toMatch(/^stdout:defect-gate FAIL/);
  });
});
