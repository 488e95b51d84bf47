// Validates .github/workflows/*.yml and action.yml against the published GitHub Actions schemas (SchemaStore's
// github-workflow and github-action schemas, as embedded in @action-validator/cli, which runs offline: wasm).
// Also the README's first workflow (paste-ready).
// `node scripts/validate-workflows.mjs` — exits 1 on the first invalid file, printing the validator's errors.
//
// action-validator 0.6.0 embeds a schema older than the node24 runtime (`runs.using: node24`, which GitHub runs and
// this Action uses): action.yml is validated with that one value read as node20, and `using` is checked separately.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

const validator = join('node_modules', '.bin', 'action-validator');
let failed = 0;
function validate(file, shown = file) {
  const r = spawnSync(validator, [file], { encoding: 'utf8' });
  if (r.status === 0) {
    console.log(`ok ${shown}`);
    return;
  }
  failed++;
  console.error(`invalid ${shown}:\n${r.stdout}${r.stderr}`);
}

const dir = '.github/workflows';
const workflows = readdirSync(dir)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
if (workflows.length === 0) {
  console.error(`no workflow in ${dir}`);
  failed++;
}
for (const f of workflows) validate(join(dir, f));

// The README's first workflow is meant to be pasted as-is: it must validate too.
const readme = readFileSync('README.md', 'utf8');
const pasted = /## In a workflow\n[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
if (!pasted || !/^on:/m.test(pasted)) {
  console.error('README.md: no workflow (with `on:`) in the first yaml block of "In a workflow"');
  failed++;
} else {
  const t = mkdtempSync(join(tmpdir(), 'dg-readme-wf-'));
  try {
    writeFileSync(join(t, 'security.yml'), pasted);
    validate(join(t, 'security.yml'), 'README.md "In a workflow"');
  } finally {
    rmSync(t, { recursive: true, force: true });
  }
}

const action = readFileSync('action.yml', 'utf8');
const using = parse(action)?.runs?.using;
if (using !== 'node24' && using !== 'node20') {
  console.error(`action.yml: runs.using is ${JSON.stringify(using)}: expected node24 (or node20)`);
  failed++;
}
const tmp = mkdtempSync(join(tmpdir(), 'dg-action-yml-'));
try {
  const copy = join(tmp, 'action.yml');
  writeFileSync(copy, action.replace(/^(\s*using:\s*)node24\s*$/m, '$1node20'));
  validate(copy, 'action.yml');
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
