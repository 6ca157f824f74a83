/**
 * `plimsoll`: the command line for traders and verifiers.
 *
 *   plimsoll basket create --file basket.json --owner 0x... --out opening.json
 *   plimsoll prove update --opening opening.json --weights weights.json --requirement 0 --deposit USDC:100 --out proof.json --next next.json
 *   plimsoll verify --proof proof.json
 *   plimsoll calldata --proof proof.json
 *
 * Every command takes --help and --json; failures exit non-zero with a message that names the field.
 */
import { readFileSync, writeFileSync, renameSync } from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { isAddress } from "ethers";
import { findAsset, checkRegistry, parseBasket, parseUnits, type AssetInfo } from "./src/assets.js";
import { commitmentOf, planUpdate, randomBlinding, type AccountOpening } from "./src/account.js";
import { AMOUNT_BITS, N_ASSETS, WEIGHT_BITS } from "./src/constants.js";
import { DEV_REGISTRY } from "./src/devnet.js";
import { NO_DELTA, type BasketDelta } from "./src/encoding.js";
import { initPoseidon } from "./src/poseidon.js";
import { initNoteCrypto, type KeeperTarget } from "./src/keeperNote.js";
import { Prover } from "./src/prover.js";
import { packProof } from "./src/calldata.js";
import { readProofFile, readVerificationKey, verifyProof, type ProofFile } from "../verifier/src/index.js";
import { paths } from "../scripts/lib/paths.js";
import { KEEPER_SUMMARY, runKeeperCli } from "./keeperCli.js";
import { RESERVES_SUMMARY, runReserves } from "./reservesCli.js";

/** A user-facing failure: printed without a stack trace, exit code 1. */
class UsageError extends Error {}

const HELP = `plimsoll — private margin proofs

Usage: plimsoll <command> [options]

Commands:
  basket create   Make a private basket opening (amounts + random blinding) from a JSON file
  prove update    Prove an account update (old opening -> new opening) against epoch weights
  verify          Verify a proof file off-chain with the circuit's verification key
  calldata        Print a proof file as the calldata the on-chain verifier takes
${KEEPER_SUMMARY}
${RESERVES_SUMMARY}

Run 'plimsoll <command> --help' for a command's options. Every command accepts --json.
Keys and circuits come from 'npm run build' (development keys, not for production).`;

const COMMAND_HELP: Record<string, string> = {
  "basket create": `Usage: plimsoll basket create --file <basket.json> --owner <address> [--out <opening.json>] [--assets <registry.json>] [--json]

Reads { "amounts": { "<SYMBOL>": "<whole tokens>", ... } } and writes the opening:
base-unit amounts for all ${N_ASSETS} slots, a fresh random blinding and the commitment.
  --file     basket JSON (required)
  --owner    the account's address, bound into the commitment (required)
  --out      where to write the opening (default: print it)
  --assets   asset registry JSON [{ "symbol", "slot", "decimals" }] (default: the development registry USDC/WETH/WBTC)
  --json     machine-readable output`,
  "prove update": `Usage: plimsoll prove update --opening <opening.json> --weights <weights.json> --requirement <value> --epoch <n> --keeper-id <id> --keeper-key <x,y> [--deposit|--withdraw <SYMBOL:amount>] --out <proof.json> [--next <opening.json>] [--json]

Proves that the new basket (old basket plus the delta) is worth at least the requirement
under the given weight vector, and encrypts the new opening to the account's keeper (the
proof shows the ciphertext is right). Proving runs in a separate process.
  --opening      current opening (from 'basket create' or a previous --next)
  --weights      { "weights": ["<w0>", ..., "<w${N_ASSETS - 1}>"] } one weight vector of an oracle epoch
  --requirement  requirement in value units (1e-30 USD), as the engine computes it
  --epoch        the oracle epoch the proof is for (also the encryption nonce)
  --keeper-id    the account's keeper in the keeper registry
  --keeper-key   that keeper's Baby Jubjub public key, x,y in decimal
  --deposit      add whole tokens to a slot, e.g. USDC:250.5
  --withdraw     remove whole tokens from a slot, e.g. WETH:1.25
  --out          proof file to write (required)
  --next         where to write the new opening (default: <out>.next-opening.json)
  --assets       asset registry JSON (default: development registry)
  --wasm, --zkey circuit artifacts (default: build/)
  --json         machine-readable output`,
  verify: `Usage: plimsoll verify --proof <proof.json> [--vkey <vkey.json>] [--json]

Checks the Groth16 proof against the verification key and prints what it claims.
Exit code 0 when valid, 1 when invalid or on error.
  --proof  proof file written by 'plimsoll prove update'
  --vkey   verification key (default: build/keys/<circuit>.vkey.json)
  --json   machine-readable output`,
  calldata: `Usage: plimsoll calldata --proof <proof.json> [--json]

Prints the proof as the generated verifier's verifyProof(a, b, c, publicSignals) arguments.
  --proof  proof file
  --json   machine-readable output (default prints a Solidity-style argument list)`,
};

