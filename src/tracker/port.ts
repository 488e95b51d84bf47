/**
 * The tracker port: what defect-gate needs from any issue tracker (GitHub Issues first; Jira or GitLab are one more
 * adapter implementing this). Issues are found again by the hidden marker the tool writes in their body.
 */

export type TicketState = 'open' | 'closed' | 'not-planned';

export interface TicketContent {
  title: string;
  body: string;
  labels: string[];
  /** Logins to assign (users only). */
  assignees: string[];
}

export interface Ticket {
  number: number;
  state: TicketState;
  /** The group key read back from the marker. */
  key: string;
  url?: string;
}

export interface TrackerPort {
  /** Where the issues live, e.g. `acme/app` (recorded in the ledger). */
  readonly where: string;
  /** Issues the tool wrote, by group key (marker and author), every page. */
  findByMarker(): Promise<Map<string, Ticket>>;
  open(content: TicketContent, key: string): Promise<Ticket>;
  update(number: number, content: TicketContent): Promise<void>;
  close(number: number, reason: 'completed' | 'not-planned'): Promise<void>;
  reopen(number: number): Promise<void>;
  comment(number: number, body: string): Promise<void>;
}

/** The hidden marker that identifies a group's issue (the key URI-encoded, so it can never end the comment). */
export function ticketMarker(key: string): string {
  return `<!-- defect-gate:ticket key=${encodeURIComponent(key)} -->`;
}

/** The key of the marker at the start of an issue body, or undefined. */
export function markerKey(body: string | null | undefined): string | undefined {
  const m = /^<!-- defect-gate:ticket key=([A-Za-z0-9%._~!*'()-]+) -->/.exec(body ?? '');
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1] as string);
  } catch {
    return undefined;
  }
}
