/**
 * sqrt, ln and exp in WAD fixed point, bit for bit the same as contracts/libraries/FixedPointMath.sol:
 * the same operations in the same order. BigInt's `/` truncates toward zero, as Solidity's does.
 */
import { WAD } from "../constants.js";

/** ln 2 in WAD, rounded down. */
export const LN2 = 693_147_180_559_945_309n;
const INV_SQRT2 = 707_106_781_186_547_524n;
const LN_TERMS = 12n;
const EXP_TERMS = 15n;
const EXP_MIN = -42n * WAD;

/** Index of the most significant set bit of x (x > 0). */
export function msb(x: bigint): bigint {
  let r = 0n;
  for (let step = 128n; step !== 0n; step >>= 1n) {
    if (x >> step !== 0n) {
      x >>= step;
      r += step;
    }
  }
  return r;
}

/** floor(sqrt(x)). */
export function sqrt(x: bigint): bigint {
  if (x === 0n) return 0n;
  let z = 1n << ((msb(x) >> 1n) + 1n);
  for (;;) {
    const y = (z + x / z) >> 1n;
    if (y >= z) return z;
    z = y;
  }
}

/** ln(x / WAD) in WAD, x > 0. */
export function ln(x: bigint): bigint {
  if (x <= 0n) throw new RangeError(`ln of ${x}: the argument must be positive`);
  let k = msb(x) - 59n;
  let y = k >= 0n ? x >> k : x << -k;
  if (y < INV_SQRT2) {
    y <<= 1n;
    k -= 1n;
  }
  const z = ((y - WAD) * WAD) / (y + WAD);
  const z2 = (z * z) / WAD;
  let term = z;
  let sum = z;
  for (let i = 1n; i < LN_TERMS; i++) {
    term = (term * z2) / WAD;
    sum += term / (2n * i + 1n);
  }
  return k * LN2 + 2n * sum;
}

/** exp(x / WAD) in WAD for x <= 0 (0 below -42). */
export function expNeg(x: bigint): bigint {
  if (x > 0n) throw new RangeError(`expNeg of ${x}: the argument must be <= 0`);
  if (x < EXP_MIN) return 0n;
  const n = (-x + LN2 / 2n) / LN2;
  const r = x + n * LN2;
  let term = WAD;
  let sum = WAD;
  for (let i = 1n; i < EXP_TERMS; i++) {
    term = (term * r) / WAD / i;
    sum += term;
  }
  return sum >> n;
}
