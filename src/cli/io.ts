/** What a CLI command gets from the process (src/bin.ts) or a test: output, working directory, environment, clock. */
export interface CliIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  cwd: string;
  env: Record<string, string | undefined>;
  isTTY: boolean;
  now: () => Date;
}

/** Exit codes (README, "Exit codes"): 0 pass or warn, 1 the gate failed, 2 usage, policy or input error. */
export const EXIT = { ok: 0, fail: 1, usage: 2 } as const;

/** A usage error: the message and where to find the command's usage. Returns EXIT.usage. */
export function usageError(io: Pick<CliIO, 'stderr'>, message: string, command?: string): number {
  io.stderr(`defect-gate: ${message}\nRun 'defect-gate ${command ? `${command} ` : ''}--help' for usage.\n`);
  return EXIT.usage;
}
