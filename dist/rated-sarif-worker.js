import { createRequire as __dgCreateRequire } from 'node:module';
const require = __dgCreateRequire(import.meta.url);

// src/io/rated-sarif-worker.ts
import { parentPort, workerData } from "node:worker_threads";

// src/io/rated-sarif.ts
import { isUtf8 } from "node:buffer";
import { closeSync as closeSync3, existsSync, fstatSync as fstatSync2, ftruncateSync, openSync as openSync3, writeSync } from "node:fs";

// src/io/atomic.ts
import { closeSync, mkdirSync, openSync, renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";
function writeAtomically(path, fill) {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, "w");
  try {
    fill(fd);
  } finally {
    closeSync(fd);
  }
  rmSync(path, { force: true });
  renameSync(tmp, path);
}

// src/ingest/stream.ts
import { closeSync as closeSync2, fstatSync, openSync as openSync2, readSync } from "node:fs";

// src/ingest/json.ts
function findJsonErrorOffset(text2) {
  let i = 0;
  const n = text2.length;
  class Stop extends Error {
    constructor(at, why) {
      super(why);
      this.at = at;
      this.why = why;
    }
    at;
    why;
  }
  const describe = (at) => {
    if (at >= n) return "end of file";
    const ch = text2[at];
    return ch === void 0 ? "end of file" : JSON.stringify(ch);
  };
  const ws = () => {
    while (i < n) {
      const c = text2.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
  };
  const expect = (what) => {
    throw new Stop(i, `expected ${what} but found ${describe(i)}`);
  };
  const stack = [];
  const value = () => {
    ws();
    const c = text2[i];
    if (c === "{") {
      stack.push("}");
      if (stack.length > 1e4) throw new Stop(i, "nesting deeper than 10000 levels");
      i++;
      ws();
      if (text2[i] === "}") {
        i++;
        stack.pop();
        return;
      }
      for (; ; ) {
        ws();
        if (text2[i] !== '"') expect("a property name in double quotes");
        string();
        ws();
        if (text2[i] !== ":") expect("':' after the property name");
        i++;
        value();
        ws();
        if (text2[i] === ",") {
          i++;
          continue;
        }
        if (text2[i] === "}") {
          i++;
          stack.pop();
          return;
        }
        expect("',' or '}' after a property value");
      }
    } else if (c === "[") {
      stack.push("]");
      if (stack.length > 1e4) throw new Stop(i, "nesting deeper than 10000 levels");
      i++;
      ws();
      if (text2[i] === "]") {
        i++;
        stack.pop();
        return;
      }
      for (; ; ) {
        value();
        ws();
        if (text2[i] === ",") {
          i++;
          continue;
        }
        if (text2[i] === "]") {
          i++;
          stack.pop();
          return;
        }
        expect("',' or ']' after an array element");
      }
    } else if (c === '"') {
      string();
    } else if (c === "-" || c !== void 0 && c >= "0" && c <= "9") {
      number();
    } else if (text2.startsWith("true", i)) i += 4;
    else if (text2.startsWith("false", i)) i += 5;
    else if (text2.startsWith("null", i)) i += 4;
    else expect("a JSON value");
  };
  const string = () => {
    i++;
    while (i < n) {
      const c = text2.charCodeAt(i);
      if (c === 34) {
        i++;
        return;
      }
      if (c === 92) {
        const e = text2[i + 1];
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text2.slice(i + 2, i + 6))) throw new Stop(i, "invalid \\u escape in a string");
          i += 6;
        } else if (e !== void 0 && '"\\/bfnrt'.includes(e)) i += 2;
        else throw new Stop(i, "invalid escape in a string");
        continue;
      }
      if (c < 32) throw new Stop(i, "control character (such as a raw line break) inside a string");
      i++;
    }
    throw new Stop(i, "unterminated string");
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text2.slice(i, i + 400));
    if (!m) throw new Stop(i, "invalid number");
    i += m[0].length;
  };
  try {
    ws();
    if (i >= n) return { offset: 0, message: "the file is empty" };
    value();
    ws();
    if (i < n) return { offset: i, message: `unexpected ${describe(i)} after the end of the JSON value` };
    return { offset: n, message: "invalid JSON" };
  } catch (e) {
    if (e instanceof Stop) return { offset: e.at, message: e.why };
    return { offset: i, message: "invalid JSON" };
  }
}

