/** The `plimsoll keeper` help texts: the group's, each command's, and its line in `plimsoll --help`. */
import { CHAIN_HELP } from "./chain/connect.js";

/** The RPC URL `keeper run` uses without --rpc: a local node such as `npx hardhat node`. */
export const DEFAULT_KEEPER_RPC = "http://127.0.0.1:8545";

/** One line per subcommand, for the top-level `plimsoll --help`. */
export const KEEPER_SUMMARY = `  keeper register  Register a keeper key on the KeeperRegistry (approves and posts the bond)
  keeper status    A keeper's registration: owner, key, status, bond held, exit time; whether a key file matches
  keeper topup     Restore a keeper's bond after the engine drew on it (it is nameable again)
  keeper claim     Take what is credited to this wallet: liquidation proceeds, and bond repayments to a keeper's owner
  keeper exit      Request a keeper's exit, or complete it once the delay has passed (returns what is left of the bond)
  keeper run       Watch an engine: decrypt the openings sent to this keeper, liquidate insolvent accounts, force-close expired leases
  keeper keygen    Make a keeper's Baby Jubjub key file (register its public key on the KeeperRegistry)`;

export const KEEPER_HELP = `plimsoll keeper — the liquidation keeper

Usage: plimsoll keeper <register|status|topup|claim|exit|run|keygen> [options]

${KEEPER_SUMMARY}

Run 'plimsoll keeper <command> --help' for its options. Every command accepts --json.`;

