/**
 * Input validation at the library's boundary: every witness builder, the keeper-note encryption
 * and the insolvency witness check their arguments with these helpers, so that a bad value is
 * reported by name (`oldAmounts[3] is negative`), never as an "Assert Failed" deep inside the
 * witness calculator. Every failure is a `WitnessInputError` naming the field.
 */
import { FIELD_MODULUS, N_ASSETS } from "./constants.js";

/** An argument of a witness builder is missing, malformed or out of range. `field` names it. */
export class WitnessInputError extends RangeError {
  override name = "WitnessInputError";
  constructor(
    /** The offending field, e.g. `oldAmounts[3]` or `delta.index`. */
    readonly field: string,
    /** What is wrong with it, e.g. `is negative`. */
    readonly reason: string,
  ) {
    super(`${field} ${reason}`);
  }
}

/** Reads an integer (bigint, or a safe-integer number) or throws naming the field. */
export function integer(value: unknown, field: string): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
  throw new WitnessInputError(field, `is not an integer (got ${typeof value === "number" ? value : typeof value})`);
}

/** Reads an integer in [0, limit) or throws naming the field and the bound. */
export function bounded(value: unknown, field: string, limit: bigint, limitText: string): bigint {
  const v = integer(value, field);
  if (v < 0n) throw new WitnessInputError(field, "is negative");
  if (v >= limit) throw new WitnessInputError(field, `is ${v}, not below ${limitText}`);
  return v;
}

/** Reads a vector of N_ASSETS bounded integers. */
export function vector(value: unknown, field: string, limit: bigint, limitText: string): bigint[] {
  if (!Array.isArray(value)) throw new WitnessInputError(field, "is not an array");
  if (value.length !== N_ASSETS) throw new WitnessInputError(field, `has ${value.length} entries, expected ${N_ASSETS}`);
  return value.map((v, i) => bounded(v, `${field}[${i}]`, limit, limitText));
}

/** Reads an asset slot index: an integer in [0, N_ASSETS). */
export function slotIndex(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isInteger(value)) throw new WitnessInputError(field, `is not an integer (got ${String(value)})`);
  if (value < 0 || value >= N_ASSETS) throw new WitnessInputError(field, `is ${value}, not an asset slot in [0, ${N_ASSETS})`);
  return value;
}

/** Reads a field element given as a bigint (no numbers: ciphertexts and keys are never small). */
export function fieldElement(value: unknown, field: string): bigint {
  if (typeof value !== "bigint") throw new WitnessInputError(field, `is not a bigint (got ${typeof value})`);
  if (value < 0n) throw new WitnessInputError(field, "is negative");
  if (value >= FIELD_MODULUS) throw new WitnessInputError(field, "is not below the field modulus");
  return value;
}

/** Reads a bigint field element below `limit`. */
export function boundedFieldElement(value: unknown, field: string, limit: bigint, limitText: string): bigint {
  const v = fieldElement(value, field);
  if (v >= limit) throw new WitnessInputError(field, `is ${v}, not below ${limitText}`);
  return v;
}

/** Reads a pair [x, y] of bigint field elements (a curve point's coordinates; not checked on the curve). */
export function fieldPair(value: unknown, field: string): readonly [bigint, bigint] {
  if (!Array.isArray(value) || value.length !== 2) throw new WitnessInputError(field, "is not a pair [x, y]");
  return [fieldElement(value[0], `${field}[0]`), fieldElement(value[1], `${field}[1]`)];
}
