/**
 * Perp margin arithmetic, bit for bit the same as contracts/libraries/MarginMath.sol.
 * Units: size in 1e-18 of the underlying, prices with 8 decimals, ratios in WAD,
 * values in 1e-30 USD. Requirements round up; realised profit rounds down and loss up.
 */
import { WAD } from "./constants.js";

const VALUE_SCALE = 10n ** 4n;
const PNL_SCALE = 10n ** 26n;

const abs = (x: bigint): bigint => (x < 0n ? -x : x);

/** A public perp position as the engine stores it. */
export interface PositionState {
  /** Signed size in 1e-18 units of the underlying. */
  size: bigint;
  /** Entry price, 8 decimals. */
  entryPrice: bigint;
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
    total += positionRequirement(p.size, p.entryPrice, m.mark, initial ? m.imRatio : m.mmRatio);
  }
  return total;
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
