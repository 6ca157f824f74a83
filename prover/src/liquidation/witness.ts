/**
 * Circuit inputs for the insolvency statement (circuits/src/insolvency.circom) and the remainder
 * opening an owner recomputes after a liquidation, validated at the boundary: a bad value is
 * reported here by name, not as an "Assert Failed" inside the witness calculator.
 */
import type { AccountOpening } from "../account.js";
import {
  ADDRESS_BITS,
  ADDRESS_LIMIT,
  AMOUNT_BITS,
  AMOUNT_LIMIT,
  FIELD_MODULUS,
  N_ASSETS,
  OWNER_BITS,
  REQUIREMENT_BITS,
  REQUIREMENT_LIMIT,
  WEIGHT_BITS,
  WEIGHT_LIMIT,
} from "../constants.js";
import { accountCommitment, weightsHash } from "../encoding.js";
import type { SyncPoseidon } from "../poseidon.js";
import { bounded, slotIndex, vector, WitnessInputError } from "../validate.js";

// ------------------------------------------------------------------------------------------------
// Constants (twins of the functions of the same names in circuits/src/insolvency.circom)

/** Domain of the remainder blinding: ASCII "plimsoll.liq" as a big-endian integer. */
export const LIQ_DOMAIN = 0x706c696d736f6c6c2e6c6971n;
/**
 * Packed insolvency statement: requirement (bits 0..149) | indexA << 150 | indexB << 154 |
 * liquidatorTag << 158, the tag being the low 95 bits of the liquidator's address.
 */
export const INSOLVENCY_STATEMENT_LAYOUT = {
  indexAShift: 150n,
  indexBShift: 154n,
  indexBits: 4n,
  tagShift: 158n,
  tagBits: 95n,
  totalBits: 253,
} as const;
/** Packed seized amounts: amountA (bits 0..95) | amountB << 96. */
export const SEIZED_BITS = 192;
/**
 * Packed `restore`: target (bits 0..149) | |delta| << 150 | (delta < 0) << 246 (< 2^247): the target
 * requirement of what stays open and the signed change of slot indexB (a partial liquidation's
 * realised PnL plus the liquidator's payment, in settlement-token base units).
 */
export const RESTORE_LAYOUT = { deltaShift: 150n, signShift: 246n, totalBits: 247 } as const;
/** The `cap` that bounds nothing (a full close, a frozen account's seizure): 2^150 - 1. */
export const NO_CAP = REQUIREMENT_LIMIT - 1n;
/** The liquidator is an Ethereum address. */
export const LIQUIDATOR_BITS = ADDRESS_BITS;
/** At most this many assets are seized by one liquidation. */
export const MAX_SEIZURES = 2;

const OWNER_LIMIT = ADDRESS_LIMIT;
const LIQUIDATOR_LIMIT = ADDRESS_LIMIT;
const mask = (bits: bigint): bigint => (1n << bits) - 1n;

// ------------------------------------------------------------------------------------------------
// Types

/** What the liquidator takes from one basket slot. */
export interface Seizure {
  /** Asset slot, 0 <= index < N_ASSETS. */
  index: number;
  /** Base units taken, in [0, amounts[index]]. */
  amount: bigint;
}

/** What the liquidator knows (the opening, decrypted by its keeper) and what the contract checks. */
export interface InsolvencyArgs {
  /** The opening of the account's stored commitment. */
  opening: AccountOpening;
  /** The current epoch's maintenance weights: N_ASSETS entries, each in [0, 2^128). */
  weights: readonly bigint[];
  /** Maintenance requirement in value units, in [0, 2^150), as the contract computes it. Must exceed the basket's value. */
  requirement: bigint;
  /** Up to two seizures from distinct slots (a second one at the same slot must be of 0). */
  seizures: readonly Seizure[];
  /** The liquidator's address (msg.sender of the liquidation), in [0, 2^160). */
  liquidator: bigint;
  /**
   * A partial liquidation's bounds (default: none, a full close): the remainder, after the seizures
   * and `delta` added to the second seizure's slot (the settlement slot), must be worth at least
   * `target` and less than `cap` (both in [0, 2^150), as the contract computes them).
   */
  restore?: { target: bigint; delta: bigint; cap: bigint };
}

/** The circuit input of Insolvency(N_ASSETS), every value a decimal string. */
export type InsolvencyInput = {
  commitment: string;
  weightsHash: string;
  statement: string;
  seized: string;
  remainderCommitment: string;
  restore: string;
  cap: string;
  owner: string;
  blinding: string;
  amounts: string[];
  weights: string[];
};

