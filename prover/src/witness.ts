/**
 * Circuit inputs for the account-update statement (circuits/src/account_update.circom),
 * built from typed arguments and validated at the boundary so that a bad value is
 * reported by name here, not as an "Assert Failed" deep inside the witness calculator.
 */
import {
  AMOUNT_BITS,
  AMOUNT_LIMIT,
  FIELD_MODULUS,
  N_ASSETS,
  OWNER_BITS,
  ADDRESS_LIMIT as OWNER_LIMIT,
  REQUIREMENT_BITS,
  REQUIREMENT_LIMIT,
  WEIGHT_BITS,
  WEIGHT_LIMIT,
} from "./constants.js";
import { accountCommitment, type BasketDelta, packStatement, weightsHash } from "./encoding.js";
import type { SyncPoseidon } from "./poseidon.js";
import { bounded, integer, slotIndex, vector, WitnessInputError } from "./validate.js";

/** What the trader knows and what the contract will check, for one account update. */
export interface AccountUpdateArgs {
  /** Account owner: Ethereum address as an integer, in [0, 2^160). */
  owner: bigint;
  /** Basket before the update: N_ASSETS token base-unit amounts, each in [0, 2^96). */
  oldAmounts: readonly bigint[];
  /** Blinding of the stored (old) commitment: a field element. */
  oldBlinding: bigint;
  /** Blinding of the new commitment: a fresh, uniformly random field element. */
  newBlinding: bigint;
  /** The epoch's weights (value units of 1e-30 USD per token base unit): N_ASSETS entries, each in [0, 2^128). */
  weights: readonly bigint[];
  /** Margin requirement in value units, in [0, 2^150). The contract derives it; it must not exceed the new basket's value. */
  requirement: bigint;
  /** The public change to one slot (deposit > 0, withdrawal < 0). */
  delta: BasketDelta;
  /**
   * A private change to one slot, applied after `delta` (a note absorbed > 0 or emitted < 0; the
   * circuit computes it from the note's private slot and amount). Absent in a plain update. The
   * statement carries `delta` only.
   */
  privateChange?: BasketDelta;
}

/** The circuit input of AccountUpdate(N_ASSETS), every value a decimal string. */
export type AccountUpdateInput = {
  oldCommitment: string;
  newCommitment: string;
  weightsHash: string;
  statement: string;
  owner: string;
  oldBlinding: string;
  newBlinding: string;
  amounts: string[];
  weights: string[];
};

/** The public inputs of the account-update proof, by name. */
export interface AccountUpdatePublicSignals {
  oldCommitment: bigint;
  newCommitment: bigint;
  weightsHash: bigint;
  statement: bigint;
}

export interface AccountUpdateWitness {
  /** Ready for the witness calculator / snarkjs `fullProve`. */
  input: AccountUpdateInput;
  /** Public inputs the proof will carry. */
  publicSignals: AccountUpdatePublicSignals;
  /** Public inputs in the verifier's order: oldCommitment, newCommitment, weightsHash, statement. */
  publicSignalList: [bigint, bigint, bigint, bigint];
  /** Basket after the update (the new opening together with `newBlinding` and `owner`). */
  newAmounts: bigint[];
  /** Margin value of the new basket, sum(newAmounts[i] * weights[i]), in value units. */
  value: bigint;
}

function checkDelta(delta: unknown, field: string): BasketDelta {
  if (typeof delta !== "object" || delta === null) throw new WitnessInputError(field, "is not an object");
  const { index: rawIndex, amount: rawAmount } = delta as { index: unknown; amount: unknown };
  const index = slotIndex(rawIndex, `${field}.index`);
  const amount = integer(rawAmount, `${field}.amount`);
  if ((amount < 0n ? -amount : amount) >= AMOUNT_LIMIT) throw new WitnessInputError(`${field}.amount`, `is ${amount}, not below 2^${AMOUNT_BITS} in magnitude`);
  return { index, amount };
}