const OPTIONS = {
  help: { type: "boolean", short: "h" },
  json: { type: "boolean" },
  file: { type: "string" },
  owner: { type: "string" },
  out: { type: "string" },
  assets: { type: "string" },
  opening: { type: "string" },
  weights: { type: "string" },
  requirement: { type: "string" },
  deposit: { type: "string" },
  withdraw: { type: "string" },
  next: { type: "string" },
  wasm: { type: "string" },
  zkey: { type: "string" },
  proof: { type: "string" },
  vkey: { type: "string" },
  "keeper-id": { type: "string" },
  "keeper-key": { type: "string" },
  epoch: { type: "string" },
} satisfies ParseArgsConfig["options"];

type Options = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]["type"] extends "boolean" ? boolean : string };

const stringify = (v: unknown): string => JSON.stringify(v, (_, x) => (typeof x === "bigint" ? x.toString() : x), 2);

function readJson(path: string | undefined, what: string): unknown {
  if (path === undefined) throw new UsageError(`--${what} is required`);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new UsageError(`--${what} ${path}: file not found or unreadable`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`--${what} ${path}: not valid JSON`);
  }
}

function writeJson(path: string, value: unknown): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, stringify(value) + "\n", { mode: 0o600 });
  renameSync(tmp, path);
}

function registry(opts: Options): readonly AssetInfo[] {
  if (opts.assets === undefined) return DEV_REGISTRY;
  const value = readJson(opts.assets, "assets");
  if (!Array.isArray(value)) throw new UsageError(`--assets ${opts.assets}: expected a JSON array of { symbol, slot, decimals }`);
  checkRegistry(value as AssetInfo[]);
  return value as AssetInfo[];
}

function integer(value: unknown, field: string, bits?: number): bigint {
  if (typeof value !== "string" || !/^[0-9]+$/.test(value)) throw new UsageError(`${field} must be a non-negative integer string`);
  const x = BigInt(value);
  if (bits !== undefined && x >= 1n << BigInt(bits)) throw new UsageError(`${field} is not below 2^${bits}`);
  return x;
}

/** Reads an opening file written by `basket create` or `prove update --next`. */
function readOpening(path: string | undefined): AccountOpening {
  const v = readJson(path, "opening") as Record<string, unknown>;
  if (v === null || typeof v !== "object") throw new UsageError(`opening ${path} is not an object`);
  if (typeof v.owner !== "string" || !isAddress(v.owner)) throw new UsageError(`opening.owner must be an address`);
  if (!Array.isArray(v.amounts) || v.amounts.length !== N_ASSETS) throw new UsageError(`opening.amounts must have ${N_ASSETS} entries`);
  return {
    owner: BigInt(v.owner),
    amounts: v.amounts.map((a, i) => integer(a, `opening.amounts[${i}]`, AMOUNT_BITS)),
    blinding: integer(v.blinding, "opening.blinding"),
  };
}