// src/ingest/formats/sarif.ts
var NO_SUPPRESSIONS = Object.freeze([]);

// src/ingest/stream.ts
var JsonSyntax = class extends Error {
  constructor(at, why) {
    super(why);
    this.at = at;
    this.why = why;
  }
  at;
  why;
};
var WS = new Uint8Array(256);
for (const c of [32, 9, 10, 13]) WS[c] = 1;
var Reader = class {
  constructor(fd, size, chunk) {
    this.fd = fd;
    this.size = size;
    this.buf = Buffer.allocUnsafe(chunk);
  }
  fd;
  size;
  buf;
  /** File offset of buf[0]. */
  base = 0;
  len = 0;
  pos = 0;
  eof = false;
  /** Moves past a UTF-8 byte order mark at the start of the file, if there is one. */
  skipBom() {
    const bom = Buffer.alloc(3);
    if (readSync(this.fd, bom, 0, 3, 0) === 3 && bom[0] === 239 && bom[1] === 187 && bom[2] === 191) this.seek(3);
  }
  abs(i = this.pos) {
    return this.base + i;
  }
  seek(abs) {
    if (abs >= this.base && abs <= this.base + this.len) {
      this.pos = abs - this.base;
      return;
    }
    this.base = abs;
    this.len = 0;
    this.pos = 0;
    this.eof = false;
  }
  /** Reads more bytes, keeping buf[keep..len); returns the shift applied to indices, or -1 at the end of the file. */
  more(keep) {
    if (this.eof) return -1;
    const kept = this.len - keep;
    if (keep > 0) {
      this.buf.copy(this.buf, 0, keep, this.len);
      this.base += keep;
      this.len = kept;
    }
    if (this.len === this.buf.length) {
      const bigger = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(bigger, 0, 0, this.len);
      this.buf = bigger;
    }
    const n = readSync(this.fd, this.buf, this.len, this.buf.length - this.len, this.base + this.len);
    if (n === 0) this.eof = true;
    this.len += n;
    return n === 0 ? -1 : keep;
  }
  /** The byte at pos after whitespace, or -1 at the end of the file. */
  peek() {
    for (; ; ) {
      while (this.pos < this.len) {
        const c = this.buf[this.pos];
        if (WS[c] !== 1) return c;
        this.pos++;
      }
      const shift = this.more(this.pos);
      if (shift < 0) return -1;
      this.pos -= shift;
    }
  }
  expect(c, what) {
    if (this.peek() !== c) throw new JsonSyntax(this.abs(), `expected ${what} but found ${this.describe()}`);
    this.pos++;
  }
  describe() {
    const c = this.peek();
    if (c < 0) return "end of file";
    return JSON.stringify(this.buf.toString("utf8", this.pos, Math.min(this.len, this.pos + 1)));
  }
  /**
   * Advances past the next value; returns its [start, end) file offsets. Checks only its outline.
   *
   * @param bounds when given and the value is an object or array, receives the file offsets of its opening bracket,
   *   of each `,` between its members or elements, and of its closing bracket
   */
  skip(bounds) {
    const c = this.peek();
    if (c < 0) throw new JsonSyntax(this.abs(), "expected a JSON value but found end of file");
    let start = this.pos;
    let i = start;
    if (c === 123 || c === 91 || c === 34) {
      let depth = 0;
      for (; ; ) {
        if (i >= this.len) {
          const shift = this.more(start);
          if (shift < 0) throw new JsonSyntax(this.abs(this.len), "unexpected end of file inside a value");
          start -= shift;
          i -= shift;
        }
        const b = this.buf[i];
        if (b === 34) {
          this.keepFrom = start;
          i = this.stringEnd(i + 1);
          start = this.keepFrom;
          if (depth === 0) break;
          continue;
        }
        if (b === 123 || b === 91) {
          depth++;
          if (depth === 1 && bounds) bounds.push(this.base + i);
        } else if (b === 125 || b === 93) {
          depth--;
          if (depth === 0) {
            bounds?.push(this.base + i);
            i++;
            break;
          }
        } else if (b === 44 && depth === 1 && bounds) bounds.push(this.base + i);
        i++;
      }
    } else {
      for (; ; ) {
        if (i >= this.len) {
          if (this.eof || this.more(start) < 0) break;
          const shift = start;
          start -= shift;
          i -= shift;
          continue;
        }
        const b = this.buf[i];
        if (b === 44 || b === 125 || b === 93 || WS[b] === 1) break;
        i++;
      }
    }
    this.pos = i;
    return [this.abs(start), this.abs(i)];
  }
  /** Buffer index of the value being skipped, which reads must keep (`stringEnd` updates it when it reads). */
  keepFrom = 0;
  /**
   * Buffer index just past the closing quote of the string whose body starts at `from` (no closures: this runs for
   * every string of the file).
   */
  stringEnd(from) {
    for (; ; ) {
      const q = this.buf.indexOf(34, from);
      if (q < 0 || q >= this.len) {
        const searched = this.len;
        const shift = this.more(this.keepFrom);
        if (shift < 0) throw new JsonSyntax(this.abs(this.len), "unterminated string");
        this.keepFrom -= shift;
        from = searched - shift;
        continue;
      }
      let k = q - 1;
      while (k >= 0 && this.buf[k] === 92) k--;
      if ((q - 1 - k) % 2 === 0) return q + 1;
      from = q + 1;
    }
  }
  /**
   * The bytes of [start, end) (file offsets), which must lie within the value last skipped or read: a view of the
   * read buffer, valid until the reader moves on.
   */
  bytes(start, end) {
    return this.buf.subarray(start - this.base, end - this.base);
  }
  /** The bytes of the next value, as they are in the file (a view of the read buffer; see `bytes`). */
  rawBytes() {
    const [a, b] = this.skip();
    return this.bytes(a, b);
  }
  /** Parses the next value. */
  value() {
    const [a, b] = this.skip();
    const text2 = this.buf.toString("utf8", a - this.base, b - this.base);
    try {
      return JSON.parse(text2);
    } catch {
      const e = findJsonErrorOffset(text2);
      throw new JsonSyntax(a + Buffer.byteLength(text2.slice(0, e.offset)), e.message);
    }
  }
  string() {
    if (this.peek() !== 34) throw new JsonSyntax(this.abs(), `expected a property name in double quotes but found ${this.describe()}`);
    return this.value();
  }
  /** Iterates the members of the object at pos, calling `member` with each key; `member` must consume the value. */
  object(member) {
    this.expect(123, "'{'");
    if (this.peek() === 125) {
      this.pos++;
      return;
    }
    for (; ; ) {
      const key = this.string();
      this.expect(58, "':' after the property name");
      member(key);
      const c = this.peek();
      this.pos++;
      if (c === 44) continue;
      if (c === 125) return;
      this.pos--;
      throw new JsonSyntax(this.abs(), `expected ',' or '}' after a property value but found ${this.describe()}`);
    }
  }
  /** Iterates the elements of the array at pos; `element` must consume the value. */
  array(element) {
    this.expect(91, "'['");
    if (this.peek() === 93) {
      this.pos++;
      return;
    }
    for (let i = 0; ; i++) {
      element(i);
      const c = this.peek();
      this.pos++;
      if (c === 44) continue;
      if (c === 93) return;
      this.pos--;
      throw new JsonSyntax(this.abs(), `expected ',' or ']' after an array element but found ${this.describe()}`);
    }
  }
};

