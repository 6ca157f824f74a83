/**
 * The Plimsoll parameter oracle in TypeScript: a bit-exact mirror of `contracts/oracle/PlimsollOracle.sol`.
 *
 * `OracleModel.sample` does what `poke()` does with the same integer arithmetic (bigint, floor unless the
 * contract rounds up), so a prover can compute an epoch's weights and their hashes off-chain and a test can
 * check the contract against it. The formula is described in `contracts/oracle/README.md`.
 */
import { N_ASSETS, WAD } from "../constants.js";
import { weightsHash } from "../encoding.js";
import type { SyncPoseidon } from "../poseidon.js";
import { type OracleConfig, type SourceReading, type Epoch, type MarginPair, type Volatility, type FrozenAsset, type RiskState, type UnconfirmedPrice } from "./types.js";
import { riskMultiplierOf, aggregate, squaredReturn, ewma, targetRatio, rateLimit, initialOf, weightOf, upWeightOf, leftBand, liquidationBonusOf, max, min, breakerTrips, coolDown, isJump, confirmsPending, nextMark } from "./math.js";
import { validateConfig } from "./config.js";

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
  /** The price froze in the last sample (no price, or an unconfirmed jump). */
  frozen: boolean;
  /** The mark: EMA of the medians, each clamped around the mark (step 3c), 8 decimals; 0 until a first price. */
  mark: bigint;
  /** Mark when the current regime started (or the first price since), 8 decimals. */
  refPrice: bigint;
  /** The lowest maintenance haircut since the current regime started (WAD): the regime's band unit. */
  refBand: bigint;
  /** A jump waiting for its confirmation (step 2b), 8 decimals; 0: none. */
  pending: bigint;
  /** Samples of cooling-off left after the breaker tripped, the current epoch's included. */
  coolingOff: bigint;
}

