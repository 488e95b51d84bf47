import { html } from '../text/escape';

/**
 * Inline SVG charts for the self-contained HTML report: no script, no external font or stylesheet. Every label is
 * escaped (it may be ledger text: component names, CWE ids, tool names).
 */

export const SEVERITY_COLORS = ['#b42318', '#e8590c', '#e0a800', '#2f6fde', '#8a94a6', '#7048e8', '#0c8599'];
export const SERIES_COLORS = { opened: '#e8590c', reopened: '#c2255c', fixed: '#2b8a3e', backlog: '#364fc7', breached: '#b42318' };

export function severityColor(levels: string[], level: string): string {
  const i = levels.indexOf(level);
  return SEVERITY_COLORS[i >= 0 ? i % SEVERITY_COLORS.length : SEVERITY_COLORS.length - 1] as string;
}

const FONT = `font-family="system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"`;

function num(x: number): string {
  return String(Math.round(x * 10) / 10);
}

function cut(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** A "nice" axis: max rounded up to 1, 2, 2.5 or 5 × 10^k, with 4 or 5 steps. */
export function niceAxis(max: number): { max: number; step: number } {
  if (!(max > 0)) return { max: 4, step: 1 };
  if (max <= 4) return { max: Math.ceil(max), step: 1 };
  const raw = max / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? 10 * mag) as number;
  const stepInt = Math.max(1, Math.round(step));
  return { max: Math.ceil(max / stepInt) * stepInt, step: stepInt };
}

export interface Series {
  name: string;
  color: string;
  values: number[];
}

export interface XyChartOptions {
  title: string;
  categories: string[];
  series: Series[];
  mode: 'grouped' | 'stacked' | 'line';
  yLabel: string;
  width?: number;
  height?: number;
  /** Extra series drawn as lines over bars. */
  lines?: Series[];
}

function legend(items: { name: string; color: string; line?: boolean }[], x: number, y: number): string {
  let cx = x;
  return items
    .map((it) => {
      const mark = it.line
        ? `<line x1="${cx}" y1="${y - 4}" x2="${cx + 14}" y2="${y - 4}" stroke="${it.color}" stroke-width="3"/><circle cx="${cx + 7}" cy="${y - 4}" r="3" fill="${it.color}"/>`
        : `<rect x="${cx}" y="${y - 10}" width="12" height="12" rx="2" fill="${it.color}"/>`;
      const s = `${mark}<text x="${cx + 18}" y="${y}" font-size="12" fill="#333">${html(cut(it.name, 24))}</text>`;
      cx += 30 + Math.min(it.name.length, 24) * 7;
      return s;
    })
    .join('');
}

