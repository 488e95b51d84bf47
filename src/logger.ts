/** The core never imports @actions/core: shells pass a Logger (Actions one in main.ts, console one in cli.ts). */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warning() {}, error() {} };

/** Logs to stderr, so stdout stays clean for `--format json`. */
export function stderrLogger(verbose = false): Logger {
  return {
    debug: (m) => {
      if (verbose) process.stderr.write(`debug: ${m}\n`);
    },
    info: (m) => process.stderr.write(`${m}\n`),
    warning: (m) => process.stderr.write(`warning: ${m}\n`),
    error: (m) => process.stderr.write(`error: ${m}\n`),
  };
}