// src/ingest/depth.ts
var MAX_DOCUMENT_DEPTH = 200;
function pruneDeep(doc, max = MAX_DOCUMENT_DEPTH) {
  const values = [doc];
  const depths = [0];
  while (values.length > 0) {
    const v = values.pop();
    const d = depths.pop();
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const c = v[i];
        if (typeof c !== "object" || c === null) continue;
        if (d + 1 >= max) v[i] = null;
        else {
          values.push(c);
          depths.push(d + 1);
        }
      }
    } else if (typeof v === "object" && v !== null) {
      for (const k of Object.keys(v)) {
        const c = v[k];
        if (typeof c !== "object" || c === null) continue;
        if (d + 1 >= max) Object.defineProperty(v, k, { value: null, enumerable: true, writable: true, configurable: true });
        else {
          values.push(c);
          depths.push(d + 1);
        }
      }
    }
  }
  return doc;
}

// src/version.ts
var VERSION = "0.1.0";

// src/report/sarif.ts
function withRating(own2, m) {
  const props = typeof own2 === "object" && own2 !== null ? { ...own2 } : {};
  props["defect-gate/severity"] = m.severity;
  props["defect-gate/fingerprint"] = m.fingerprint;
  props["defect-gate/blocking"] = m.blocking;
  if (m.notGated) props["defect-gate/not-gated"] = m.notGated;
  props["security-severity"] = m.score;
  return props;
}
function ratingMembersJson(m) {
  const notGated = m.notGated ? `,"defect-gate/not-gated":${JSON.stringify(m.notGated)}` : "";
  return `"defect-gate/severity":${JSON.stringify(m.severity)},"defect-gate/fingerprint":${JSON.stringify(m.fingerprint)},"defect-gate/blocking":${m.blocking}${notGated},"security-severity":${JSON.stringify(m.score)}`;
}
function withRatingResult(res, m, level) {
  const copy2 = { ...res, properties: withRating(res.properties, m) };
  if (level) copy2.level = level;
  return copy2;
}
function toolWithScores(tool, ruleMax) {
  if (typeof tool !== "object" || tool === null) return tool;
  const withScores = (c) => {
    if (!c || typeof c !== "object" || !Array.isArray(c.rules)) return c;
    return {
      ...c,
      rules: c.rules.map((rule) => {
        const sc = typeof rule?.id === "string" ? ruleMax.get(rule.id) : void 0;
        return sc === void 0 ? rule : { ...rule, properties: { ...rule.properties ?? {}, "security-severity": sc.toFixed(1) } };
      })
    };
  };
  const t0 = tool;
  const t = { ...t0, driver: withScores(t0.driver) };
  if (Array.isArray(t0.extensions)) t.extensions = t0.extensions.map((e) => withScores(e));
  return t;
}
function runProperties(own2, file) {
  return { ...typeof own2 === "object" && own2 !== null ? own2 : {}, "defect-gate/version": VERSION, "defect-gate/input": file };
}
var RATED_SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

