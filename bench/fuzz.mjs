// `npm run fuzz [-- CASES [SEED]]`: the mutation fuzzers with thousands of cases: scanner files of the corpus
// (__tests__/fuzz.test.ts; CASES of them), ledgers and policies (__tests__/fuzz-files.test.ts; CASES / 2 of each), and
// mutations toward the fail-closed bypass classes (__tests__/fuzz-bypass.test.ts; CASES of them).
// CI runs the same tests with a fixed seed and a few hundred cases.
import { spawnSync } from 'node:child_process';

const cases = process.argv[2] ?? process.env.FUZZ_CASES ?? '5000';
const seed = process.argv[3] ?? process.env.FUZZ_SEED ?? String(Date.now() % 1_000_000_007);
process.stdout.write(`fuzz: ${cases} cases, seed ${seed} (rerun: npm run fuzz -- ${cases} ${seed})\n`);
const r = spawnSync(
  process.execPath,
  [
    '--experimental-vm-modules',
    '--no-warnings=ExperimentalWarning',
    'node_modules/jest/bin/jest.js',
    '__tests__/fuzz.test.ts',
    '__tests__/fuzz-files.test.ts',
    '__tests__/fuzz-bypass.test.ts',
    '--verbose',
  ],
  { stdio: 'inherit', env: { ...process.env, FUZZ_CASES: cases, FUZZ_SEED: seed } },
);
process.exit(r.status ?? 1);
