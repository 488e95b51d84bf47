/** The JSON report's version (`reportVersion`): changes only on incompatible changes. */
export const REPORT_VERSION = 1;
/** The `$id` of schema/report.schema.json. */
export const REPORT_SCHEMA_ID = 'https://defect-gate.dev/schema/report.schema.json';
