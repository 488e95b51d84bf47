import { z } from 'zod';
import { isoTime } from '../ingest/values';
import { UserError } from '../errors';
import { isWrittenLedger } from './shape';
import { lazyObject } from '../lazy';

/**
 * The ledger: what defect-gate remembers across runs, per scope. Stored as JSON (a file, or shards on a branch).
 * `LEDGER_VERSION` changes on incompatible changes; `migrateLedger` upgrades older files on read.
 */

export const LEDGER_VERSION = 1;

/** Builds the schemas below, once, when one of them is first used (`lazyObject`: issue #21). */
function build() {
  /**
   * A time defect-gate wrote (`Date#toISOString`): checked on read, because clocks and metrics compute with it and a
   * hand-edited or damaged value must be a clear ledger error, not a crash.
   */
  const Time = z.string().refine((s) => isoTime(s) !== undefined, 'expected an ISO 8601 time such as 2026-11-25T12:00:00.000Z');

  const Event = z.object({
    at: Time,
    type: z.enum(['opened', 'fixed', 'reopened', 'severity']),
    severity: z.string().optional(),
  });

  const LedgerEntrySchema = z.object({
    fingerprint: z.string(),
    tool: z.string(),
    ruleId: z.string(),
    title: z.string(),
    kind: z.string(),
    path: z.string().optional(),
    startLine: z.number().int().optional(),
    location: z.string().optional(),
    component: z.string().optional(),
    /** The component's criticality at the latest sighting: the SLA cell (`sla.by-criticality`) metrics use. */
    criticality: z.enum(['high', 'medium', 'low']).optional(),
    /** Owners at the latest sighting (policy component, else CODEOWNERS). */
    owners: z.array(z.string()).optional(),
    /** The tracker issue of this finding (src/tracker/), kept so the next run updates it instead of opening another. */
    ticket: z
      .object({
        tracker: z.string(),
        repo: z.string(),
        number: z.number().int(),
        /** What the issue was last made to say: a hash of its title, body and labels (updated only on change). */
        hash: z.string().optional(),
        state: z.enum(['open', 'closed', 'not-planned']).optional(),
        /** The SLA state a reminder comment was last posted for. */
        remindedFor: z.string().optional(),
      })
      .optional(),
    cwe: z.array(z.string()).optional(),
    /** First time a run of each environment (gate profile) saw it open, e.g. {production: …}: window of exposure. */
    environments: z.record(z.string(), Time).optional(),
    /**
     * Every episode's first sighting by each environment, oldest first (bounded), e.g. {production: [t1, t2]}: a finding
     * deployed, fixed and reopened was exposed twice (window of exposure). Written since ledger entries had `environments`
     * alone; an entry without it has only its current episode's sighting.
     */
    exposures: z.record(z.string(), z.array(Time)).optional(),
    /** What the gate needs of the latest sighting to judge it when its tool is not in a run (`gate-scope: ledger`). */
    seen: z
      .object({
        /** Gated before exceptions (SARIF kind `fail`, not scanner-suppressed); exceptions are applied again on each run. */
        gated: z.boolean(),
        notGatedReason: z.string().optional(),
        level: z.enum(['error', 'warning', 'note', 'none']).optional(),
        scannerSeverity: z.string().optional(),
        /** The score used for rating (security-severity, else CVSS). */
        score: z.number().optional(),
        cve: z.array(z.string()).optional(),
        tags: z.array(z.string()).optional(),
        package: z
          .object({
            ecosystem: z.string().optional(),
            name: z.string(),
            version: z.string().optional(),
            fixedVersions: z.array(z.string()).optional(),
          })
          .optional(),
        kev: z.boolean().optional(),
        epss: z.number().optional(),
      })
      .optional(),
    /** When the vulnerability (CVE) was published, as a scanner or enrichment gave it: time to detect. */
    published: Time.optional(),
    /** First time any run saw it (or the scanner's firstDetectionTimeUtc when earlier). */
    firstSeen: Time,
    lastSeen: Time,
    state: z.enum(['open', 'fixed']),
    fixedAt: Time.optional(),
    reopenedCount: z.number().int().min(0),
    /** Last time it came back after being fixed (for `restart-on-reopen`). */
    reopenedAt: Time.optional(),
    /** Current organization severity and whether the gate counted it. */
    severity: z.string(),
    gated: z.boolean(),
    /** KEV due date, when known (caps the SLA). */
    kevDueDate: z.string().optional(),
    /**
     * A digest of what the latest sighting wrote (src/ledger/track.ts `sightingDigest`): a run that sees the finding
     * again with the same digest moves only `lastSeen` (src/ledger/lines.ts).
     */
    sighting: z.string().optional(),
    /** Every change: opened, fixed, reopened, severity changed (bounded). */
    events: z.array(Event),
    /** When each policy exception started and stopped applying to this finding. */
    exceptions: z
      .array(z.object({ id: z.string(), type: z.string(), from: Time, to: Time.optional(), approvedBy: z.string().optional() }))
      .optional(),
  });

  const RunSnapshotSchema = z.object({
    at: Time,
    environment: z.string(),
    event: z.string().optional(),
    ref: z.string().optional(),
    sha: z.string().optional(),
    runId: z.string().optional(),
    tools: z.array(z.string()),
    /** Tools whose scan did not complete in this run (they fixed nothing and cover no activity). */
    incomplete: z.array(z.string()).optional(),
    /** Kinds of finding each tool reported in this run (verification coverage). */
    toolKinds: z.record(z.string(), z.array(z.string())).optional(),
    /** Open, gated findings by severity after this run. */
    open: z.record(z.string(), z.number().int()),
    new: z.number().int(),
    fixed: z.number().int(),
    reopened: z.number().int(),
    slaBreached: z.number().int(),
    slaDueSoon: z.number().int(),
    verdict: z.enum(['pass', 'warn', 'fail']),
  });

  /** One scope's book: entries by fingerprint, and run snapshots (oldest first). */
  /** An exception's approval as GitHub records it (src/github/approvals.ts), by `id:contentHash`. */
  const ApprovalRecordSchema = z.object({
    approvers: z.array(z.object({ login: z.string(), team: z.string().optional() })),
    pr: z
      .object({ number: z.number().int(), url: z.string().optional(), mergedAt: z.string().optional(), author: z.string().optional() })
      .optional(),
    commit: z.string().optional(),
    problem: z.string().optional(),
  });

  const LedgerBookSchema = z.object({
    entries: z.record(z.string(), LedgerEntrySchema),
    runs: z.array(RunSnapshotSchema),
    /** Verified exception approvals by `id:contentHash`: who approved, in which pull request (and the approval cache). */
    approvals: z.record(z.string(), ApprovalRecordSchema).optional(),
  });

  const LedgerFileSchema = z.object({
    schema: z.literal('defect-gate-ledger'),
    version: z.literal(LEDGER_VERSION),
    updatedAt: z.string(),
    /**
     * The hash of the file after its first line and the redaction rules its entries were written with
     * (src/ledger/lines.ts): a file that matches both is read without parsing its entries. Checked, then ignored.
     */
    integrity: z.object({ sha1: z.string(), redaction: z.string() }).optional(),
    /** Books by scope key, so several pipelines or tool sets in one repository keep separate books. */
    books: z.record(z.string(), LedgerBookSchema),
  });
  return { LedgerEntrySchema, RunSnapshotSchema, ApprovalRecordSchema, LedgerBookSchema, LedgerFileSchema };
}

