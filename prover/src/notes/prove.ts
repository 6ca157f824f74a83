/**
 * Proving the note circuits with the project's warm child-process prover (prover/src/prover.ts), and
 * the calldata shapes of the pool (contracts/notes/IShieldedPool.sol).
 */
import { artifacts } from "../artifacts.js";
import { packProof, type SolidityProof } from "../calldata.js";
import type { Prover } from "../prover.js";
import { BATCH_INSERT_CIRCUIT, JOIN_SPLIT_CIRCUIT } from "./constants.js";
import type { EncryptedNote } from "./encryption.js";
import type { BatchInsertPlan, JoinSplitPlan } from "./witness.js";

/** The pool's `Proof` struct. */
export interface PoolProof {
  a: [bigint, bigint];
  b: [[bigint, bigint], [bigint, bigint]];
  c: [bigint, bigint];
}

/** The pool's `Spend` struct. */
export interface PoolSpend {
  root: bigint;
  nullifiers: [bigint, bigint];
  commitments: [bigint, bigint];
}

/** A proof and how long it took. */
export interface ProvedCall {
  proof: PoolProof;
  publicSignals: bigint[];
  ms: number;
}

function toPool(p: SolidityProof): PoolProof {
  return { a: p.a, b: p.b, c: p.c };
}

/** Proves a join-split plan; checks the circuit's public signals are the ones planned. */
export async function proveJoinSplit(prover: Prover, plan: JoinSplitPlan): Promise<ProvedCall> {
  const t = Date.now();
  const out = await prover.prove(artifacts.circuit(JOIN_SPLIT_CIRCUIT), plan.input);
  const s = plan.publicSignals;
  const expected = [s.root, s.publicValue, s.extDataHash, ...s.nullifiers, ...s.commitments];
  const got = out.publicSignals.map(BigInt);
  if (got.length !== expected.length || got.some((x, i) => x !== expected[i])) throw new Error("join-split public signals differ from the plan");
  return { proof: toPool(packProof(out.proof)), publicSignals: got, ms: Date.now() - t };
}

/** Proves a batch insertion plan. */
export async function proveBatchInsert(prover: Prover, plan: BatchInsertPlan): Promise<ProvedCall> {
  const t = Date.now();
  const out = await prover.prove(artifacts.circuit(BATCH_INSERT_CIRCUIT), plan.input);
  const got = out.publicSignals.map(BigInt);
  if (got[0] !== plan.oldRoot || got[1] !== plan.newRoot || got[2] !== plan.chain) throw new Error("batch public signals differ from the plan");
  return { proof: toPool(packProof(out.proof)), publicSignals: got, ms: Date.now() - t };
}

/** The `Spend` struct of a plan. */
export function spendOf(plan: JoinSplitPlan): PoolSpend {
  const s = plan.publicSignals;
  return { root: s.root, nullifiers: s.nullifiers, commitments: s.commitments };
}

/** The `EncryptedNote` struct tuple. */
export function encryptedStruct(e: EncryptedNote): { ephemeralKey: [bigint, bigint]; ciphertext: [bigint, bigint] } {
  return { ephemeralKey: [e.ephemeralKey[0], e.ephemeralKey[1]], ciphertext: [e.ciphertext[0], e.ciphertext[1]] };
}
