import type { GitHubClient, RepoRef } from '../github/client';
import { createOnce } from '../github/create';
import { markerKey, ticketMarker, type Ticket, type TicketContent, type TrackerPort } from './port';

/** The label every defect-gate issue carries: issues are listed by it (and their marker and author) after a ledger loss. */
export const TRACKER_LABEL = 'defect-gate';

/** A create is never re-sent by a client's retry plugin: a 5xx may follow a create that happened (look first). */
const NO_BLIND_RETRY = { retries: 0, idempotent: false };

interface Issue {
  number: number;
  state: string;
  state_reason?: string | null;
  body?: string | null;
  html_url?: string;
  user?: { login?: string } | null;
  pull_request?: unknown;
}

const sameLogin = (a: string | undefined, b: string) => (a ?? '').toLowerCase() === b.toLowerCase();

function toTicket(i: Issue, key: string): Ticket {
  const state = i.state === 'open' ? 'open' : i.state_reason === 'not_planned' ? 'not-planned' : 'closed';
  return { number: i.number, state, key, ...(i.html_url ? { url: i.html_url } : {}) };
}

/**
 * GitHub Issues behind the tracker port. Content-creating requests (create, comment) are paced by `paceMs`
 * (GitHub asks for about a second between them to stay within secondary rate limits). A create that fails with a
 * 5xx is looked for (marker and author) before it is sent again: a 502 may follow an issue that was created.
 * Issues by anyone else than `author` are never adopted or edited, whatever their body says.
 */
export class GitHubIssuesTracker implements TrackerPort {
  readonly where: string;
  private lastWrite = 0;

  constructor(
    private readonly client: GitHubClient,
    private readonly repo: RepoRef,
    private readonly author: string,
    private readonly paceMs = 1000,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.where = `${repo.owner}/${repo.repo}`;
  }

  private async pace(): Promise<void> {
    const wait = this.lastWrite + this.paceMs - Date.now();
    if (this.lastWrite && wait > 0) await this.sleep(wait);
    this.lastWrite = Date.now();
  }

  async findByMarker(): Promise<Map<string, Ticket>> {
    const out = new Map<string, Ticket>();
    for (let page = 1; page <= 100; page++) {
      const r = await this.client.request<Issue[]>('GET /repos/{owner}/{repo}/issues', {
        ...this.repo,
        labels: TRACKER_LABEL,
        state: 'all',
        per_page: 100,
        page,
      });
      for (const i of r.data) {
        if (i.pull_request || !sameLogin(i.user?.login ?? undefined, this.author)) continue;
        const key = markerKey(i.body);
        // The lowest number wins when a key has two issues (the older one is the one people saw first).
        if (key === undefined) continue;
        const prev = out.get(key);
        if (!prev || prev.number > i.number) out.set(key, toTicket(i, key));
      }
      if (r.data.length < 100) break;
    }
    return out;
  }

  async open(content: TicketContent, key: string): Promise<Ticket> {
    await this.pace();
    const body = `${ticketMarker(key)}\n${content.body}`;
    const created = await createOnce(
      async () =>
        (
          await this.client.request<Issue>('POST /repos/{owner}/{repo}/issues', {
            ...this.repo,
            title: content.title,
            body,
            labels: content.labels,
            assignees: content.assignees,
            request: NO_BLIND_RETRY,
          })
        ).data,
      async () => {
        const t = (await this.findByMarker()).get(key);
        return t ? ({ number: t.number, state: 'open', ...(t.url ? { html_url: t.url } : {}) } as Issue) : undefined;
      },
    );
    return toTicket(created.value, key);
  }

  async update(number: number, content: TicketContent): Promise<void> {
    // The marker is written again with the body: an update never loses it.
    const current = await this.client.request<Issue>('GET /repos/{owner}/{repo}/issues/{issue_number}', {
      ...this.repo,
      issue_number: number,
    });
    const key = markerKey(current.data.body);
    if (key === undefined || !sameLogin(current.data.user?.login ?? undefined, this.author)) {
      throw new Error(`issue #${number} of ${this.where} was not written by ${this.author} with a defect-gate marker: not edited`);
    }
    await this.client.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', {
      ...this.repo,
      issue_number: number,
      title: content.title,
      body: `${ticketMarker(key)}\n${content.body}`,
      labels: content.labels,
      assignees: content.assignees,
    });
  }

  async close(number: number, reason: 'completed' | 'not-planned'): Promise<void> {
    await this.client.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', {
      ...this.repo,
      issue_number: number,
      state: 'closed',
      state_reason: reason === 'not-planned' ? 'not_planned' : 'completed',
    });
  }

  async reopen(number: number): Promise<void> {
    await this.client.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', {
      ...this.repo,
      issue_number: number,
      state: 'open',
      state_reason: 'reopened',
    });
  }

  async comment(number: number, body: string): Promise<void> {
    await this.pace();
    await this.client.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      ...this.repo,
      issue_number: number,
      body,
      request: NO_BLIND_RETRY,
    });
  }
}
