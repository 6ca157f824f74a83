/** Types of groth16Warm.mjs (plain JavaScript, loaded by proveWorker.mjs). */
import type { SnarkjsProof } from "./calldata.js";

/** A key the warm prover does not handle; the caller falls back to snarkjs.groth16.prove. */
export class UnsupportedKeyError extends Error {}

/** A parsed Groth16 proving key: views of the zkey's bytes, kept for every later proof. */
export interface WarmKey {
  readonly r: bigint;
  readonly nVars: number;
  readonly nPublic: number;
  readonly domainSize: number;
  readonly power: number;
}

/** How many zkeys this process has parsed. */
export function keyParseCount(): number;
/** The key in `zkeyBytes`, parsed on the first call for these bytes (the same Uint8Array) and reused. */
export function loadKey(zkeyBytes: Uint8Array): Promise<WarmKey>;
/** The witness section of a .wtns file, checked against the key (curve, length). */
export function readWitness(key: WarmKey, wtnsBytes: Uint8Array): Uint8Array;
/** A.w, B.w, C = A.w * B.w over the domain, Montgomery form, as snarkjs buildABC1 returns them. */
export function buildABC(curve: unknown, key: WarmKey, witness: Uint8Array): Promise<[Uint8Array, Uint8Array, Uint8Array]>;
/** A Groth16 proof in snarkjs.groth16.prove's format. */
export function groth16ProveWarm(
  zkeyBytes: Uint8Array,
  wtnsBytes: Uint8Array,
  options?: { singleThread?: boolean },
): Promise<{ proof: SnarkjsProof; publicSignals: string[] }>;
