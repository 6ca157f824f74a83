/**
 * What OptionsMarket.marketQuote and OptionsMarket.greeks return, from the chain's inputs: bit for bit the
 * same operations as contracts/market/OptionsMarket.sol (see there for the rules).
 */
import { WAD } from "../constants.js";
import { marginPerUnit, quote } from "./blackScholes.js";
import { sqrt } from "./math.js";

const PRICE_TO_WAD = 10n ** 10n;
/** Seconds in a year: the unit of the annualised vega. */
export const YEAR = 365n * 24n * 3600n;

/** One option series (IOptionsMarket.Series). */
export interface OptionSeries {
  /** The underlying's asset slot in the oracle. */
  asset: number;
  isCall: boolean;
  /** Strike, 8 decimals. */
  strike: bigint;
  /** Unix seconds. */
  expiry: bigint;
}

/** The shock the margin ratios are sized for (IOptionsMarket.RiskParams). */
export interface OptionRiskParams {
  /** Standard deviations of the underlying's move (WAD). */
  shockSigmas: bigint;
  /** Oracle samples the move is measured over. */
  shockSamples: bigint;
  /** Relative rise of sigma sqrt T (WAD). */
  volShock: bigint;
  /** Initial over maintenance ratio (WAD). */
  imMultiplier: bigint;
}

/** The chain's state a quote depends on. */
export interface OptionQuoteInputs {
  /** The underlying's assetMark (8 decimals; 0 while unpriced). */
  spot: bigint;
  /** OptionsMarket.variancePerSample of the underlying (WAD). */
  perSample: bigint;
  /** The oracle's gridSeconds. */
  gridSeconds: bigint;
  /** The block's timestamp (at and after the expiry the series is halted). */
  now: bigint;
  /** The oracle's current epoch's timestamp: time to expiry is counted from it. */
  epochTime: bigint;
  /** The underlying is frozen or cooling off. */
  underlyingHalted: boolean;
  /** The series' settlement price (0: unsettled). */
  settlement: bigint;
}

/** marketQuote's answer plus the Greeks. */
export interface OptionMarketQuote {
  /** 8 decimals, at least 1 (0 only while the underlying is unpriced). */
  mark: bigint;
  imRatio: bigint;
  mmRatio: bigint;
  halted: boolean;
  /** WAD. */
  delta: bigint;
  /** WAD per USD. */
  gamma: bigint;
  /** WAD USD per 1.00 of annualised volatility. */
  vega: bigint;
}

const floorMark = (m: bigint): bigint => (m === 0n ? 1n : m);

/** The intrinsic value of `s` at `price` (8 decimals). */
export function intrinsic(s: OptionSeries, price: bigint): bigint {
  if (s.isCall) return price > s.strike ? price - s.strike : 0n;
  return s.strike > price ? s.strike - price : 0n;
}

/** OptionsMarket.marketQuote (mark and ratios) and OptionsMarket.greeks (delta, gamma, vega). */
export function optionMarketQuote(s: OptionSeries, risk: OptionRiskParams, x: OptionQuoteInputs): OptionMarketQuote {
  if (x.settlement !== 0n) return { mark: floorMark(intrinsic(s, x.settlement)), imRatio: 0n, mmRatio: 0n, halted: true, delta: 0n, gamma: 0n, vega: 0n };
  if (x.spot === 0n) return { mark: 0n, imRatio: 0n, mmRatio: 0n, halted: true, delta: 0n, gamma: 0n, vega: 0n };
  const halted = x.underlyingHalted || x.now >= s.expiry;
  const tau = x.epochTime < s.expiry ? s.expiry - x.epochTime : 0n;
  const variance = (x.perSample * tau) / x.gridSeconds;
  const q = quote(x.spot, s.strike, variance, s.isCall);
  const mark = floorMark(q.premium / PRICE_TO_WAD);
  const move = (sqrt(x.perSample * risk.shockSamples * WAD) * risk.shockSigmas + WAD - 1n) / WAD;
  const perUnit = marginPerUnit(x.spot, variance, q, move, risk.volShock);
  const markWad = mark * PRICE_TO_WAD;
  const mmRatio = (perUnit * WAD + markWad - 1n) / markWad;
  const imRatio = (mmRatio * risk.imMultiplier + WAD - 1n) / WAD;
  const vega = (q.vegaS * sqrt((tau * WAD * WAD) / YEAR)) / WAD;
  return { mark, imRatio, mmRatio, halted, delta: q.delta, gamma: q.gamma, vega };
}

