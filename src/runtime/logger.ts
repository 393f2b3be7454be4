/**
 * The runtime's log sink. Structured events; the default prints one line to
 * stderr. Tests and applications replace it (`runtime.logger = ...`).
 */
export type LogLevel = "debug" | "info" | "notice" | "warning" | "error";

export interface LogEvent {
  level: LogLevel;
  /** What happened, e.g. "crash_report". */
  what: string;
  text: string;
  [field: string]: unknown;
}

export type Logger = (event: LogEvent) => void;

export const consoleLogger: Logger = (e) => {
  process.stderr.write(`=${e.level.toUpperCase()} REPORT==== ${e.what}\n${e.text}\n`);
};

/** Drops everything (for tests that provoke crashes on purpose). */
export const silentLogger: Logger = () => {};
