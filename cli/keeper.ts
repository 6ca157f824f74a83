/**
 * `plimsoll keeper`: run a keeper daemon over JSON-RPC, or make a keeper key.
 *
 *   plimsoll keeper keygen --out keeper-key.json
 *   plimsoll keeper run --engine 0x... --key keeper-key.json --keeper-id 1 --state .keeper/ [--rpc URL]
 *
 * `runKeeperCli(argv)` takes the arguments after `keeper` (`["run", "--engine", ...]`), prints its
 * own output and errors (`plimsoll keeper: ...`) and returns the exit code: 0 success, 1 a failure
 * (no node at the RPC URL, a failed liquidation or force-close with --once, a runtime error), 2 bad
 * input (a missing or malformed flag, an unreadable key file). Run directly
 * (`node --import tsx cli/keeper.ts run ...`) it behaves as the subcommand.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { ParseArgsConfig } from "node:util";
import { isAddress, JsonRpcProvider, Network, Wallet, type Signer } from "ethers";
import {
  artifactPaths,
  generateKeeperKey,
  KEEPER_ID_LIMIT,
  KeeperDaemon,
  keeperFileLogger,
  keeperJson,
  loadKeeperKey,
  Prover,
  saveKeeperKey,
  type CircuitArtifacts,
  type KeeperKey,
  type TickReport,
} from "../prover/src/index.js";
import { isDirectRun, runGroup, type CommandGroup, type OptionValues } from "./command.js";
import { required, UsageError } from "./usage.js";

/** The RPC URL `keeper run` uses without --rpc: a local node such as `npx hardhat node`. */
export const DEFAULT_KEEPER_RPC = "http://127.0.0.1:8545";

/** One line per subcommand, for the top-level `plimsoll --help`. */
export const KEEPER_SUMMARY = `  keeper run       Watch an engine: decrypt the openings sent to this keeper, liquidate insolvent accounts, force-close expired leases
  keeper keygen    Make a keeper's Baby Jubjub key file (register its public key on the KeeperRegistry)`;

export const KEEPER_HELP = `plimsoll keeper — the liquidation keeper

Usage: plimsoll keeper <run|keygen> [options]

${KEEPER_SUMMARY}

Run 'plimsoll keeper <command> --help' for its options. Every command accepts --json.`;

export const KEEPER_COMMAND_HELP: Record<string, string> = {
  run: `Usage: plimsoll keeper run --engine <address> --key <keeper-key.json> --keeper-id <n> --state <dir>
                           [--rpc <url>] [--private-key-env <VAR>] [--from-block <n>] [--interval <s>]
                           [--confirmations <n>] [--once] [--json]

Watches a MarginEngine over JSON-RPC. Each tick scans the new blocks (bounded ranges) for notes
addressed to --keeper-id and decrypts them with the key file (a note that does not decrypt is
logged and skipped); at each new oracle epoch it values every watched account with open positions
at the maintenance weights against its maintenance requirement, logs the decision, and proves and
submits the liquidation of an insolvent one; every tick it force-closes accounts whose lease
expired. State (last block, openings) is kept in <dir>/keeper-state.json (mode 0600): a restart
resumes where it stopped and never rescans from genesis. Every decision is logged as a JSON line
in <dir>/keeper.log and as a short line on stderr. Stop with Ctrl-C (the tick under way finishes).

  --engine           the MarginEngine address (required)
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
                     Default: the node's first unlocked account (development nodes only).
  --from-block       first block to scan on a first start (default: the current block; ignored
                     when the state folder already has a state)
  --interval         seconds between ticks (default 2)
  --confirmations    blocks to stay behind the head (default 0)
  --once             run one tick, print what it did and exit (1 if a liquidation or force-close failed)
  --wasm, --zkey     insolvency circuit artifacts (default: build/ from 'npm run build')
  --json             JSON lines on stdout instead of short lines on stderr`,
  keygen: `Usage: plimsoll keeper keygen --out <keeper-key.json> [--force] [--json]

Writes a fresh Baby Jubjub key pair (private key uniform in [1, subgroup order)) to --out with mode
0600 and prints the public key x,y: register it with KeeperRegistry.register(x, y) and a bond.
Traders who name this keeper encrypt every new opening to it: keep the file secret and safe.
  --out    key file to write (required; an existing file is kept unless --force)
  --force  replace an existing key file
  --json   machine-readable output`,
};

