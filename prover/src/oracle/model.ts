/**
 * The Plimsoll parameter oracle in TypeScript: a bit-exact mirror of `contracts/oracle/PlimsollOracle.sol`.
 *
 * `OracleModel.sample` does what `poke()` does with the same integer arithmetic (bigint, floor unless the
 * contract rounds up), so a prover can compute an epoch's weights and their hashes off-chain and a test can
 * check the contract against it. The formula is described in `contracts/oracle/README.md`.
 */
import { MAX_PRICE, MAX_TOKEN_DECIMALS, N_ASSETS, PRICE_DECIMALS, VALUE_DECIMALS, WAD } from "../constants.js";
import { weightsHash } from "../encoding.js";
import type { SyncPoseidon } from "../poseidon.js";

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
  /** Cap on the liquidation bonus (WAD, <= WAD). */
  maxBonus: bigint;
  /** A price further than this from its reference starts a new price regime, in basis points (uint16, (0, 10000]). */
  leaseBandBps: bigint;
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

/** An asset whose price froze in a sample (the contract's `PriceFrozen` event). */
export interface FrozenAsset {
  asset: number;
  /** Valid answers inside the band. */
  validSources: number;
}

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

const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const absDiff = (a: bigint, b: bigint): bigint => (a > b ? a - b : b - a);

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

/** Step 3: (lambda * v + (WAD - lambda) * r2) / WAD, floored. */
export function ewma(v: bigint, r2: bigint, lambda: bigint): bigint {
  return (lambda * v + (WAD - lambda) * r2) / WAD;
}

/** Step 4: clamp(ceil(sqrt(variance * WAD) * multiplier / WAD), lo, hi). */
export function targetRatio(variance: bigint, multiplier: bigint, lo: bigint, hi: bigint): bigint {
  return min(max(mulDivUp(isqrt(variance * WAD), multiplier, WAD), lo), hi);
}