/**
 * OptionsMarket.scenarioValues: the series' value per unit (WAD USD) when the underlying's mark moves up and
 * down by `move` (WAD) and sigma sqrt T by the market's volShock, up when `volUp` (a short's worst case),
 * down otherwise; a full Black-Scholes re-price at the epoch's time to expiry.
 */
export function optionScenarioValues(s: OptionSeries, risk: OptionRiskParams, x: OptionQuoteInputs, move: bigint, volUp: boolean): { up: bigint; down: bigint } {
  if (x.settlement !== 0n) {
    const v = floorMark(intrinsic(s, x.settlement)) * PRICE_TO_WAD;
    return { up: v, down: v };
  }
  if (x.spot === 0n) return { up: 0n, down: 0n };
  const tau = x.epochTime < s.expiry ? s.expiry - x.epochTime : 0n;
  const variance = (x.perSample * tau) / x.gridSeconds;
  const f = volUp ? WAD + risk.volShock : WAD - risk.volShock;
  const product = variance * f * f;
  const shocked = volUp ? (product + WAD * WAD - 1n) / (WAD * WAD) : product / (WAD * WAD);
  const valueAt = (price: bigint): bigint => (price === 0n ? intrinsic(s, 0n) * PRICE_TO_WAD : quote(price, s.strike, shocked, s.isCall).premium);
  const step = (x.spot * move + WAD - 1n) / WAD;
  return { up: valueAt(x.spot + step), down: valueAt(move >= WAD ? 0n : x.spot - step) };
}

/** OptionsMarket.variancePerSample from the oracle's `volatility` and constants. */
export function variancePerSample(varFast: bigint, varSlow: bigint, varPeak: bigint, peakWeight: bigint, varianceFloor: bigint): bigint {
  let v = varFast > varSlow ? varFast : varSlow;
  const peak = (varPeak * peakWeight) / WAD;
  if (peak > v) v = peak;
  if (varianceFloor > v) v = varianceFloor;
  return v;
}

/** A position's Greeks: the per-unit Greeks times its size. */
export interface PositionGreeks {
  /** Underlying-equivalent exposure (WAD units of the underlying). */
  delta: bigint;
  /** Change of `delta` per 1 USD move of the underlying (WAD). */
  gamma: bigint;
  /** Change of the position's value per 1 point (0.01) of annualised volatility (WAD USD). */
  vegaPerPoint: bigint;
}

/** `size` (1e-18 units) times the per-unit Greeks of OptionsMarket.greeks. */
export function positionGreeks(size: bigint, g: { delta: bigint; gamma: bigint; vega: bigint }): PositionGreeks {
  return { delta: (size * g.delta) / WAD, gamma: (size * g.gamma) / WAD, vegaPerPoint: (size * g.vega) / WAD / 100n };
}

/** "delta 1.0321, gamma 0.000612 /USD, vega 5.12 USD/vol pt": WAD values at a readable precision. */
export function formatGreeks(g: PositionGreeks): string {
  const f = (x: bigint, digits: number): string => (Number(x) / 1e18).toFixed(digits);
  return `delta ${f(g.delta, 4)}, gamma ${f(g.gamma, 6)} /USD, vega ${f(g.vegaPerPoint, 2)} USD/vol pt`;
}
