// `npm start`: runs the built CLI on the bundled examples with the default policy, as a deployment gate would.
// The gate's own exit status (0 pass/warn, 1 fail) is the demo working; only 2 (an error) fails `npm start`.
import { spawnSync } from 'node:child_process';

const args = [
  'dist/cli.js',
  'check',
  '--environment',
  'production',
  '--report',
  'defect-gate-report.json',
  '--sarif-output',
  'defect-gate.sarif',
  'examples/',
];
console.log(`$ node ${args.join(' ')}\n`);
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
const code = r.status ?? 2;
const meaning = { 0: 'the gate passed', 1: 'the gate failed: a deployment job would stop here' }[code] ?? 'an error occurred';
console.log(`\nexit status ${code}: ${meaning}. Full report: defect-gate-report.json; rated SARIF: defect-gate.sarif`);
process.exitCode = code === 0 || code === 1 ? 0 : code;
