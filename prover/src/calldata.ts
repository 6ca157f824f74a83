/**
 * The one place a snarkjs Groth16 proof is turned into the calldata layout of the generated
 * Solidity verifiers (and back). Used by the prover, the verifier CLI, the demo and the tests.
 */
import { FIELD_MODULUS } from "./constants.js";

/** A snarkjs Groth16 proof object (decimal strings, projective coordinates). */
export interface SnarkjsProof {
  pi_a: string[];
  pi_b: string[][];
  pi_c: string[];
  protocol?: string;
  curve?: string;
}

/** The proof as the verifier takes it: `verifyProof(a, b, c, pubSignals)`. */
export interface SolidityProof {
  a: [bigint, bigint];
  b: [[bigint, bigint], [bigint, bigint]];
  c: [bigint, bigint];
}

function coordinate(value: unknown, field: string): bigint {
  if (typeof value !== "string" || !/^[0-9]+$/.test(value)) throw new TypeError(`proof.${field} is not a decimal string`);
  const x = BigInt(value);
  // Base-field coordinates are below the BN254 base modulus, which exceeds the scalar modulus;
  // a looser bound here (2^254) only rejects obvious garbage, the verifier does the rest.
  if (x >= 1n << 254n) throw new RangeError(`proof.${field} is not a BN254 coordinate`);
  return x;
}

/**
 * Packs a snarkjs proof for the Solidity verifier. G2 coordinates are swapped into the
 * (imaginary, real) order the EVM pairing precompile expects.
 */
export function packProof(proof: SnarkjsProof): SolidityProof {
  if (proof === null || typeof proof !== "object") throw new TypeError("proof is not an object");
  const { pi_a: pa, pi_b: pb, pi_c: pc } = proof;
  if (!Array.isArray(pa) || pa.length < 2) throw new TypeError("proof.pi_a must have 2 coordinates");
  if (!Array.isArray(pc) || pc.length < 2) throw new TypeError("proof.pi_c must have 2 coordinates");
  if (!Array.isArray(pb) || pb.length < 2 || !Array.isArray(pb[0]) || !Array.isArray(pb[1]) || pb[0].length < 2 || pb[1].length < 2) {
    throw new TypeError("proof.pi_b must be two pairs of coordinates");
  }
  return {
    a: [coordinate(pa[0], "pi_a[0]"), coordinate(pa[1], "pi_a[1]")],
    b: [
      [coordinate(pb[0][1], "pi_b[0][1]"), coordinate(pb[0][0], "pi_b[0][0]")],
      [coordinate(pb[1][1], "pi_b[1][1]"), coordinate(pb[1][0], "pi_b[1][0]")],
    ],
    c: [coordinate(pc[0], "pi_c[0]"), coordinate(pc[1], "pi_c[1]")],
  };
}

/** Parses public signals (decimal strings) and checks each is a field element. */
export function parsePublicSignals(signals: readonly unknown[], expected: number): bigint[] {
  if (!Array.isArray(signals) || signals.length !== expected) {
    throw new TypeError(`publicSignals must have ${expected} entries, got ${Array.isArray(signals) ? signals.length : typeof signals}`);
  }
  return signals.map((s, i) => {
    if (typeof s !== "string" && typeof s !== "bigint") throw new TypeError(`publicSignals[${i}] is not a decimal string`);
    if (typeof s === "string" && !/^[0-9]+$/.test(s)) throw new TypeError(`publicSignals[${i}] is not a decimal string`);
    const x = BigInt(s);
    if (x >= FIELD_MODULUS) throw new RangeError(`publicSignals[${i}] is not below the field modulus`);
    return x;
  });
}

/** ABI-ready tuple for the engine's `Proof` struct. */
export function proofTuple(p: SolidityProof): [[bigint, bigint], [[bigint, bigint], [bigint, bigint]], [bigint, bigint]] {
  return [p.a, p.b, p.c];
}
