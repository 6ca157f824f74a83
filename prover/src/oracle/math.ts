/** The oracle's integer arithmetic (`OracleMath`) and its formula, step by step, bit for bit as `PlimsollOracle.sol`. */
import { MAX_PRICE, PRICE_DECIMALS, VALUE_DECIMALS, WAD } from "../constants.js";
import { ORACLE_LIMITS, type RiskConfig, type SourceReading } from "./types.js";

// ---------------------------------------------------------------------------------------------
// Integer arithmetic (OracleMath)
// ---------------------------------------------------------------------------------------------

/** floor(x * y / d). */
export function mulDiv(x: bigint, y: bigint, d: bigint): bigint {
  return (x * y) / d;
}

/** ceil(x * y / d) for non-negative operands. */
export function mulDivUp(x: bigint, y: bigint, d: bigint): bigint {
  const p = x * y;
  return p === 0n ? 0n : (p - 1n) / d + 1n;
}

/** floor(sqrt(x)) for x >= 0. */
export function isqrt(x: bigint): bigint {
  if (x < 0n) throw new RangeError(`isqrt of negative ${x}`);
  if (x < 2n) return x;
  let r = 1n << BigInt((x.toString(2).length + 1) >> 1); // 2^ceil(bits/2) > sqrt(x)
  for (;;) {
    const next = (r + x / r) >> 1n;
    if (next >= r) return r;
    r = next;
  }
}

/** Median of a non-empty list: the middle value, or the floored mean of the two middle values. */
export function median(values: readonly bigint[]): bigint {
  if (values.length === 0) throw new RangeError("median of an empty list");
  const s = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2n;
}

export const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
export const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
export const absDiff = (a: bigint, b: bigint): bigint => (a > b ? a - b : b - a);

// ---------------------------------------------------------------------------------------------
// The formula, step by step
// ---------------------------------------------------------------------------------------------

/** k * z * sqrt(horizonSamples), WAD: computed once in the constructor. */
export function riskMultiplierOf(risk: RiskConfig): bigint {
  return mulDiv(mulDiv(risk.kWad, risk.zWad, WAD), isqrt(risk.horizonSamples * WAD * WAD), WAD);
}

/**
 * Step 1 for one source: the price normalised to 8 decimals (floor), or `undefined` when the source is
 * invalid (reverts, answer <= 0, decimals not a uint8, updated in the future or more than `maxStaleness`
 * ago, or a normalised price outside (0, MAX_PRICE]).
 */
export function normaliseReading(reading: SourceReading, timestamp: bigint, maxStaleness: bigint): bigint | undefined {
  if ("reverts" in reading) return undefined;
  const { answer, updatedAt, decimals } = reading;
  if (answer <= 0n || !Number.isInteger(decimals) || decimals < 0 || decimals > 255) return undefined;
  if (updatedAt > timestamp || timestamp - updatedAt > maxStaleness) return undefined;
  const d = BigInt(decimals);
  const p8 = BigInt(PRICE_DECIMALS);
  const normalised = d >= p8 ? answer / 10n ** (d - p8) : answer * 10n ** (p8 - d);
  return normalised > 0n && normalised <= MAX_PRICE ? normalised : undefined;
}

/** Steps 1-2: the new price (0 = frozen) and the number of valid answers inside the band. */
export function aggregate(
  readings: readonly SourceReading[],
  timestamp: bigint,
  risk: RiskConfig,
): { price: bigint; kept: number } {
  const valid = readings
    .map((r) => normaliseReading(r, timestamp, risk.maxStaleness))
    .filter((p): p is bigint => p !== undefined);
  if (valid.length === 0) return { price: 0n, kept: 0 };
  const m = median(valid);
  const kept = valid.filter((p) => absDiff(p, m) * ORACLE_LIMITS.BPS <= risk.maxDeviationBps * m);
  if (BigInt(kept.length) < risk.minSources) return { price: 0n, kept: kept.length };
  return { price: median(kept), kept: kept.length };
}

/** Step 3: the squared return 2|p-q|/(p+q), squared, both floored (WAD). */
export function squaredReturn(p: bigint, q: bigint): bigint {
  const r = (2n * absDiff(p, q) * WAD) / (p + q);
  return (r * r) / WAD;
}

/**
 * Step 3b, the circuit breaker: true when the return (squared: `r2`, WAD) exceeds k sigma, sigma^2 = `variance`
 * (WAD, before the sample), k = `kWad`: r2 * WAD^2 > k^2 * variance.
 */
export function breakerTrips(r2: bigint, variance: bigint, kWad: bigint): boolean {
  return r2 * WAD * WAD > kWad * kWad * variance;
}

