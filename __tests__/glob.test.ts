import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import picomatch from 'picomatch';
import { compileGlobs, globMatcher, globProblem } from '../src/policy/glob';
import { parsePolicy } from '../src/policy/load';
import { BASE_POLICY, policyErrors } from './helpers';

/**
 * Issue #14: a glob that `policy validate` accepts matches any text of up to 4,096 characters in linear time. Policy
 * globs are matched by a state-set automaton (src/policy/glob.ts), not by picomatch's backtracking regular
 * expressions; what it does not support is refused at the glob's line. No timing is asserted: the number of state
 * tests a match performs is counted and bounded by (length + 1) × states (twice for a trailing `/`).
 */

const HOSTILE = [
  '**/a*a*a*a*a*a*a*b',
  '**/a/**/a/**/a/**/b',
  '**/**/**/**/**/**/**/**/**/**/*a*a*a*a*a*a*a*b',
  '{a,aa}{a,aa}{a,aa}{a,aa}{a,aa}*b',
  '**/*a*/**/*a*/**/*a*/**/*a*/**/*b',
  '*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?b',
  `${'*a'.repeat(60)}b`,
];
const SUBJECTS = ['a'.repeat(4096), 'a/'.repeat(2048), `${`${'a'.repeat(40)}/`.repeat(99)}x`, 'ab/'.repeat(1365), `${'a'.repeat(4095)}/`];

describe('hostile globs are accepted and matched in linear time', () => {
  it.each(HOSTILE)('%s', (glob) => {
    expect(globProblem(glob)).toBeUndefined();
    expect(() =>
      parsePolicy(
        BASE_POLICY.replace(
          '  from-scanner:',
          `  rules:\n    - {name: Hostile, when: {path: "${glob}", rule: "${glob}"}, lower: 1}\n  from-scanner:`,
        ),
        'p.yml',
      ),
    ).not.toThrow();
    for (const nocase of [false, true]) {
      const m = compileGlobs([glob], { nocase });
      expect(m.states).toBeLessThan(2000);
      for (const s of SUBJECTS) {
        const { matched, tests } = m.measure(s);
        expect(matched).toBe(m.test(s));
        expect(tests).toBeLessThanOrEqual(2 * (s.length + 1) * m.states);
      }
    }
  });

  it('a glob whose DFA outgrows the cache (the 10th character from the end is an a) still answers right', () => {
    const m = compileGlobs(['*a??????????']);
    const re = /^[^/]*a[^/]{10}$/;
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let k = 0; k < 300; k++) {
      const s = Array.from({ length: 20 + Math.floor(rnd() * 200) }, () => (rnd() < 0.5 ? 'a' : 'b')).join('');
      const { matched, tests } = m.measure(s);
      expect(matched).toBe(re.test(s));
      expect(tests).toBeLessThanOrEqual(2 * (s.length + 1) * m.states);
    }
  });

  it('the policy compiles every glob with this matcher (no picomatch, no length cut-off that skips long paths)', () => {
    for (const file of ['src/policy/compile.ts', 'src/policy/exceptions.ts', 'src/policy/lint.ts']) {
      const text = readFileSync(file, 'utf8');
      expect(text).not.toMatch(/picomatch/);
      expect(text).not.toMatch(/MAX_GLOB_SUBJECT/);
    }
    // A 5,000-character path still matches (a cut-off would let a long path slip past a gate rule).
    expect(globMatcher(['services/**'])(`services/${'x/'.repeat(2500)}y.js`)).toBe(true);
  });
});

describe('what the matcher does not support is refused at the glob line', () => {
  it.each([
    ['+(a|aa)', /an extglob/],
    ['src/@(a|b)/**', /an extglob/],
    ['!legacy/**', /a leading `!` \(negation\)/],
    ['src/(a|b)/**', /`\(` is not glob syntax here/],
    ['a|b', /`\|` is not glob syntax here/],
    ['[[:alpha:]]*', /POSIX classes/],
    ['file{1..9}.js', /brace ranges/],
    ['{a,b}{c,d}{e,f}{g,h}{i,j}{k,l}', /more than 32 alternatives/],
    ['src/[abc', /an unclosed `\[`/],
    ['src/{a,b', /an unclosed `\{`/],
    ['x'.repeat(257), /longer than 256/],
  ])('%s', (glob, why) => {
    expect(globProblem(glob)).toMatch(why);
    const yaml = BASE_POLICY.replace('gates:', `components:\n  - name: c\n    paths:\n      - ${JSON.stringify(glob)}\ngates:`);
    const errors = policyErrors(() => parsePolicy(yaml, 'p.yml'));
    expect(errors).toEqual([expect.stringMatching(/^p\.yml:10:9: components\[0\]\.paths\[0\]: unsupported glob /)]);
    expect(errors[0]).toMatch(why);
  });
});

describe('same answers as picomatch (dot: true) on normalized paths', () => {
  const GLOBS = [
    '**',
    '*',
    '**/*',
    'a/**',
    '**/a',
    '**/a/**',
    'a/**/b',
    'a/*/b',
    'a*',
    '*a',
    '*a*b',
    '?',
    'a?c',
    '[abc]',
    '[!a]x',
    '[a-c]*',
    '[^a]',
    '{a,b}',
    'a/{b,c/d}/*',
    '**/*.{js,ts}',
    '**/test/**',
    '.github/**',
    '**/.git/**',
    'a/**/**/b',
    'A*',
    'java.lang.**',
    'CVE-2021-*',
    'a\\*b',
    '**/x/**/*.js',
    '*/*',
    'a/b',
    'a{b}c',
    '[]a]',
    'a/*',
    '**/*a*',
    '{,a}b',
    '**a',
    'a**b',
    '*.js',
    'services/payments/**',
    'src/**/*.test.{js,ts}',
  ];
  const PATHS = [
    'a',
    'b',
    'x',
    'ab',
    'abc',
    'a/b',
    'a/b/c',
    'a/x/b',
    'a/x/y/b',
    '.a',
    'a/.b',
    '.github/x.yml',
    '.git/x',
    'a/.git/y',
    'src',
    'src/a.js',
    'src/test/a.js',
    'test/a',
    'x/test/y/z',
    'A',
    'Ab',
    'java.lang.security.x',
    'CVE-2021-1',
    'a*b',
    'a.b',
    'x/a',
    'x/a/y',
    'a/b/c.ts',
    'b.js',
    'a/b.js',
    '{a}',
    'a{b}c',
    ']',
    'a]',
    'ba',
    'aa/bb',
    'x/x/a.js',
    'x/ab',
    'a/d/x',
    'a/c/d/x',
    'services/payments/api/x.go',
    'src/x/y.test.ts',
  ];
  it('on every glob × path, case-sensitive and not', () => {
    const diffs: string[] = [];
    for (const nocase of [false, true]) {
      for (const g of GLOBS) {
        expect(globProblem(g)).toBeUndefined();
        const pm = picomatch(g, { dot: true, nocase });
        const mine = globMatcher([g], { nocase });
        for (const p of PATHS) if (pm(p) !== mine(p)) diffs.push(`${g} ${p} nocase=${nocase}: picomatch ${pm(p)}, here ${mine(p)}`);
      }
    }
    expect(diffs).toEqual([]);
  });

  it('documented differences: ./ and a trailing / are ignored, wildcards never match . or .. segments', () => {
    expect(globMatcher(['a*'])('./ab/')).toBe(true);
    expect(globMatcher(['**/x'])('a/../x')).toBe(false);
    expect(globMatcher(['a/../x'])('a/../x')).toBe(true);
    expect(globMatcher(['?'])('.')).toBe(false);
  });
});