/** Vertical bar (grouped or stacked) or line chart with axes, gridlines, tick labels, axis title and legend. */
export function xyChart(o: XyChartOptions): string {
  const W = o.width ?? 560;
  const H = o.height ?? 280;
  const left = 48;
  const right = 12;
  const top = 34;
  const bottom = 52;
  const pw = W - left - right;
  const ph = H - top - bottom;
  const n = Math.max(1, o.categories.length);
  const totals = o.categories.map((_, i) =>
    o.mode === 'stacked' ? o.series.reduce((a, s) => a + (s.values[i] ?? 0), 0) : Math.max(0, ...o.series.map((s) => s.values[i] ?? 0)),
  );
  const lineMax = Math.max(0, ...(o.lines ?? []).flatMap((s) => s.values));
  const axis = niceAxis(Math.max(0, ...totals, lineMax));
  const y = (v: number) => top + ph - (v / axis.max) * ph;
  const slot = pw / n;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${html(o.title)}" ${FONT}>`,
  );
  parts.push(`<title>${html(o.title)}</title>`);
  for (let v = 0; v <= axis.max; v += axis.step) {
    parts.push(
      `<line x1="${left}" y1="${num(y(v))}" x2="${W - right}" y2="${num(y(v))}" stroke="${v === 0 ? '#888' : '#e5e7eb'}" stroke-width="1"/>`,
    );
    parts.push(`<text x="${left - 6}" y="${num(y(v) + 4)}" font-size="11" fill="#555" text-anchor="end">${v}</text>`);
  }
  parts.push(
    `<text x="12" y="${num(top + ph / 2)}" font-size="11" fill="#555" text-anchor="middle" transform="rotate(-90 12 ${num(top + ph / 2)})">${html(o.yLabel)}</text>`,
  );
  const every = Math.ceil(n / 12);
  o.categories.forEach((c, i) => {
    if (i % every) return;
    parts.push(
      `<text x="${num(left + slot * (i + 0.5))}" y="${top + ph + 16}" font-size="11" fill="#555" text-anchor="middle">${html(cut(c, 12))}</text>`,
    );
  });
  if (o.mode === 'line') {
    for (const s of o.series) parts.push(polyline(s, slot, left, y));
  } else {
    const groups = o.mode === 'grouped' ? o.series.length : 1;
    const bw = Math.min(36, (slot * 0.72) / groups);
    o.categories.forEach((_, i) => {
      let base = 0;
      o.series.forEach((s, k) => {
        const v = s.values[i] ?? 0;
        if (v <= 0) return;
        const x = o.mode === 'grouped' ? left + slot * (i + 0.5) - (bw * groups) / 2 + k * bw : left + slot * (i + 0.5) - bw / 2;
        const y0 = o.mode === 'stacked' ? base : 0;
        parts.push(
          `<rect x="${num(x)}" y="${num(y(y0 + v))}" width="${num(bw - (groups > 1 ? 2 : 0))}" height="${num(y(y0) - y(y0 + v))}" fill="${s.color}"><title>${html(`${s.name}: ${v}`)}</title></rect>`,
        );
        if (o.mode === 'stacked') base += v;
      });
    });
  }
  for (const s of o.lines ?? []) parts.push(polyline(s, slot, left, y));
  parts.push(
    legend(
      [
        ...o.series.map((s) => ({ name: s.name, color: s.color, line: o.mode === 'line' })),
        ...(o.lines ?? []).map((s) => ({ name: s.name, color: s.color, line: true })),
      ],
      left,
      H - 12,
    ),
  );
  parts.push('</svg>');
  return parts.join('');
}

function polyline(s: Series, slot: number, left: number, y: (v: number) => number): string {
  const pts = s.values.map((v, i) => `${num(left + slot * (i + 0.5))},${num(y(v))}`);
  const dots = s.values.map(
    (v, i) =>
      `<circle cx="${num(left + slot * (i + 0.5))}" cy="${num(y(v))}" r="3.5" fill="#fff" stroke="${s.color}" stroke-width="2"><title>${html(`${s.name}: ${v}`)}</title></circle>`,
  );
  return `<polyline points="${pts.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2.5" stroke-linejoin="round"/>${dots.join('')}`;
}

export interface Slice {
  label: string;
  value: number;
  color: string;
}