/** Step 3b: the cooling-off count after a sample: `samples` when the breaker tripped, else one less (never below 0). */
export function coolDown(coolingOff: bigint, tripped: boolean, samples: bigint): bigint {
  if (tripped) return samples;
  return coolingOff === 0n ? 0n : coolingOff - 1n;
}

/** Step 3: (lambda * v + (WAD - lambda) * r2) / WAD, floored. */
export function ewma(v: bigint, r2: bigint, lambda: bigint): bigint {
  return (lambda * v + (WAD - lambda) * r2) / WAD;
}

/** Step 4: clamp(ceil(sqrt(variance * WAD) * multiplier / WAD), lo, hi). */
export function targetRatio(variance: bigint, multiplier: bigint, lo: bigint, hi: bigint): bigint {
  return min(max(mulDivUp(isqrt(variance * WAD), multiplier, WAD), lo), hi);
}

/**
 * Step 5: rise by at most `up`, fall by at most `down` and never below the target; while frozen, never fall
 * and rise by at least `freezeStep`, never above `hi` (the cap the target was clamped to).
 */
export function rateLimit(current: bigint, target: bigint, frozen: boolean, up: bigint, down: bigint, freezeStep: bigint, hi: bigint): bigint {
  if (frozen) return min(hi, max(current + freezeStep, min(target, current + up)));
  if (target > current) return min(target, current + up);
  return max(target, current - down);
}

/** Step 6: min(ceil(maintenance * multiplier / WAD), WAD). */
export function initialOf(maintenance: bigint, multiplier: bigint): bigint {
  return min(mulDivUp(maintenance, multiplier, WAD), WAD);
}

/** Step 7: value of one base unit after the haircut, in 1e-30 USD: floor(price * (WAD - h) * 10^(22-d) / WAD). */
export function weightOf(price: bigint, haircut: bigint, decimals: number): bigint {
  const scale = 10n ** BigInt(VALUE_DECIMALS - PRICE_DECIMALS - decimals);
  const w = (price * (WAD - haircut) * scale) / WAD;
  if (w >> 128n !== 0n) throw new RangeError(`weight ${w} does not fit 128 bits`);
  return w;
}

/** The scenario grid's up weight: floor(price * (WAD + h) * 10^(22-d) / WAD) (OracleMath.upWeight). */
export function upWeightOf(price: bigint, haircut: bigint, decimals: number): bigint {
  const scale = 10n ** BigInt(VALUE_DECIMALS - PRICE_DECIMALS - decimals);
  const w = (price * (WAD + haircut) * scale) / WAD;
  if (w >> 128n !== 0n) throw new RangeError(`up weight ${w} does not fit 128 bits`);
  return w;
}

/**
 * Step 11: true when the mark is further from `ref` than `leaseBandWad` times `band` (the lowest maintenance
 * haircut since the regime started): |mark - ref| * WAD > floor(band * leaseBandWad / WAD) * ref.
 */
export function leftBand(mark: bigint, ref: bigint, band: bigint, leaseBandWad: bigint): boolean {
  return absDiff(mark, ref) * WAD > mulDiv(band, leaseBandWad, WAD) * ref;
}

/** Step 2b, plausibility: true when `p` is further than `jumpBps` basis points of `q` from `q`, either way. */
export function isJump(p: bigint, q: bigint, jumpBps: bigint): boolean {
  return absDiff(p, q) * ORACLE_LIMITS.BPS > jumpBps * q;
}

/** Step 2b: a pending jump `pending` (0: none) is confirmed by `p` when `p` is inside `bandBps` of it. */
export function confirmsPending(p: bigint, pending: bigint, bandBps: bigint): boolean {
  return pending !== 0n && absDiff(p, pending) * ORACLE_LIMITS.BPS <= bandBps * pending;
}

/**
 * Step 3c, the mark: the first price, then an EMA of the medians, each clamped to `bandBps` around the mark
 * before it enters: d = floor(mark * bandBps / 10000), mark' = ewma(mark, clamp(p, mark - d, mark + d), lambda).
 * One sample moves the mark by at most d.
 */
export function nextMark(mark: bigint, p: bigint, lambda: bigint, bandBps: bigint): bigint {
  if (mark === 0n) return p;
  const d = (mark * bandBps) / ORACLE_LIMITS.BPS;
  return ewma(mark, min(max(p, mark - d), mark + d), lambda);
}

/** Step 8: min(maxBonus, floor(hMM * WAD / (WAD - hMM))), so that (1 + bonus) * (1 - hMM) <= 1. */
export function liquidationBonusOf(hMM: bigint, maxBonus: bigint): bigint {
  return min(maxBonus, (hMM * WAD) / (WAD - hMM));
}
