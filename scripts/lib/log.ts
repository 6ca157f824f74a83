/**
 * Progress output for the build and ceremony scripts: one header per step, one line per item with
 * its timing, and a logger adapter for snarkjs (which otherwise prints nothing or everything).
 */
import { performance } from "node:perf_hooks";

let verbose = false;

/** Show snarkjs debug lines and full compiler output. */
export function setVerbose(on: boolean): void {
  verbose = on;
}

export function isVerbose(): boolean {
  return verbose;
}

/** `1234` ms -> `1.2 s`; `75000` -> `1 min 15 s`. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

export function formatInt(n: number): string {
  return n.toLocaleString("en-US");
}

/** Milliseconds since `start` (from `performance.now()`). */
export function since(start: number): number {
  return performance.now() - start;
}

export function now(): number {
  return performance.now();
}

/** `[2/6] phase 1 (powers of tau)` */
export function header(index: number, total: number, title: string): void {
  console.log(`[${index}/${total}] ${title}`);
}

/** An indented line under the current step, the item name padded into a column. */
export function item(name: string, message: string): void {
  console.log(`  ${name.padEnd(18)} ${message}`);
}

/** A further indented line (details, notes). */
export function detail(message: string): void {
  for (const line of message.split("\n")) console.log(`      ${line}`);
}

/** A framed note that is hard to miss. */
export function loud(lines: string[]): void {
  const width = Math.max(...lines.map((l) => l.length));
  const bar = "!".repeat(width + 4);
  console.log(bar);
  for (const l of lines) console.log(`! ${l.padEnd(width)} !`);
  console.log(bar);
}

/** The logger interface snarkjs calls (`debug`, `info`, `warn`, `error`, and `log` in a few places). */
export interface SnarkjsLogger {
  debug(msg: string): void;
  info(msg: string): void;
  log(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

/**
 * A snarkjs logger: info lines indented (debug lines only with `--verbose`), and every error kept
 * so the caller can report why a snarkjs function returned an error code instead of throwing.
 */
export function snarkjsLogger(options: { quietInfo?: boolean } = {}): SnarkjsLogger & { errors: string[] } {
  const errors: string[] = [];
  const print = (msg: string): void => console.log(`      ${msg}`);
  return {
    errors,
    debug: (msg) => {
      if (verbose) print(msg);
    },
    info: (msg) => {
      if (verbose || !options.quietInfo) print(msg);
    },
    log: (msg) => {
      if (verbose) print(msg);
    },
    warn: (msg) => print(`warning: ${msg}`),
    error: (msg) => {
      errors.push(msg);
      print(`error: ${msg}`);
    },
  };
}

/** An error whose message is shown to the user as is (no stack trace). */
export class BuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BuildError";
  }
}
