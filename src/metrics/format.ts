/** Number formatting shared by the Markdown and HTML renderers. */

export function fmtDays(d: number | undefined): string {
  if (d === undefined || !Number.isFinite(d)) return '—';
  return d < 10 ? `${(Math.round(d * 10) / 10).toFixed(1)} d` : `${Math.round(d)} d`;
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
  const flat = s.replace(/[\u0000-\u001f\u007f"`\\[\]{}<>;#:]/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat || '-';
}
