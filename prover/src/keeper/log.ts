/**
 * The keeper's log: one entry per decision (a level, an event name, a human message and its
 * fields), as JSON lines in `<stateDir>/keeper.log` and short lines on the console.
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "../fs/json.js";

export type KeeperLogLevel = "debug" | "info" | "warn" | "error";

/** One log line: a level, an event name, a human message and the fields that go with it. */
export interface KeeperLogEntry {
  time: string;
  level: KeeperLogLevel;
  /** Machine name: scan, note.decrypted, note.invalid, note.foreign, health, liquidation, forceClose, ... */
  event: string;
  message: string;
  account?: string;
  [field: string]: unknown;
}

/** Receives every log entry. */
export type KeeperLogger = (entry: KeeperLogEntry) => void;

const LEVELS: Record<KeeperLogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** JSON with bigints as decimal strings (one line). */
export function keeperJson(value: unknown): string {
  return stringify(value);
}

/** Options of `keeperFileLogger`. */
export interface KeeperFileLoggerOptions {
  /** Also print info and above: a short human line on stderr (default true). */
  console?: boolean;
  /** Print JSON lines on stdout instead of human lines on stderr (the CLI's --json). */
  json?: boolean;
  /** Lowest level printed (default "info"); the file gets every level. */
  level?: KeeperLogLevel;
}

/** The default logger: every entry as a JSON line appended to `<stateDir>/keeper.log`, plus a console line. */
export function keeperFileLogger(stateDir: string, options: KeeperFileLoggerOptions = {}): KeeperLogger {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const file = join(stateDir, "keeper.log");
  const min = LEVELS[options.level ?? "info"];
  return (entry) => {
    const line = keeperJson(entry);
    appendFileSync(file, `${line}\n`, { mode: 0o600 });
    if (options.console === false || LEVELS[entry.level] < min) return;
    if (options.json) process.stdout.write(`${line}\n`);
    else process.stderr.write(`${humanLine(entry)}\n`);
  };
}

/** `keeper WARN  0x1234…cdef not a valid opening: ...`. */
export function humanLine(e: KeeperLogEntry): string {
  const who = e.account === undefined ? "" : ` ${e.account.slice(0, 6)}…${e.account.slice(-4)}`;
  return `keeper ${e.level.toUpperCase().padEnd(5)}${who} ${e.message}`;
}
