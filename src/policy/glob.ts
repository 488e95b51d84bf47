/**
 * Policy globs (paths, rule ids, tool names, packages, CVE ids, tags), matched in linear time.
 *
 * Globs come from policy files, which a pull request may change, and are matched against text from scanner files,
 * which anyone may write: a backtracking regular expression (what picomatch compiles a glob to) takes exponential
 * time on `**\/a/**\/a/**\/b` against `a/a/a/…` (minutes for a 4 KB path). Here a glob becomes a small automaton
 * (Thompson's construction) that is run over the text once, keeping the set of states it can be in: the cost is at
 * most (text length) × (pattern size), whatever the glob and the text. The state sets met are cached as a small lazy
 * DFA (at most 256 states per glob list), so a typical path costs one table look-up per character.
 *
 * Syntax, as in picomatch with `dot: true` (the differential test in __tests__/glob.test.ts compares both):
 * - `*` any characters but `/` (a segment that is only `*` needs at least one); `?` one character but `/`;
 * - `**` as a whole segment: any number of segments (`**\/x` matches `x`, `a/**` matches `a`);
 * - `[abc]`, `[a-z]`, `[!a-z]` / `[^a-z]` one character of (not of) a set; `{a,b}` alternatives (nested);
 * - `\x` the character x itself; dotfiles match like other files; wildcards never match a `.` or `..` segment.
 * Not supported, refused by `globProblem` with a message: extglobs (`+(a|b)`), `(`, `)` and `|` outside braces,
 * a leading `!` (negation), POSIX classes (`[[:alpha:]]`), brace ranges (`{1..9}`), more than 32 alternatives after expanding braces.
 */

export interface GlobOptions {
  /** Case-insensitive (tool names, packages, CVE ids, tags). */
  nocase?: boolean;
}

/** Longest glob, and most brace alternatives and pattern characters after expanding braces. */
export const GLOB_LIMITS = { length: 256, alternatives: 32, expanded: 1024 } as const;

/** Why a glob is refused, or undefined when it can be matched. */
export function globProblem(glob: string): string | undefined {
  if (glob.length === 0) return 'an empty glob';
  if (glob.length > GLOB_LIMITS.length) return `a glob longer than ${GLOB_LIMITS.length} characters`;
  if (glob.startsWith('!')) return 'a leading `!` (negation) is not supported: list what to match instead';
  if (/(^|[^\\])[@!?*+]\(/.test(glob)) return 'an extglob such as +(…) or *(…) is not supported: use {a,b} or several globs';
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === '[' && glob[i + 1] === ':') return 'POSIX classes such as [[:alpha:]] are not supported: use [a-z] ranges';
      if (c === '/') return '`/` inside [...] is not supported';
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) return 'an unclosed `[`: close it with `]`, or escape it as `\\[`';
      inClass = true;
      if (glob[i + 1] === '!' || glob[i + 1] === '^') i++;
      i++; // a `]` right after `[` or `[!` is a member
      if (glob[i] === '[' && glob[i + 1] === ':') return 'POSIX classes such as [[:alpha:]] are not supported: use [a-z] ranges';
      if (glob[i] === '/') return '`/` inside [...] is not supported';
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}') {
      if (depth === 0) return 'a `}` without `{`: escape it as `\\}`';
      depth--;
    } else if ((c === '(' || c === ')' || c === '|') && depth === 0) {
      return `\`${c}\` is not glob syntax here: write alternatives as {a,b}, or escape it as \\${c}`;
    } else if (c === '.' && glob[i + 1] === '.' && depth > 0) {
      return 'brace ranges such as {1..9} are not supported: list the values, {1,2,3}';
    }
  }
  if (depth > 0) return 'an unclosed `{`: close it with `}`, or escape it as `\\{`';
  const alts = expandBraces(glob);
  if (alts === undefined) return `more than ${GLOB_LIMITS.alternatives} alternatives after expanding {…}`;
  if (alts.reduce((n, a) => n + a.length, 0) > GLOB_LIMITS.expanded)
    return `longer than ${GLOB_LIMITS.expanded} characters after expanding {…}`;
  return undefined;
}

