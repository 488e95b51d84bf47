import { isMarker, marker, mayHoldSecret, mayHoldSecretBytes, redactKnown, redactText } from './text';

/**
 * Redaction of parsed scanner JSON (SARIF results and runs that the rated SARIF copies from the input): every string
 * is passed through `redactText`. A result of a secret scanner (`secret: true`) is treated as holding its secret
 * where such results keep it: `snippet` texts (`region.snippet.text`, `contextRegion.snippet` …) and members named
 * like Gitleaks' and TruffleHog's (`Secret`, `Match`, `offender`, `Raw`, `RawV2`) are replaced whole, and their values
 * are replaced wherever else they occur in the result (a message quoting the line, a fingerprint text …).
 *
 * Values are changed in place (the caller owns them); objects are walked without recursion (depth is no risk).
 */

/** Members of a secret scanner's result that hold the secret itself. */
const SECRET_MEMBERS = /^(?:secret|match|offender|raw|rawv2|secretvalue|matchedtext)$/i;

type Slot = { holder: Record<string, unknown> | unknown[]; key: string | number; whole: boolean };

/** Every string slot of `root` (its own value excluded), with whether it is a secret scanner's secret. */
function slots(root: unknown, secret: boolean): Slot[] {
  const out: Slot[] = [];
  const stack: { v: unknown; whole: boolean }[] = [{ v: root, whole: false }];
  while (stack.length > 0) {
    const { v, whole } = stack.pop() as { v: unknown; whole: boolean };
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const x = v[i];
        if (typeof x === 'string') out.push({ holder: v, key: i, whole });
        else if (typeof x === 'object' && x !== null) stack.push({ v: x, whole });
      }
    } else if (typeof v === 'object' && v !== null) {
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) {
        const x = o[k];
        const w = whole || (secret && (k === 'snippet' || SECRET_MEMBERS.test(k)));
        if (typeof x === 'string') out.push({ holder: o, key: k, whole: w });
        else if (typeof x === 'object' && x !== null) stack.push({ v: x, whole: w });
      }
    }
  }
  return out;
}

function get(s: Slot): string {
  return (s.holder as Record<string | number, unknown>)[s.key] as string;
}

function set(s: Slot, v: string): void {
  (s.holder as Record<string | number, unknown>)[s.key] = v;
}

/**
 * Redacts the strings inside a parsed JSON value, in place. Returns the value (a new string when `v` is a string) and
 * whether anything changed.
 */
export function redactJson(v: unknown, opts: { secret?: boolean } = {}): { value: unknown; changed: boolean } {
  if (typeof v === 'string') {
    const r = redactText(v);
    return { value: r, changed: r !== v };
  }
  // Other values (numbers, null …) have no string slot: they come back as they are, unchanged.
  const secret = opts.secret === true;
  const all = slots(v, secret);
  const known = secret ? all.filter((s) => s.whole).map(get) : [];
  let changed = false;
  for (const s of all) {
    const text = get(s);
    let r: string;
    if (s.whole) r = text.trim() === '' || isMarker(text) ? text : marker('secret', text);
    else if (known.length > 0) r = redactKnown(text, known);
    else r = mayHoldSecret(text) ? redactText(text) : text;
    if (r !== text) {
      set(s, r);
      changed = true;
    }
  }
  return { value: v, changed };
}

/**
 * True when JSON text (bytes as the input file has them) may hold a secret: a hint, or an escape (`\u…`, `\/`) that
 * could hide one from the hints.
 */
export function jsonMayHoldSecret(b: Buffer): boolean {
  return mayHoldSecretBytes(b);
}
