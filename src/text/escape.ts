/**
 * Rendering untrusted scanner text safely. Every piece of scanner text that reaches markdown, HTML or an annotation
 * goes through one of these functions.
 */

// C0/C1 control characters except tab/newline, plus bidi overrides and other invisible formatting characters.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const CONTROL_TEST = new RegExp(CONTROL.source);
const MD_SPECIAL = /[\\`*_[\]()#!|~<>&"']/g;
// Block syntax only matters at the start of a line: list markers, ordered lists, setext underlines, quotes.
const LEADING_BLOCK = /^([-+=]|\d+[.)])/;
const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const ZWSP = '\u200b';

/** Removes control and bidi characters (terminal escapes, invisible reordering). */
export function stripControl(s: string): string {
  return s.replace(CONTROL, '');
}

/** Cuts a string to at most `max` characters, ending with an ellipsis when cut. */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  return `${s.slice(0, Math.max(0, max - 1))}…`;
}

/**
 * Makes scanner text inert in GitHub-flavored markdown: no markup, no HTML, no @mentions or #references,
 * no line breaks (safe in table cells). The text reads the same.
 */
export function md(s: string | undefined, max = 300): string {
  if (!s) return '';
  const flat = truncate(stripControl(s).replace(/\s+/g, ' ').trim(), max);
  return (
    flat
      .replace(MD_SPECIAL, (c) => (HTML_ENTITIES[c] ? HTML_ENTITIES[c] : `\\${c}`))
      .replace(LEADING_BLOCK, (m) => `\\${m}`)
      .replace(/@(?=[A-Za-z0-9])/g, `@${ZWSP}`)
      .replace(/\\#(?=[A-Za-z0-9])/g, `\\#${ZWSP}`)
      // (`-` is not escaped inside a line: an escaped `GH\-` never occurred, and GitHub autolinked GH-123.)
      .replace(/\b(GH-)(?=\d)/gi, `$1${ZWSP}`)
  );
}

/** Text for inside a code span: backticks and control characters removed, length cut. */
export function code(s: string | undefined, max = 200): string {
  if (!s) return '';
  const clean = truncate(stripControl(s).replace(/\s+/g, ' ').replace(/`/g, "'").trim(), max);
  // Inside a code span only `|` needs escaping (GFM splits table cells on it even there).
  return clean ? `\`${clean.replace(/\|/g, '\\|')}\`` : '';
}

/** Escapes text for HTML element content or attribute values. */
export function html(s: string | undefined): string {
  if (!s) return '';
  return stripControl(s).replace(/[&<>"']/g, (c) => HTML_ENTITIES[c] as string);
}

/** Returns the URL when it is an absolute http(s) URL without spaces or control characters, else undefined. */
export function safeUrl(u: string | undefined): string | undefined {
  if (!u) return undefined;
  const s = u.trim();
  if (!/^https?:\/\/[^\s<>"'`]+$/i.test(s) || CONTROL_TEST.test(s)) return undefined;
  try {
    const url = new URL(s);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    return url.toString().replace(/[()[\]]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  } catch {
    return undefined;
  }
}

/** A markdown link when the URL is safe, else just the escaped text. */
export function link(text: string, url: string | undefined, max = 120): string {
  const t = md(text, max);
  const u = safeUrl(url);
  return u ? `[${t}](${u})` : t;
}

/** Text for GitHub workflow-command annotations (message and properties are escaped by @actions/core). */
export function annotationText(s: string | undefined, max = 4000): string {
  return truncate(stripControl(s ?? '').trim(), max);
}