const KEEPER_OPTIONS = {
  help: { type: "boolean", short: "h" },
  json: { type: "boolean" },
  engine: { type: "string" },
  key: { type: "string" },
  "keeper-id": { type: "string" },
  state: { type: "string" },
  rpc: { type: "string" },
  "private-key-env": { type: "string" },
  "from-block": { type: "string" },
  interval: { type: "string" },
  confirmations: { type: "string" },
  once: { type: "boolean" },
  wasm: { type: "string" },
  zkey: { type: "string" },
  out: { type: "string" },
  force: { type: "boolean" },
} satisfies ParseArgsConfig["options"];

type Options = OptionValues<typeof KEEPER_OPTIONS>;

function uintFlag(value: string | undefined, flag: string, max?: bigint): bigint | undefined {
  if (value === undefined) return undefined;
  if (!/^[0-9]+$/.test(value)) throw new UsageError(`--${flag} must be a non-negative integer, got ${JSON.stringify(value)}`);
  const x = BigInt(value);
  if (max !== undefined && x > max) throw new UsageError(`--${flag} must be at most ${max}, got ${value}`);
  return x;
}

/** Asks the node for its chain id (5 s timeout), so that a missing node is one clear error. */
async function probeRpc(url: string): Promise<bigint> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(5000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`--rpc ${url}: no JSON-RPC node answers (${cause?.code ?? cause?.message ?? (err as Error).message}). Start one (e.g. 'npx hardhat node') or pass --rpc <url>; another process's in-process network cannot be reached.`);
  }
  let body: { result?: unknown; error?: { message?: string } };
  try {
    body = (await response.json()) as typeof body;
  } catch {
    throw new Error(`--rpc ${url}: answered HTTP ${response.status} without a JSON-RPC response`);
  }
  if (typeof body.result !== "string") throw new Error(`--rpc ${url}: eth_chainId failed (${body.error?.message ?? "no result"})`);
  return BigInt(body.result);
}

/** The liquidator wallet: from --private-key-env, else the node's first unlocked account. */
async function liquidatorSigner(opts: Options, provider: JsonRpcProvider): Promise<Signer> {
  const variable = opts["private-key-env"];
  if (variable !== undefined) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable)) throw new UsageError(`--private-key-env must name an environment variable, got ${JSON.stringify(variable)}`);
    const value = process.env[variable];
    if (value === undefined || value === "") throw new UsageError(`--private-key-env ${variable}: the environment variable is not set`);
    const hex = value.trim().startsWith("0x") ? value.trim() : `0x${value.trim()}`;
    if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) throw new UsageError(`--private-key-env ${variable}: the value is not a private key (32 bytes of hex)`);
    return new Wallet(hex, provider);
  }
  const accounts = (await provider.send("eth_accounts", [])) as string[];
  if (accounts.length === 0) throw new UsageError("--private-key-env is required: the node has no unlocked account to pay liquidations from");
  return provider.getSigner(accounts[0]);
}

function summary(report: TickReport): string {
  const scanned = report.scanned === undefined ? "no new block" : `blocks ${report.scanned.fromBlock}..${report.scanned.toBlock}`;
  const n = report.notes;
  return `${scanned}: ${n.decrypted} note(s) decrypted, ${n.invalid} skipped, ${n.foreign} for other keepers; `
    + `${report.decisions.length} account(s) evaluated${report.epoch === undefined ? "" : ` at epoch ${report.epoch}`}, `
    + `${report.liquidations.length} liquidation(s), ${report.forceClosed.length} force-close(s), ${report.failures.length} failure(s)`;
}

