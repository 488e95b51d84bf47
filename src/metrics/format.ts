/** Number formatting shared by the Markdown and HTML renderers. */
import { DAY_MS, wholeDays } from '../ledger/time';

/**
 * A duration in days, rounded down like every day count (src/ledger/time.ts): whole days from 10 days on (`181 d` for
 * 181.9 days, the same figure as the finding's age), tenths below (`2.3 d` for 2.39 days).
 */
export function fmtDays(d: number | undefined): string {
  if (d === undefined || !Number.isFinite(d)) return '—';
  const ms = Math.round(d * DAY_MS);
  if (Math.abs(ms) >= 10 * DAY_MS) return `${wholeDays(ms)} d`;
  const tenths = wholeDays(ms * 10);
  return `${(tenths / 10).toFixed(1)} d`;
}

export function pct(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '—';
  return `${Math.round(x * 1000) / 10}%`.replace('.0%', '%');
}

export function rate(x: number): string {
  return (Math.round(x * 10) / 10).toFixed(1);
}

export function day(iso: string | undefined): string {
  return iso ? iso.slice(0, 10) : '—';
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** Text for Mermaid diagrams: quotes, brackets and line breaks would break the diagram syntax. */
export function mermaidText(s: string, max = 40): string {
  const flat = s
    .replace(/[\u0000-\u001f\u007f"`\\[\]{}<>;#:]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat || '-';
}
