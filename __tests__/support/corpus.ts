/** The scanner report corpus (`__fixtures__/corpus`) and edge cases (`__fixtures__/edge`) for the format tests. */
import { expect } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ingestText, type IngestedFile } from '../../src/ingest/index';
import { parseXml } from '../../src/ingest/xml';
import type { FormatParser, ParseContext, ParseResult } from '../../src/ingest/types';

export const CORPUS = '__fixtures__/corpus';
/** The DefectDojo unit-test samples: one directory per scanner (`anchore_grype`, `bandit`, `gitlab_sast` …). */
export const DEFECTDOJO = `${CORPUS}/defectdojo`;
export const EDGE = '__fixtures__/edge';

/** Every `.json` and `.xml` file below `dir`, recursively. */
export function corpusFiles(dir = CORPUS): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? corpusFiles(join(dir, e.name)) : /\.(json|xml)$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

/** The names of the files of one directory (not recursive) ending in `ext`. */
export function fileNames(dir: string, ext = '.json'): string[] {
  return readdirSync(dir).filter((f) => f.endsWith(ext));
}

/** `fileNames`, joined to their directory. */
export function filePaths(dir: string, ext = '.json'): string[] {
  return fileNames(dir, ext).map((f) => join(dir, f));
}

/** A file read as JSON. */
export function load(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** A file parsed as XML (when it starts with `<`) or JSON (with or without BOM); `ok: false` when it is neither. */
export function parseDoc(file: string): { ok: boolean; doc?: unknown } {
  const t = readFileSync(file, 'utf8');
  if (t.trimStart().startsWith('<')) {
    const r = parseXml(t);
    return r.ok ? { ok: true, doc: r.value } : { ok: false };
  }
  try {
    return { ok: true, doc: JSON.parse(t.replace(/^\uFEFF/, '')) as unknown };
  } catch {
    return { ok: false };
  }
}

let parsed: { file: string; doc: unknown }[] | undefined;
/** Every corpus file that `parseDoc` can read, with its document (read once per test file). */
export function parsedCorpus(): { file: string; doc: unknown }[] {
  parsed ??= corpusFiles().flatMap((file) => {
    const { ok, doc } = parseDoc(file);
    return ok ? [{ file, doc }] : [];
  });
  return parsed;
}

/**
 * Asserts that `detect` claims exactly the corpus files for which `mine(file)` is true (files that are neither JSON
 * nor XML are passed over, but never one of `mine`); `also` adds checks per file.
 */

/** The readable corpus documents for which `mine(file)` is true, asserted not to be none. */
export function corpusDocsOf(mine: (file: string) => boolean): { file: string; doc: unknown }[] {
  const docs = parsedCorpus().filter(({ file }) => mine(file));
  expect(docs.length).toBeGreaterThan(0);
  return docs;
}
export function expectClaimsExactly(
  detect: (doc: unknown) => boolean,
  mine: (file: string) => boolean,
  also?: (file: string, doc: unknown, isMine: boolean) => void,
): void {
  // Preconditions first, so that an empty corpus or a format whose files are all passed over asserts something:
  // a corpus to test on, files of this format in it, and none of them skipped as unreadable.
  const docs = parsedCorpus();
  expect(docs.length).toBeGreaterThan(100);
  const mineFiles = corpusFiles().filter(mine);
  expect(mineFiles.length).toBeGreaterThan(0);
  const read = new Set(docs.map((d) => d.file));
  expect(mineFiles.filter((f) => !read.has(f))).toEqual([]);
  for (const { file, doc } of docs) {
    const isMine = mine(file);
    expect([file, detect(doc)]).toEqual([file, isMine]);
    also?.(file, doc, isMine);
  }
}

/** `ingest(file, text?, ctx?)` through the generic layer with only `parsers`; the text is read from `file` when not given. */
export function ingester(parsers: FormatParser[]): (file: string, text?: string, ctx?: Partial<ParseContext>) => IngestedFile {
  return (file, text = readFileSync(file, 'utf8'), ctx = {}) => ingestText(text, { file, ...ctx }, undefined, parsers);
}

/** `parse(file)`: the JSON file given straight to `parser`, named by its base name. */
export function fileParser(parser: FormatParser): (file: string) => ParseResult {
  return (file) => parser.parse(load(file), { file: basename(file) });
}