/** amounts[index] += amount, refusing a result outside [0, 2^96) with an error naming `field`. */
function applyChecked(amounts: bigint[], index: number, amount: bigint, field: string): void {
  const before = amounts[index]!;
  const changed = before + amount;
  if (changed < 0n) throw new WitnessInputError(field, `makes amounts[${index}] negative (${before} ${amount < 0n ? "-" : "+"} ${amount < 0n ? -amount : amount})`);
  if (changed >= AMOUNT_LIMIT) throw new WitnessInputError(field, `makes amounts[${index}] reach 2^${AMOUNT_BITS} (${changed})`);
  amounts[index] = changed;
}

/**
 * Validates `args` and returns the circuit input of the account-update circuit
 * and the public signals it implies (commitments, weights hash and packed
 * statement computed with prover/src/encoding.ts).
 *
 * @param poseidon a synchronous Poseidon, from `await initPoseidon()` (first,
 *   as in encoding.ts).
 * @param args the opening of the old commitment, the new blinding, the epoch's
 *   weights, the requirement and the delta.
 * @throws WitnessInputError naming the field and the reason when an argument is
 *   malformed or out of range, when the delta would make an amount negative or
 *   reach 2^96, or when the new basket does not cover the requirement.
 */
export function buildAccountUpdateInput(poseidon: SyncPoseidon, args: AccountUpdateArgs): AccountUpdateWitness {
  if (typeof args !== "object" || args === null) throw new WitnessInputError("args", "is not an object");
  const owner = bounded(args.owner, "owner", OWNER_LIMIT, `2^${OWNER_BITS}`);
  const oldAmounts = vector(args.oldAmounts, "oldAmounts", AMOUNT_LIMIT, `2^${AMOUNT_BITS}`);
  const oldBlinding = bounded(args.oldBlinding, "oldBlinding", FIELD_MODULUS, "the field modulus");
  const newBlinding = bounded(args.newBlinding, "newBlinding", FIELD_MODULUS, "the field modulus");
  const weights = vector(args.weights, "weights", WEIGHT_LIMIT, `2^${WEIGHT_BITS}`);
  const requirement = bounded(args.requirement, "requirement", REQUIREMENT_LIMIT, `2^${REQUIREMENT_BITS}`);

  const { index, amount } = checkDelta(args.delta, "delta");
  const newAmounts = [...oldAmounts];
  applyChecked(newAmounts, index, amount, "delta");
  if (args.privateChange !== undefined) {
    const c = checkDelta(args.privateChange, "privateChange");
    applyChecked(newAmounts, c.index, c.amount, "privateChange");
  }

  let value = 0n;
  for (let i = 0; i < N_ASSETS; i++) value += newAmounts[i]! * weights[i]!;
  if (value < requirement) throw new WitnessInputError("requirement", `is ${requirement}, above the new basket's margin value ${value}`);

  const publicSignals: AccountUpdatePublicSignals = {
    oldCommitment: accountCommitment(poseidon, oldAmounts, oldBlinding, owner),
    newCommitment: accountCommitment(poseidon, newAmounts, newBlinding, owner),
    weightsHash: weightsHash(poseidon, weights),
    statement: packStatement(requirement, { index, amount }),
  };
  const s = (x: bigint): string => x.toString(10);
  return {
    input: {
      oldCommitment: s(publicSignals.oldCommitment),
      newCommitment: s(publicSignals.newCommitment),
      weightsHash: s(publicSignals.weightsHash),
      statement: s(publicSignals.statement),
      owner: s(owner),
      oldBlinding: s(oldBlinding),
      newBlinding: s(newBlinding),
      amounts: oldAmounts.map(s),
      weights: weights.map(s),
    },
    publicSignals,
    publicSignalList: [publicSignals.oldCommitment, publicSignals.newCommitment, publicSignals.weightsHash, publicSignals.statement],
    newAmounts,
    value,
  };
}
