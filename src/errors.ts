/**
 * One error model for both shells. A `UserError` is a problem of what the user gave (flags or inputs, the policy, the
 * ledger, GitHub's answers), with a message for people: the CLI prints it and exits 2, the Action fails the step
 * with it. Anything else is a bug ("internal error" / "failed unexpectedly"). Each shell has one `instanceof UserError`
 * and one exit-code mapping (src/cli/index.ts, src/main.ts).
 */

/** What the problem is with: usage (flags, Action inputs), input files, the policy, the ledger, GitHub. */
export type UserErrorCode = 'usage' | 'input' | 'policy' | 'ledger' | 'github';

export class UserError extends Error {
  constructor(
    readonly code: UserErrorCode,
    message: string,
    /** The flag (CLI `--option`) or Action input (`option`) the problem is about, when there is one. */
    readonly option?: string,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** A flag, an argument or an Action input that is not usable as given. */
export class UsageError extends UserError {
  constructor(message: string, option?: string) {
    super('usage', message, option);
    this.name = 'UsageError';
  }
}

/** Formats anything thrown (not only Error objects) for one log line. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  // An Error from another realm (a vm context, a worker) is not `instanceof Error` here.
  const message = typeof err === 'object' && err !== null ? (err as { message?: unknown }).message : undefined;
  if (typeof message === 'string') return message;
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return String(err);
  }
}
