/** The oracle constructor's checks, and the helpers that turn human parameters (half-lives, annual volatilities) into constructor inputs. */
import { MAX_TOKEN_DECIMALS, N_ASSETS, WAD } from "../constants.js";
import { ORACLE_LIMITS, type RiskConfig, type OracleConfig } from "./types.js";

// ---------------------------------------------------------------------------------------------
// Validation (the constructor's checks)
// ---------------------------------------------------------------------------------------------

/** Throws, naming the field, on any configuration the oracle constructor rejects. */
export function validateConfig(config: OracleConfig): void {
  const r = config.risk;
  const fail = (field: string, reason: string): never => {
    throw new RangeError(`${field} ${reason}`);
  };
  const uint = (field: keyof RiskConfig, bits: number): void => {
    if (r[field] < 0n || r[field] >> BigInt(bits) !== 0n) fail(`risk.${field}`, `does not fit uint${bits}`);
  };
  (["gridSeconds", "maxStaleness", "horizonSamples"] as const).forEach((f) => uint(f, 32));
  uint("maxDeviationBps", 16);
  uint("jumpBps", 16);
  uint("markBandBps", 16);
  uint("confirmSources", 8);
  uint("minSources", 8);
  uint("breakerSamples", 8);
  uint("varianceFloor", 128);
  (
    ["lambdaFast", "lambdaSlow", "peakDecay", "peakWeight", "markLambda", "leaseBandWad", "freezeStep", "kWad", "zWad", "haircutFloor", "haircutCap", "marginFloor", "marginCap", "imMultiplier", "maxTightenStep", "maxLoosenStep", "maxBonus", "breakerKWad"] as const
  ).forEach((f) => uint(f, 64));

  if (r.gridSeconds === 0n) fail("risk.gridSeconds", "is zero");
  if (r.maxStaleness === 0n) fail("risk.maxStaleness", "is zero");
  if (r.maxDeviationBps === 0n || r.maxDeviationBps > ORACLE_LIMITS.BPS) fail("risk.maxDeviationBps", "is not in (0, 10000]");
  if (r.minSources === 0n || r.minSources > BigInt(ORACLE_LIMITS.MAX_SOURCES)) fail("risk.minSources", "is not in [1, 5]");
  if (r.lambdaFast === 0n || r.lambdaFast >= WAD) fail("risk.lambdaFast", "is not in (0, WAD)");
  if (r.lambdaSlow < r.lambdaFast || r.lambdaSlow >= WAD) fail("risk.lambdaSlow", "is not in [lambdaFast, WAD)");
  if (r.peakDecay >= WAD) fail("risk.peakDecay", "is not below WAD");
  if (r.peakWeight === 0n || r.peakWeight > WAD) fail("risk.peakWeight", "is not in (0, WAD]");
  if (r.varianceFloor > ORACLE_LIMITS.MAX_VARIANCE) fail("risk.varianceFloor", "is above MAX_VARIANCE");
  if (r.kWad === 0n) fail("risk.kWad", "is zero");
  if (r.zWad === 0n) fail("risk.zWad", "is zero");
  if (r.horizonSamples === 0n) fail("risk.horizonSamples", "is zero");
  if (r.haircutFloor > r.haircutCap || r.haircutCap >= WAD) fail("risk.haircutFloor/haircutCap", "are not floor <= cap < WAD");
  if (r.marginFloor === 0n || r.marginFloor > r.marginCap || r.marginCap > WAD) {
    fail("risk.marginFloor/marginCap", "are not 0 < floor <= cap <= WAD");
  }
  if (r.imMultiplier < WAD) fail("risk.imMultiplier", "is below WAD");
  if (r.maxTightenStep === 0n) fail("risk.maxTightenStep", "is zero");
  if (r.maxLoosenStep > r.maxTightenStep) fail("risk.maxLoosenStep", "is above maxTightenStep");
  if (r.maxBonus > WAD) fail("risk.maxBonus", "is above WAD");
  if (r.freezeStep === 0n || r.freezeStep > r.maxTightenStep) fail("risk.freezeStep", "is not in (0, maxTightenStep]");
  if (r.leaseBandWad === 0n) fail("risk.leaseBandWad", "is zero");
  if (r.jumpBps === 0n) fail("risk.jumpBps", "is zero");
  if (r.confirmSources < r.minSources || r.confirmSources > BigInt(ORACLE_LIMITS.MAX_SOURCES)) fail("risk.confirmSources", "is not in [minSources, 5]");
  if (r.markLambda >= WAD) fail("risk.markLambda", "is not below WAD");
  if (r.markBandBps === 0n || r.markBandBps >= ORACLE_LIMITS.BPS) fail("risk.markBandBps", "is not in (0, 10000)");
  if (r.breakerKWad === 0n) fail("risk.breakerKWad", "is zero");
  if (r.breakerSamples === 0n) fail("risk.breakerSamples", "is zero");

  const { assets, marketUnderlyings } = config;
  if (assets.length === 0 || assets.length > N_ASSETS) fail("assets", `has ${assets.length} entries, not 1 to ${N_ASSETS}`);
  if (marketUnderlyings.length > ORACLE_LIMITS.MAX_MARKETS) fail("marketUnderlyings", `has more than ${ORACLE_LIMITS.MAX_MARKETS} entries`);
  const seenTokens = new Set<string>();
  assets.forEach((a, i) => {
    const field = `assets[${i}]`;
    const token = a.token.toLowerCase();
    if (/^0x0{40}$/.test(token)) fail(`${field}.token`, "is zero");
    if (seenTokens.has(token)) fail(`${field}.token`, "is a duplicate");
    seenTokens.add(token);
    if (!Number.isInteger(a.decimals) || a.decimals < 0 || a.decimals > MAX_TOKEN_DECIMALS) fail(`${field}.decimals`, "is not in [0, 18]");
    const n = a.sources.length;
    if (n === 0 || n > ORACLE_LIMITS.MAX_SOURCES) fail(`${field}.sources`, "has not 1 to 5 entries");
    if (BigInt(n) < r.minSources) fail(`${field}.sources`, "has fewer entries than risk.minSources");
    if (new Set(a.sources.map((s) => s.toLowerCase())).size !== n) fail(`${field}.sources`, "has a duplicate");
    if (a.initialVariance < 0n || a.initialVariance > ORACLE_LIMITS.MAX_VARIANCE) fail(`${field}.initialVariance`, "is not in [0, MAX_VARIANCE]");
  });
  marketUnderlyings.forEach((u, j) => {
    if (!Number.isInteger(u) || u < 0 || u >= assets.length) fail(`marketUnderlyings[${j}]`, "is not an asset slot");
  });
}

