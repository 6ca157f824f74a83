/** `plimsoll prove update`: prove an account update (old opening -> new opening) against epoch weights. */
import { closeSync, existsSync, openSync, readSync } from "node:fs";
import { resolve } from "node:path";
import {
  artifacts,
  findAsset,
  initNoteCrypto,
  initPoseidon,
  N_ASSETS,
  NO_DELTA,
  NONCE_BITS,
  KEEPER_ID_BITS,
  parseUnits,
  planUpdate,
  Prover,
  WEIGHT_BITS,
  type AssetInfo,
  type BasketDelta,
  type KeeperTarget,
} from "../../prover/src/index.js";
import type { ProofFile } from "../../verifier/src/index.js";
import type { Command } from "../command.js";
import { UsageError } from "../usage.js";
import { integer, openingJson, pretty, readJson, readOpening, registry, writeJson, writeOpening, type TraderOptions } from "./common.js";

export const PROVE_UPDATE_HELP = `Usage: plimsoll prove update --opening <opening.json> --weights <weights.json> --requirement <value> --epoch <n> --keeper-id <id> --keeper-key <x,y> [--deposit|--withdraw <SYMBOL:amount>] --out <proof.json> [--next <opening.json>] [--json]

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
  --next         where to write the new opening (default: <out>.next-opening.json); an existing
                 file (above all the current --opening) is refused unless --force, which keeps a backup
  --force        replace an existing --next after copying it to <next>.bak-<time>
  --assets       asset registry JSON (default: development registry)
  --wasm, --zkey circuit artifacts (default: build/)
  --json         machine-readable output`;

/** The keeper the new opening is encrypted to: --keeper-id and --keeper-key x,y. */
function parseKeeper(opts: TraderOptions): KeeperTarget {
  const keeperId = integer(opts["keeper-id"], "--keeper-id", KEEPER_ID_BITS);
  const parts = (opts["keeper-key"] ?? "").split(",");
  if (parts.length !== 2) throw new UsageError("--keeper-key must be the keeper's public key as x,y (decimal)");
  return { keeperId, key: [integer(parts[0]!.trim(), "--keeper-key x"), integer(parts[1]!.trim(), "--keeper-key y")] };
}

function parseDelta(opts: TraderOptions, assets: readonly AssetInfo[]): BasketDelta {
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

/** A circuit file that exists, is not empty and starts with `magic`; else bad input naming the flag. */
function checkCircuitFile(path: string, flag: string, magic: string, what: string): void {
  let head: Buffer;
  try {
    const fd = openSync(path, "r");
    try {
      head = Buffer.alloc(4);
      const n = readSync(fd, head, 0, 4, 0);
      head = head.subarray(0, n);
    } finally {
      closeSync(fd);
    }
  } catch {
    throw new UsageError(`${flag} ${path} does not exist or cannot be read: run 'npm run build', or pass --artifacts <dir>`);
  }
  if (head.length === 0) throw new UsageError(`${flag} ${path} is empty: rebuild it with 'npm run build'`);
  if (head.toString("latin1") !== magic) throw new UsageError(`${flag} ${path} is not ${what}`);
}

async function proveUpdate(opts: TraderOptions): Promise<number> {
  const assets = registry(opts);
  const current = readOpening(opts.opening);
  const w = readJson(opts.weights, "weights") as { weights?: unknown };
  if (!Array.isArray(w?.weights) || w.weights.length !== N_ASSETS) throw new UsageError(`weights.weights must be an array of ${N_ASSETS} integer strings`);
  const weights = w.weights.map((x, i) => integer(x, `weights.weights[${i}]`, WEIGHT_BITS));
  const requirement = integer(opts.requirement, "--requirement");
  const delta = parseDelta(opts, assets);
  if (opts.out === undefined) throw new UsageError("--out is required");
  const keeper = parseKeeper(opts);
  const nonce = integer(opts.epoch, "--epoch", NONCE_BITS);
  const nextPath = opts.next ?? `${opts.out}.next-opening.json`;
  // Never destroy an opening: --next is refused when a file is there (checked before proving).
  if (existsSync(nextPath) && !opts.force) {
    const same = opts.opening !== undefined && resolve(nextPath) === resolve(opts.opening);
    throw new UsageError(`--next ${nextPath}: ${same ? "this is the current opening (--opening); writing the new one over it would lose the old opening before the update is on-chain" : "an opening already exists there"}. Choose another path, or pass --force to replace it after a backup`);
  }
  const h = await initPoseidon();
  const crypto = await initNoteCrypto();
  let plan;
  try {
    plan = planUpdate(h, current, delta, requirement, weights, { crypto, keeper, nonce });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const wasmPath = opts.wasm ?? artifacts.wasm("account_update");
  const zkeyPath = opts.zkey ?? artifacts.zkey("account_update");
  checkCircuitFile(wasmPath, "--wasm", "\0asm", "a WebAssembly witness generator");
  checkCircuitFile(zkeyPath, "--zkey", "zkey", "a Groth16 proving key");
  const prover = new Prover();
  const started = performance.now();
  try {
    const out = await prover.prove(
      { wasmPath, zkeyPath },
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
    const backup = writeOpening(nextPath, openingJson(plan.next, plan.publicSignals.newCommitment), "--next", opts.force);
    if (backup !== undefined && !opts.json) process.stderr.write(`the previous ${nextPath} was kept as ${backup}\n`);
    const summary = { proof: opts.out, nextOpening: nextPath, newCommitment: plan.publicSignals.newCommitment, totalMs: Math.round(performance.now() - started), proveMs: Math.round(out.proveMs) };
    console.log(opts.json ? pretty(summary) : `proof written to ${opts.out} in ${summary.totalMs} ms; new opening in ${nextPath}`);
  } finally {
    await prover.close();
  }
  return 0;
}

export const proveCommands: Record<string, Command<TraderOptions>> = {
  "prove update": { help: PROVE_UPDATE_HELP, run: proveUpdate },
};