/** The public inputs of the insolvency proof, by name. */
export interface InsolvencyPublicSignals {
  commitment: bigint;
  weightsHash: bigint;
  statement: bigint;
  seized: bigint;
  remainderCommitment: bigint;
  restore: bigint;
  cap: bigint;
}

export interface InsolvencyWitness {
  /** Ready for the witness calculator / snarkjs `fullProve`. */
  input: InsolvencyInput;
  /** Public inputs the proof will carry. */
  publicSignals: InsolvencyPublicSignals;
  /** Public inputs in the verifier's order: commitment, weightsHash, statement, seized, remainderCommitment, restore, cap. */
  publicSignalList: [bigint, bigint, bigint, bigint, bigint, bigint, bigint];
  /** The opening of `remainderCommitment` (what the owner recomputes with `remainderOpening`). */
  remainder: AccountOpening;
  /** Margin value of the basket, sum(amounts[i] * weights[i]), in value units (below the requirement). */
  value: bigint;
}

/** The basket's value is not below the requirement: such an account cannot be liquidated. */
export class SolventAccountError extends WitnessInputError {
  override name = "SolventAccountError";
  constructor(
    /** The basket's margin value. */
    readonly value: bigint,
    /** The requirement it meets. */
    readonly requirement: bigint,
  ) {
    super("requirement", `is ${requirement}, not above the basket's value ${value}`);
    this.message = `the account is solvent: value ${value} >= requirement ${requirement}`;
  }
}

// ------------------------------------------------------------------------------------------------
// Validation helpers

function checkOpening(value: unknown, field: string): AccountOpening {
  if (typeof value !== "object" || value === null) throw new WitnessInputError(field, "is not an object");
  const o = value as Partial<AccountOpening>;
  return {
    owner: bounded(o.owner, `${field}.owner`, OWNER_LIMIT, `2^${OWNER_BITS}`),
    amounts: vector(o.amounts, `${field}.amounts`, AMOUNT_LIMIT, `2^${AMOUNT_BITS}`),
    blinding: bounded(o.blinding, `${field}.blinding`, FIELD_MODULUS, "the field modulus"),
  };
}

/**
 * Validates the seizures against the basket and returns them as the circuit's (A, B) pair; absent
 * seizures are (slot 0, amount 0).
 */
function checkSeizures(value: unknown, amounts: readonly bigint[]): [Seizure, Seizure] {
  if (!Array.isArray(value)) throw new WitnessInputError("seizures", "is not an array");
  if (value.length > MAX_SEIZURES) throw new WitnessInputError("seizures", `has ${value.length} entries, at most ${MAX_SEIZURES} assets are seized per liquidation`);
  const out: Seizure[] = value.map((s: unknown, i) => {
    const field = `seizures[${i}]`;
    if (typeof s !== "object" || s === null) throw new WitnessInputError(field, "is not an object");
    const { index: rawIndex, amount: rawAmount } = s as { index: unknown; amount: unknown };
    const index = slotIndex(rawIndex, `${field}.index`);
    const amount = bounded(rawAmount, `${field}.amount`, AMOUNT_LIMIT, `2^${AMOUNT_BITS}`);
    if (amount > amounts[index]!) throw new WitnessInputError(`${field}.amount`, `is ${amount}, more than the ${amounts[index]} held in slot ${index}`);
    return { index, amount };
  });
  if (out.length === 2 && out[0]!.index === out[1]!.index && out[1]!.amount > 0n) {
    throw new WitnessInputError("seizures[1].index", `is ${out[1]!.index}, the slot of seizures[0]: seize one slot once (with the sum), or two distinct slots`);
  }
  while (out.length < 2) out.push({ index: 0, amount: 0n });
  return [out[0]!, out[1]!];
}

// ------------------------------------------------------------------------------------------------
// Packing

/** The liquidator tag: the low 95 bits of its address. */
export function liquidatorTag(liquidator: bigint): bigint {
  return liquidator & mask(INSOLVENCY_STATEMENT_LAYOUT.tagBits);
}

/** statement = requirement | indexA << 150 | indexB << 154 | liquidatorTag(liquidator) << 158 (< 2^253). */
export function packInsolvencyStatement(requirement: bigint, indexA: number, indexB: number, liquidator = 0n): bigint {
  const L = INSOLVENCY_STATEMENT_LAYOUT;
  bounded(requirement, "requirement", REQUIREMENT_LIMIT, `2^${REQUIREMENT_BITS}`);
  for (const [field, index] of [["indexA", indexA], ["indexB", indexB]] as const) {
    if (!Number.isInteger(index) || index < 0 || index >= N_ASSETS) throw new WitnessInputError(field, `is ${index}, not an asset slot in [0, ${N_ASSETS})`);
  }
  bounded(liquidator, "liquidator", LIQUIDATOR_LIMIT, `2^${LIQUIDATOR_BITS}`);
  return requirement | (BigInt(indexA) << L.indexAShift) | (BigInt(indexB) << L.indexBShift) | (liquidatorTag(liquidator) << L.tagShift);
}