export const KEEPER_COMMAND_HELP: Record<string, string> = {
  register: `Usage: plimsoll keeper register --key <keeper-key.json> [chain options] [--json]

Registers the key file's public key on the deployment's KeeperRegistry: approves the registry for
the bond (in the bond token, read from the registry) and calls register(x, y, proof), where proof is a
Schnorr proof, made from the key file, that the signing address holds the key's private half (bound to
that address, the registry and the chain: nobody can register a key it does not hold). Prints the
keeper id.
  --key          the keeper key file from 'plimsoll keeper keygen' (required)
${CHAIN_HELP}
  --json         machine-readable output`,
  status: `Usage: plimsoll keeper status --keeper-id <n> [--key <keeper-key.json>] [chain options] [--json]

Prints the keeper's owner, status (active, exiting, exited), public key, the bond it holds (the
engine draws a shortfall of the keeper's accounts from it, at most the registry's draw cap each time,
before the insurance fund pays), whether accounts may name it now (active and bond whole) and the
exit time; with --key, whether the key file is the registered key. Exit 1 when the id is unknown or
the key does not match.
  --keeper-id    the keeper's id (required)
  --key          a keeper key file to check against the registry
${CHAIN_HELP}
  --json         machine-readable output`,
  topup: `Usage: plimsoll keeper topup --keeper-id <n> [chain options] [--json]

Approves and pays what the keeper's bond lacks after the engine drew on it for a shortfall of one of
its accounts, so that the bond is whole and accounts may name the keeper again (the accounts that
already name it keep it meanwhile). An account that settles its debt repays the bond too. Only the
address that registered the keeper, while it is active.
  --keeper-id    the keeper's id (required)
${CHAIN_HELP}
  --json         machine-readable output`,
  claim: `Usage: plimsoll keeper claim [--to <address>] [chain options] [--json]

Sends the wallet (or --to) everything credited to it, in one transaction per credit:
- liquidation proceeds: a liquidation moves no token to its liquidator; the engine credits it the
  seized assets, one credit per asset slot ('keeper run' claims them at the end of every tick);
- bond repayments: when an account whose shortfall a keeper's bond paid settles, its repayment
  restores the bond; what would lift the bond above the registry's amount (it was topped up
  meanwhile), or all of it once the keeper has exited, is credited to the keeper's owner.
A credit whose token refuses the transfer stays credited (claim again later). Exit 2 when nothing is
credited, 1 when a claim failed.
  --to           where the tokens go (default: the wallet)
${CHAIN_HELP}
  --json         machine-readable output`,
  exit: `Usage: plimsoll keeper exit --keeper-id <n> [chain options] [--json]

An active keeper: requests its exit (it stays bound to its accounts for a full lease plus grace).
An exiting keeper whose delay has passed: completes the exit and returns what is left of the bond
(less what the engine drew and was not repaid). Only the address that registered the keeper may do
either.
  --keeper-id    the keeper's id (required)
${CHAIN_HELP}
  --json         machine-readable output`,
  run: `Usage: plimsoll keeper run --engine <address> --key <keeper-key.json> --keeper-id <n> --state <dir>
                           [--rpc <url>] [--private-key-env <VAR>] [--from-block <n>] [--interval <s>]
                           [--confirmations <n>] [--min-bonus-bps <n>] [--no-claim] [--once] [--json]

Watches a MarginEngine over JSON-RPC. Each tick scans the new blocks (bounded ranges) for notes
addressed to --keeper-id and decrypts them with the key file (a note that does not decrypt is
logged and skipped); at each new oracle epoch it values every watched account with open positions
at the maintenance weights against its maintenance requirement, logs the decision, and proves and
submits the liquidation of an insolvent one (partial when a partial close restores it, else a full
close; priced at the Dutch auction's bonus, and below --min-bonus-bps it flags the account and waits
for the auction); every tick it force-closes accounts whose lease expired and seizes the basket of a
frozen account whose debt is unsettled past the engine's deadline. The engine pays liquidators by
credit (pull payments): each tick ends by claiming every credit the wallet holds (claim, one
transaction per slot; a claim that failed is tried again on the next tick; --no-claim leaves them
credited for 'plimsoll keeper claim'). State (last block, openings) is kept in <dir>/keeper.db (SQLite, mode 0600; a
keeper-state.json of an older release is migrated into it and kept as .bak): a restart resumes where
it stopped and never rescans from genesis. One daemon per state folder: <dir>/.lock names the
running one's pid, and a second is refused while it lives. Every decision is logged as a JSON line
in <dir>/keeper.log and as a short line on stderr. Stop with Ctrl-C (the tick under way finishes).

  --engine           the MarginEngine address (default: the deployment file's)
  --key              the keeper key file from 'plimsoll keeper keygen' (required, mode 0600)
  --keeper-id        the keeper's id in the engine's KeeperRegistry (required)
  --state            state folder (required; created if absent)
  --rpc              JSON-RPC URL (default ${DEFAULT_KEEPER_RPC}, e.g. 'npx hardhat node').
                     The demo and the tests run the daemon in-process on Hardhat's in-process
                     network (the KeeperDaemon library class): a separate process such as this
                     command cannot reach another process's in-process network, so it needs a node
                     that serves JSON-RPC.
  --private-key-env  name of the environment variable holding the liquidator wallet's private key
                     (never the key itself on the command line). The wallet pays liquidations in the
                     settlement token and gas; the daemon approves the engine as needed.
                     Default: $PLIMSOLL_PRIVATE_KEY, else the node's unlocked account --account <n>
                     (default 0; development nodes only).
  --deployment       deployment file giving --engine and --rpc when they are not passed (default
                     $PLIMSOLL_DEPLOYMENT or .plimsoll/deployment.json, when it exists)
  --from-block       first block to scan on a first start (default: the current block; ignored
                     when the state folder already has a state)
  --interval         seconds between ticks (default 2)
  --confirmations    blocks to stay behind the head (default 0)
  --min-bonus-bps    the least part (out of 10000) of the oracle's bonus to liquidate at: below it
                     the daemon flags the account and waits for the Dutch auction (default 0: at once)
  --no-claim         leave the liquidation proceeds credited instead of claiming them every tick
                     (take them later with 'plimsoll keeper claim')
  --once             run one tick, print what it did and exit (1 if a liquidation or force-close failed)
  --wasm, --zkey     insolvency circuit artifacts (default: build/ from 'npm run build')
  --json             JSON lines on stdout instead of short lines on stderr`,
  keygen: `Usage: plimsoll keeper keygen --out <keeper-key.json> [--force] [--json]

Writes a fresh Baby Jubjub key pair (private key uniform in [1, subgroup order)) to --out with mode
0600 and prints the public key x,y: register it with 'plimsoll keeper register' (which proves that
you hold the private key) and a bond.
Traders who name this keeper encrypt every new opening to it: keep the file secret and safe.
  --out    key file to write (required; an existing file is kept unless --force)
  --force  replace an existing key file
  --json   machine-readable output`,
};