// ---------------------------------------------------------------------------------------------
// Deployment helpers (floating point: they only produce constructor inputs, fixed on-chain afterwards)
// ---------------------------------------------------------------------------------------------

const DAY = 86_400;
const YEAR = 365 * DAY;

/** Rounds a fraction to WAD, requiring the result to be in (0, WAD). */
function fractionToWadBelowOne(x: number, field: string): bigint {
  const w = BigInt(Math.round(x * 1e18));
  if (w <= 0n || w >= WAD) throw new RangeError(`${field} rounds to ${w}, outside (0, WAD)`);
  return w;
}

function positiveSeconds(gridSeconds: number | bigint): number {
  const g = Number(gridSeconds);
  if (!Number.isInteger(g) || g <= 0) throw new RangeError(`gridSeconds ${gridSeconds} is not a positive integer`);
  return g;
}

/**
 * Per-sample EWMA decay equivalent to a daily one: lambda_daily ^ (gridSeconds / 86400), so that a day of
 * samples forgets as much as one daily step (RiskMetrics: 0.94 daily).
 * Floating point, rounded to WAD: fine for a constructor input.
 */
export function lambdaPerSample(dailyLambdaWad: bigint, gridSeconds: number | bigint): bigint {
  if (dailyLambdaWad <= 0n || dailyLambdaWad >= WAD) throw new RangeError("dailyLambdaWad is not in (0, WAD)");
  const daily = Number(dailyLambdaWad) / 1e18;
  return fractionToWadBelowOne(Math.pow(daily, positiveSeconds(gridSeconds) / DAY), "lambdaPerSample");
}

/** Per-sample decay with the given half-life: 0.5 ^ (gridSeconds / halfLifeSeconds), WAD. */
export function decayPerSample(halfLifeSeconds: number, gridSeconds: number | bigint): bigint {
  if (!(halfLifeSeconds > 0)) throw new RangeError(`halfLifeSeconds ${halfLifeSeconds} is not positive`);
  return fractionToWadBelowOne(Math.pow(0.5, positiveSeconds(gridSeconds) / halfLifeSeconds), "decayPerSample");
}