// src/io/rated-sarif.ts
var Out = class {
  constructor(fd) {
    this.fd = fd;
  }
  fd;
  buf = Buffer.allocUnsafe(1 << 20);
  n = 0;
  pos = 0;
  text(s) {
    if (s.length * 3 > this.buf.length - this.n) this.flush();
    if (s.length * 3 > this.buf.length) {
      this.pos += writeSync(this.fd, s, this.pos);
      return;
    }
    this.n += this.buf.write(s, this.n);
  }
  bytes(b) {
    if (b.length > this.buf.length - this.n) this.flush();
    if (b.length > this.buf.length) {
      this.pos += writeSync(this.fd, b, 0, b.length, this.pos);
      return;
    }
    this.n += b.copy(this.buf, this.n);
  }
  flush() {
    if (this.n === 0) return;
    this.pos += writeSync(this.fd, this.buf, 0, this.n, this.pos);
    this.n = 0;
  }
  mark() {
    this.flush();
    return this.pos;
  }
  rewind(mark) {
    this.flush();
    this.pos = mark;
    ftruncateSync(this.fd, mark);
  }
};
var TextSink = class {
  parts = [];
  text(s) {
    this.parts.push(s);
  }
  bytes(b) {
    this.parts.push(b.toString("utf8"));
  }
};
function copy(sink, b) {
  if (isUtf8(b)) sink.bytes(b);
  else sink.text(b.toString("utf8"));
}
var indented = (s, indent) => indent && s.includes("\n") ? s.replace(/\n/g, `
${indent}`) : s;
var NOT_RATED = 65535;
var BLOCKING = 1;
var FAILURE = 2;
var HEX = 4;
var fingerprintViews = /* @__PURE__ */ new WeakMap();
function fingerprintBytes(r) {
  let b = fingerprintViews.get(r);
  if (!b) fingerprintViews.set(r, b = Buffer.from(r.fingerprints.buffer, r.fingerprints.byteOffset, r.fingerprints.byteLength));
  return b;
}
function writeRatedSarifPlan(outPath2, plan2, opts = {}) {
  writeAtomically(outPath2, (fd) => {
    const out = new Out(fd);
    const ctx = { plan: plan2, out, runsWritten: 0, chunk: Math.max(16, opts.chunkSize ?? 1 << 22) };
    out.text(plan2.pretty ? `{
  "$schema": ${JSON.stringify(RATED_SARIF_SCHEMA)},
  "version": "2.1.0",
  "runs": [` : `{"$schema":${JSON.stringify(RATED_SARIF_SCHEMA)},"version":"2.1.0","runs":[`);
    plan2.inputs.forEach((input, i) => writeFileRuns(input, plan2.runs[i] ?? [], ctx));
    for (const run of plan2.nativeRuns) {
      out.text(ctx.runsWritten++ > 0 ? "," : "");
      out.text(run);
    }
    out.text(plan2.pretty ? ctx.runsWritten > 0 ? `
  ]
}
` : `]
}
` : `]}
`);
    out.flush();
  });
}
var WORKER_SCRIPT = new URL("./rated-sarif-worker.js", import.meta.url);
function changed(input, how) {
  return new Error(
    `${input.file} changed while defect-gate was running (${how}): its rated SARIF cannot be written; do not write to a scanner's output while the check runs`
  );
}
function writeFileRuns(input, runs, ctx) {
  let fd;
  try {
    fd = openSync3(input.path, "r");
  } catch (err) {
    throw changed(input, `it cannot be read any more: ${err.message}`);
  }
  try {
    const st = fstatSync2(fd);
    if (st.size !== input.size || st.mtimeMs !== input.mtimeMs) {
      throw changed(input, st.size !== input.size ? `${input.size} bytes when read, ${st.size} now` : "modified since it was read");
    }
    const r = new Reader(fd, st.size, ctx.chunk);
    r.skipBom();
    if (r.peek() !== 123) return;
    const start = { mark: ctx.out.mark(), runs: ctx.runsWritten };
    r.object((key) => {
      if (key !== "runs") {
        r.skip();
        return;
      }
      ctx.out.rewind(start.mark);
      ctx.runsWritten = start.runs;
      if (r.peek() !== 91) {
        r.skip();
        return;
      }
      r.array((ri) => writeRun(r, input.file, runs[ri], ctx));
    });
  } catch (err) {
    if (err instanceof JsonSyntax) throw changed(input, `no longer valid JSON at byte ${err.at}`);
    throw err;
  } finally {
    closeSync3(fd);
  }
}
function writeRun(r, file, rated, ctx) {
  if (r.peek() !== 123) {
    r.skip();
    return;
  }
  const sink = ctx.plan.pretty ? new TextSink() : ctx.out;
  sink.text(ctx.runsWritten++ > 0 ? ",{" : "{");
  let members = 0;
  let hasProperties = false;
  r.object((key) => {
    sink.text(`${members++ > 0 ? "," : ""}${JSON.stringify(key)}:`);
    if (key === "results" && r.peek() === 91) {
      sink.text("[");
      r.array((i) => {
        if (i > 0) sink.text(",");
        if (rated && i < rated.rank.length && rated.rank[i] !== NOT_RATED && r.peek() === 123) writeResult(r, rated, i, ctx, sink);
        else copy(sink, r.rawBytes());
      });
      sink.text("]");
    } else if (key === "tool") {
      sink.text(stringify(toolWithScores(r.value(), rated?.ruleScores ?? /* @__PURE__ */ new Map()), 3));
    } else if (key === "properties") {
      hasProperties = true;
      sink.text(stringify(runProperties(r.value(), file), 3));
    } else {
      copy(sink, r.rawBytes());
    }
  });
  if (!hasProperties) sink.text(`${members > 0 ? "," : ""}"properties":${stringify(runProperties(void 0, file), 3)}`);
  sink.text("}");
  if (sink instanceof TextSink) {
    const text2 = sink.parts.join("");
    const lead = text2.startsWith(",") ? "," : "";
    const run = pruneDeep(JSON.parse(text2.slice(lead.length)), MAX_DOCUMENT_DEPTH - 2);
    ctx.out.text(`${lead}
    ${indented(JSON.stringify(run, null, 2), "    ")}`);
  }
}
var WS2 = new Uint8Array(256);
for (const c of [32, 9, 10, 13]) WS2[c] = 1;
function writeResult(r, rated, i, ctx, sink) {
  const { plan: plan2 } = ctx;
  const rank = rated.rank[i];
  const flags = rated.flags[i];
  const level = flags & FAILURE ? plan2.sarifLevels[rank] : void 0;
  const rating = {
    severity: plan2.levels[rank],
    fingerprint: flags & HEX ? fingerprintBytes(rated).toString("hex", i * 16, i * 16 + 16) : rated.otherFingerprints.get(i),
    blocking: (flags & BLOCKING) !== 0,
    notGated: rated.notGated[i] ? plan2.reasons[rated.notGated[i] - 1] : void 0,
    score: plan2.scores[rank]
  };
  const bounds = [];
  const [start, end] = r.skip(bounds);
  const obj = r.bytes(start, end);
  if (!isUtf8(obj)) {
    sink.text(stringify(withRatingResult(JSON.parse(obj.toString("utf8")), rating, level), 4));
    return;
  }
  let from = 0;
  let hasProperties = false;
  let hasLevel = false;
  let members = 0;
  for (let k = 0; k + 1 < bounds.length; k++) {
    let p = bounds[k] - start + 1;
    const q = bounds[k + 1] - start;
    while (p < q && WS2[obj[p]] === 1) p++;
    if (p >= q || obj[p] !== 34) continue;
    members++;
    let j = p + 1;
    let escaped = false;
    while (j < q && obj[j] !== 34) {
      if (obj[j] === 92) {
        escaped = true;
        j++;
      }
      j++;
    }
    if (j >= q) throw new JsonSyntax(start + p, "unterminated property name");
    const keyLength = j - p - 1;
    if (!escaped && keyLength !== 5 && keyLength !== 10) continue;
    const key = escaped ? JSON.parse(obj.toString("utf8", p, j + 1)) : obj.toString("latin1", p + 1, j);
    const isProperties = key === "properties";
    if (!isProperties && !(key === "level" && level)) continue;
    let vs = j + 1;
    while (vs < q && (WS2[obj[vs]] === 1 || obj[vs] === 58)) vs++;
    let ve = q;
    while (ve > vs && WS2[obj[ve - 1]] === 1) ve--;
    sink.bytes(obj.subarray(from, vs));
    if (isProperties) {
      hasProperties = true;
      sink.text(ratedPropertiesText(obj, vs, ve, rating));
    } else {
      hasLevel = true;
      sink.text(JSON.stringify(level));
    }
    from = ve;
  }
  const close = bounds[bounds.length - 1] - start;
  sink.bytes(obj.subarray(from, close));
  let tail = "";
  if (!hasProperties) tail += `${members++ > 0 ? "," : ""}"properties":{${ratingMembersJson(rating)}}`;
  if (level && !hasLevel) tail += `${members > 0 ? "," : ""}"level":${JSON.stringify(level)}`;
  sink.text(`${tail}}`);
}
var OURS = [Buffer.from('"defect-gate/'), Buffer.from('"security-severity"')];
function ratedPropertiesText(obj, vs, ve, rating) {
  const own2 = obj.subarray(vs, ve);
  if (own2[0] === 123 && own2[own2.length - 1] === 125 && !OURS.some((k) => own2.includes(k))) {
    let last = own2.length - 2;
    while (last > 0 && WS2[own2[last]] === 1) last--;
    const empty = last === 0;
    return `${own2.toString("utf8", 0, own2.length - 1)}${empty ? "" : ","}${ratingMembersJson(rating)}}`;
  }
  return stringify(withRating(JSON.parse(own2.toString("utf8")), rating), 5);
}
function stringify(v, depth) {
  return JSON.stringify(typeof v === "object" && v !== null ? pruneDeep(v, MAX_DOCUMENT_DEPTH - depth) : v) ?? "null";
}

// src/io/rated-sarif-worker.ts
var { outPath, plan } = workerData;
var answer;
try {
  writeRatedSarifPlan(outPath, plan);
  answer = { ok: true };
} catch (err) {
  answer = { ok: false, message: err instanceof Error ? err.message : String(err) };
}
parentPort?.postMessage(answer);
