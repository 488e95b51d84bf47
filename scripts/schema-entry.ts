// Bundled by scripts/build.mjs to write schema/*.json from the zod schemas.
import { z } from 'zod';
import { policySchemas } from '../src/policy/schema';
import { ReportSchema } from '../src/report/schema';
import { REPORT_SCHEMA_ID } from '../src/report/version';
import { findingsSchemas } from '../src/ingest/formats/findings-schema';
import { ORG_EXPORT_SCHEMA_ID, OrgExportRowSchema } from '../src/metrics/org-export';

export const POLICY_SCHEMA_ID = 'https://defect-gate.dev/schema/policy.schema.json';
export const FINDINGS_SCHEMA_ID = 'https://defect-gate.dev/schema/findings.schema.json';

export const schemas = {
  'policy.schema.json': {
    $id: POLICY_SCHEMA_ID,
    ...z.toJSONSchema(policySchemas().PolicySchema, { target: 'draft-2020-12', io: 'input' }),
  },
  'findings.schema.json': {
    $id: FINDINGS_SCHEMA_ID,
    ...z.toJSONSchema(findingsSchemas().FindingsFileSchema, { target: 'draft-2020-12', io: 'input' }),
  },
  'org-export.schema.json': {
    $id: ORG_EXPORT_SCHEMA_ID,
    ...z.toJSONSchema(OrgExportRowSchema, { target: 'draft-2020-12', io: 'output' }),
  },
  'report.schema.json': {
    $id: REPORT_SCHEMA_ID,
    ...z.toJSONSchema(ReportSchema, { target: 'draft-2020-12', io: 'output' }),
  },
};
