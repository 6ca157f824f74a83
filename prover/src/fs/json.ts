/**
 * JSON files with bigints: decimal strings on the way out, errors that name the file on the way in.
 */
import { readFileSync } from "node:fs";
import { writeFileAtomic, type AtomicWriteOptions } from "./atomic.js";

/** JSON with bigints as decimal strings. */
export function stringify(value: unknown, indent?: number): string {
  return JSON.stringify(value, (_, x) => (typeof x === "bigint" ? x.toString() : x), indent);
}

/**
 * Writes `value` as JSON (bigints as decimal strings, `indent` spaces, a final newline) to `file`
 * atomically, mode `mode` (default 0o644).
 */
export function writeJsonAtomic(file: string, value: unknown, mode = 0o644, options: Omit<AtomicWriteOptions, "mode"> & { indent?: number } = {}): void {
  const { indent, ...rest } = options;
  writeFileAtomic(file, stringify(value, indent) + "\n", { ...rest, mode });
}

/** Reads a JSON file; errors name the file (`<what> <file>: not found or unreadable`). */
export function readJsonFile(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new Error(`${what} ${file}: not found or unreadable`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SyntaxError(`${what} ${file}: not valid JSON (${(err as Error).message})`);
  }
}
