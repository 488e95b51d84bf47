// Types of what the tests import from scripts/build.mjs.
/** The built-in policy as src/policy/builtin.ts reads it at build time: its name and validated value as JSON text. */
export function prevalidatedBuiltinPolicy(): Promise<{ name: string; json: string }>;
