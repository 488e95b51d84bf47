import * as core from '@actions/core';
import { resolve } from 'node:path';
import type { CheckSettings } from '../check';
import { parseFormatOverrides, splitList } from '../io/inputs';

/**
 * The one reader of Action inputs: builds the typed settings; nothing else calls core.getInput.
 * Input errors name the bad value and the expected form.
 */

export class InputValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputValidationError';
  }
}

export interface ActionSettings extends CheckSettings {
  /** Name shown in the summary title. */
  name: string;
  /** Whether to write the job summary. */
  jobSummary: boolean;
  /** Most workflow-command annotations for blocking findings (GitHub shows 10 per type per step). */
  maxAnnotations: number;
}

function choice<T extends string>(name: string, value: string, allowed: readonly T[], fallback: T): T {
  if (value === '') return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new InputValidationError(`Invalid input '${name}': '${value}'. Expected one of: ${allowed.join(', ')}.`);
}

function bool(name: string, value: string, fallback: boolean): boolean {
  if (value === '') return fallback;
  if (/^(true|yes|on|1)$/i.test(value)) return true;
  if (/^(false|no|off|0)$/i.test(value)) return false;
  throw new InputValidationError(`Invalid input '${name}': '${value}'. Expected true or false.`);
}

export function readActionSettings(env: NodeJS.ProcessEnv = process.env): ActionSettings {
  const get = (n: string) => core.getInput(n).trim();
  const files = splitList(core.getInput('files'));
  if (files.length === 0) {
    throw new InputValidationError(
      "Input 'files' is empty. Expected the scanner reports to check: paths, directories or globs, newline- or comma-separated (e.g. 'results/*.sarif').",
    );
  }
  let formatOverrides;
  try {
    formatOverrides = parseFormatOverrides(splitList(core.getInput('input-formats')));
  } catch (err) {
    throw new InputValidationError(`Invalid input 'input-formats': ${(err as Error).message}`);
  }
  const maxRaw = get('max-annotations');
  const maxAnnotations = maxRaw === '' ? 10 : Number(maxRaw);
  if (!Number.isInteger(maxAnnotations) || maxAnnotations < 0) {
    throw new InputValidationError(`Invalid input 'max-annotations': '${maxRaw}'. Expected a whole number (0 to turn annotations off).`);
  }
  const workspace = resolve(env.GITHUB_WORKSPACE || process.cwd());
  return {
    name: get('name') || 'defect-gate',
    files,
    policy: get('policy') || undefined,
    environment: get('environment') || undefined,
    eventName: env.GITHUB_EVENT_NAME,
    onInputError: choice('on-input-error', get('on-input-error'), ['fail', 'warn'] as const, 'fail'),
    reportPath: get('report') || undefined,
    sarifOutput: get('sarif-output') || undefined,
    workspace,
    formatOverrides,
    jobSummary: bool('job-summary', get('job-summary'), true),
    maxAnnotations,
  };
}
