/**
 * The trader's commands, at the top level of `plimsoll`: `basket create`, `prove update`,
 * `verify`, `calldata`. `plimsoll basket --help` and `plimsoll prove --help` list a word's commands.
 */
import type { CommandGroup } from "../command.js";
import { accountCommands } from "./account.js";
import { basketCommands } from "./basket.js";
import { TRADER_OPTIONS, type TraderOptions } from "./common.js";
import { UsageError } from "../usage.js";
import { proveCommands } from "./prove.js";
import { verifyCommands } from "./verify.js";

/** One line per trader command, for the top-level help. */
export const TRADER_SUMMARY: Record<string, string> = {
  "basket create": "Make an opening: the empty one a new account starts from, or an off-chain basket from a JSON file",
  "prove update": "Prove an account update (old opening -> new opening) against epoch weights",
  verify: "Verify a proof file off-chain with the circuit's verification key",
  calldata: "Print a proof file as the calldata the on-chain verifier takes",
  "account status": "The account on the chain: commitment, positions, lease, requirement, headroom",
  deposit: "Deposit tokens: approve, prove and send in one command",
  withdraw: "Withdraw tokens (what stays must clear initial margin)",
  trade: "Open, grow, reduce or close a perp position",
  renew: "Renew the solvency lease (maintenance proof)",
  settle: "Settle a frozen account after a force-close",
};

/** `  basket create   Make a private ...`: the summary lines of `commands`. */
export function summaryLines(commands: readonly string[]): string {
  return commands.map((c) => `  ${c.padEnd(14)}  ${TRADER_SUMMARY[c]}`).join("\n");
}

const MULTI_WORD = new Set(["basket", "prove", "account"]);

/** The trader's group; `help` is the top-level help (it also lists the keeper and reserves groups). */
export function traderGroup(help: string): CommandGroup<typeof TRADER_OPTIONS> {
  // --sub chooses the account of a chain command; the off-chain commands refuse it rather than ignore it.
  const offChain = Object.fromEntries(Object.entries({ ...basketCommands, ...proveCommands, ...verifyCommands }).map(([name, c]) => [name, {
    ...c,
    run: (opts: TraderOptions) => {
      if (opts.sub !== undefined) throw new UsageError(`--sub applies to the account commands (deposit, withdraw, trade, renew, settle, account status), not to '${name}'`);
      if (opts.margin !== undefined) throw new UsageError(`--margin applies to deposit, withdraw, trade and renew, not to '${name}'`);
      return c.run(opts);
    },
  }]));
  const commands = { ...offChain, ...accountCommands };
  return {
    prefix: "plimsoll",
    commandPrefix: "",
    help,
    options: TRADER_OPTIONS,
    commands,
    commandWords: (positionals) => (MULTI_WORD.has(positionals[0] ?? "") ? 2 : 1),
    strictPositionals: false,
    isInputError: (err) => err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError,
    wordHelp: (word) => {
      if (!MULTI_WORD.has(word)) return undefined;
      const own = Object.keys(commands).filter((c) => c.startsWith(`${word} `));
      return `plimsoll ${word}\n\nUsage: plimsoll ${word} <${own.map((c) => c.slice(word.length + 1)).join("|")}> [options]\n\n${summaryLines(own)}\n\nRun 'plimsoll ${word} <command> --help' for its options. Every command accepts --json.`;
    },
    helpCommand: "plimsoll --help",
  };
}
