/**
 * The bit-exact formats shared by circuits, contracts and TypeScript:
 * basket hash, account commitment, weight-vector hash and the packed statement.
 */
import {
  AMOUNT_BITS,
  AMOUNT_LIMIT,
  FIELD_MODULUS,
  N_ASSETS,
  REQUIREMENT_BITS,
  REQUIREMENT_LIMIT,
  STATEMENT_LAYOUT,
} from "./constants.js";
import type { SyncPoseidon } from "./poseidon.js";

/** Packs two 96-bit amounts into one field element: `lo + hi * 2^96`. */
export function packAmountPair(lo: bigint, hi: bigint): bigint {
  return lo + (hi << BigInt(AMOUNT_BITS));
}

/**
 * basketHash = Poseidon(N/2)(a0 + a1·2^96, a2 + a3·2^96, ...).
 * NOTE: amounts must already be validated (0 <= a < 2^96).
 */
export function basketHash(h: SyncPoseidon, amounts: readonly bigint[]): bigint {
  if (amounts.length !== N_ASSETS) throw new Error(`basket has ${amounts.length} slots, expected ${N_ASSETS}`);
  const packed: bigint[] = [];
  for (let i = 0; i < amounts.length; i += 2) packed.push(packAmountPair(amounts[i]!, amounts[i + 1]!));
  return h(packed);
}

/** Account commitment C = Poseidon(basketHash, blinding, owner). */
export function accountCommitment(
  h: SyncPoseidon,
  amounts: readonly bigint[],
  blinding: bigint,
  owner: bigint,
): bigint {
  return h([basketHash(h, amounts), blinding, owner]);
}

/**
 * weightsHash = Poseidon4(Poseidon4(w0..w3), Poseidon4(w4..w7), Poseidon4(w8..w11), Poseidon4(w12..w15)).
 * The oracle computes the same on-chain once per epoch.
 */
export function weightsHash(h: SyncPoseidon, weights: readonly bigint[]): bigint {
  if (weights.length !== N_ASSETS) throw new Error(`weight vector has ${weights.length} entries, expected ${N_ASSETS}`);
  const groups: bigint[] = [];
  for (let i = 0; i < weights.length; i += 4) groups.push(h(weights.slice(i, i + 4)));
  return h(groups);
}

/** A change of one basket slot: `amount` base units added (or removed when negative) at `index`. */
export interface BasketDelta {
  /** Asset slot, 0 <= index < N_ASSETS. */
  index: number;
  /** Signed change in base units, |amount| < 2^96. */
  amount: bigint;
}

export const NO_DELTA: BasketDelta = Object.freeze({ index: 0, amount: 0n });

/**
 * Packs the requirement and the delta into the single public `statement` input:
 * requirement | magnitude << 150 | sign << 246 | index << 247.
 */
export function packStatement(requirement: bigint, delta: BasketDelta): bigint {
  if (requirement < 0n || requirement >= REQUIREMENT_LIMIT) throw new RangeError(`requirement ${requirement} is outside [0, 2^${REQUIREMENT_BITS})`);
  if (!Number.isInteger(delta.index) || delta.index < 0 || delta.index >= N_ASSETS) throw new RangeError(`delta.index ${delta.index} is not an asset slot`);
  const magnitude = delta.amount < 0n ? -delta.amount : delta.amount;
  if (magnitude >= AMOUNT_LIMIT) throw new RangeError(`delta.amount ${delta.amount} exceeds 2^${AMOUNT_BITS} in magnitude`);
  const sign = delta.amount < 0n ? 1n : 0n;
  const L = STATEMENT_LAYOUT;
  return (requirement << L.requirementShift) | (magnitude << L.magnitudeShift) | (sign << L.signShift) | (BigInt(delta.index) << L.indexShift);
}

/** Inverse of `packStatement`. */
export function unpackStatement(statement: bigint): { requirement: bigint; delta: BasketDelta } {
  const L = STATEMENT_LAYOUT;
  const mask = (bits: bigint): bigint => (1n << bits) - 1n;
  if (statement < 0n || statement >= 1n << BigInt(L.totalBits)) throw new RangeError("statement is outside its 251-bit layout");
  const requirement = statement & mask(150n);
  const magnitude = (statement >> L.magnitudeShift) & mask(96n);
  const sign = (statement >> L.signShift) & 1n;
  const index = Number((statement >> L.indexShift) & mask(L.indexBits));
  return { requirement, delta: { index, amount: sign === 1n ? -magnitude : magnitude } };
}

/** Reduces a signed amount into the field (negative values become p - |x|). */
export function toField(x: bigint): bigint {
  return ((x % FIELD_MODULUS) + FIELD_MODULUS) % FIELD_MODULUS;
}
