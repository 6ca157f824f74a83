/**
 * `plimsoll reserves`: proof of reserves for custodians, auditors and clients.
 *
 *   plimsoll reserves prove   --clients clients.csv --reserves reserves.json --out period/
 *   plimsoll reserves verify  --dir period/ [--registry-state state.json]
 *   plimsoll reserves include --dir period/ --id alice
 *   plimsoll reserves worker  --redis redis://host:6379        (any host; with prove --queue)
 *
 * `runReserves(argv)` takes the arguments after `reserves` and returns the exit code: 0 success,
 * 1 a failed check (invalid proof, client not shown) or a failure, 2 bad input. It prints its own
 * errors (`plimsoll reserves: ...`), so a dispatcher only has to call it. Run directly
 * (`node --import tsx cli/reserves/index.ts prove ...`) it behaves as the subcommand.
 *
 * prove, verify and include are off-chain; publish, finalize, `prove --weights chain` and
 * `verify --registry` use the deployment file's ReserveRegistry (chain.ts, over the library's
 * `publishPeriod`, `readRegistryState`, `readRegistryWeights`).
 */
import { BATCH_SIZE, DEFAULT_LOCK_MS, JOB_ATTEMPTS, MAX_STALLED, RESERVES_QUEUE } from "../../prover/src/index.js";
import { isDirectRun, runGroup, type CommandGroup } from "../command.js";
import { include, verify } from "./audit.js";
import { publish } from "./chain.js";
import { DEV_CUSTODIAN, RESERVES_OPTIONS } from "./options.js";
import { prove } from "./prove.js";
import { worker } from "./worker.js";

export { DEV_CUSTODIAN, devWeights } from "./options.js";

/** One line per subcommand, for the top-level `plimsoll --help`. */
export const RESERVES_SUMMARY = `  reserves prove    Prove a custodian's reserves period from a CSV/JSON of clients (batches in parallel, resumable)
  reserves verify   Audit a proved period: every proof off-chain, the chain of batches, and a per-asset report
  reserves include  A client checks its own leaf and Merkle path against the published root
  reserves publish  Publish a proved period on the deployment's ReserveRegistry (open, batches, finalize)
  reserves finalize Resume a publication: submit the missing batches and finalize
  reserves worker   Prove batches from a Redis queue for 'reserves prove --queue' (any host with the keys)`;

export const RESERVES_HELP = `plimsoll reserves — proof of reserves for custodians

Usage: plimsoll reserves <prove|verify|include|publish|finalize|worker> [options]

${RESERVES_SUMMARY}

Run 'plimsoll reserves <command> --help' for its options. Every command accepts --json.
prove, verify and include work off-chain; 'prove --weights chain', 'publish', 'finalize' and
'verify --registry' use the deployment file's ReserveRegistry (see 'plimsoll deploy'). Keys come from
'npm run build' (development keys, not for production).`;