/** Expands `{a,b}` (nested) into the alternatives; undefined when there would be too many. */
function expandBraces(glob: string): string[] | undefined {
  // Find the first top-level `{` (not escaped, not in a class) and its matching `}`.
  let open = -1;
  let depth = 0;
  const commas: number[] = [];
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '[' && depth === 0 && open < 0) {
      const close = glob.indexOf(']', i + 2);
      if (close > 0) {
        i = close;
        continue;
      }
    }
    if (c === '{') {
      if (depth === 0) open = i;
      depth++;
    } else if (c === '}' && depth > 0) {
      depth--;
      if (depth === 0) {
        const parts: string[] = [];
        let from = open + 1;
        for (const k of commas) {
          parts.push(glob.slice(from, k));
          from = k + 1;
        }
        parts.push(glob.slice(from, i));
        // `{a}` (no comma) is the literal text, as in picomatch.
        const head = glob.slice(0, open);
        const tails = expandBraces(glob.slice(i + 1));
        if (tails === undefined) return undefined;
        const out: string[] = [];
        const options = commas.length === 0 ? [`\\{${parts[0] ?? ''}\\}`] : parts;
        for (const p of options) {
          const inner = commas.length === 0 ? [p] : expandBraces(p);
          if (inner === undefined) return undefined;
          for (const x of inner)
            for (const t of tails) {
              out.push(head + x + t);
              if (out.length > GLOB_LIMITS.alternatives) return undefined;
            }
        }
        return out;
      }
    } else if (c === ',' && depth === 1) commas.push(i);
  }
  return [glob];
}

/* ---- the automaton ---- */

type Test = (code: number, index: number) => boolean;

/** States: an epsilon list, or one test leading to `next`. */
interface Nfa {
  eps: number[][];
  test: (Test | undefined)[];
  next: number[];
}

interface Frag {
  start: number;
  end: number;
}

const SLASH = 47;

function builder() {
  const nfa: Nfa = { eps: [], test: [], next: [] };
  const state = () => {
    nfa.eps.push([]);
    nfa.test.push(undefined);
    nfa.next.push(-1);
    return nfa.eps.length - 1;
  };
  const one = (t: Test): Frag => {
    const s = state();
    const e = state();
    nfa.test[s] = t;
    nfa.next[s] = e;
    return { start: s, end: e };
  };
  const star = (t: Test): Frag => {
    const s = state();
    const loop = state();
    const e = state();
    nfa.eps[s]?.push(loop, e);
    nfa.test[loop] = t;
    nfa.next[loop] = s;
    return { start: s, end: e };
  };
  const empty = (): Frag => {
    const s = state();
    return { start: s, end: s };
  };
  const seq = (parts: Frag[]): Frag => {
    if (parts.length === 0) return empty();
    for (let i = 1; i < parts.length; i++) nfa.eps[(parts[i - 1] as Frag).end]?.push((parts[i] as Frag).start);
    return { start: (parts[0] as Frag).start, end: (parts[parts.length - 1] as Frag).end };
  };
  const opt = (f: Frag): Frag => {
    const s = state();
    const e = state();
    nfa.eps[s]?.push(f.start, e);
    nfa.eps[f.end]?.push(e);
    return { start: s, end: e };
  };
  const alt = (fs: Frag[]): Frag => {
    const s = state();
    const e = state();
    for (const f of fs) {
      nfa.eps[s]?.push(f.start);
      nfa.eps[f.end]?.push(e);
    }
    return { start: s, end: e };
  };
  return { nfa, one, star, seq, opt, alt, empty };
}

type Token = { t: 'lit'; c: number } | { t: 'any' } | { t: 'star'; n: number } | { t: 'class'; neg: boolean; ranges: [number, number][] };

const fold = (c: number) => (c >= 65 && c <= 90 ? c + 32 : c);

