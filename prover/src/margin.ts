/**
 * Perp margin arithmetic, bit for bit the same as contracts/libraries/MarginMath.sol.
 * Units: size in 1e-18 of the underlying, prices with 8 decimals, ratios in WAD,
 * values in 1e-30 USD, funding indices in 1e-16 USD per whole unit. Requirements round up;
 * realised profit rounds down and loss up; funding owed rounds up and received toward zero.
 */
import { WAD } from "./constants.js";

const VALUE_SCALE = 10n ** 4n;
const PNL_SCALE = 10n ** 26n;

const FUNDING_SCALE = 10n ** 34n;
const FUNDING_VALUE_SCALE = 10n ** 4n;
const FUNDING_STEP_SCALE = 10n ** 10n;

const abs = (x: bigint): bigint => (x < 0n ? -x : x);

/** A public perp position as the engine stores it. */
export interface PositionState {
  /** Signed size in 1e-18 units of the underlying. */
  size: bigint;
  /** Entry price, 8 decimals. */
  entryPrice: bigint;
  /** The market's funding index its funding was last realised at (1e-16 USD per unit; absent: 0). */
  fundingIndex?: bigint;
}

/** A market's funding rule per grid step, as the engine reads it from the market (`PerpMarket.funding`). */
export interface FundingRule {
  coefficient: bigint;
  cap: bigint;
  floor: bigint;
}

/**
 * The funding index's move over one grid step (1e-16 USD per unit; > 0: longs pay): rate * mark with
 * rate = clamp(coefficient * (long - short) / max(long + short, floor), -cap, cap), both rounded toward
 * zero. Open interest in the engine's units (1e-5 of the underlying).
 */
export function fundingStep(longOI: bigint, shortOI: bigint, mark: bigint, rule: FundingRule): bigint {
  let total = longOI + shortOI;
  if (total < rule.floor) total = rule.floor;
  if (total === 0n) return 0n;
  let rate = (rule.coefficient * (longOI - shortOI)) / total;
  if (rate > rule.cap) rate = rule.cap;
  else if (rate < -rule.cap) rate = -rule.cap;
  return (rate * mark) / FUNDING_STEP_SCALE;
}

/** Funding `size` owes from index `from` to `to`, in quote base units: > 0 pays (rounded up), < 0 receives (toward zero). */
export function funding(size: bigint, from: bigint, to: bigint, quoteDecimals: number): bigint {
  const raw = size * (to - from) * 10n ** BigInt(quoteDecimals);
  if (raw <= 0n) return raw / FUNDING_SCALE;
  return (raw + FUNDING_SCALE - 1n) / FUNDING_SCALE;
}

/** Funding owed and not yet paid, in 1e-30 USD (rounded up; 0 when the position receives). */
export function fundingLoss(size: bigint, from: bigint, to: bigint): bigint {
  const raw = size * (to - from);
  if (raw <= 0n) return 0n;
  return (raw + FUNDING_VALUE_SCALE - 1n) / FUNDING_VALUE_SCALE;
}

/** ceil(|size| * mark * ratio) plus the unrealised loss at the mark, in 1e-30 USD. */
export function positionRequirement(size: bigint, entry: bigint, mark: bigint, ratio: bigint): bigint {
  const notional = abs(size) * mark * VALUE_SCALE;
  const margin = (notional * ratio + WAD - 1n) / WAD;
  const pnl = size * (mark - entry) * VALUE_SCALE;
  return pnl < 0n ? margin - pnl : margin;
}

/** Realised PnL of closing `size` opened at `entry` at `mark`, in quote-token base units. */
export function realisedPnl(size: bigint, entry: bigint, mark: bigint, quoteDecimals: number): bigint {
  if (size === 0n) return 0n;
  const raw = size * (mark - entry) * 10n ** BigInt(quoteDecimals);
  if (raw >= 0n) return raw / PNL_SCALE;
  return -((-raw + PNL_SCALE - 1n) / PNL_SCALE);
}

/** Market parameters of one epoch that a requirement depends on. */
export interface MarketQuote {
  mark: bigint;
  imRatio: bigint;
  mmRatio: bigint;
  /** The market's funding index now (the engine's `fundingIndexOf`; absent: 0, no funding). */
  fundingIndex?: bigint;
}

/** Total requirement of a set of positions (market index -> position), as MarginEngine computes it. */
export function accountRequirement(
  positions: ReadonlyMap<number, PositionState>,
  markets: readonly MarketQuote[],
  initial: boolean,
): bigint {
  let total = 0n;
  for (const [j, p] of positions) {
    if (p.size === 0n) continue;
    const m = markets[j];
    if (m === undefined) throw new RangeError(`position in unknown market ${j}`);
    total += positionRequirement(p.size, p.entryPrice, m.mark, initial ? m.imRatio : m.mmRatio) + fundingLoss(p.size, p.fundingIndex ?? 0n, m.fundingIndex ?? 0n);
  }
  return total;
}

/** What the basket's settlement slot receives (< 0: pays) when every position's funding is realised (a renewal). */
export function accountFunding(positions: ReadonlyMap<number, PositionState>, markets: readonly MarketQuote[], quoteDecimals: number): bigint {
  let total = 0n;
  for (const [j, p] of positions) total -= funding(p.size, p.fundingIndex ?? 0n, markets[j]?.fundingIndex ?? 0n, quoteDecimals);
  return total;
}

/** The positions after `accountFunding` was realised: each at its market's funding index now. */
export function atFundingIndex(positions: ReadonlyMap<number, PositionState>, markets: readonly MarketQuote[]): Map<number, PositionState> {
  const out = new Map<number, PositionState>();
  for (const [j, p] of positions) out.set(j, { ...p, fundingIndex: markets[j]?.fundingIndex ?? 0n });
  return out;
}

/**
 * True when a trade from `oldSize` to `newSize` grows exposure (larger size, or a side flip):
 * such a trade needs initial margin; reducing or closing needs maintenance margin.
 */
export function growsExposure(oldSize: bigint, newSize: bigint): boolean {
  const flips = (oldSize > 0n && newSize < 0n) || (oldSize < 0n && newSize > 0n);
  const abs = (x: bigint): bigint => (x < 0n ? -x : x);
  return flips || abs(newSize) > abs(oldSize);
}

/** One collateral slot's oracle data that the liquidation payment depends on. */
export interface SeizureQuote {
  /** Oracle price, 8 decimals. */
  price: bigint;
  /** Token decimals. */
  decimals: number;
  /** Liquidation bonus, WAD. */
  bonus: bigint;
}

/**
 * `amount` base units valued at the oracle price (1e-30 USD) and divided by (1 + bonus), rounded up:
 * the engine's `_discountedValue`.
 */
export function discountedValue(amount: bigint, q: SeizureQuote): bigint {
  if (amount === 0n) return 0n;
  const value = amount * q.price * 10n ** BigInt(22 - q.decimals);
  return (value * WAD + WAD + q.bonus - 1n) / (WAD + q.bonus);
}

/**
 * What a liquidator pays, in settlement-token base units, for seizing `amounts` (slot -> base units):
 * the engine's `_seizurePayment` (rounded up, against the liquidator).
 */
export function seizurePayment(seized: ReadonlyArray<{ amount: bigint; quote: SeizureQuote }>, settlement: { price: bigint; decimals: number }): bigint {
  let value = 0n;
  for (const s of seized) value += discountedValue(s.amount, s.quote);
  if (value === 0n) return 0n;
  const unit = settlement.price * 10n ** BigInt(22 - settlement.decimals);
  return (value + unit - 1n) / unit;
}
