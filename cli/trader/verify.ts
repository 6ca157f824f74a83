/** `plimsoll verify` (a proof file off-chain) and `plimsoll calldata` (the on-chain verifier's arguments). */
import { artifacts } from "../../prover/src/index.js";
import { readProofFile, readVerificationKey, verifyProof } from "../../verifier/src/index.js";
import type { Command } from "../command.js";
import { UsageError } from "../usage.js";
import { pretty, type TraderOptions } from "./common.js";

export const VERIFY_HELP = `Usage: plimsoll verify --proof <proof.json> [--vkey <vkey.json>] [--json]

Checks the Groth16 proof against the verification key and prints what it claims.
Exit code 0 when valid, 1 when invalid or on error.
  --proof  proof file written by 'plimsoll prove update'
  --vkey   verification key (default: build/keys/<circuit>.vkey.json)
  --json   machine-readable output`;

export const CALLDATA_HELP = `Usage: plimsoll calldata --proof <proof.json> [--json]

Prints the proof as the generated verifier's verifyProof(a, b, c, publicSignals) arguments.
  --proof  proof file
  --json   machine-readable output (default prints a Solidity-style argument list)`;

async function verify(opts: TraderOptions): Promise<number> {
  if (opts.proof === undefined) throw new UsageError("--proof is required");
  const parsed = readProofFile(opts.proof);
  const vkey = readVerificationKey(opts.vkey ?? artifacts.vkey(parsed.file.circuit));
  const result = await verifyProof(parsed, vkey);
  if (opts.json) console.log(pretty(result));
  else {
    console.log(`${result.valid ? "VALID" : "INVALID"} ${result.circuit} proof`);
    const c = result.claims;
    console.log(`  old commitment  ${c.oldCommitment}\n  new commitment  ${c.newCommitment}\n  weights hash    ${c.weightsHash}\n  requirement     ${c.requirement} (1e-30 USD)\n  delta           slot ${c.delta.index}: ${c.delta.amount}`);
  }
  return result.valid ? 0 : 1;
}

async function calldata(opts: TraderOptions): Promise<number> {
  if (opts.proof === undefined) throw new UsageError("--proof is required");
  const { solidity, signals } = readProofFile(opts.proof);
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
