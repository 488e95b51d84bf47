import { describe, expect, it } from '@jest/globals';
import { annotationText, code, html, link, md, safeUrl, stripControl, truncate } from '../src/text/escape';

/**
 * The escaping functions, each rule on its own (written to kill the mutants StrykerJS left alive in
 * src/text/escape.ts; see docs/development.md).
 */

const ZWSP = '\u200b';

describe('stripControl', () => {
  it('removes C0/C1 controls and bidi/invisible formatting characters, and keeps tab, newline, CR and ordinary text', () => {
    expect(stripControl('a\u0000\u0007\u0008b')).toBe('ab');
    expect(stripControl('a\tb\nc\rd')).toBe('a\tb\nc\rd');
    expect(stripControl('\u000b\u000c\u000e\u001f\u007f\u0080\u009f')).toBe('');
    expect(stripControl('\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069')).toBe('');
    expect(stripControl(' ~\u00a0\u00e9\u200d\u2065\u206a€')).toBe(' ~\u00a0\u00e9\u200d\u2065\u206a€');
  });
});

describe('truncate', () => {
  it('keeps a string of exactly max characters, cuts one more to max with an ellipsis', () => {
    expect(truncate('abc', 3)).toBe('abc');
    expect(truncate('abcd', 3)).toBe('ab…');
    expect(truncate('abcd', 1)).toBe('…');
    expect(truncate('abcd', 0)).toBe('…');
  });
});

describe('md', () => {
  it('nothing in, nothing out', () => {
    expect(md(undefined)).toBe('');
    expect(md('')).toBe('');
  });

  it('flattens whitespace runs to one space and trims', () => {
    expect(md('  a \n\t b  ')).toBe('a b');
  });

  it('escapes markdown punctuation with a backslash and HTML characters as entities', () => {
    expect(md('*a* _b_ `c` [d](e) #! | ~ \\')).toBe('\\*a\\* \\_b\\_ \\`c\\` \\[d\\]\\(e\\) \\#\\! \\| \\~ \\\\');
    expect(md(`<b> & "q" 'a'`)).toBe('&lt;b&gt; &amp; &quot;q&quot; &#39;a&#39;');
  });

  it('breaks @mentions, #references and GH- advisories with a zero-width space, and nothing else', () => {
    expect(md('@octocat and @ alone')).toBe(`@${ZWSP}octocat and @ alone`);
    expect(md('see #12 and # x')).toBe(`see \\#${ZWSP}12 and \\# x`);
    expect(md('GH-1234 gh-5 GH-x xGH-1')).toBe(`GH-${ZWSP}1234 gh-${ZWSP}5 GH-x xGH-1`);
    expect(md('- GH-7')).toBe(`\\- GH-${ZWSP}7`);
  });

  it('cuts to max after flattening', () => {
    expect(md('ab  cd', 4)).toBe('ab …');
  });
});

describe('code', () => {
  it('nothing in, nothing out (also for whitespace only)', () => {
    expect(code(undefined)).toBe('');
    expect(code('')).toBe('');
    expect(code(' \n ')).toBe('');
  });

  it('a code span: whitespace flattened, backticks turned into quotes, pipes escaped', () => {
    expect(code(' a \n\t b ')).toBe('`a b`');
    expect(code('a`b')).toBe("`a'b`");
    expect(code('a|b')).toBe('`a\\|b`');
    expect(code('abcdef', 4)).toBe('`abc…`');
  });
});

describe('html', () => {
  it('escapes the five characters and removes controls', () => {
    expect(html(undefined)).toBe('');
    expect(html('')).toBe('');
    expect(html(`<a href="x">'&'</a>\u0007`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

describe('safeUrl and link', () => {
  it('accepts absolute http and https URLs (trimmed, normalized)', () => {
    expect(safeUrl('https://example.test/a')).toBe('https://example.test/a');
    expect(safeUrl('http://example.test')).toBe('http://example.test/');
    expect(safeUrl('  HTTPS://Example.test/x  ')).toBe('https://example.test/x');
  });

  it('percent-encodes parentheses and brackets (upper-case hex) so the markdown link cannot be closed early', () => {
    expect(safeUrl('https://example.test/a(b)[c]')).toBe('https://example.test/a%28b%29%5Bc%5D');
  });

  it('rejects everything else', () => {
    for (const u of [
      undefined,
      '',
      'javascript:alert(1)',
      'ftp://example.test/',
      '//example.test/',
      'https://exa mple.test/',
      'http://a.test/ https://b.test',
      'https://example.test/\u0007',
      'https://example.test/"x',
      'http://[',
    ]) {
      expect([u, safeUrl(u)]).toEqual([u, undefined]);
    }
  });

  it('link: a markdown link when the URL is safe, the escaped text otherwise', () => {
    expect(link('a*b', 'https://example.test/x')).toBe('[a\\*b](https://example.test/x)');
    expect(link('a*b', 'javascript:alert(1)')).toBe('a\\*b');
    expect(link('abcdef', undefined, 4)).toBe('abc…');
  });
});

describe('annotationText', () => {
  it('controls removed, trimmed, cut at 4000 characters by default', () => {
    expect(annotationText(undefined)).toBe('');
    expect(annotationText(' a\u0007b ')).toBe('ab');
    expect(annotationText('x'.repeat(4000))).toBe('x'.repeat(4000));
    expect(annotationText('x'.repeat(4001))).toBe(`${'x'.repeat(3999)}…`);
    expect(annotationText('abcdef', 3)).toBe('ab…');
  });
});