/** A donut with the total in the middle and a legend (label, count, share) on the right. */
export function donut(title: string, slices: Slice[], centerLabel: string): string {
  const W = 360;
  const H = 200;
  const cx = 100;
  const cy = 100;
  const r = 80;
  const ri = 50;
  const total = slices.reduce((a, s) => a + s.value, 0);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${html(title)}" ${FONT}><title>${html(title)}</title>`,
  ];
  if (total === 0) {
    parts.push(`<circle cx="${cx}" cy="${cy}" r="${(r + ri) / 2}" fill="none" stroke="#e5e7eb" stroke-width="${r - ri}"/>`);
  } else {
    let a0 = -Math.PI / 2;
    for (const s of slices) {
      if (s.value <= 0) continue;
      const a1 = a0 + (s.value / total) * Math.PI * 2;
      if (s.value === total) {
        parts.push(
          `<circle cx="${cx}" cy="${cy}" r="${(r + ri) / 2}" fill="none" stroke="${s.color}" stroke-width="${r - ri}"><title>${html(`${s.label}: ${s.value}`)}</title></circle>`,
        );
      } else {
        const large = a1 - a0 > Math.PI ? 1 : 0;
        const p = (rad: number, a: number) => `${num(cx + rad * Math.cos(a))} ${num(cy + rad * Math.sin(a))}`;
        parts.push(
          `<path d="M ${p(r, a0)} A ${r} ${r} 0 ${large} 1 ${p(r, a1)} L ${p(ri, a1)} A ${ri} ${ri} 0 ${large} 0 ${p(ri, a0)} Z" fill="${s.color}" stroke="#fff" stroke-width="1.5"><title>${html(`${s.label}: ${s.value}`)}</title></path>`,
        );
      }
      a0 = a1;
    }
  }
  parts.push(`<text x="${cx}" y="${cy + 2}" font-size="28" font-weight="700" fill="#111" text-anchor="middle">${total}</text>`);
  parts.push(`<text x="${cx}" y="${cy + 20}" font-size="11" fill="#555" text-anchor="middle">${html(centerLabel)}</text>`);
  slices.forEach((s, i) => {
    const ly = 36 + i * 24;
    const share = total ? Math.round((s.value / total) * 100) : 0;
    parts.push(`<rect x="205" y="${ly - 11}" width="12" height="12" rx="2" fill="${s.color}"/>`);
    parts.push(`<text x="223" y="${ly}" font-size="13" fill="#333">${html(cut(s.label, 14))}</text>`);
    parts.push(
      `<text x="350" y="${ly}" font-size="13" fill="#111" font-weight="600" text-anchor="end">${s.value} <tspan fill="#777" font-weight="400">(${share}%)</tspan></text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

export interface HBarRow {
  label: string;
  segments: { name: string; value: number; color: string }[];
  /** Text at the end of the bar (default: the total). */
  note?: string;
}

/** Horizontal stacked bars, one row per label (hot spots, age buckets, SLA compliance). */
export function hbarChart(
  title: string,
  rows: HBarRow[],
  opts: { width?: number; labelWidth?: number; max?: number; legend?: { name: string; color: string }[] } = {},
): string {
  const W = opts.width ?? 560;
  const lw = opts.labelWidth ?? 170;
  const rowH = 24;
  const top = 8;
  const H = top + rows.length * rowH + (opts.legend ? 34 : 10);
  const max = opts.max ?? Math.max(1, ...rows.map((r) => r.segments.reduce((a, s) => a + s.value, 0)));
  const pw = W - lw - 84;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${html(title)}" ${FONT}><title>${html(title)}</title>`,
  ];
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    parts.push(
      `<text x="${lw - 8}" y="${y + 15}" font-size="12" fill="#333" text-anchor="end">${html(cut(r.label, Math.floor(lw / 7)))}</text>`,
    );
    parts.push(`<rect x="${lw}" y="${y + 3}" width="${pw}" height="${rowH - 8}" fill="#f3f4f6" rx="2"/>`);
    let x = lw;
    let total = 0;
    for (const s of r.segments) {
      if (s.value <= 0) continue;
      const w = (s.value / max) * pw;
      parts.push(
        `<rect x="${num(x)}" y="${y + 3}" width="${num(w)}" height="${rowH - 8}" fill="${s.color}"><title>${html(`${s.name}: ${s.value}`)}</title></rect>`,
      );
      x += w;
      total += s.value;
    }
    parts.push(
      `<text x="${num(lw + pw + 6)}" y="${y + 15}" font-size="12" fill="#111" font-weight="600">${html(r.note ?? String(total))}</text>`,
    );
  });
  if (opts.legend) parts.push(legend(opts.legend, lw, H - 8));
  parts.push('</svg>');
  return parts.join('');
}