export const RESERVES_COMMAND_HELP: Record<string, string> = {
  prove: `Usage: plimsoll reserves prove --clients <file> --reserves <spec> --out <dir> [options]

Validates the client file row by row, builds the client tree (Poseidon, depth 20), and proves every
batch of ${BATCH_SIZE} clients plus the final proof, in parallel prover processes, with a progress bar
and ETA on stderr. Resumable: rerun the same command after an interruption and only the missing
batches are proved (the plan in <out>/run.db keeps the salts, so the tree is the same; a plan.json
of an older release is migrated into it). One run at a time per folder (<out>/.lock).
  --clients   CSV (id,USDC,USDC_debt,WETH,WETH_debt,...: whole tokens) or JSON
              [{ "id", "assets": { "USDC": "1.5" }, "liabilities": { ... } }] (required)
  --reserves  the custodian's reserves per asset, whole tokens: a JSON file { "USDC": "1000", ... },
              inline USDC=1000,WETH=2.5, or "net" for exactly the clients' net balances (required)
  --out       output folder (required): run.db (PRIVATE), period.json, batch-<i>.json, final.json
              (publish these three kinds), inclusion/<idHash>.json (one PRIVATE file per client)
  --workers   prover processes (default 2; each is a snarkjs instance using every core)
  --custodian the custodian's address, bound into every proof (default ${DEV_CUSTODIAN}, dev account 0)
  --period    the custodian's next period index on the registry (default 0)
  --weights   the epoch's weights: JSON { "epoch", "assetWeights": [16], "liabilityWeights": [16] }
              or { "epoch", "prices": [16 | {SYM: 8-decimal int}], "haircuts": [16 | {SYM: WAD}] }
              (maintenance haircuts); the registry's currentReserveWeights() gives the first form.
              'chain': the deployment's ReserveRegistry's current weights (use it to publish there).
              Default: development weights (dev prices, the dev oracle's first-epoch haircuts, epoch 1),
              computed without any RPC — not an oracle reading
  --assets    asset registry JSON [{ "symbol", "slot", "decimals" }] (default: USDC/WETH/WBTC)
  --restart   start over: discard the plan, proofs and inclusion files found in --out
  --skip-inclusion  do not write the per-client inclusion files
  --queue     redis://host:port: prove through a BullMQ queue on that Redis instead of local
              processes. Planning, the files and resuming are as without it; every proof runs on
              a 'plimsoll reserves worker --redis <same URL>' process (start them on any hosts,
              before or after), and each one that comes back is checked against the plan's public
              signals and this machine's verification key before it is written. An unreachable URL
              fails at once (exit 1). Proofs still queued when this command stops stay in Redis
              (a day): the rerun collects them. Not with --workers
  --queue-name  the queue's name (default ${RESERVES_QUEUE}; the workers must use the same)
  --json      machine-readable summary on stdout (progress stays on stderr when it is a terminal)`,
  worker: `Usage: plimsoll reserves worker --redis <url> [--provers <n>] [--queue-name <name>] [--lock-seconds <s>] [--json]

A proving worker for 'plimsoll reserves prove --queue <url>', on this or any other host: takes batch
(and final) proving jobs from the BullMQ queue on that Redis and proves them with warm prover
processes, as local proving does. Needs the same build's keys as the coordinator (build/, or
--artifacts DIR / $PLIMSOLL_ARTIFACTS). Runs until SIGINT/SIGTERM: the first finishes the proofs
under way and exits 0, a second exits at once (130). A worker that dies (killed, host lost) leaves
its job locked; once the lock lapses another worker's stalled-job check puts the job back in the
queue and it is proved again (up to ${MAX_STALLED} lost workers per job; a job that throws is tried ${JOB_ATTEMPTS} times;
a statement the circuit rejects fails at once). One line per proof on stderr.
  --redis         redis://[user:password@]host:port[/db] (rediss:// for TLS) (required). A URL
                  nobody answers at fails at once (exit 1), naming it
  --provers       prover processes, i.e. proofs at once on this host (default 1; each snarkjs
                  instance uses every core)
  --queue-name    the queue's name (default ${RESERVES_QUEUE})
  --lock-seconds  lock of a job under way (default ${DEFAULT_LOCK_MS / 1000}), renewed every half of it; a dead worker's
                  job goes back to the queue within about 5/3 of it. The proof runs in a child process,
                  so the lock only has to outlast a pause of this process, not a proof
  --json          one JSON line when ready and one when stopped, on stdout`,
  verify: `Usage: plimsoll reserves verify --dir <dir> [--registry-state <json>] [--json]

For auditors. Verifies every batch proof and the final proof off-chain (snarkjs, the exported
verification keys), checks that the batches chain from the genesis state with no gap or overlap at
the period's weights, that the final proof carries the published root, client count and reserves,
and opens the final state to the per-asset totals. Prints a per-asset table (client balances and
debts, net owed, reserves, coverage) and the checks. Exit 0 when everything holds, 1 otherwise.
  --dir             folder with period.json, batch-<i>.json, final.json
  --registry-state  the registry's view of the period (JSON written by readRegistryState): also
                    checks epoch, weights hash, root, reserves and the on-chain verified flag
  --registry        the same, read from the deployment's ReserveRegistry (--deployment, --rpc)
  --vkey-batch, --vkey-final  verification keys (default build/keys/reserves_{batch,finalize}.vkey.json)
  --json            the report as JSON`,
  publish: `Usage: plimsoll reserves publish --dir <dir> [--deployment <file>] [--rpc <url>] [--key <hex> | --account <n>] [--json]

Publishes the period proved in --dir on the deployment's ReserveRegistry: openPeriod (sent by the
custodian's wallet: the --custodian of 'reserves prove'), submitBatch for every batch in order, then
finalize. Prove it with '--weights chain' so that its weights are the registry's. Resumable: an
interrupted publication continues where the registry stands. Exit 0 once the period is verified.
  --dir   a proved period folder (required)
  chain options: --deployment, --rpc, --key (or $PLIMSOLL_PRIVATE_KEY), --account (see 'plimsoll deposit --help')`,
  finalize: `Usage: plimsoll reserves finalize --dir <dir> [chain options] [--json]

Resumes the publication of an open period: submits the batches the registry is missing, then the
final proof (anyone may). Exit 0 once the period is verified.`,
  include: `Usage: plimsoll reserves include --id <client> (--dir <dir> | --file <inclusion.json>) [--root <root>] [--registry-state <json>] [--json]

For clients. Checks that the client's leaf (id hash, salt, balances) and Merkle path hash up to the
root. With --dir it uses <dir>/inclusion/<idHash>.json, writing it first from run.db when absent.
The root comes from --registry-state (best), --root, <dir>/period.json, or the file itself, in that
order; the output says which. Exit 0 when included, 1 when not.
  --id              the client's id, exactly as the custodian holds it (required)
  --dir             a proved period folder (the custodian's)
  --file            the client's own inclusion file
  --root            the published root (a decimal integer, e.g. read from the registry)
  --registry-state  the registry's view of the period (JSON written by readRegistryState)
  --json            machine-readable output`,
};

/** The reserves group. */
export const reservesGroup: CommandGroup<typeof RESERVES_OPTIONS> = {
  prefix: "plimsoll reserves",
  commandPrefix: "reserves ",
  help: RESERVES_HELP,
  options: RESERVES_OPTIONS,
  commands: {
    prove: { help: RESERVES_COMMAND_HELP.prove!, run: prove },
    verify: { help: RESERVES_COMMAND_HELP.verify!, run: verify },
    include: { help: RESERVES_COMMAND_HELP.include!, run: include },
    publish: { help: RESERVES_COMMAND_HELP.publish!, run: publish },
    finalize: { help: RESERVES_COMMAND_HELP.finalize!, run: publish },
    worker: { help: RESERVES_COMMAND_HELP.worker!, run: worker },
  },
  helpCommand: "plimsoll reserves --help",
};

/**
 * Runs `plimsoll reserves <argv...>`: argv is what follows `reserves` (`["prove", "--clients", ...]`).
 * Prints its output and errors; returns the exit code (0 ok, 1 failed check or failure, 2 bad input).
 */
export function runReserves(argv: string[]): Promise<number> {
  return runGroup(reservesGroup, argv);
}

// Run directly: `node --import tsx cli/reserves/index.ts <command> ...`.
if (isDirectRun(import.meta.url)) process.exit(await runReserves(process.argv.slice(2)));
