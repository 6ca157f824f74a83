/**
 * The conventions every `plimsoll` command group follows (trader, keeper, reserves):
 *
 *   - `plimsoll <group> --help` (or no command, or `help`) prints the group's help; `--help` after a
 *     command prints that command's options; both exit 0;
 *   - `--json` switches a command's stdout to machine-readable JSON (bigints as decimal strings);
 *   - exit codes: 0 success, 1 a failed check (invalid proof, client not shown) or a runtime
 *     failure, 2 bad input (`UsageError`, an unknown option or command, a malformed flag);
 *   - errors are printed as one line, `<prefix>: <message>`, on stderr, never as a stack trace.
 *
 * `runGroup(group, argv)` implements all of it; a group only declares its options, its help texts
 * and one function per command.
 */
import { pathToFileURL } from "node:url";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { stringify } from "../prover/src/index.js";
import { UsageError } from "./usage.js";

/** Exit codes of every command. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** The parsed values of a group's options: booleans and strings, by flag name. */
export type OptionValues<O extends NonNullable<ParseArgsConfig["options"]>> = {
  [K in keyof O]?: O[K]["type"] extends "boolean" ? boolean : string;
};

/** One command of a group. */
export interface Command<V> {
  /** Its `--help` text. */
  help: string;
  /** Runs it; returns the exit code (0, or 1 for a failed check). Throws UsageError on bad input. */
  run(opts: V): Promise<number>;
}

/** A command group: `plimsoll keeper ...`, `plimsoll reserves ...`, and the trader's top-level commands. */
export interface CommandGroup<O extends NonNullable<ParseArgsConfig["options"]>> {
  /** Printed before every error: `plimsoll keeper`. */
  prefix: string;
  /** How commands are named in messages: `keeper ` (with the space) or "" at the top level. */
  commandPrefix: string;
  /** The group's help (no command, `help`, or `--help` alone). */
  help: string;
  /** Every option of every command (parsed strictly: an unknown flag is bad input). */
  options: O;
  /** The commands by name (`run`, or `basket create` at the top level). */
  commands: Record<string, Command<OptionValues<O>>>;
  /** How many leading positionals name the command (default 1). */
  commandWords?: (positionals: readonly string[]) => number;
  /** Reject positionals after the command name (default true). */
  strictPositionals?: boolean;
  /** Errors other than UsageError that are bad input (exit 2), e.g. a validation RangeError. */
  isInputError?: (err: unknown) => boolean;
  /** Help of a word that starts several commands (`basket` -> its commands), for `plimsoll basket --help`. */
  wordHelp?: (word: string) => string | undefined;
  /** Where `--help` sends the user in an unknown-command error: `plimsoll keeper --help`. */
  helpCommand: string;
}

/** Prints `value` as JSON on stdout (bigints as decimal strings). */
export function printJson(value: unknown, indent?: number): void {
  console.log(stringify(value, indent));
}

/**
 * Runs `argv` (what follows the group's name) against `group`: parses the options, prints help or
 * runs the command, prints an error as `<prefix>: <message>`. Returns the exit code.
 */
export async function runGroup<O extends NonNullable<ParseArgsConfig["options"]>>(group: CommandGroup<O>, argv: string[]): Promise<number> {
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, options: group.options, allowPositionals: true, strict: true });
    } catch (err) {
      throw new UsageError((err as Error).message.replace(/\s*\n\s*/g, " "));
    }
    const opts = parsed.values as OptionValues<O>;
    const positionals = parsed.positionals;
    const words = group.commandWords?.(positionals) ?? 1;
    if ((group.strictPositionals ?? true) && positionals.length > words) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[words])}`);
    const command = positionals.slice(0, words).join(" ");
    if (command === "" || command === "help") {
      console.log(group.help);
      return EXIT.ok;
    }
    const entry = Object.hasOwn(group.commands, command) ? group.commands[command] : undefined;
    if (entry === undefined) {
      const word = group.wordHelp?.(command);
      if (word !== undefined && opts.help) {
        console.log(word);
        return EXIT.ok;
      }
      throw new UsageError(`unknown command '${group.commandPrefix}${command}'. Run '${word === undefined ? group.helpCommand : `plimsoll ${group.commandPrefix}${command} --help`}'.`);
    }
    if (opts.help) {
      console.log(entry.help);
      return EXIT.ok;
    }
    return await entry.run(opts);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    console.error(`${group.prefix}: ${msg}`);
    return err instanceof UsageError || group.isInputError?.(err) === true ? EXIT.usage : EXIT.failed;
  }
}

/** True when `moduleUrl` is the script node was started with (`node --import tsx cli/keeper.ts ...`). */
export function isDirectRun(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && moduleUrl === pathToFileURL(process.argv[1]).href;
}