/** Splits one brace-free alternative into segments of tokens. */
function tokenize(glob: string, nocase: boolean): Token[][] {
  const segs: Token[][] = [[]];
  const cur = () => segs[segs.length - 1] as Token[];
  const lit = (ch: string) => {
    const c = ch.codePointAt(0) as number;
    return { t: 'lit' as const, c: nocase ? fold(c) : c };
  };
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i] as string;
    if (ch === '\\' && i + 1 < glob.length) {
      cur().push(lit(glob[++i] as string));
    } else if (ch === '/') {
      segs.push([]);
    } else if (ch === '*') {
      let n = 1;
      while (glob[i + 1] === '*') {
        n++;
        i++;
      }
      cur().push({ t: 'star', n });
    } else if (ch === '?') {
      cur().push({ t: 'any' });
    } else if (ch === '[' && glob.indexOf(']', i + 2) > 0) {
      let j = i + 1;
      const neg = glob[j] === '!' || glob[j] === '^';
      if (neg) j++;
      const ranges: [number, number][] = [];
      let first = true;
      while (j < glob.length && (first || glob[j] !== ']')) {
        first = false;
        let a = glob[j] as string;
        if (a === '\\' && j + 1 < glob.length) a = glob[++j] as string;
        let b = a;
        if (glob[j + 1] === '-' && glob[j + 2] !== undefined && glob[j + 2] !== ']') {
          b = glob[j + 2] as string;
          if (b === '\\' && j + 3 < glob.length) b = glob[(j += 1) + 2] as string;
          j += 2;
        }
        ranges.push([a.codePointAt(0) as number, b.codePointAt(0) as number]);
        j++;
      }
      i = j; // at the closing `]`
      cur().push({ t: 'class', neg, ranges });
    } else {
      cur().push(lit(ch));
    }
  }
  return segs;
}

/** Compiles one brace-free alternative into the builder; returns its fragment. */
function compileAlternative(b: ReturnType<typeof builder>, glob: string, nocase: boolean, dotSeg: DotMask): Frag {
  const wild = (code: number, i: number) => code !== SLASH && (dotSeg.mask === undefined || dotSeg.mask[i] === 0);
  const anyChar = (_code: number, i: number) => dotSeg.mask === undefined || dotSeg.mask[i] === 0;
  const slash = () => b.one((c) => c === SLASH);
  const segs = tokenize(glob, nocase);
  const isGlobstar = (s: Token[]) => s.length === 1 && s[0]?.t === 'star' && s[0].n >= 2;
  // `**/**` is `**`.
  const list = segs.filter((s, i) => !(isGlobstar(s) && i > 0 && isGlobstar(segs[i - 1] as Token[])));
  const parts: Frag[] = [];
  const last = list.length - 1;
  list.forEach((seg, i) => {
    if (isGlobstar(seg)) {
      const anything = () => b.star(anyChar);
      if (last === 0) parts.push(anything());
      else if (i === 0) parts.push(b.opt(b.seq([anything(), slash()])));
      else if (i === last) parts.push(b.opt(b.seq([slash(), anything()])));
      else parts.push(slash(), b.opt(b.seq([anything(), slash()])));
      return;
    }
    if (i > 0 && !isGlobstar(list[i - 1] as Token[])) parts.push(slash());
    // A segment that is only `*` matches one character at least when it ends the glob (`a/*` does not match `a/`).
    const onlyStar = seg.length === 1 && seg[0]?.t === 'star' && i === last;
    for (const tok of seg) {
      switch (tok.t) {
        case 'lit': {
          const want = tok.c;
          parts.push(b.one(nocase ? (c) => fold(c) === want : (c) => c === want));
          break;
        }
        case 'any':
          parts.push(b.one(wild));
          break;
        case 'star':
          parts.push(onlyStar ? b.seq([b.one(wild), b.star(wild)]) : b.star(wild));
          break;
        case 'class': {
          const { neg, ranges } = tok;
          const inRanges = (c: number) => ranges.some(([lo, hi]) => c >= lo && c <= hi);
          const has = nocase ? (c: number) => inRanges(c) || inRanges(fold(c)) || inRanges(c >= 97 && c <= 122 ? c - 32 : c) : inRanges;
          parts.push(b.one((c, i) => c !== SLASH && (dotSeg.mask === undefined || dotSeg.mask[i] === 0) && has(c) !== neg));
          break;
        }
      }
    }
  });
  return b.seq(parts);
}

/** The characters of `.` and `..` segments of the text being matched (undefined: it has none). */
interface DotMask {
  mask: Uint8Array | undefined;
}

