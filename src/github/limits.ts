/**
 * GitHub's size limits for what defect-gate sends, from GitHub's REST API description (`@octokit/openapi`) and docs,
 * and the helpers that keep text inside them.
 */

/** Check runs: annotations per create/update request (more go in later updates, which append). */
export const ANNOTATIONS_PER_REQUEST = 50;
/** Check runs: `output.summary` and `output.text`, in characters. */
export const CHECK_OUTPUT_MAX_CHARS = 65_535;
/** Check runs: annotation `title`, in characters. */
export const ANNOTATION_TITLE_MAX_CHARS = 255;
/** Check runs: annotation `message` and `raw_details`: 64 KB. */
export const ANNOTATION_MESSAGE_MAX_BYTES = 64 * 1024;
/** Issue comments: `body`, in characters. */
export const COMMENT_MAX_CHARS = 65_536;

/** Cuts `s` to at most `maxBytes` UTF-8 bytes (never inside a character), ending with an ellipsis when cut. */
export function truncateBytes(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s, 'utf8') <= maxBytes) return s;
  const budget = maxBytes - 3; // the ellipsis is 3 bytes
  let used = 0;
  let out = '';
  for (const ch of s) {
    const b = Buffer.byteLength(ch, 'utf8');
    if (used + b > budget) break;
    out += ch;
    used += b;
  }
  return `${out}…`;
}

/**
 * Keeps markdown within `maxChars` characters: when it is longer, cuts at a line break and appends `note`
 * (which says that, and where, the rest can be read). The result is never longer than `maxChars`.
 */
export function trimWithNote(text: string, maxChars: number, note: string): string {
  if (text.length <= maxChars) return text;
  const tail = `\n\n${note}\n`;
  let cut = text.slice(0, Math.max(0, maxChars - tail.length));
  // Don't split a UTF-16 surrogate pair.
  if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
  const nl = cut.lastIndexOf('\n');
  if (nl > cut.length / 2) cut = cut.slice(0, nl);
  // Close an open <details> so the note stays visible.
  const open = (cut.match(/<details>/g) ?? []).length - (cut.match(/<\/details>/g) ?? []).length;
  const close = open > 0 ? '\n\n</details>' : '';
  const out = `${cut.slice(0, Math.max(0, maxChars - tail.length - close.length))}${close}${tail}`;
  return out.length <= maxChars ? out : out.slice(0, maxChars);
}
