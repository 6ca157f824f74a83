/**
 * The one `UsageError`: bad input from the user (a missing or malformed flag, an unreadable file,
 * a value out of range). Printed without a stack trace; the commands exit 2 on it. The build
 * scripts (scripts/build.ts, scripts/ceremony.ts) use it too. No dependencies: cheap to import.
 */
export class UsageError extends Error {}

/** The value of `--<flag>`, or a UsageError `--<flag> is required` when it is absent or empty. */
export function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === "") throw new UsageError(`--${flag} is required`);
  return value;
}