async function run(opts: Options): Promise<number> {
  const engine = required(opts.engine, "engine");
  if (!isAddress(engine)) throw new UsageError(`--engine must be an address, got ${JSON.stringify(engine)}`);
  const keyPath = required(opts.key, "key");
  const keeperId = uintFlag(required(opts["keeper-id"], "keeper-id"), "keeper-id", KEEPER_ID_LIMIT - 1n)!;
  if (keeperId === 0n) throw new UsageError("--keeper-id must be at least 1");
  const stateDir = resolve(required(opts.state, "state"));
  const fromBlock = uintFlag(opts["from-block"], "from-block", BigInt(Number.MAX_SAFE_INTEGER));
  const confirmations = uintFlag(opts.confirmations, "confirmations", 1000n);
  let pollIntervalMs = 2000;
  if (opts.interval !== undefined) {
    if (!/^[0-9]+(\.[0-9]+)?$/.test(opts.interval) || Number(opts.interval) <= 0) throw new UsageError(`--interval must be a positive number of seconds, got ${JSON.stringify(opts.interval)}`);
    pollIntervalMs = Math.max(1, Math.round(Number(opts.interval) * 1000));
  }
  const url = opts.rpc ?? DEFAULT_KEEPER_RPC;
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new UsageError(`--rpc must be a URL, got ${JSON.stringify(url)}`);
  }
  if (protocol !== "http:" && protocol !== "https:") throw new UsageError(`--rpc must be an http(s) URL, got ${JSON.stringify(url)}`);
  let key: KeeperKey;
  try {
    key = await loadKeeperKey(keyPath);
  } catch (err) {
    throw new UsageError(`--key ${(err as Error).message}`);
  }
  const artifacts: CircuitArtifacts = { wasmPath: opts.wasm ?? artifactPaths().wasm("insolvency"), zkeyPath: opts.zkey ?? artifactPaths().zkey("insolvency") };
  for (const [flag, path] of [["wasm", artifacts.wasmPath], ["zkey", artifacts.zkeyPath]] as const) {
    if (!existsSync(path)) throw new UsageError(`--${flag} ${path} does not exist: run 'npm run build' first`);
  }

  const chainId = await probeRpc(url);
  const network = Network.from(chainId);
  const provider = new JsonRpcProvider(url, network, { staticNetwork: network, pollingInterval: Math.min(pollIntervalMs, 4000) });
  const prover = new Prover();
  try {
    const signer = await liquidatorSigner(opts, provider);
    const daemon = await KeeperDaemon.open({
      engine,
      keeperPrivateKey: key.privateKey,
      keeperId,
      signer,
      provider,
      prover,
      artifacts,
      stateDir,
      ...(fromBlock === undefined ? {} : { fromBlock: Number(fromBlock) }),
      ...(confirmations === undefined ? {} : { confirmations: Number(confirmations) }),
      pollIntervalMs,
      logger: keeperFileLogger(stateDir, { json: opts.json === true }),
    });
    if (opts.once) {
      const report = await daemon.tick();
      if (opts.json) process.stdout.write(`${keeperJson({ event: "tick.report", ...report })}\n`);
      else console.log(summary(report));
      return report.failures.length === 0 ? 0 : 1;
    }
    const controller = new AbortController();
    const onSignal = (): void => controller.abort();
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    try {
      await daemon.run({ signal: controller.signal });
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
    return 0;
  } finally {
    await prover.close();
    provider.destroy();
  }
}

async function keygen(opts: Options): Promise<number> {
  const out = required(opts.out, "out");
  if (existsSync(out) && !opts.force) throw new UsageError(`--out ${out}: a key file already exists (pass --force to replace it)`);
  const key = await generateKeeperKey();
  await saveKeeperKey(out, key, { overwrite: opts.force === true });
  const [x, y] = key.publicKey;
  if (opts.json) console.log(keeperJson({ out, publicKey: [x, y] }));
  else console.log(`keeper key written to ${out} (mode 0600)\npublic key x,y: ${x},${y}\nregister it with KeeperRegistry.register(x, y) and the bond; keep the file secret`);
  return 0;
}

/** The keeper group. */
export const keeperGroup: CommandGroup<typeof KEEPER_OPTIONS> = {
  prefix: "plimsoll keeper",
  commandPrefix: "keeper ",
  help: KEEPER_HELP,
  options: KEEPER_OPTIONS,
  commands: {
    run: { help: KEEPER_COMMAND_HELP.run!, run },
    keygen: { help: KEEPER_COMMAND_HELP.keygen!, run: keygen },
  },
  helpCommand: "plimsoll keeper --help",
};

/**
 * Runs `plimsoll keeper <argv...>`: argv is what follows `keeper` (`["run", "--engine", ...]`).
 * Prints its output and errors; returns the exit code (0 ok, 1 failure, 2 bad input).
 */
export function runKeeperCli(argv: string[]): Promise<number> {
  return runGroup(keeperGroup, argv);
}

// Run directly: `node --import tsx cli/keeper.ts <command> ...`.
if (isDirectRun(import.meta.url)) process.exit(await runKeeperCli(process.argv.slice(2)));