/**
 * Per-sample variance (WAD) of an annualised volatility (0.8 = 80%): annualVol^2 * gridSeconds / 365 days.
 * Floating point, rounded to WAD.
 */
export function annualVolToVariancePerSample(annualVol: number, gridSeconds: number | bigint): bigint {
  if (!(annualVol >= 0) || !Number.isFinite(annualVol)) throw new RangeError(`annualVol ${annualVol} is not a finite non-negative number`);
  return BigInt(Math.round(((annualVol * annualVol * positiveSeconds(gridSeconds)) / YEAR) * 1e18));
}

/**
 * The shortest haircut horizon, in samples, that covers the margin engine's time from insolvency to
 * liquidation: one grid step (the move happens between two samples), the lease grace (an account nobody
 * liquidates is force-closed only after it), and the time a keeper needs (the engine accepts a proof on an
 * epoch at most two grid steps old): ceil((3 * gridSeconds + leaseGrace) / gridSeconds). The engine's
 * constructor refuses an oracle whose `horizonSamples * gridSeconds` is shorter (`HorizonTooShort`).
 */
export function engineHorizonSamples(gridSeconds: number | bigint, leaseGraceSeconds: number | bigint): bigint {
  const g = BigInt(positiveSeconds(gridSeconds));
  const grace = BigInt(leaseGraceSeconds);
  if (grace < 0n) throw new RangeError(`leaseGraceSeconds ${leaseGraceSeconds} is negative`);
  return (3n * g + grace + g - 1n) / g;
}

/**
 * Sensible constants for a grid of `gridSeconds` (default hourly), chosen by the margin backtest (README
 * "Margin backtest"): RiskMetrics daily lambda 0.94 and a slow 0.995; a stress peak with a one-year
 * half-life weighted 1/4 in variance (half the peak's sigma: the stress component); a 10% annual
 * volatility floor; k = 1 and z = 2.33 over a one-day horizon (at least `engineHorizonSamples` for
 * the demo's one-hour lease grace, and a daily-closing market can move a whole close between two
 * observations); haircuts in [5%, 60%] and margin ratios in [5%, 50%] (the 5% floor bounds the
 * calm-to-peak ratio: anti-procyclicality), initial = 1.5 x maintenance;
 * per sample, tightening by at most 0.25% (6 points a day) and loosening by at most 0.05%; a frozen
 * asset tightening by at least 0.1% per sample; liquidation bonus at most 10%; prices at most 2 hours
 * old, a 2% band around the median and at least 2 agreeing sources; a move of more than 25% from the last
 * valid price counts once 3 sources agree or a second sample confirms it; a mark that moves at most 25%
 * per sample (no EMA smoothing: markLambda 0, see the oracle README); a new price regime (lapsing every
 * solvency lease) when a mark moves from its reference by more than its lowest maintenance haircut since
 * the regime began; a circuit breaker that stops new risk on an asset for 3 samples (the tripping one
 * included) after a one-sample move beyond 10 sigma.
 * The rate-limit steps are per sample: they were chosen for an hourly grid.
 */
export function defaultRiskConfig(gridSeconds: number | bigint = 3600): RiskConfig {
  const g = positiveSeconds(gridSeconds);
  const pct = (x: number): bigint => (BigInt(Math.round(x * 100)) * WAD) / 10_000n;
  return {
    gridSeconds: BigInt(g),
    maxStaleness: 7200n,
    maxDeviationBps: 200n,
    minSources: 2n,
    lambdaFast: lambdaPerSample(940_000_000_000_000_000n, g),
    lambdaSlow: lambdaPerSample(995_000_000_000_000_000n, g),
    peakDecay: decayPerSample(365 * DAY, g),
    peakWeight: WAD / 4n,
    varianceFloor: annualVolToVariancePerSample(0.1, g),
    kWad: WAD,
    zWad: pct(233),
    horizonSamples: BigInt(Math.max(1, Math.round(DAY / g))),
    haircutFloor: pct(5),
    haircutCap: pct(60),
    marginFloor: pct(5),
    marginCap: pct(50),
    imMultiplier: pct(150),
    maxTightenStep: pct(0.25),
    maxLoosenStep: pct(0.05),
    freezeStep: pct(0.1),
    maxBonus: pct(10),
    leaseBandWad: WAD,
    jumpBps: 2500n,
    confirmSources: 3n,
    markLambda: 0n,
    markBandBps: 2500n,
    breakerKWad: 10n * WAD,
    breakerSamples: 3n,
  };
}
