/**
 * The proof file format written by `plimsoll prove` and read by `plimsoll verify` / `calldata`.
 */
import { readFileSync } from "node:fs";
import { parsePublicSignals, packProof, type SnarkjsProof, type SolidityProof } from "../../prover/src/index.js";

/** Circuits whose proofs the tools understand, with their number of public signals. */
export const CIRCUITS = {
  account_update: { nPublic: 6, publicNames: ["oldCommitment", "newCommitment", "weightsHash", "statement", "challenge", "binding"] },
} as const;
export type CircuitName = keyof typeof CIRCUITS;

/** A proof as stored on disk. */
export interface ProofFile {
  circuit: CircuitName;
  proof: SnarkjsProof;
  publicSignals: string[];
  /** Free-form context written by the prover (epoch, action, timings). */
  meta?: Record<string, unknown>;
}

/** A proof file after validation: the packed proof and the signals as field elements. */
export interface ParsedProof {
  file: ProofFile;
  solidity: SolidityProof;
  signals: bigint[];
}

/** Validates an already-parsed JSON value as a proof file; errors name the field. */
export function parseProofFile(value: unknown, source = "proof"): ParsedProof {
  if (value === null || typeof value !== "object") throw new TypeError(`${source} is not a JSON object`);
  const v = value as Record<string, unknown>;
  if (typeof v.circuit !== "string" || !(v.circuit in CIRCUITS)) {
    throw new TypeError(`${source}.circuit must be one of ${Object.keys(CIRCUITS).join(", ")}, got ${JSON.stringify(v.circuit)}`);
  }
  const circuit = v.circuit as CircuitName;
  let solidity: SolidityProof;
  try {
    solidity = packProof(v.proof as SnarkjsProof);
  } catch (err) {
    throw new TypeError(`${source}: ${(err as Error).message}`);
  }
  let signals: bigint[];
  try {
    signals = parsePublicSignals(v.publicSignals as unknown[], CIRCUITS[circuit].nPublic);
  } catch (err) {
    throw new TypeError(`${source}: ${(err as Error).message}`);
  }
  return { file: v as unknown as ProofFile, solidity, signals };
}

/** Reads and validates a proof file from disk. */
export function readProofFile(path: string): ParsedProof {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new Error(`proof file ${path} cannot be read`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new SyntaxError(`proof file ${path} is not valid JSON`);
  }
  return parseProofFile(json, path);
}
