import { code } from '../text/escape';

/**
 * Owners in a Markdown table cell: each in a code span, so that a job summary or a sticky comment updated on every
 * push never notifies anyone (GitHub does not expand @mentions in code). At most three, then "+N".
 */
export function ownersCell(owners: readonly string[] | undefined): string {
  if (!owners?.length) return '';
  const shown = owners.slice(0, 3).map((o) => code(o, 60));
  return owners.length > 3 ? `${shown.join(' ')} +${owners.length - 3}` : shown.join(' ');
}
