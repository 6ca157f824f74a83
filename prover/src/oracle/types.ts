/** The oracle model's configuration and outputs: the types of `PlimsollOracle`'s constructor and epochs, and its limits. */
import { WAD } from "../constants.js";

/** Limits of the oracle contract (its public constants of the same names). */
export const ORACLE_LIMITS = {
  /** Largest number of perp markets. */
  MAX_MARKETS: 8,
  /** Largest number of price sources per asset. */
  MAX_SOURCES: 5,
  /** Largest per-sample variance (WAD): a return 2|p-q|/(p+q) is below 2, so its square is below 4. */
  MAX_VARIANCE: 4n * WAD,
  /** Basis points in 1. */
  BPS: 10_000n,
} as const;

/** The scalar constants of the formula: the constructor's `RiskConfig` (WAD fields are 1e18 = 1.0). */
export interface RiskConfig {
  /** Sampling grid in seconds (uint32, > 0). */
  gridSeconds: bigint;
  /** A source answer older than this many seconds is invalid (uint32, > 0). */
  maxStaleness: bigint;
  /** Band around the median of the valid answers, in basis points (uint16, (0, 10000]). */
  maxDeviationBps: bigint;
  /** Fewer answers inside the band than this freezes the asset (uint8, [1, 5]). */
  minSources: bigint;
  /** Per-sample decay of the fast EWMA variance (WAD, 0 < lambdaFast < WAD). */
  lambdaFast: bigint;
  /** Per-sample decay of the slow EWMA variance (WAD, lambdaFast <= lambdaSlow < WAD). */
  lambdaSlow: bigint;
  /** Per-sample decay of the stress peak (WAD, < WAD). */
  peakDecay: bigint;
  /**
   * Weight of the stress peak in the variance (WAD, (0, WAD]): the haircut's variance is at least
   * `peakWeight * varPeak`, so a long-decaying memory of the worst volatility keeps calm-time haircuts
   * above a share of the last crash's (the stress component).
   */
  peakWeight: bigint;
  /** Per-sample variance floor (WAD, <= MAX_VARIANCE). */
  varianceFloor: bigint;
  /** Model multiplier k (WAD, > 0). */
  kWad: bigint;
  /** Confidence quantile z (WAD, > 0). */
  zWad: bigint;
  /** Horizon in samples (uint32, > 0); sigma is scaled by its square root. */
  horizonSamples: bigint;
  /** Lower bound of the maintenance haircut (WAD, <= haircutCap). */
  haircutFloor: bigint;
  /** Upper bound of the maintenance haircut (WAD, < WAD). */
  haircutCap: bigint;
  /** Lower bound of a market's maintenance margin ratio (WAD, 0 < marginFloor <= marginCap). */
  marginFloor: bigint;
  /** Upper bound of a market's maintenance margin ratio (WAD, <= WAD). */
  marginCap: bigint;
  /** Initial over maintenance (WAD, >= WAD). */
  imMultiplier: bigint;
  /** Largest rise of a maintenance haircut or ratio per sample (WAD, > 0). */
  maxTightenStep: bigint;
  /** Largest fall of a maintenance haircut or ratio per sample (WAD, <= maxTightenStep). */
  maxLoosenStep: bigint;
  /** Smallest rise of a maintenance haircut or ratio per frozen sample, up to its cap (WAD, (0, maxTightenStep]). */
  freezeStep: bigint;
  /** Cap on the liquidation bonus (WAD, <= WAD). */
  maxBonus: bigint;
  /**
   * A mark further from its reference than `leaseBandWad` times the asset's band (its lowest maintenance
   * haircut since the regime started) starts a new price regime (WAD, uint64, > 0).
   */
  leaseBandWad: bigint;
  /**
   * Plausibility: a new price further than this from the last valid one, in basis points of it, either way,
   * counts only once confirmed (uint16, > 0).
   */
  jumpBps: bigint;
  /** A jump counts at once when at least this many answers agree inside the band (uint8, [minSources, 5]). */
  confirmSources: bigint;
  /** Per-sample EMA decay of the mark (WAD, < WAD). */
  markLambda: bigint;
  /** The median enters the mark's EMA clamped to this band around the mark, in basis points (uint16, (0, 10000]). */
  markBandBps: bigint;
  /**
   * Circuit breaker: a sample whose return from the last valid price exceeds `breakerKWad` times the asset's
   * sigma (before the sample) trips the asset's breaker (WAD, uint64, > 0).
   */
  breakerKWad: bigint;
  /** Samples an asset cools off after its breaker trips, the tripping sample included (uint8, [1, 255]). */
  breakerSamples: bigint;
}

/** One asset slot: the constructor's `AssetConfig`. */
export interface AssetConfig {
  /** ERC-20 token address (non-zero, distinct across slots). */
  token: string;
  /** Token decimals, 0..18. */
  decimals: number;
  /** 1 to 5 distinct price-source addresses, at least `risk.minSources`. */
  sources: readonly string[];
  /** Starting per-sample variance (WAD, <= MAX_VARIANCE). */
  initialVariance: bigint;
}

/** The constructor's arguments except the hasher. */
export interface OracleConfig {
  /** The scalar constants. */
  risk: RiskConfig;
  /** 1 to 16 asset slots; slot i is entry i of the weight vectors. */
  assets: readonly AssetConfig[];
  /** 0 to 8 perp markets, each given by its underlying asset slot. */
  marketUnderlyings: readonly number[];
}

/** What `poke()` reads from one source: its answer, or a revert (any failed call). */
export type SourceReading = { answer: bigint; updatedAt: bigint; decimals: number } | { reverts: true };

/** What an epoch publishes. */
export interface Epoch {
  /** Start of the grid step the epoch was sampled in (unix seconds). */
  timestamp: bigint;
  /** `weightsHash` of the initial-margin weight vector. */
  initialWeightsHash: bigint;
  /** `weightsHash` of the maintenance-margin weight vector. */
  maintenanceWeightsHash: bigint;
}

/** An initial/maintenance pair (haircuts, weights or margin ratios). */
export interface MarginPair {
  initial: bigint;
  maintenance: bigint;
}

/** The volatility state of an asset. */
export interface Volatility {
  varFast: bigint;
  varSlow: bigint;
  varPeak: bigint;
  /** The asset's price froze in the last sample. */
  frozen: boolean;
}

/** The risk state of an asset: no new risk may depend on it while frozen or cooling off (the contract's `riskState`). */
export interface RiskState {
  /** The asset's price froze in the last sample. */
  frozen: boolean;
  /** Samples of cooling-off left after a breaker trip, the current epoch's included (0: not tripped). */
  coolingOff: bigint;
}

/** An asset whose new price was an unconfirmed jump in a sample (the contract's `PriceUnconfirmed` event). */
export interface UnconfirmedPrice {
  asset: number;
  /** The median that jumped, now pending confirmation. */
  price: bigint;
  /** The last valid price it jumped from. */
  lastPrice: bigint;
}

/** An asset whose price froze in a sample (the contract's `PriceFrozen` event). */
export interface FrozenAsset {
  asset: number;
  /** Valid answers inside the band. */
  validSources: number;
}