interface MarketState {
  mmRatio: bigint;
  imRatio: bigint;
  /** The underlying is frozen or cooling off: no new risk. */
  halted: boolean;
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
  private trippedLast: number[] = [];
  private unconfirmedLast: UnconfirmedPrice[] = [];
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
      return { price: 0n, varFast: v, varSlow: v, varPeak: v, hMM, hIM: initialOf(hMM, risk.imMultiplier), frozen: false, mark: 0n, refPrice: 0n, refBand: hMM, pending: 0n, coolingOff: 0n };
    });
    this.markets = config.marketUnderlyings.map((u) => {
      const v = max(config.assets[u]!.initialVariance, risk.varianceFloor);
      const mmRatio = targetRatio(v, this.riskMultiplier, risk.marginFloor, risk.marginCap);
      return { mmRatio, imRatio: initialOf(mmRatio, risk.imMultiplier), halted: false };
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
    this.trippedLast = [];
    this.unconfirmedLast = [];

    let moved = false;
    const variances = this.assets.map((a, i) => {
      const aggregated = aggregate(answers[i]!, timestamp, risk);
      let price = aggregated.price;
      let tripped = false;
      if (price === 0n) {
        this.frozenLast.push({ asset: i, validSources: aggregated.kept });
      } else if (a.price !== 0n && isJump(price, a.price, risk.jumpBps)) {
        // Step 2b: a jump counts once enough sources agree or a second sample confirms it.
        if (BigInt(aggregated.kept) >= risk.confirmSources || confirmsPending(price, a.pending, risk.maxDeviationBps)) {
          a.pending = 0n;
        } else {
          this.unconfirmedLast.push({ asset: i, price, lastPrice: a.price });
          a.pending = price;
          price = 0n;
        }
      } else {
        a.pending = 0n;
      }
      const frozen = price === 0n;
      if (!frozen) {
        if (a.price !== 0n) {
          const r2 = squaredReturn(price, a.price);
          // Step 3b: the breaker compares the return with the volatility before this sample.
          tripped = breakerTrips(r2, this.maxVariance(a), risk.breakerKWad);
          if (tripped) this.trippedLast.push(i);
          a.varFast = ewma(a.varFast, r2, risk.lambdaFast);
          a.varSlow = ewma(a.varSlow, r2, risk.lambdaSlow);
          a.varPeak = max(a.varFast, (a.varPeak * risk.peakDecay) / WAD);
        }
        a.price = price;
        a.mark = nextMark(a.mark, price, risk.markLambda, risk.markBandBps);
        if (a.refPrice === 0n) a.refPrice = a.mark;
        else moved ||= leftBand(a.mark, a.refPrice, a.refBand, risk.leaseBandWad);
      }
      const v = this.maxVariance(a);
      const target = targetRatio(v, this.riskMultiplier, risk.haircutFloor, risk.haircutCap);
      a.hMM = rateLimit(a.hMM, target, frozen, risk.maxTightenStep, risk.maxLoosenStep, risk.freezeStep, risk.haircutCap);
      a.hIM = initialOf(a.hMM, risk.imMultiplier);
      a.refBand = min(a.refBand, a.hMM);
      a.frozen = frozen;
      a.coolingOff = coolDown(a.coolingOff, tripped, risk.breakerSamples);
      return v;
    });

    this.config.marketUnderlyings.forEach((u, j) => {
      const m = this.markets[j]!;
      const target = targetRatio(variances[u]!, this.riskMultiplier, risk.marginFloor, risk.marginCap);
      m.mmRatio = rateLimit(m.mmRatio, target, this.assets[u]!.frozen, risk.maxTightenStep, risk.maxLoosenStep, risk.freezeStep, risk.marginCap);
      m.imRatio = initialOf(m.mmRatio, risk.imMultiplier);
      m.halted = this.isHalted(this.assets[u]!);
    });

    if (moved) {
      // Step 11: a new regime starts; every priced asset's reference becomes its mark, its band its haircut.
      this.regimeStarts.push(step * risk.gridSeconds);
      for (const a of this.assets) {
        a.refPrice = a.mark;
        a.refBand = a.hMM;
      }
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

  /** The assets whose new price was an unconfirmed jump in the last sample (the contract's `PriceUnconfirmed` events). */
  get lastUnconfirmed(): readonly UnconfirmedPrice[] {
    return this.unconfirmedLast;
  }

  /** The assets whose breaker tripped in the last sample (the contract's `BreakerTripped` events). */
  get lastTripped(): readonly number[] {
    return this.trippedLast;
  }

  /** The risk state of an asset: frozen, and the cooling-off samples left (the contract's `riskState`). */
  riskState(slot: number): RiskState {
    const a = this.asset(slot, false);
    return { frozen: a.frozen, coolingOff: a.coolingOff };
  }

  /** Whether an asset takes no new risk in the current epoch (frozen or cooling off): its initial weight is 0. */
  assetHalted(slot: number): boolean {
    return this.isHalted(this.asset(slot, false));
  }

  /** Whether a market refuses new risk in the current epoch (its underlying is halted; `marketQuote`'s `halted`). */
  marketHalted(market: number): boolean {
    return this.markets[this.checkMarket(market)]!.halted;
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

  /** Mark of an asset (step 3c; 8 decimals; 0 while never priced): maintenance weights, seizures and markets use it. */
  assetMark(slot: number): bigint {
    return this.asset(slot, true).mark;
  }

  /** Mark of a market: its underlying's mark. Trades, requirements, force-closes and liquidations settle at it. */
  markPrice(market: number): bigint {
    return this.assetMark(this.marketUnderlying(market));
  }

  /** A jump of an asset's price waiting for its confirmation (0: none; the contract's `pendingPrice`). */
  pendingPrice(slot: number): bigint {
    return this.asset(slot, false).pending;
  }

  /** The lowest maintenance haircut of an asset since the regime started (WAD; the contract's `referenceBand`). */
  referenceBand(slot: number): bigint {
    return this.asset(slot, false).refBand;
  }

  /** Current haircuts of an asset (WAD). */
  haircuts(slot: number): MarginPair {
    const a = this.asset(slot, false);
    return { initial: a.hIM, maintenance: a.hMM };
  }

  /** Current weights of an asset (1e-30 USD per base unit); the initial one is 0 while the asset is halted. */
  weights(slot: number): MarginPair {
    const a = this.asset(slot, true);
    const decimals = this.config.assets[slot]!.decimals;
    return { initial: this.initialWeight(a, decimals), maintenance: weightOf(a.mark, a.hMM, decimals) };
  }

  /** Both weight vectors over all N_ASSETS slots (unused slots 0), as hashed into the current epoch. */
  weightVectors(): { initial: bigint[]; maintenance: bigint[] } {
    const initial = new Array<bigint>(N_ASSETS).fill(0n);
    const maintenance = new Array<bigint>(N_ASSETS).fill(0n);
    this.assets.forEach((a, i) => {
      const decimals = this.config.assets[i]!.decimals;
      initial[i] = this.initialWeight(a, decimals);
      maintenance[i] = weightOf(a.mark, a.hMM, decimals);
    });
    return { initial, maintenance };
  }

  /**
   * The scenario grid's up weights over all N_ASSETS slots (PlimsollOracle.upWeightVectors): P and h as in
   * `weightVectors`, moved up by h instead of down; the initial one 0 while halted.
   */
  upWeightVectors(): { initial: bigint[]; maintenance: bigint[] } {
    if (this.epochs.length === 0) throw new RangeError("no epoch has been closed yet");
    const initial = new Array<bigint>(N_ASSETS).fill(0n);
    const maintenance = new Array<bigint>(N_ASSETS).fill(0n);
    this.assets.forEach((a, i) => {
      const decimals = this.config.assets[i]!.decimals;
      if (!this.isHalted(a)) initial[i] = upWeightOf(min(a.price, a.mark), a.hIM, decimals);
      maintenance[i] = upWeightOf(a.mark, a.hMM, decimals);
    });
    return { initial, maintenance };
  }

  /** The hashes of the current up-weight vectors (PlimsollOracle.currentScenarioParams' upHash). */
  upHashes(): { initial: bigint; maintenance: bigint } {
    const { initial, maintenance } = this.upWeightVectors();
    return { initial: weightsHash(this.hash, initial), maintenance: weightsHash(this.hash, maintenance) };
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

  private isHalted(a: AssetState): boolean {
    return a.frozen || a.coolingOff !== 0n;
  }

  /**
   * The initial weight as hashed into the epoch: at the lower of the mark and the latest median (new risk
   * rests on neither a spike up nor a lagging mark), 0 while the asset is frozen or cooling off.
   */
  private initialWeight(a: AssetState, decimals: number): bigint {
    return this.isHalted(a) ? 0n : weightOf(min(a.price, a.mark), a.hIM, decimals);
  }

  /** Step 4: max(varFast, varSlow, peakWeight * varPeak, varianceFloor). */
  private maxVariance(a: AssetState): bigint {
    const risk = this.config.risk;
    return max(max(a.varFast, a.varSlow), max((a.varPeak * risk.peakWeight) / WAD, risk.varianceFloor));
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

// The model's public names, defined in the files above, stay importable from here.
export * from "./types.js";
export {
  aggregate,
  breakerTrips,
  confirmsPending,
  coolDown,
  ewma,
  initialOf,
  isJump,
  isqrt,
  leftBand,
  liquidationBonusOf,
  median,
  mulDiv,
  mulDivUp,
  nextMark,
  normaliseReading,
  rateLimit,
  riskMultiplierOf,
  squaredReturn,
  targetRatio,
  weightOf,
  upWeightOf,
} from "./math.js";
export * from "./config.js";
