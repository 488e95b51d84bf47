import { describe, expect, it } from '@jest/globals';
import { useGitHubServer } from '../support/github-server';
import { createGitHubClient, graphqlWrites } from '../../src/github/octokit';
import { silentLogger } from '../../src/logger';

/**
 * The reports' read-only client (`queriesOnly`, src/github/octokit.ts): it refuses what may write before it is sent,
 * and its GraphQL queries are not spaced one second apart as the throttling plugin spaces writes (the organization
 * report's 50 pages took 50 s for that alone). Against the local server that validates every request.
 */

const server = useGitHubServer();
const VIEWER = 'query { viewer { login } }';

describe('graphqlWrites', () => {
  it.each([
    ['mutation { addStar(input: {starrableId: "x"}) { clientMutationId } }'],
    ['  # a comment\n  mutation M { x }'],
    ['subscription { x }'],
    ['query A { viewer { login } }\nmutation B { x }'],
    ['{ a }\n,mutation { b }'],
  ])('sees a mutation or subscription in %j', (q) => {
    expect(graphqlWrites(q)).toBe(true);
  });

  it.each([
    [VIEWER],
    ['{ viewer { login } }'],
    ['query { search(query: "mutation subscription", type: REPOSITORY, first: 1) { repositoryCount } }'],
    ['# mutation { x }\nquery { viewer { login } }'],
    ['query { a(text: """\nmutation { x }\n""") }'],
    ['query { mutations: viewer { login } }'],
  ])('sees none in %j', (q) => {
    expect(graphqlWrites(q)).toBe(false);
  });
});

describe('a queriesOnly client', () => {
  const client = () => createGitHubClient('t0ken', { baseUrl: server.url, logger: silentLogger, retryBaseMs: 1, queriesOnly: true });

  it('sends GET requests and GraphQL queries', async () => {
    server.reset();
    const c = client();
    const r = await c.request<{ login: string }>('POST /graphql', { query: VIEWER });
    expect(r.status).toBe(200);
    await expect(c.request('GET /repos/{owner}/{repo}/git/ref/{ref}', { owner: 'acme', repo: 'app', ref: 'heads/none' })).rejects.toThrow();
    expect(server.calls('graphql')).toHaveLength(1);
    expect(server.calls('git/get-ref')).toHaveLength(1);
  });

  it('refuses every write and GraphQL mutation before it is sent', async () => {
    server.reset();
    const c = client();
    await expect(
      c.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner: 'acme', repo: 'app', issue_number: 1, body: 'x' }),
    ).rejects.toThrow(/read-only GitHub client refused POST/);
    await expect(
      c.request('PATCH /repos/{owner}/{repo}/git/refs/{ref}', { owner: 'acme', repo: 'app', ref: 'heads/x', sha: 'a'.repeat(40) }),
    ).rejects.toThrow(/refused PATCH/);
    await expect(c.request('POST /graphql', { query: 'mutation { x }' })).rejects.toThrow(/not a GraphQL query without mutations/);
    await expect(c.request('POST /graphql', {})).rejects.toThrow(/refused POST/);
    expect(server.requests).toHaveLength(0);
  });

  it('does not space its GraphQL queries a second apart (the default client does)', async () => {
    const elapsed = async (queriesOnly: boolean) => {
      const c = createGitHubClient('t0ken', { baseUrl: server.url, logger: silentLogger, retryBaseMs: 1, queriesOnly });
      await c.request('POST /graphql', { query: VIEWER });
      const t = performance.now();
      await c.request('POST /graphql', { query: VIEWER });
      await c.request('POST /graphql', { query: VIEWER });
      return performance.now() - t;
    };
    // The plugin waits at least 1 s before each of the two later queries (its write group's minTime).
    expect(await elapsed(false)).toBeGreaterThanOrEqual(1900);
    expect(await elapsed(true)).toBeLessThan(1000);
  });
});