function openingJson(o: AccountOpening, commitment: bigint): Record<string, unknown> {
  return {
    version: 1,
    owner: `0x${o.owner.toString(16).padStart(40, "0")}`,
    amounts: o.amounts.map(String),
    blinding: o.blinding.toString(),
    commitment: commitment.toString(),
    note: "PRIVATE: whoever holds this file can prove statements about the account. Keep it safe.",
  };
}

/** The keeper the new opening is encrypted to: --keeper-id and --keeper-key x,y. */
function parseKeeper(opts: Options): KeeperTarget {
  const keeperId = integer(opts["keeper-id"], "--keeper-id", 40);
  const parts = (opts["keeper-key"] ?? "").split(",");
  if (parts.length !== 2) throw new UsageError("--keeper-key must be the keeper's public key as x,y (decimal)");
  return { keeperId, key: [integer(parts[0]!.trim(), "--keeper-key x"), integer(parts[1]!.trim(), "--keeper-key y")] };
}

function parseDelta(opts: Options, assets: readonly AssetInfo[]): BasketDelta {
  if (opts.deposit !== undefined && opts.withdraw !== undefined) throw new UsageError("give at most one of --deposit and --withdraw");
  const spec = opts.deposit ?? opts.withdraw;
  if (spec === undefined) return NO_DELTA;
  const flag = opts.deposit !== undefined ? "--deposit" : "--withdraw";
  const m = /^([^:]+):(.+)$/.exec(spec);
  if (m === null) throw new UsageError(`${flag} must look like SYMBOL:amount, got ${JSON.stringify(spec)}`);
  const asset = findAsset(assets, m[1]!, flag);
  const units = parseUnits(m[2], asset.decimals, `${flag} ${asset.symbol}`);
  return { index: asset.slot, amount: opts.deposit !== undefined ? units : -units };
}

async function basketCreate(opts: Options): Promise<void> {
  const assets = registry(opts);
  const amounts = parseBasket(readJson(opts.file, "file"), assets);
  if (opts.owner === undefined || !isAddress(opts.owner)) throw new UsageError("--owner must be an Ethereum address");
  const h = await initPoseidon();
  const opening: AccountOpening = { owner: BigInt(opts.owner), amounts, blinding: randomBlinding() };
  const doc = openingJson(opening, commitmentOf(h, opening));
  if (opts.out !== undefined) writeJson(opts.out, doc);
  if (opts.json || opts.out === undefined) console.log(stringify(doc));
  else console.log(`opening written to ${opts.out} (commitment ${String(doc.commitment)})`);
}

