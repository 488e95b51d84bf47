import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The files the approval tests share (issue #17): one critical SQL injection finding, and the exception EX-7 that
 * accepts it, as merged through pull request #12 in the fake repository history. The Action (approvals-e2e) and the
 * CLI (cli-approvals) verify the same exception, each with its own policy.
 */

export const EX7_EXCEPTION = `entries:
  - id: EX-7
    type: accepted-risk
    match: {rule: js/sql-injection, path: "src/**"}
    reason: Internal tool, replaced in Q1
    approved-by: security-team
    approved-on: 2026-11-02
    expires: 2027-06-30
`;

export const SQL_INJECTION_SARIF = JSON.stringify({
  version: '2.1.0',
  runs: [
    {
      tool: { driver: { name: 'CodeQL' } },
      results: [
        {
          ruleId: 'js/sql-injection',
          level: 'error',
          message: { text: 'SQL injection' },
          locations: [{ physicalLocation: { artifactLocation: { uri: 'src/a.js' }, region: { startLine: 3 } } }],
        },
      ],
    },
  ],
});

/** Writes files (workspace-relative path → text) below `root`, making their folders. */
export function writeFiles(root: string, files: Record<string, string>): void {
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), text);
  }
}
