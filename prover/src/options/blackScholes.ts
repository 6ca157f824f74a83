/**
 * European option premium, Greeks and the Greeks-based margin per unit at rate 0, bit for bit the same
 * as contracts/libraries/BlackScholes.sol (units there: prices 8 decimals, `variance` = sigma^2 T in WAD,
 * premiums and margins WAD USD per unit, delta WAD, gamma WAD per USD, vegaS WAD USD per unit of sigma sqrt T).
 */
import { WAD } from "../constants.js";
import { expNeg, ln, sqrt } from "./math.js";

const PRICE_TO_WAD = 10n ** 10n;
const INV_SQRT_2PI = 398_942_280_401_432_677n;
const TAIL_CUTOFF = 40n * WAD;
const P = 231_641_900_000_000_000n;
const B1 = 319_381_530_000_000_000n;
const B2 = -356_563_782_000_000_000n;
const B3 = 1_781_477_937_000_000_000n;
const B4 = -1_821_255_978_000_000_000n;
const B5 = 1_330_274_429_000_000_000n;

const ceilDiv = (x: bigint, y: bigint): bigint => (x === 0n ? 0n : (x - 1n) / y + 1n);

/** The standard normal density (WAD). */
export function pdf(x: bigint): bigint {
  if (x <= -TAIL_CUTOFF || x >= TAIL_CUTOFF) return 0n;
  return (expNeg(-((x * x) / WAD) / 2n) * INV_SQRT_2PI) / WAD;
}

/** The standard normal CDF (WAD), Abramowitz and Stegun 26.2.17 (absolute error below 7.5e-8). */
export function cdf(x: bigint): bigint {
  return cdfWith(x, pdf(x));
}

/** `cdf` given density = pdf(x) (= pdf(-x)), as BlackScholes._cdf. */
function cdfWith(x: bigint, density: bigint): bigint {
  const a = x < 0n ? -x : x;
  let tail = 0n;
  if (a < TAIL_CUTOFF) {
    const t = (WAD * WAD) / (WAD + (P * a) / WAD);
    let q = B5;
    q = B4 + (q * t) / WAD;
    q = B3 + (q * t) / WAD;
    q = B2 + (q * t) / WAD;
    q = B1 + (q * t) / WAD;
    q = (q * t) / WAD;
    const tl = (density * q) / WAD;
    tail = tl > 0n ? tl : 0n;
  }
  return x >= 0n ? WAD - tail : tail;
}

/** Premium and Greeks of one option (see BlackScholes.quote). */
export interface OptionQuote {
  /** WAD USD per whole unit. */
  premium: bigint;
  /** WAD (negative for a put). */
  delta: bigint;
  /** WAD per USD. */
  gamma: bigint;
  /** dPremium / d(sigma sqrt T), WAD USD. */
  vegaS: bigint;
}

/** BlackScholes.quote: spot and strike with 8 decimals, `variance` = sigma^2 T (WAD). */
export function quote(spot: bigint, strike: bigint, variance: bigint, isCall: boolean): OptionQuote {
  const s = spot * PRICE_TO_WAD;
  const k = strike * PRICE_TO_WAD;
  const sd = sqrt(variance * WAD);
  if (sd === 0n) {
    if (isCall) return { premium: s > k ? s - k : 0n, delta: s > k ? WAD : 0n, gamma: 0n, vegaS: 0n };
    return { premium: k > s ? k - s : 0n, delta: k > s ? -WAD : 0n, gamma: 0n, vegaS: 0n };
  }
  const d1 = ((ln((s * WAD) / k) + variance / 2n) * WAD) / sd;
  const d2 = d1 - sd;
  const density = pdf(d1);
  const n1 = cdfWith(d1, density);
  let value: bigint;
  let delta: bigint;
  if (isCall) {
    value = (s * n1) / WAD - (k * cdf(d2)) / WAD;
    delta = n1;
  } else {
    value = (k * cdf(-d2)) / WAD - (s * cdfWith(-d1, density)) / WAD;
    delta = n1 - WAD;
  }
  return { premium: value > 0n ? value : 0n, delta, gamma: (density * WAD * WAD) / (s * sd), vegaS: (s * density) / WAD };
}

/** BlackScholes.marginPerUnit: min(|delta| h + gamma h^2 / 2, h) + vegaS volShock sd, h = spot * move, rounded up (WAD USD). */
export function marginPerUnit(spot: bigint, variance: bigint, q: Omit<OptionQuote, "premium">, move: bigint, volShock: bigint): bigint {
  const h = ceilDiv(spot * PRICE_TO_WAD * move, WAD);
  const absDelta = q.delta < 0n ? -q.delta : q.delta;
  const deltaTerm = ceilDiv(absDelta * h, WAD);
  const gammaTerm = ceilDiv(ceilDiv(q.gamma * h, WAD) * h, 2n * WAD);
  const sdShock = ceilDiv(sqrt(variance * WAD) * volShock, WAD);
  const vegaTerm = ceilDiv(q.vegaS * sdShock, WAD);
  const priceTerm = deltaTerm + gammaTerm;
  return (priceTerm < h ? priceTerm : h) + vegaTerm;
}