/** Inverse of `packInsolvencyStatement`. */
export function unpackInsolvencyStatement(statement: bigint): { requirement: bigint; indexA: number; indexB: number; liquidatorTag: bigint } {
  const L = INSOLVENCY_STATEMENT_LAYOUT;
  bounded(statement, "statement", 1n << BigInt(L.totalBits), `2^${L.totalBits}`);
  return {
    requirement: statement & mask(BigInt(REQUIREMENT_BITS)),
    indexA: Number((statement >> L.indexAShift) & mask(L.indexBits)),
    indexB: Number((statement >> L.indexBShift) & mask(L.indexBits)),
    liquidatorTag: statement >> L.tagShift,
  };
}

/** seized = amountA | amountB << 96 (< 2^192). */
export function packSeized(amountA: bigint, amountB: bigint): bigint {
  bounded(amountA, "amountA", AMOUNT_LIMIT, `2^${AMOUNT_BITS}`);
  bounded(amountB, "amountB", AMOUNT_LIMIT, `2^${AMOUNT_BITS}`);
  return amountA | (amountB << BigInt(AMOUNT_BITS));
}

/** Inverse of `packSeized`. */
export function unpackSeized(seized: bigint): { amountA: bigint; amountB: bigint } {
  bounded(seized, "seized", 1n << BigInt(SEIZED_BITS), `2^${SEIZED_BITS}`);
  return { amountA: seized & mask(BigInt(AMOUNT_BITS)), amountB: seized >> BigInt(AMOUNT_BITS) };
}

/** The seizures a liquidation's public `statement` and `seized` describe (zero amounts dropped). */
export function seizuresOf(statement: bigint, seized: bigint): Seizure[] {
  const { indexA, indexB } = unpackInsolvencyStatement(statement);
  const { amountA, amountB } = unpackSeized(seized);
  const out: Seizure[] = [];
  if (amountA > 0n) out.push({ index: indexA, amount: amountA });
  if (amountB > 0n) out.push({ index: indexB, amount: amountB });
  return out;
}

/** restore = target | |delta| << 150 | (delta < 0) << 246 (< 2^247). */
export function packRestore(target: bigint, delta: bigint): bigint {
  const L = RESTORE_LAYOUT;
  bounded(target, "restore.target", REQUIREMENT_LIMIT, `2^${REQUIREMENT_BITS}`);
  const magnitude = delta < 0n ? -delta : delta;
  if (typeof delta !== "bigint" || magnitude >= AMOUNT_LIMIT) throw new WitnessInputError("restore.delta", `is ${delta}, not of magnitude below 2^${AMOUNT_BITS}`);
  return target | (magnitude << L.deltaShift) | ((delta < 0n ? 1n : 0n) << L.signShift);
}

/** Inverse of `packRestore`. */
export function unpackRestore(restore: bigint): { target: bigint; delta: bigint } {
  const L = RESTORE_LAYOUT;
  bounded(restore, "restore", 1n << BigInt(L.totalBits), `2^${L.totalBits}`);
  const magnitude = (restore >> L.deltaShift) & mask(BigInt(AMOUNT_BITS));
  return { target: restore & mask(BigInt(REQUIREMENT_BITS)), delta: restore >> L.signShift ? -magnitude : magnitude };
}

// ------------------------------------------------------------------------------------------------
// The remainder

/** Blinding of the remainder commitment: Poseidon(blinding, LIQ_DOMAIN). */
export function remainderBlinding(h: SyncPoseidon, blinding: bigint): bigint {
  return h([blinding, LIQ_DOMAIN]);
}

/**
 * The opening of the remainder commitment a liquidation stores: the old basket less the seized
 * amounts, under the blinding derived from the old one, for the same owner. The owner computes it
 * from its old opening and the liquidation's public seized amounts (`seizuresOf(statement,
 * seized)`), with no message from anyone.
 *
 * @throws WitnessInputError naming the field when the opening is malformed or a seizure exceeds
 *   what its slot holds.
 */
