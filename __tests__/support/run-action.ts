import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { distDir } from './dist';

/**
 * Runs the built Action (index.js of the bundles built from the current sources by the jest global setup; see
 * ./dist.ts) the way the runner runs it: INPUT_* variables, GITHUB_EVENT_NAME/PATH,
 * GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_WORKSPACE. The child is spawned asynchronously, so a local GitHub server
 * in the test process can answer it. Exit status 1 means core.setFailed was called.
 */

/** The Action bundle under test (a getter: DEFECT_GATE_DIST is read when a test runs). */
export const actionBundle = (): string => join(distDir(), 'index.js');

export interface ActionRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** GITHUB_OUTPUT, parsed from the heredoc form `name<<delimiter\nvalue\ndelimiter`. */
  outputs: Record<string, string>;
  summary: string;
}

export async function runDistAction(opts: {
  /** Temporary directory for the output and summary files. */
  dir: string;
  workspace: string;
  inputs: Record<string, string>;
  eventName: string;
  eventPath: string;
  /** More environment (GITHUB_API_URL, GITHUB_SHA, …); defaults are GitHub's for a push to main of acme/app. */
  env?: Record<string, string>;
}): Promise<ActionRun> {
  const outputPath = join(opts.dir, 'output.txt');
  const summaryPath = join(opts.dir, 'summary.md');
  writeFileSync(outputPath, '');
  writeFileSync(summaryPath, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: opts.workspace,
    GITHUB_EVENT_NAME: opts.eventName,
    GITHUB_EVENT_PATH: opts.eventPath,
    GITHUB_OUTPUT: outputPath,
    GITHUB_STEP_SUMMARY: summaryPath,
    GITHUB_REPOSITORY: 'acme/app',
    GITHUB_SHA: 'a'.repeat(40),
    GITHUB_REF: 'refs/heads/main',
    RUNNER_TEMP: opts.dir,
    ...opts.env,
  };
  for (const [k, v] of Object.entries(opts.inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  const child = spawn(process.execPath, [actionBundle()], { cwd: opts.workspace, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const status = await new Promise<number | null>((ok) => child.on('close', (code) => ok(code)));
  const outputs: Record<string, string> = {};
  const text = readFileSync(outputPath, 'utf8');
  const re = /^([^<\n]+)<<(.+)\n([\s\S]*?)\n\2$/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) outputs[m[1] as string] = m[3] as string;
  return { status, stdout, stderr, outputs, summary: readFileSync(summaryPath, 'utf8') };
}
