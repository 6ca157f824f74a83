/**
 * Off-chain verification of Plimsoll proofs against an exported verification key.
 */
import { readFileSync } from "node:fs";
import { loadSnarkjs, unpackStatement } from "../../prover/src/index.js";
import { CIRCUITS, type ParsedProof } from "./proofFile.js";

/** What a verified account-update proof says, decoded from its public signals. */
export interface AccountUpdateClaims {
  oldCommitment: bigint;
  newCommitment: bigint;
  weightsHash: bigint;
  requirement: bigint;
  delta: { index: number; amount: bigint };
  /** The challenge and binding that tie the keeper ciphertext to the proof. */
  challenge: bigint;
  binding: bigint;
}

/** Result of an off-chain verification. */
export interface VerifyResult {
  valid: boolean;
  circuit: string;
  claims: AccountUpdateClaims;
}

/** Loads a snarkjs verification key, with an error that names the file. */
export function readVerificationKey(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    throw new Error(`verification key ${path} is missing or not JSON: run \`npm run build\` or pass --vkey`);
  }
}

/** Decodes the six public signals of an account-update proof. */
export function accountUpdateClaims(signals: readonly bigint[]): AccountUpdateClaims {
  const [oldCommitment, newCommitment, weightsHash, statement, challenge, binding] = signals as [bigint, bigint, bigint, bigint, bigint, bigint];
  const { requirement, delta } = unpackStatement(statement);
  return { oldCommitment, newCommitment, weightsHash, requirement, delta, challenge, binding };
}

/** Verifies a parsed proof with snarkjs; never throws for an invalid proof, only for bad input. */
export async function verifyProof(parsed: ParsedProof, vkey: unknown): Promise<VerifyResult> {
  const { file, signals } = parsed;
  if (CIRCUITS[file.circuit] === undefined) throw new Error(`unknown circuit ${file.circuit}`);
  const snarkjs = await loadSnarkjs();
  const valid = await snarkjs.groth16.verify(vkey, file.publicSignals, file.proof);
  return { valid, circuit: file.circuit, claims: accountUpdateClaims(signals) };
}