let built: ReturnType<typeof build> | undefined;
const schemas = () => (built ??= build());

export const LedgerEntrySchema = lazyObject(() => schemas().LedgerEntrySchema);
export const RunSnapshotSchema = lazyObject(() => schemas().RunSnapshotSchema);
export const ApprovalRecordSchema = lazyObject(() => schemas().ApprovalRecordSchema);
export const LedgerBookSchema = lazyObject(() => schemas().LedgerBookSchema);
export const LedgerFileSchema = lazyObject(() => schemas().LedgerFileSchema);

export type LedgerEntry = z.infer<typeof LedgerEntrySchema>;
export type RunSnapshot = z.infer<typeof RunSnapshotSchema>;
export type LedgerBook = z.infer<typeof LedgerBookSchema>;
export type LedgerFile = z.infer<typeof LedgerFileSchema>;

export function emptyBook(): LedgerBook {
  return { entries: {}, runs: [] };
}

/** A ledger that cannot be used or written as asked: the run fails (a ledger error is never a warning). */
export class LedgerError extends UserError {
  constructor(
    readonly where: string,
    message: string,
  ) {
    super('ledger', `${where}: ${message}`);
    this.name = 'LedgerError';
  }
}

/** A ledger file that is damaged, not a ledger, or of a newer version. */
export class LedgerFormatError extends LedgerError {
  constructor(where: string, message: string) {
    super(where, message);
    this.name = 'LedgerFormatError';
  }
}