export function remainderOpening(h: SyncPoseidon, opening: AccountOpening, seizures: readonly Seizure[], delta = 0n): AccountOpening {
  const o = checkOpening(opening, "opening");
  const [a, b] = checkSeizures(seizures, o.amounts);
  if (delta !== 0n && (seizures.length !== 2 || a.index === b.index)) {
    throw new WitnessInputError("restore.delta", `is ${delta}: a delta moves the second seizure's slot (the settlement slot), so give two seizures of distinct slots`);
  }
  const amounts = [...o.amounts];
  amounts[a.index] = amounts[a.index]! - a.amount;
  amounts[b.index] = amounts[b.index]! - b.amount + delta;
  if (amounts[b.index]! < 0n || amounts[b.index]! >= AMOUNT_LIMIT) {
    throw new WitnessInputError("restore.delta", `is ${delta}: slot ${b.index} would hold ${amounts[b.index]}, outside [0, 2^${AMOUNT_BITS})`);
  }
  return { owner: o.owner, amounts, blinding: remainderBlinding(h, o.blinding) };
}

// ------------------------------------------------------------------------------------------------
// The witness

/**
 * Validates `args` and returns the circuit input of the insolvency circuit, its public signals and
 * the remainder opening.
 *
 * @param h a synchronous Poseidon, from `await initPoseidon()`.
 * @throws SolventAccountError ("the account is solvent: value X >= requirement Y") when the basket
 *   covers the requirement: no proof exists.
 * @throws WitnessInputError naming the field and the reason when an argument is malformed or out of
 *   range, or a seizure takes more than its slot holds or repeats a slot.
 */
export function buildInsolvencyInput(h: SyncPoseidon, args: InsolvencyArgs): InsolvencyWitness {
  if (typeof args !== "object" || args === null) throw new WitnessInputError("args", "is not an object");
  const opening = checkOpening(args.opening, "opening");
  const weights = vector(args.weights, "weights", WEIGHT_LIMIT, `2^${WEIGHT_BITS}`);
  const requirement = bounded(args.requirement, "requirement", REQUIREMENT_LIMIT, `2^${REQUIREMENT_BITS}`);
  const liquidator = bounded(args.liquidator, "liquidator", LIQUIDATOR_LIMIT, `2^${LIQUIDATOR_BITS}`);
  const [a, b] = checkSeizures(args.seizures, opening.amounts);

  let value = 0n;
  for (let i = 0; i < N_ASSETS; i++) value += opening.amounts[i]! * weights[i]!;
  if (value >= requirement) throw new SolventAccountError(value, requirement);

  const restore = args.restore ?? { target: 0n, delta: 0n, cap: NO_CAP };
  const cap = bounded(restore.cap, "restore.cap", REQUIREMENT_LIMIT, `2^${REQUIREMENT_BITS}`);
  const packedRestore = packRestore(restore.target, restore.delta);
  const remainder = remainderOpening(h, opening, args.seizures, restore.delta);
  const after = remainder.amounts.reduce((sum, x, i) => sum + x * weights[i]!, 0n);
  if (after < restore.target) throw new WitnessInputError("restore.target", `is ${restore.target}, above the remainder's value ${after}: the liquidation does not restore the account`);
  if (after >= cap) throw new WitnessInputError("restore.cap", `is ${cap}, not above the remainder's value ${after}: the liquidation closes or seizes more than restoring needs`);
  const publicSignals: InsolvencyPublicSignals = {
    commitment: accountCommitment(h, opening.amounts, opening.blinding, opening.owner),
    weightsHash: weightsHash(h, weights),
    statement: packInsolvencyStatement(requirement, a.index, b.index, liquidator),
    seized: packSeized(a.amount, b.amount),
    remainderCommitment: accountCommitment(h, remainder.amounts, remainder.blinding, remainder.owner),
    restore: packedRestore,
    cap,
  };
  const s = (x: bigint): string => x.toString(10);
  return {
    input: {
      commitment: s(publicSignals.commitment),
      weightsHash: s(publicSignals.weightsHash),
      statement: s(publicSignals.statement),
      seized: s(publicSignals.seized),
      remainderCommitment: s(publicSignals.remainderCommitment),
      restore: s(publicSignals.restore),
      cap: s(publicSignals.cap),
      owner: s(opening.owner),
      blinding: s(opening.blinding),
      amounts: opening.amounts.map(s),
      weights: weights.map(s),
    },
    publicSignals,
    publicSignalList: [
      publicSignals.commitment,
      publicSignals.weightsHash,
      publicSignals.statement,
      publicSignals.seized,
      publicSignals.remainderCommitment,
      publicSignals.restore,
      publicSignals.cap,
    ],
    remainder,
    value,
  };
}
