// The part of sql.js (SQLite compiled to WebAssembly, MIT) the NDJSON round-trip test uses; the package has no types.
declare module 'sql.js' {
  export interface QueryExecResult {
    columns: string[];
    values: (number | string | Uint8Array | null)[][];
  }
  export interface Statement {
    run(params?: (number | string | null)[]): void;
    free(): void;
  }
  export interface Database {
    run(sql: string, params?: (number | string | null)[]): Database;
    exec(sql: string): QueryExecResult[];
    prepare(sql: string): Statement;
    close(): void;
  }
  export interface SqlJsStatic {
    Database: new () => Database;
  }
  export default function initSqlJs(config?: { locateFile?: (file: string) => string }): Promise<SqlJsStatic>;
}