/** Step 5: rise by at most `up`, fall by at most `down` and never below the target, not at all while frozen. */
export function rateLimit(current: bigint, target: bigint, frozen: boolean, up: bigint, down: bigint): bigint {
  if (target > current) return min(target, current + up);
  if (frozen) return current;
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

/** Step 11: true when `price` is further than `bandBps` basis points from `ref`: |p - ref| * 10000 > band * ref. */
export function leftBand(price: bigint, ref: bigint, bandBps: bigint): boolean {
  const diff = price > ref ? price - ref : ref - price;
  return diff * ORACLE_LIMITS.BPS > bandBps * ref;
}

/** Step 8: min(maxBonus, floor(hMM * WAD / (WAD - hMM))), so that (1 + bonus) * (1 - hMM) <= 1. */
export function liquidationBonusOf(hMM: bigint, maxBonus: bigint): bigint {
  return min(maxBonus, (hMM * WAD) / (WAD - hMM));
}

// ---------------------------------------------------------------------------------------------
// The oracle
// ---------------------------------------------------------------------------------------------

interface AssetState {
  price: bigint;
  varFast: bigint;
  varSlow: bigint;
  varPeak: bigint;
  hMM: bigint;
  hIM: bigint;
  frozen: boolean;
  /** Price when the current regime started (or the first price since), 8 decimals. */
  refPrice: bigint;
}

interface MarketState {
  mmRatio: bigint;
  imRatio: bigint;
}

/** The oracle's state and `poke()`, in TypeScript. */
export class OracleModel {
  /** The configuration the model was built from (validated like the constructor does). */
  readonly config: OracleConfig;
  /** k * z * sqrt(horizonSamples), WAD. */
  readonly riskMultiplier: bigint;
  private readonly hash: SyncPoseidon;
  private readonly assets: AssetState[];
  private readonly markets: MarketState[];
  private readonly epochs: Epoch[] = [];
  private lastStep = 0n;
  private frozenLast: FrozenAsset[] = [];
  /** Start time of each regime; regime 0 starts at 0. */
  private readonly regimeStarts: bigint[] = [0n];

  /**
   * Builds the state the constructor builds. Throws on a configuration the constructor rejects (the
   * on-chain checks that sources and hasher have code are not mirrored).
   */
  constructor(config: OracleConfig, hash: SyncPoseidon) {
    validateConfig(config);
    this.config = config;
    this.hash = hash;
    const risk = config.risk;
    this.riskMultiplier = riskMultiplierOf(risk);
    this.assets = config.assets.map((a) => {
      const v = a.initialVariance;
      const hMM = targetRatio(max(v, risk.varianceFloor), this.riskMultiplier, risk.haircutFloor, risk.haircutCap);
      return { price: 0n, varFast: v, varSlow: v, varPeak: v, hMM, hIM: initialOf(hMM, risk.imMultiplier), frozen: false, refPrice: 0n };
    });
    this.markets = config.marketUnderlyings.map((u) => {
      const v = max(config.assets[u]!.initialVariance, risk.varianceFloor);
      const mmRatio = targetRatio(v, this.riskMultiplier, risk.marginFloor, risk.marginCap);
      return { mmRatio, imRatio: initialOf(mmRatio, risk.imMultiplier) };
    });
  }

  /**
   * What `poke()` does at block time `timestamp` with the sources answering `answers[asset][source]`
   * (in constructor order). Returns false, changing nothing, when the grid step was already sampled.
   */
  sample(timestamp: bigint, answers: readonly (readonly SourceReading[])[]): boolean {
    const risk = this.config.risk;
    const step = timestamp / risk.gridSeconds;
    if (step <= this.lastStep) return false;
    if (answers.length !== this.assets.length) {
      throw new RangeError(`answers has ${answers.length} assets, expected ${this.assets.length}`);
    }
    this.config.assets.forEach((a, i) => {
      if (answers[i]!.length !== a.sources.length) {
        throw new RangeError(`answers[${i}] has ${answers[i]!.length} readings, expected ${a.sources.length}`);
      }
    });
    this.lastStep = step;
    this.frozenLast = [];

    let moved = false;
    const variances = this.assets.map((a, i) => {
      const { price, kept } = aggregate(answers[i]!, timestamp, risk);
      const frozen = price === 0n;
      if (frozen) {
        this.frozenLast.push({ asset: i, validSources: kept });
      } else {
        if (a.price !== 0n) {
          const r2 = squaredReturn(price, a.price);
          a.varFast = ewma(a.varFast, r2, risk.lambdaFast);
          a.varSlow = ewma(a.varSlow, r2, risk.lambdaSlow);
          a.varPeak = max(a.varFast, (a.varPeak * risk.peakDecay) / WAD);
        }
        a.price = price;
        if (a.refPrice === 0n) a.refPrice = price;
        else moved ||= leftBand(price, a.refPrice, risk.leaseBandBps);
      }
      const v = this.maxVariance(a);
      const target = targetRatio(v, this.riskMultiplier, risk.haircutFloor, risk.haircutCap);
      a.hMM = rateLimit(a.hMM, target, frozen, risk.maxTightenStep, risk.maxLoosenStep);
      a.hIM = initialOf(a.hMM, risk.imMultiplier);
      a.frozen = frozen;
      return v;
    });

    this.config.marketUnderlyings.forEach((u, j) => {
      const m = this.markets[j]!;
      const target = targetRatio(variances[u]!, this.riskMultiplier, risk.marginFloor, risk.marginCap);
      m.mmRatio = rateLimit(m.mmRatio, target, this.assets[u]!.frozen, risk.maxTightenStep, risk.maxLoosenStep);
      m.imRatio = initialOf(m.mmRatio, risk.imMultiplier);
    });

    if (moved) {
      // Step 11: a new regime starts; every priced asset's reference becomes its current price.
      this.regimeStarts.push(step * risk.gridSeconds);
      for (const a of this.assets) a.refPrice = a.price;
    }

    const { initial, maintenance } = this.weightVectors();
    this.epochs.push({
      timestamp: step * risk.gridSeconds,
      initialWeightsHash: weightsHash(this.hash, initial),
      maintenanceWeightsHash: weightsHash(this.hash, maintenance),
    });
    return true;
  }

  /** The last closed epoch (0: none yet). */
  get currentEpoch(): bigint {
    return BigInt(this.epochs.length);
  }

  /** The current price regime (0 until some price leaves the band around its reference). */
  get currentRegime(): bigint {
    return BigInt(this.regimeStarts.length - 1);
  }

  /** When regime `r` started (0 for regime 0). */
  regimeStartedAt(r: bigint): bigint {
    const t = this.regimeStarts[Number(r)];
    if (r < 0n || t === undefined) throw new RangeError(`regime ${r} has not started`);
    return t;
  }

  /** Reference price of an asset in the current regime (0 while never priced). */
  referencePrice(slot: number): bigint {
    return this.asset(slot, false).refPrice;
  }

  /** The grid step of the last sample (0: none yet). */
  get lastSample(): bigint {
    return this.lastStep;
  }

  /** Number of asset slots in use. */
  get assetCount(): number {
    return this.assets.length;
  }

  /** Number of perp markets. */
  get marketCount(): number {
    return this.markets.length;
  }

  /** The assets whose price froze in the last sample, with their valid-source counts. */
  get lastFrozen(): readonly FrozenAsset[] {
    return this.frozenLast;
  }

  /** What epoch `n` (1-based) published. */
  epoch(n: bigint): Epoch {
    if (n < 1n || n > this.currentEpoch) throw new RangeError(`epoch ${n} is not closed`);
    return { ...this.epochs[Number(n) - 1]! };
  }

  /** Current price of an asset (8 decimals; 0 while never priced). */
  price(slot: number): bigint {
    return this.asset(slot, true).price;
  }

  /** Current price of a market's underlying. */
  markPrice(market: number): bigint {
    return this.price(this.marketUnderlying(market));
  }

  /** Current haircuts of an asset (WAD). */
  haircuts(slot: number): MarginPair {
    const a = this.asset(slot, false);
    return { initial: a.hIM, maintenance: a.hMM };
  }

  /** Current weights of an asset (1e-30 USD per base unit). */
  weights(slot: number): MarginPair {
    const a = this.asset(slot, true);
    const decimals = this.config.assets[slot]!.decimals;
    return { initial: weightOf(a.price, a.hIM, decimals), maintenance: weightOf(a.price, a.hMM, decimals) };
  }

  /** Both weight vectors over all N_ASSETS slots (unused slots 0), as hashed into the current epoch. */
  weightVectors(): { initial: bigint[]; maintenance: bigint[] } {
    const initial = new Array<bigint>(N_ASSETS).fill(0n);
    const maintenance = new Array<bigint>(N_ASSETS).fill(0n);
    this.assets.forEach((a, i) => {
      const decimals = this.config.assets[i]!.decimals;
      initial[i] = weightOf(a.price, a.hIM, decimals);
      maintenance[i] = weightOf(a.price, a.hMM, decimals);
    });
    return { initial, maintenance };
  }

  /** Current margin ratios of a market (WAD). */
  marketRatios(market: number): MarginPair {
    const m = this.markets[this.checkMarket(market)]!;
    return { initial: m.imRatio, maintenance: m.mmRatio };
  }

  /** Current liquidation bonus of an asset (WAD). */
  liquidationBonus(slot: number): bigint {
    return liquidationBonusOf(this.asset(slot, false).hMM, this.config.risk.maxBonus);
  }

  /** Current volatility state of an asset. */
  volatility(slot: number): Volatility {
    const { varFast, varSlow, varPeak, frozen } = this.asset(slot, false);
    return { varFast, varSlow, varPeak, frozen };
  }

  /** The underlying asset slot of a market. */
  marketUnderlying(market: number): number {
    return this.config.marketUnderlyings[this.checkMarket(market)]!;
  }

  private maxVariance(a: AssetState): bigint {
    return max(max(a.varFast, a.varSlow), max(a.varPeak, this.config.risk.varianceFloor));
  }

  private asset(slot: number, needsEpoch: boolean): AssetState {
    const a = this.assets[slot];
    if (!Number.isInteger(slot) || a === undefined) throw new RangeError(`unknown asset slot ${slot}`);
    if (needsEpoch && this.epochs.length === 0) throw new RangeError("no epoch has been closed yet");
    return a;
  }

  private checkMarket(market: number): number {
    if (!Number.isInteger(market) || market < 0 || market >= this.markets.length) {
      throw new RangeError(`unknown market ${market}`);
    }
    return market;
  }
}

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
  uint("leaseBandBps", 16);
  uint("minSources", 8);
  uint("varianceFloor", 128);
  (
    ["lambdaFast", "lambdaSlow", "peakDecay", "kWad", "zWad", "haircutFloor", "haircutCap", "marginFloor", "marginCap", "imMultiplier", "maxTightenStep", "maxLoosenStep", "maxBonus"] as const
  ).forEach((f) => uint(f, 64));

  if (r.gridSeconds === 0n) fail("risk.gridSeconds", "is zero");
  if (r.maxStaleness === 0n) fail("risk.maxStaleness", "is zero");
  if (r.maxDeviationBps === 0n || r.maxDeviationBps > ORACLE_LIMITS.BPS) fail("risk.maxDeviationBps", "is not in (0, 10000]");
  if (r.minSources === 0n || r.minSources > BigInt(ORACLE_LIMITS.MAX_SOURCES)) fail("risk.minSources", "is not in [1, 5]");
  if (r.lambdaFast === 0n || r.lambdaFast >= WAD) fail("risk.lambdaFast", "is not in (0, WAD)");
  if (r.lambdaSlow < r.lambdaFast || r.lambdaSlow >= WAD) fail("risk.lambdaSlow", "is not in [lambdaFast, WAD)");
  if (r.peakDecay >= WAD) fail("risk.peakDecay", "is not below WAD");
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
  if (r.leaseBandBps === 0n || r.leaseBandBps > ORACLE_LIMITS.BPS) fail("risk.leaseBandBps", "is not in (0, 10000]");

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
 * Sensible constants for a grid of `gridSeconds` (default hourly): RiskMetrics daily lambda 0.94 and a slow
 * 0.995, a stress peak with a 30-day half-life, a 10% annual volatility floor, k = 1, z = 2.33 over a one-day
 * horizon, haircuts in [2%, 60%], margin ratios in [2%, 50%], initial = 1.5 x maintenance, tightening by at
 * most 10% and loosening by at most 0.5% per sample, liquidation bonus at most 10%, prices at most 2 hours
 * old, a 2% band around the median and at least 2 agreeing sources, and a new price regime (lapsing every
 * solvency lease) when a price moves 5% from its reference.
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
    peakDecay: decayPerSample(30 * DAY, g),
    varianceFloor: annualVolToVariancePerSample(0.1, g),
    kWad: WAD,
    zWad: pct(233),
    horizonSamples: BigInt(Math.max(1, Math.round(DAY / g))),
    haircutFloor: pct(2),
    haircutCap: pct(60),
    marginFloor: pct(2),
    marginCap: pct(50),
    imMultiplier: pct(150),
    maxTightenStep: pct(10),
    maxLoosenStep: pct(0.5),
    maxBonus: pct(10),
    leaseBandBps: 500n,
  };
}
