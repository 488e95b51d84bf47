import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

// README.md is the front page: short, and every relative link in it and in docs/*.md leads somewhere (a file that
// exists, and for a Markdown file's #anchor a heading or an explicit anchor in it, as GitHub renders them).

const README_MAX_BYTES = 16 * 1024;

const pages = [
  'README.md',
  ...readdirSync('docs')
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
].sort();

/** The text of a Markdown file outside fenced code blocks and inline code spans. */
function prose(md: string): string[] {
  const out: string[] = [];
  let fence: string | undefined;
  for (const line of md.split('\n')) {
    const f = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (f && (fence === undefined || f[0] === fence[0])) {
      fence = fence === undefined ? f : undefined;
      out.push('');
      continue;
    }
    out.push(fence === undefined ? line.replace(/`[^`]*`/g, '``') : '');
  }
  return out;
}

/** GitHub's heading anchors: lower case, punctuation removed, spaces to hyphens, `-1`, `-2` … for repeats. */
function anchorsOf(md: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let fence = false;
  for (const line of md.split('\n')) {
    if (/^\s*(`{3,}|~{3,})/.test(line)) fence = !fence;
    if (fence) continue;
    const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (h !== undefined) {
      const base = h
        .replace(/<[^>]+>/g, '')
        .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-');
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      out.add(n === 0 ? base : `${base}-${n}`);
    }
    for (const m of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) out.add(m[1] as string);
  }
  return out;
}

interface Link {
  page: string;
  line: number;
  target: string;
}

function relativeLinks(page: string): Link[] {
  const links: Link[] = [];
  prose(readFileSync(page, 'utf8')).forEach((text, i) => {
    for (const m of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = m[1] as string;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: …
      links.push({ page, line: i + 1, target });
    }
  });
  return links;
}

function problem(link: Link): string | undefined {
  const [path, anchor] = link.target.split('#', 2) as [string, string | undefined];
  const file = path === '' ? link.page : normalize(join(dirname(link.page), decodeURIComponent(path)));
  if (!existsSync(file)) return `${file} does not exist`;
  if (anchor === undefined || anchor === '' || !file.endsWith('.md') || statSync(file).isDirectory()) return undefined;
  return anchorsOf(readFileSync(file, 'utf8')).has(decodeURIComponent(anchor).toLowerCase())
    ? undefined
    : `${file} has no heading for #${anchor}`;
}

describe('README and docs', () => {
  it(`README.md is a front page: at most ${README_MAX_BYTES} bytes`, () => {
    expect(statSync('README.md').size).toBeLessThanOrEqual(README_MAX_BYTES);
  });

  it('every relative link in README.md and docs/*.md resolves to a file, and its #anchor to a heading', () => {
    const links = pages.flatMap(relativeLinks);
    expect(links.length).toBeGreaterThan(50); // the check looked at the pages' links
    const broken = links
      .map((l) => ({ l, why: problem(l) }))
      .filter((x) => x.why !== undefined)
      .map(({ l, why }) => `${l.page}:${l.line}: (${l.target}) ${why}`);
    expect(broken).toEqual([]);
  });

  it("the anchor rules match GitHub's for the headings used here, and a broken link is caught", () => {
    const a = anchorsOf(
      '# Policy file\n## Central policies: `extends` and `locked`\n### `policy validate`\n## Tracking across runs (ledger and SLA)\n## Notes\n## Notes\n```\n# not a heading\n```\n',
    );
    expect([...a]).toEqual([
      'policy-file',
      'central-policies-extends-and-locked',
      'policy-validate',
      'tracking-across-runs-ledger-and-sla',
      'notes',
      'notes-1',
    ]);
    expect(problem({ page: 'README.md', line: 1, target: 'docs/cli.md#no-such-heading' })).toBe(
      'docs/cli.md has no heading for #no-such-heading',
    );
    expect(problem({ page: 'docs/ci.md', line: 1, target: 'missing.md' })).toBe('docs/missing.md does not exist');
    expect(problem({ page: 'docs/ci.md', line: 1, target: '../templates/gitlab-ci.yml' })).toBeUndefined();
  });

  it('every docs page starts with a runnable example (a code block right after its title and at most a short lead)', () => {
    for (const page of pages.filter((p) => p.startsWith('docs/'))) {
      const text = readFileSync(page, 'utf8');
      const firstFence = text.search(/^```/m);
      expect({ page, title: /^# \S/.test(text), fenceWithin: firstFence >= 0 && firstFence < 600 }).toEqual({
        page,
        title: true,
        fenceWithin: true,
      });
    }
  });
});