const DOT_SEGMENT = /(?:^|\/)\.\.?(?:\/|$)/;

/** Marks the characters of `.` and `..` segments, which wildcards never match; undefined when there are none. */
function dotSegments(s: string): Uint8Array | undefined {
  if (!DOT_SEGMENT.test(s)) return undefined;
  const mask = new Uint8Array(s.length);
  let from = 0;
  for (let i = 0; i <= s.length; i++) {
    if (i === s.length || s.charCodeAt(i) === SLASH) {
      const len = i - from;
      if ((len === 1 || len === 2) && s.charCodeAt(from) === 46 && (len === 1 || s.charCodeAt(from + 1) === 46)) mask.fill(1, from, i);
      from = i + 1;
    }
  }
  return mask;
}

/**
 * The automaton with epsilon moves resolved: for each state, the states with a test (and whether the accepting state)
 * reachable from it without reading a character. Computed once per glob list.
 */
interface Compiled {
  /** Test states, renumbered 0..n-1. */
  tests: Test[];
  /** For each test state: the closure of its `next`, as test-state numbers. */
  follow: Int32Array[];
  /** For each test state: whether its `next` closure holds the accepting state. */
  accepts: Uint8Array;
  /** The closure of the start state. */
  initial: Int32Array;
  initialAccepts: boolean;
}

function resolve(nfa: Nfa, start: number, accept: number): Compiled {
  const ids = new Int32Array(nfa.eps.length).fill(-1);
  const tests: Test[] = [];
  nfa.test.forEach((t, i) => {
    if (t !== undefined) {
      ids[i] = tests.length;
      tests.push(t);
    }
  });
  const closure = (from: number): { states: Int32Array; accepts: boolean } => {
    const seen = new Uint8Array(nfa.eps.length);
    const stack = [from];
    seen[from] = 1;
    const out: number[] = [];
    let accepts = false;
    while (stack.length > 0) {
      const x = stack.pop() as number;
      if (x === accept) accepts = true;
      if ((ids[x] as number) >= 0) out.push(ids[x] as number);
      for (const y of nfa.eps[x] as number[]) {
        if (!seen[y]) {
          seen[y] = 1;
          stack.push(y);
        }
      }
    }
    return { states: Int32Array.from(out), accepts };
  };
  const follow: Int32Array[] = [];
  const accepts = new Uint8Array(tests.length);
  nfa.test.forEach((t, i) => {
    if (t === undefined) return;
    const c = closure(nfa.next[i] as number);
    follow[ids[i] as number] = c.states;
    accepts[ids[i] as number] = c.accepts ? 1 : 0;
  });
  const init = closure(start);
  return { tests, follow, accepts, initial: init.states, initialAccepts: init.accepts };
}

/**
 * A lazily built DFA over the automaton (as RE2 does): each state is a set of automaton states (and whether the
 * accepting state was just reached), its transitions are computed on first use and kept. A step costs one map look-up
 * once the transition is known, at most one automaton step (states × tests) before. Bounded: past MAX_DFA_STATES the
 * cache is dropped and built again.
 */
interface DState {
  set: Int32Array;
  acc: boolean;
  /** Transitions on ASCII symbols (code × 2 + dot bit < 256), -1 unknown; others in `more`. */
  ascii: Int32Array;
  more: Map<number, number>;
}

const MAX_DFA_STATES = 256;

class Lazy {
  states: DState[] = [];
  private index = new Map<string, number>();
  private readonly mark: Int32Array;
  private readonly scratch: Int32Array;
  private gen = 0;
  private start = -1;

  constructor(private readonly a: Compiled) {
    this.mark = new Int32Array(a.tests.length).fill(-1);
    this.scratch = new Int32Array(a.tests.length);
  }

  /** The id of the DFA state for these automaton states (any order, no duplicates). */
  intern(set: Int32Array, acc: boolean): number {
    const sorted = Int32Array.from(set).sort();
    const key = `${acc ? 1 : 0}:${sorted.join(',')}`;
    const known = this.index.get(key);
    if (known !== undefined) return known;
    if (this.states.length >= MAX_DFA_STATES) {
      this.states = [];
      this.index = new Map();
      this.start = -1;
    }
    this.states.push({ set: sorted, acc, ascii: new Int32Array(256).fill(-1), more: new Map() });
    this.index.set(key, this.states.length - 1);
    return this.states.length - 1;
  }

