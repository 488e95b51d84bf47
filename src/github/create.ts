import { classify, GitHubUnavailableError } from './retry';

/**
 * Creating an object that a failed request may have created anyway. A 5xx (or no answer) after a POST does not say
 * whether GitHub carried it out: sending it again blindly gave two sticky comments and a check run left `in_progress`.
 * So after such a failure the caller's `find` looks for the object first (a check run by its `external_id`, the comment
 * by its marker and author), and only when it is not there is the create sent again (at most `attempts` in all).
 */

/** Whether a failed create may have been carried out (5xx, or no answer). */
export function isAmbiguous(err: unknown): boolean {
  if (err instanceof GitHubUnavailableError) return true;
  const kind = classify(err).kind;
  return kind === 'server' || kind === 'network';
}

export interface Created<T> {
  value: T;
  /** True when the object was found after an ambiguous failure instead of being created by an answered request. */
  recovered: boolean;
  /** Create requests sent. */
  attempts: number;
}

export async function createOnce<T>(create: () => Promise<T>, find: () => Promise<T | undefined>, attempts = 3): Promise<Created<T>> {
  let last: unknown;
  for (let i = 1; i <= attempts; i++) {
    try {
      return { value: await create(), recovered: false, attempts: i };
    } catch (err) {
      if (!isAmbiguous(err)) throw err;
      last = err;
      // When GitHub does not answer the look-up either, give up with the create's error.
      const found = await find().catch(() => {
        throw err;
      });
      if (found !== undefined) return { value: found, recovered: true, attempts: i };
    }
  }
  throw last;
}
