/**
 * Floating-point references for the options math tests and seeded input streams: not the model (the
 * model is prover/src/options, BigInt), only what its accuracy is measured against.
 */
import { seededRandom } from "../../prover/src/prng.js";

/** The standard normal CDF in double precision: erf's series below |x|/sqrt2 = 3, erfc's continued fraction above (about 1e-13). */
export function normCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  let erfc: number;
  if (z < 3) {
    let term = z;
    let sum = z;
    for (let n = 1; n < 200; n++) {
      term *= (-z * z) / n;
      sum += term / (2 * n + 1);
      if (Math.abs(term) < 1e-18) break;
    }
    erfc = 1 - (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    let f = z;
    for (let n = 80; n >= 1; n--) f = z + n / 2 / f;
    erfc = Math.exp(-z * z) / (Math.sqrt(Math.PI) * f);
  }
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** Black-Scholes at rate 0 in doubles: spot and strike in USD, `variance` = sigma^2 T. */
export function floatPremium(spot: number, strike: number, variance: number, isCall: boolean): number {
  if (variance === 0) return Math.max(isCall ? spot - strike : strike - spot, 0);
  const sd = Math.sqrt(variance);
  const d1 = (Math.log(spot / strike) + variance / 2) / sd;
  const d2 = d1 - sd;
  return isCall ? spot * normCdf(d1) - strike * normCdf(d2) : strike * normCdf(-d2) - spot * normCdf(-d1);
}

/** Seeded draws: floats in [0, 1), integers of a random bit length, log-uniform values. */
export class Draws {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = seededRandom(seed);
  }
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  /** Uniform below 2^bits. */
  bits(bits: number): bigint {
    let x = 0n;
    for (let have = 0; have < bits; have += 32) x = (x << 32n) | BigInt(Math.floor(this.next() * 2 ** 32));
    return x & ((1n << BigInt(bits)) - 1n);
  }
  /** A value of uniform bit length in [1, maxBits]: small and large magnitudes alike. */
  spread(maxBits: number): bigint {
    return this.bits(1 + Math.floor(this.next() * maxBits));
  }
  /** 10^u for u uniform in [lo, hi), as a bigint of `scale` (e.g. 1e8 for 8-decimal prices). */
  logUniform(lo: number, hi: number, scale: number): bigint {
    return BigInt(Math.max(1, Math.round(10 ** this.uniform(lo, hi) * scale)));
  }
}
