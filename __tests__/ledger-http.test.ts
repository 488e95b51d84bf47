import { describe, expect, it } from '@jest/globals';
import { useGitHubServer } from './support/github-server';
import { createGitHubClient } from '../src/action/octokit';
import { BranchLedgerStore } from '../src/ledger/branch-store';
import { reapply, type EngineInput } from '../src/engine';
import { silentLogger } from '../src/logger';
import { defaultPolicy, finding } from './helpers';
import type { FakeGit } from './support/fake-git';

/** The branch ledger through the real client, against the local GitHub server that validates against the OpenAPI description. */

const server = useGitHubServer();
const git: (owner: string, repo: string) => FakeGit = server.git;

const T0 = new Date('2026-11-25T00:00:00Z');
const repo = { owner: 'acme', repo: 'app' };
const input = (fps: string[], tool: string): EngineInput => ({
  files: [
    { file: 'x', findings: fps.map((fp) => finding({ fingerprint: fp, tool: { name: tool } })), errors: [], tools: [{ name: tool }] },
  ],
  policy: defaultPolicy(),
  environment: 'default',
  onInputError: 'fail',
  now: T0,
});

describe('branch ledger over HTTP', () => {
  it('writes and reads back through the Git data API with every request and response valid', async () => {
    const client = createGitHubClient('t0ken', { baseUrl: server.url, logger: silentLogger, retryBaseMs: 1 });
    const store = new BranchLedgerStore(
      (r, p) => client.request(r, p),
      repo,
      'defect-gate-data',
      () => T0,
    );
    expect(await store.read('default')).toBeUndefined();
    await store.update('default', (b) => reapply(b, input(['a', 'b'], 'CodeQL')));
    await store.update('default', (b) => reapply(b, input(['a'], 'CodeQL')));
    const book = await store.read('default');
    expect(book?.entries.a?.state).toBe('open');
    expect(book?.entries.b?.state).toBe('fixed');
    expect([...git('acme', 'app').filesAt('defect-gate-data').keys()].sort()).toEqual([
      'default/entries/all.json',
      'default/meta.json',
      'default/runs.json',
    ]);
    expect(server.calls('git/create-ref')).toHaveLength(1);
    expect(server.calls('git/update-ref')).toHaveLength(1);
  });

  it('two writers at once lose nothing (422 not a fast-forward, then re-read and merge)', async () => {
    const client = createGitHubClient('t0ken', { baseUrl: server.url, logger: silentLogger, retryBaseMs: 1 });
    const req = (r: string, p?: Record<string, unknown>) => client.request(r, p);
    const a = new BranchLedgerStore(req, { owner: 'acme', repo: 'race' }, 'defect-gate-data', () => T0);
    const b = new BranchLedgerStore(req, { owner: 'acme', repo: 'race' }, 'defect-gate-data', () => T0);
    await a.update('default', (book) => reapply(book, input(['base'], 'CodeQL')));
    await Promise.all([
      a.update('default', (book) => reapply(book, input(['base', 'from-a'], 'CodeQL'))),
      b.update('default', (book) => reapply(book, input(['from-b'], 'Semgrep'))),
    ]);
    const book = await a.read('default');
    expect(Object.keys(book?.entries ?? {}).sort()).toEqual(['base', 'from-a', 'from-b']);
    expect(book?.runs).toHaveLength(3);
    const rejected = server.calls('git/update-ref').filter((r) => r.status === 422);
    expect(rejected.length).toBeGreaterThanOrEqual(1);
  });
});
