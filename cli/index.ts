/**
 * `plimsoll`: the one command line, dispatched by group.
 *
 *   plimsoll basket create --file basket.json --owner 0x... --out opening.json      (trader)
 *   plimsoll prove update --opening opening.json --weights weights.json ... --out proof.json
 *   plimsoll verify --proof proof.json
 *   plimsoll calldata --proof proof.json
 *   plimsoll keeper <run|keygen> ...                                                 (keeper.ts)
 *   plimsoll reserves <prove|verify|include|publish|finalize|worker> ...            (reserves/)
 *   plimsoll notes <init|shield|transfer|unshield|flush|absorb|emit|...> ...          (notes/)
 *   plimsoll sub <create|list|move> ...                                              (sub.ts)
 *
 * Every group follows command.ts: --help on every group and command, --json for machine output,
 * exit 0 ok, 1 a failed check (invalid proof, client not shown) or a failure, 2 bad input.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { PACKAGE_ROOT } from "./chain/contracts.js";
import { isDirectRun, runGroup } from "./command.js";
import { DEPLOY_SUMMARY, runDeploy } from "./deploy.js";
import { ORACLE_SUMMARY, runOracle } from "./oracle.js";
import { KEEPER_SUMMARY, runKeeperCli } from "./keeper.js";
import { NOTES_SUMMARY, runNotes } from "./notes/index.js";
import { RESERVES_SUMMARY, runReserves } from "./reserves/index.js";
import { SUB_SUMMARY, runSub } from "./sub.js";
import { summaryLines, traderGroup } from "./trader/index.js";

/** The top-level help: the trader's commands, then the keeper's, the custodian's and the note wallet's. */
export const HELP = `plimsoll — private margin proofs

Usage: plimsoll <command> [options]

Commands:
${summaryLines(["account status", "deposit", "withdraw", "trade", "renew", "settle"])}
${summaryLines(["basket create", "prove update", "verify", "calldata"])}
${DEPLOY_SUMMARY}
${ORACLE_SUMMARY}
${KEEPER_SUMMARY}
${RESERVES_SUMMARY}
${NOTES_SUMMARY}
${SUB_SUMMARY}

Run 'plimsoll <command> --help' for a command's options. Every command accepts --json.
The account commands act for the wallet's own account, or for its sub-account n with --sub n.
'plimsoll --version' prints the version.
Keys and circuits come from 'npm run build' (development keys, not for production), under build/,
or under --artifacts <dir> / $PLIMSOLL_ARTIFACTS (an installed package needs one of them).`;

/** The package's version, from its package.json. */
export function version(): string {
  const pkg = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string };
  return pkg.version;
}

/** Runs `plimsoll <argv...>` and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  if (argv.length === 1 && (argv[0] === "--help" || argv[0] === "-h")) {
    console.log(HELP);
    return 0;
  }
  if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
    console.log(version());
    return 0;
  }
  // --artifacts <dir> anywhere: where the circuits and keys are (the same as $PLIMSOLL_ARTIFACTS).
  const at = argv.findIndex((a) => a === "--artifacts" || a.startsWith("--artifacts="));
  if (at >= 0) {
    const value = argv[at]!.includes("=") ? argv[at]!.slice("--artifacts=".length) : argv[at + 1];
    if (value === undefined || value === "" || value.startsWith("--")) {
      console.error("plimsoll: --artifacts needs a folder (the layout of build/: circuits/, keys/)");
      return 2;
    }
    process.env.PLIMSOLL_ARTIFACTS = path.resolve(value);
    argv = [...argv.slice(0, at), ...argv.slice(at + (argv[at]!.includes("=") ? 1 : 2))];
  }
  if (argv[0] === "deploy") return runDeploy(argv);
  if (argv[0] === "oracle" || argv[0] === "dev") return runOracle(argv[0], argv.slice(1));
  // The keeper and reserves groups have their own options: hand them their arguments before parsing.
  if (argv[0] === "keeper") return runKeeperCli(argv.slice(1));
  if (argv[0] === "reserves") return runReserves(argv.slice(1));
  if (argv[0] === "notes") return runNotes(argv.slice(1));
  if (argv[0] === "sub") return runSub(argv.slice(1));
  return runGroup(traderGroup(HELP), argv);
}

// Run directly (`node --import tsx cli/index.ts ...`, the `plimsoll` npm script); bin/plimsoll.mjs calls main itself.
if (isDirectRun(import.meta.url)) process.exit(await main(process.argv.slice(2)));