  initial(): number {
    if (this.start < 0) this.start = this.intern(this.a.initial, this.a.initialAccepts);
    return this.start;
  }

  /** The state after reading `code` at `i` from state `d`; `sym` keys the cache (the code and its dot-segment bit). */
  step(d: number, code: number, i: number, sym: number, cost?: { tests: number }): number {
    const from = this.states[d] as DState;
    const known = sym < 256 ? from.ascii[sym] : from.more.get(sym);
    if (known !== undefined && known >= 0) return known;
    const { a, mark, scratch } = this;
    const gen = ++this.gen;
    let len = 0;
    let acc = false;
    if (cost) cost.tests += from.set.length;
    for (const x of from.set) {
      if (!(a.tests[x] as Test)(code, i)) continue;
      if (a.accepts[x]) acc = true;
      for (const y of a.follow[x] as Int32Array) {
        if (mark[y] !== gen) {
          mark[y] = gen;
          scratch[len++] = y;
        }
      }
    }
    const size = this.states.length;
    const to = this.intern(scratch.subarray(0, len), acc);
    // A reset (the cache was full) dropped `from`: its transition is not kept.
    if (this.states.length > size || this.states[d] === from) {
      if (sym < 256) from.ascii[sym] = to;
      else from.more.set(sym, to);
    }
    return to;
  }
}

/** Runs the automaton over `s` once: at most s.length × (test states) tests, whatever the glob. */
function run(lazy: Lazy, s: string, mask: Uint8Array | undefined, cost?: { tests: number }): boolean {
  let d = lazy.initial();
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    d = lazy.step(d, code, i, code * 2 + (mask !== undefined && mask[i] !== 0 ? 1 : 0), cost);
    const st = lazy.states[d] as DState;
    if (st.set.length === 0) return i === s.length - 1 && st.acc;
  }
  return (lazy.states[d] as DState).acc;
}

/** A compiled glob list: true when any glob matches. Throws on a glob that `globProblem` refuses. */
export function globMatcher(globs: readonly string[], opts: GlobOptions = {}): (s: string) => boolean {
  return compileGlobs(globs, opts).test;
}

/**
 * The matcher and what bounds its cost: `states` (test states of the automaton) and a `measure` that also counts the
 * state tests one match performed, which never exceeds (text length + 1) × states (for tests and benchmarks).
 */
export function compileGlobs(
  globs: readonly string[],
  opts: GlobOptions = {},
): { test: (s: string) => boolean; states: number; measure: (s: string) => { matched: boolean; tests: number } } {
  const nocase = opts.nocase === true;
  const b = builder();
  const dotSeg: DotMask = { mask: undefined };
  const frags: Frag[] = [];
  for (const g of globs) {
    const why = globProblem(g);
    if (why) throw new Error(`unsafe glob "${g}": ${why}`);
    for (const a of expandBraces(g) ?? []) frags.push(compileAlternative(b, a.replace(/^\.\/(?=.)/, ''), nocase, dotSeg));
  }
  const all = b.alt(frags);
  const compiled = resolve(b.nfa, all.start, all.end);
  const lazy = new Lazy(compiled);
  const once = (s: string, cost?: { tests: number }) => {
    dotSeg.mask = dotSegments(s);
    return run(lazy, s, dotSeg.mask, cost);
  };
  // As picomatch: a leading `./` is not part of the path, a trailing `/` may be left out.
  const match = (input: string, cost?: { tests: number }) => {
    const s = input.length > 2 && input.startsWith('./') ? input.slice(2) : input;
    if (s.length === 0) return false;
    return once(s, cost) || (s.length > 1 && s.endsWith('/') && once(s.slice(0, -1), cost));
  };
  return {
    test: (s) => match(s),
    states: compiled.tests.length,
    measure: (s) => {
      const cost = { tests: 0 };
      const matched = match(s, cost);
      return { matched, tests: cost.tests };
    },
  };
}
