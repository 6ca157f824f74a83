/**
 * `plimsoll`: the one command line, dispatched by group.
 *
 *   plimsoll basket create --file basket.json --owner 0x... --out opening.json      (trader)
 *   plimsoll prove update --opening opening.json --weights weights.json ... --out proof.json
 *   plimsoll verify --proof proof.json
 *   plimsoll calldata --proof proof.json
 *   plimsoll keeper <run|keygen> ...                                                 (keeper.ts)
 *   plimsoll reserves <prove|verify|include> ...                                     (reserves/)
 *
 * Every group follows command.ts: --help on every group and command, --json for machine output,
 * exit 0 ok, 1 a failed check (invalid proof, client not shown) or a failure, 2 bad input.
 */
import { isDirectRun, runGroup } from "./command.js";
import { KEEPER_SUMMARY, runKeeperCli } from "./keeper.js";
import { RESERVES_SUMMARY, runReserves } from "./reserves/index.js";
import { summaryLines, traderGroup } from "./trader/index.js";

/** The top-level help: the trader's commands, then the keeper's and the custodian's. */
export const HELP = `plimsoll — private margin proofs

Usage: plimsoll <command> [options]

Commands:
${summaryLines(["basket create", "prove update", "verify", "calldata"])}
${KEEPER_SUMMARY}
${RESERVES_SUMMARY}

Run 'plimsoll <command> --help' for a command's options. Every command accepts --json.
Keys and circuits come from 'npm run build' (development keys, not for production).`;

/** Runs `plimsoll <argv...>` and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  if (argv.length === 1 && (argv[0] === "--help" || argv[0] === "-h")) {
    console.log(HELP);
    return 0;
  }
  // The keeper and reserves groups have their own options: hand them their arguments before parsing.
  if (argv[0] === "keeper") return runKeeperCli(argv.slice(1));
  if (argv[0] === "reserves") return runReserves(argv.slice(1));
  return runGroup(traderGroup(HELP), argv);
}

// Run directly (`node --import tsx cli/index.ts ...`, the `plimsoll` npm script); bin/plimsoll.mjs calls main itself.
if (isDirectRun(import.meta.url)) process.exit(await main(process.argv.slice(2)));
