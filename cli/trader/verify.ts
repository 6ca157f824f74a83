/** `plimsoll verify` (a proof file off-chain) and `plimsoll calldata` (the on-chain verifier's arguments). */
import { artifacts, formatUnits, usd } from "../../prover/src/index.js";
import { readProofFile, readVerificationKey, verifyProof } from "../../verifier/src/index.js";
import type { Command } from "../command.js";
import { UsageError } from "../usage.js";
import { pretty, registry, type TraderOptions } from "./common.js";

export const VERIFY_HELP = `Usage: plimsoll verify --proof <proof.json> [--vkey <vkey.json>] [--json]

Checks the Groth16 proof against the verification key and prints what it claims.
Exit code 0 when valid, 1 when invalid (a wrong proof, or a key of another setup for the same
circuit), 2 on bad input (a missing or malformed proof file or key, another circuit's key).
  --proof  proof file written by 'plimsoll prove update'
  --vkey   verification key (default: build/keys/<circuit>.vkey.json)
  --json   machine-readable output`;

export const CALLDATA_HELP = `Usage: plimsoll calldata --proof <proof.json> [--json]

Prints the proof as the generated verifier's verifyProof(a, b, c, publicSignals) arguments.
  --proof  proof file
  --json   machine-readable output (default prints a Solidity-style argument list)`;

/** Reads --proof; any problem with the file (missing, not JSON, a malformed field) is bad input. */
function proofFile(path: string): ReturnType<typeof readProofFile> {
  try {
    return readProofFile(path);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/**
 * Checks that `vkey` is a Groth16 BN254 verification key with one IC point per public signal, so a
 * foreign or wrong key is one clear error (exit 2) and never a snarkjs stack.
 */
function checkVkey(vkey: unknown, path: string, nSignals: number): void {
  const v = vkey as Record<string, unknown> | null;
  const bad = (why: string): never => { throw new UsageError(`--vkey ${path}: ${why}`); };
  if (v === null || typeof v !== "object" || Array.isArray(v)) bad("not a verification key (a JSON object)");
  if (v!.protocol !== "groth16") bad(`not a Groth16 verification key (protocol ${JSON.stringify(v!.protocol)})`);
  if (v!.curve !== "bn128") bad(`not a BN254 key (curve ${JSON.stringify(v!.curve)})`);
  for (const f of ["vk_alpha_1", "vk_beta_2", "vk_gamma_2", "vk_delta_2", "IC"]) if (!Array.isArray(v![f])) bad(`${f} is missing`);
  if (v!.nPublic !== nSignals || (v!.IC as unknown[]).length !== nSignals + 1) bad(`the key has ${String(v!.nPublic)} public inputs, the proof ${nSignals}: it is another circuit's key`);
}

async function verify(opts: TraderOptions): Promise<number> {
  if (opts.proof === undefined) throw new UsageError("--proof is required");
  const parsed = proofFile(opts.proof);
  const vkeyPath = opts.vkey ?? artifacts.vkey(parsed.file.circuit);
  let vkey: unknown;
  try {
    vkey = readVerificationKey(vkeyPath);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  checkVkey(vkey, vkeyPath, parsed.file.publicSignals.length);
  let result;
  try {
    result = await verifyProof(parsed, vkey);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`--vkey ${vkeyPath}: not a usable Groth16 verification key for this proof (${(err as Error).message.split("\n")[0]})`);
  }
  if (opts.json) console.log(pretty(result));
  else {
    console.log(`${result.valid ? "VALID" : "INVALID"} ${result.circuit} proof`);
    const c = result.claims;
    const asset = registry(opts).find((a) => a.slot === c.delta.index);
    const amount = c.delta.amount < 0n ? -c.delta.amount : c.delta.amount;
    const delta = c.delta.amount === 0n ? "none" : asset === undefined ? `slot ${c.delta.index}: ${c.delta.amount} base units` : `${c.delta.amount < 0n ? "-" : "+"}${formatUnits(amount, asset.decimals)} ${asset.symbol}`;
    console.log(`  old commitment  ${c.oldCommitment}\n  new commitment  ${c.newCommitment}\n  weights hash    ${c.weightsHash}\n  requirement     ${usd(c.requirement)} (${c.requirement} in 1e-30 USD)\n  delta           ${delta}`);
  }
  return result.valid ? 0 : 1;
}

async function calldata(opts: TraderOptions): Promise<number> {
  if (opts.proof === undefined) throw new UsageError("--proof is required");
  const { solidity, signals } = proofFile(opts.proof);
  if (opts.json) console.log(pretty({ a: solidity.a, b: solidity.b, c: solidity.c, publicSignals: signals }));
  else {
    const q = (x: bigint): string => `"${x}"`;
    console.log(`[${solidity.a.map(q)}],[[${solidity.b[0].map(q)}],[${solidity.b[1].map(q)}]],[${solidity.c.map(q)}],[${signals.map(q)}]`);
  }
  return 0;
}

export const verifyCommands: Record<string, Command<TraderOptions>> = {
  verify: { help: VERIFY_HELP, run: verify },
  calldata: { help: CALLDATA_HELP, run: calldata },
};