/**
 * A `__proto__` key among the books or entries would be dropped by validation (an object literal cannot hold it as
 * data), so its finding would come back as new with a fresh SLA clock: refused instead. defect-gate never writes one
 * (fingerprints are hashes, scopes named `__proto__` are refused); only a hand-edited or forged ledger holds it.
 */
function refuseProtoKeys(doc: unknown, where: string): void {
  const own = (o: unknown): o is Record<string, unknown> => typeof o === 'object' && o !== null && !Array.isArray(o);
  if (!own(doc) || !own(doc.books)) return;
  const bad = (path: string) => {
    throw new LedgerFormatError(
      where,
      `invalid ledger at ${path}: the key "__proto__" cannot be a scope or fingerprint (fix or remove the ledger; it is rebuilt from the next runs)`,
    );
  };
  if (Object.hasOwn(doc.books, '__proto__')) bad('$.books');
  for (const [scope, book] of Object.entries(doc.books)) {
    if (own(book) && own(book.entries) && Object.hasOwn(book.entries, '__proto__')) bad(`$.books.${scope}.entries`);
  }
}

/**
 * Upgrades a parsed ledger document to the current version and validates it.
 * Version 0 (pre-release, a single book: `{version: 0, entries: [...], runs: [...]}`) is migrated; newer versions than
 * this build knows are refused with a clear message rather than rewritten and lost.
 */
export function migrateLedger(raw: unknown, where: string): LedgerFile {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new LedgerFormatError(where, 'not a defect-gate ledger: expected a JSON object');
  }
  const doc = raw as Record<string, unknown>;
  const version = doc.version;
  if (typeof version === 'number' && version > LEDGER_VERSION) {
    throw new LedgerFormatError(
      where,
      `ledger version ${version} was written by a newer defect-gate (this one reads up to ${LEDGER_VERSION}); upgrade defect-gate`,
    );
  }
  let current: unknown = doc;
  if (version === 0) {
    const entries: Record<string, unknown> = {};
    for (const e of Array.isArray(doc.entries) ? doc.entries : []) {
      if (e && typeof e === 'object' && typeof (e as { fingerprint?: unknown }).fingerprint === 'string') {
        const old = e as Record<string, unknown>;
        entries[old.fingerprint as string] = {
          reopenedCount: 0,
          gated: true,
          events: [{ at: old.firstSeen, type: 'opened', severity: old.severity }],
          kind: 'other',
          title: old.ruleId,
          ...old,
          state: old.fixedAt ? 'fixed' : 'open',
        };
      }
    }
    current = {
      schema: 'defect-gate-ledger',
      version: 1,
      updatedAt: typeof doc.updatedAt === 'string' ? doc.updatedAt : new Date(0).toISOString(),
      books: { [typeof doc.scope === 'string' ? doc.scope : 'default']: { entries, runs: Array.isArray(doc.runs) ? doc.runs : [] } },
    };
  }
  refuseProtoKeys(current, where);
  // The hot path: a ledger exactly as defect-gate writes it needs no zod (src/ledger/shape.ts); anything else is
  // validated by zod, which names the first problem.
  if (isWrittenLedger(current, LEDGER_VERSION)) return current as LedgerFile;
  const parsed = LedgerFileSchema.safeParse(current);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue ? `$${issue.path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('')}` : '$';
    throw new LedgerFormatError(
      where,
      `invalid ledger at ${path}: ${issue?.message ?? 'unknown problem'} (fix or remove the ledger; it is rebuilt from the next runs)`,
    );
  }
  return parsed.data;
}