async function proveUpdate(opts: Options): Promise<void> {
  const assets = registry(opts);
  const current = readOpening(opts.opening);
  const w = readJson(opts.weights, "weights") as { weights?: unknown };
  if (!Array.isArray(w?.weights) || w.weights.length !== N_ASSETS) throw new UsageError(`weights.weights must be an array of ${N_ASSETS} integer strings`);
  const weights = w.weights.map((x, i) => integer(x, `weights.weights[${i}]`, WEIGHT_BITS));
  const requirement = integer(opts.requirement, "--requirement");
  const delta = parseDelta(opts, assets);
  if (opts.out === undefined) throw new UsageError("--out is required");
  const keeper = parseKeeper(opts);
  const nonce = integer(opts.epoch, "--epoch", 64);
  const h = await initPoseidon();
  const crypto = await initNoteCrypto();
  let plan;
  try {
    plan = planUpdate(h, current, delta, requirement, weights, { crypto, keeper, nonce });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const prover = new Prover();
  const started = performance.now();
  try {
    const out = await prover.prove(
      { wasmPath: opts.wasm ?? paths.wasm("account_update"), zkeyPath: opts.zkey ?? paths.zkey("account_update") },
      plan.input,
      (stage) => { if (!opts.json) process.stderr.write(stage === "witness" ? "computing witness...\n" : "proving...\n"); },
    );
    const file: ProofFile = {
      circuit: "account_update",
      proof: out.proof,
      publicSignals: out.publicSignals,
      meta: {
        requirement: requirement.toString(),
        delta: { index: delta.index, amount: delta.amount.toString() },
        epoch: nonce.toString(),
        note: { keeperId: plan.note.keeperId.toString(), ephemeralKey: plan.note.ephemeralKey.map(String), ciphertext: plan.note.ciphertext.map(String) },
        witnessMs: Math.round(out.witnessMs),
        proveMs: Math.round(out.proveMs),
      },
    };
    writeJson(opts.out, file);
    const nextPath = opts.next ?? `${opts.out}.next-opening.json`;
    writeJson(nextPath, openingJson(plan.next, plan.publicSignals.newCommitment));
    const summary = { proof: opts.out, nextOpening: nextPath, newCommitment: plan.publicSignals.newCommitment, totalMs: Math.round(performance.now() - started), proveMs: Math.round(out.proveMs) };
    console.log(opts.json ? stringify(summary) : `proof written to ${opts.out} in ${summary.totalMs} ms; new opening in ${nextPath}`);
  } finally {
    await prover.close();
  }
}

async function verify(opts: Options): Promise<boolean> {
  if (opts.proof === undefined) throw new UsageError("--proof is required");
  const parsed = readProofFile(opts.proof);
  const vkey = readVerificationKey(opts.vkey ?? paths.vkey(parsed.file.circuit));
  const result = await verifyProof(parsed, vkey);
  if (opts.json) console.log(stringify(result));
  else {
    console.log(`${result.valid ? "VALID" : "INVALID"} ${result.circuit} proof`);
    const c = result.claims;
    console.log(`  old commitment  ${c.oldCommitment}\n  new commitment  ${c.newCommitment}\n  weights hash    ${c.weightsHash}\n  requirement     ${c.requirement} (1e-30 USD)\n  delta           slot ${c.delta.index}: ${c.delta.amount}`);
  }
  return result.valid;
}

function calldata(opts: Options): void {
  if (opts.proof === undefined) throw new UsageError("--proof is required");
  const { solidity, signals } = readProofFile(opts.proof);
  if (opts.json) console.log(stringify({ a: solidity.a, b: solidity.b, c: solidity.c, publicSignals: signals }));
  else {
    const q = (x: bigint): string => `"${x}"`;
    console.log(`[${solidity.a.map(q)}],[[${solidity.b[0].map(q)}],[${solidity.b[1].map(q)}]],[${solidity.c.map(q)}],[${signals.map(q)}]`);
  }
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  const opts = values as Options;
  const command = positionals.slice(0, positionals[0] === "basket" || positionals[0] === "prove" ? 2 : 1).join(" ");
  if (command === "" || command === "help") {
    console.log(HELP);
    return 0;
  }
  if (!(command in COMMAND_HELP)) throw new UsageError(`unknown command '${command}'. Run 'plimsoll --help'.`);
  if (opts.help) {
    console.log(COMMAND_HELP[command]);
    return 0;
  }
  switch (command) {
    case "basket create": await basketCreate(opts); return 0;
    case "prove update": await proveUpdate(opts); return 0;
    case "verify": return (await verify(opts)) ? 0 : 1;
    case "calldata": calldata(opts); return 0;
  }
  return 1;
}

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === "--help" || argv[0] === "-h")) {
  console.log(HELP);
  process.exit(0);
}
// The keeper and reserves commands have their own options: hand them their arguments before parsing.
if (argv[0] === "keeper") process.exit(await runKeeperCli(argv.slice(1)));
if (argv[0] === "reserves") process.exit(await runReserves(argv.slice(1)));
main(argv).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const msg = err instanceof Error ? err.message : String(err);
    console.error(`plimsoll: ${msg}`);
    process.exit(err instanceof UsageError || err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError ? 2 : 1);
  },
);
