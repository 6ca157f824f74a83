// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IPoseidon4} from "../interfaces/IPoseidon.sol";
import {IMarketQuoter} from "../interfaces/IMarket.sol";

/// @title IPlimsollOracle
/// @notice Types, errors, events and external functions of the governance-free Plimsoll parameter oracle.
/// @dev All ratios are WAD fixed point (1e18 = 100%); prices are USD per whole token with 8 decimals;
///      weights are the value of one token base unit after its haircut, in units of 1e-30 USD.
///      As an `IMarketQuoter`, `marketQuote(market)` gives a perp market's mark price (the price of its
///      underlying, 8 decimals) and its initial and maintenance margin ratios (WAD) in one call: the perp
///      market names the oracle as the quoter of its instruments.
interface IPlimsollOracle is IMarketQuoter {
    /// @notice The scalar constants of the risk formula, fixed at deployment.
    struct RiskConfig {
        /// Sampling grid in seconds: at most one sample per `gridSeconds`. > 0.
        uint32 gridSeconds;
        /// A source answer older than this many seconds is invalid. > 0.
        uint32 maxStaleness;
        /// A valid answer further than this from the median of the valid answers is dropped. (0, 10000].
        uint16 maxDeviationBps;
        /// Fewer answers inside the band than this freezes the asset. [1, 5].
        uint8 minSources;
        /// Decay per sample of the fast EWMA variance (WAD). 0 < lambdaFast < WAD.
        uint64 lambdaFast;
        /// Decay per sample of the slow EWMA variance (WAD). lambdaFast <= lambdaSlow < WAD.
        uint64 lambdaSlow;
        /// Decay per sample of the stress peak (WAD). < WAD.
        uint64 peakDecay;
        /// Weight of the stress peak in the variance (WAD): the variance is at least peakWeight * varPeak, so
        /// the memory of the worst volatility keeps calm-time haircuts up (the stress component). (0, WAD].
        uint64 peakWeight;
        /// Per-sample variance floor (WAD). <= MAX_VARIANCE.
        uint128 varianceFloor;
        /// Model multiplier k (WAD). > 0.
        uint64 kWad;
        /// Confidence quantile z (WAD). > 0.
        uint64 zWad;
        /// Horizon in samples; sigma is scaled by its square root. > 0.
        uint32 horizonSamples;
        /// Bounds of the asset maintenance haircut (WAD). haircutFloor <= haircutCap < WAD.
        uint64 haircutFloor;
        uint64 haircutCap;
        /// Bounds of the market maintenance margin ratio (WAD). 0 < marginFloor <= marginCap <= WAD.
        uint64 marginFloor;
        uint64 marginCap;
        /// Initial over maintenance (WAD). >= WAD.
        uint64 imMultiplier;
        /// Largest rise of a maintenance haircut or ratio per sample (WAD). > 0.
        uint64 maxTightenStep;
        /// Largest fall of a maintenance haircut or ratio per sample (WAD). <= maxTightenStep.
        uint64 maxLoosenStep;
        /// Smallest rise of a maintenance haircut or ratio per frozen sample, up to its cap (WAD).
        /// (0, maxTightenStep].
        uint64 freezeStep;
        /// Cap on the liquidation bonus (WAD). <= WAD.
        uint64 maxBonus;
        /// A mark further from its reference than `leaseBandWad` times the asset's band (its lowest maintenance
        /// haircut since the regime started) starts a new price regime, which lapses every solvency lease
        /// proved in an older one (WAD). > 0.
        uint64 leaseBandWad;
        /// Plausibility: a new price further than this (basis points of the last valid price) from the last
        /// valid price, either way, counts only once confirmed. > 0.
        uint16 jumpBps;
        /// A jump counts at once when at least this many answers agree inside the band; otherwise only when
        /// the next sample confirms it. [minSources, 5].
        uint8 confirmSources;
        /// Per-sample EMA decay of the mark (WAD). < WAD.
        uint64 markLambda;
        /// The median enters the mark's EMA clamped to this band (basis points) around the mark: one sample
        /// moves the mark by at most this. (0, 10000).
        uint16 markBandBps;
        /// Circuit breaker: a sample whose return from the last valid price exceeds `breakerKWad` times the
        /// asset's volatility (sigma before the sample) trips the asset's breaker (WAD). > 0.
        uint64 breakerKWad;
        /// Samples an asset cools off after its breaker trips, the tripping sample included: its initial
        /// weight is 0 and its markets refuse new risk. [1, 255].
        uint8 breakerSamples;
    }

    /// @notice One collateral asset slot as given to the constructor.
    struct AssetConfig {
        /// The ERC-20 token. Non-zero, distinct across slots.
        address token;
        /// The token's decimals. <= 18.
        uint8 decimals;
        /// 1 to 5 distinct price sources (Chainlink-compatible aggregators), at least `minSources`.
        address[] sources;
        /// Starting per-sample variance (WAD) of the three volatility trackers. <= MAX_VARIANCE.
        uint256 initialVariance;
    }

    /// @notice What an epoch publishes for the circuits: its time and the hashes of its weight vectors.
    struct Epoch {
        /// Start of the grid step the epoch was sampled in (unix seconds).
        uint64 timestamp;
        /// Poseidon hash of the initial-margin weight vector (see `prover/src/encoding.ts`).
        uint256 initialWeightsHash;
        /// Poseidon hash of the maintenance-margin weight vector.
        uint256 maintenanceWeightsHash;
    }

    /// @notice Thrown when a scalar of the constructor arguments is out of range; `reason` names it.
    error InvalidConfig(string reason);
    /// @notice Thrown when asset slot `index` of the constructor arguments is invalid.
    error InvalidAsset(uint256 index, string reason);
    /// @notice Thrown when market `index` of the constructor arguments is invalid.
    error InvalidMarket(uint256 index, string reason);
    /// @notice Thrown when `asset` is not an asset slot of this oracle.
    error UnknownAsset(uint256 asset);
    /// @notice Thrown when `market` is not a market of this oracle.
    error UnknownMarket(uint256 market);
    /// @notice Thrown when `regime` has not started yet.
    error UnknownRegime(uint64 regime);
    /// @notice Thrown when `epoch` has not been closed (epochs start at 1).
    error UnknownEpoch(uint64 epoch);
    /// @notice Thrown when a view needs a closed epoch and none has been closed yet.
    error NoEpoch();
    /// @notice Thrown when `poke` has too little gas left to give a price source its full gas budget.
    error InsufficientGas();
    /// @notice Thrown when a weight would not fit 128 bits (unreachable with MAX_PRICE and 18 decimals).
    error WeightOverflow(uint256 asset, uint256 weight);

    /// @notice Emitted when a sample closes epoch `epoch`.
    event EpochClosed(
        uint64 indexed epoch, uint64 timestamp, uint256 initialWeightsHash, uint256 maintenanceWeightsHash
    );
    /// @notice Emitted when a sample finds some asset's mark outside its lease band around its reference:
    ///         regime `regime` starts at `timestamp` and every mark becomes the new reference.
    event RegimeChanged(uint64 indexed regime, uint64 timestamp);
    /// @notice Emitted when a sample finds asset `asset`'s return beyond `breakerKWad` sigmas: it cools off
    ///         for `breakerSamples` samples, this one included.
    event BreakerTripped(uint256 indexed asset, uint256 price, uint256 lastPrice);
    /// @notice Emitted for each asset whose price froze in a sample: fewer than `minSources` answers were
    ///         valid and inside the band (`validSources` of them).
    event PriceFrozen(uint256 indexed asset, uint256 validSources);
    /// @notice Emitted for each asset whose new median `price` jumped more than `jumpBps` from `lastPrice`
    ///         without confirmation: it does not count (the asset is frozen this sample) and waits for the
    ///         next sample to confirm it.
    event PriceUnconfirmed(uint256 indexed asset, uint256 price, uint256 lastPrice);

    /// @notice Samples every price source and closes a new epoch, at most once per grid step.
    /// @dev Permissionless. A second call in the same grid step changes nothing, so the outcome does not
    ///      depend on who calls or when within the step.
    /// @return sampled True when a new epoch was closed.
    function poke() external returns (bool sampled);

    /// @notice The last closed epoch (0: none yet).
    /// @return The epoch number.
    function currentEpoch() external view returns (uint64);

    /// @notice The grid step of the last sample (`timestamp / gridSeconds`; 0: none yet).
    /// @return The grid step.
    function lastSample() external view returns (uint64);

    /// @notice What epoch `epochNumber` published.
    /// @param epochNumber An epoch in [1, currentEpoch()].
    /// @return The epoch's timestamp and weight hashes.
    function epoch(uint64 epochNumber) external view returns (Epoch memory);

    /// @notice What a margin check at the current epoch needs, in one call (for the margin engine).
    /// @param maintenance True for the maintenance weight vector's hash, false for the initial one.
    /// @return number The current epoch.
    /// @return timestamp Its timestamp.
    /// @return weightsHash Poseidon hash of the chosen weight vector.
    /// @return regime The current price regime (see `currentRegime`).
    function currentEpochParams(bool maintenance)
        external
        view
        returns (uint64 number, uint64 timestamp, uint256 weightsHash, uint64 regime);

    /// @notice The current price regime: it starts at 0 and moves on whenever a sample finds a price
    ///         mark further from its reference (its mark when the regime started) than `leaseBandWad` times
    ///         its band (`referenceBand`). A solvency proof made in one regime says nothing reliable about
    ///         the next.
    /// @return The regime number.
    function currentRegime() external view returns (uint64);

    /// @notice When regime `regime` started (the timestamp of the epoch that started it; 0 for regime 0).
    /// @param regime A regime in [0, currentRegime()].
    /// @return The start time.
    function regimeStartedAt(uint64 regime) external view returns (uint64);

    /// @notice The reference price of an asset in the current regime: its mark when the regime started
    ///         (8 decimals; 0 while never priced).
    /// @param slot The asset slot.
    /// @return The reference price.
    function referencePrice(uint256 slot) external view returns (uint256);

    /// @notice The band unit of an asset in the current regime: its lowest maintenance haircut since the
    ///         regime started (WAD). The regime changes when the mark moves more than `leaseBandWad` times it.
    /// @param slot The asset slot.
    /// @return The band.
    function referenceBand(uint256 slot) external view returns (uint256);

    /// @notice A jump of an asset's median waiting for confirmation by the next sample (0: none).
    /// @param slot The asset slot.
    /// @return The pending price (8 decimals).
    function pendingPrice(uint256 slot) external view returns (uint256);

    /// @notice The mark of an asset: an EMA of the sampled medians, each clamped to `markBandBps` around the
    ///         mark before it enters. Maintenance weights, seizures and the markets' marks use it.
    /// @param slot The asset slot.
    /// @return The mark (8 decimals; 0 while never priced).
    function assetMark(uint256 slot) external view returns (uint256);

    /// @notice What a liquidation needs of a collateral slot, in one call (for the margin engine).
    /// @param slot The asset slot.
    /// @return mark The asset's mark (8 decimals): seized collateral is priced at it.
    /// @return decimals The token's decimals.
    /// @return bonus Current liquidation bonus (WAD).
    function seizureQuote(uint256 slot) external view returns (uint256 mark, uint8 decimals, uint256 bonus);

    /// @notice The latest valid median of an asset, USD per whole token with 8 decimals (a confirmed one:
    ///         an unconfirmed jump does not count).
    /// @param slot The asset slot.
    /// @return The price; 0 while no source of the asset has ever been valid.
    function price(uint256 slot) external view returns (uint256);

    /// @notice The mark price of a perp market: the mark of its underlying (`assetMark`).
    /// @param market The market index.
    /// @return The price, USD per whole underlying token with 8 decimals (0 while unpriced).
    function markPrice(uint256 market) external view returns (uint256);

    /// @notice The current haircuts of an asset (WAD).
    /// @param slot The asset slot.
    /// @return initial The initial-margin haircut.
    /// @return maintenance The maintenance-margin haircut.
    function haircuts(uint256 slot) external view returns (uint256 initial, uint256 maintenance);

    /// @notice The current weights of an asset: value of one base unit after the haircut, in 1e-30 USD. The
    ///         initial weight is 0 while the asset is frozen or cooling off (`riskState`).
    /// @param slot The asset slot.
    /// @return initial The initial-margin weight.
    /// @return maintenance The maintenance-margin weight.
    function weights(uint256 slot) external view returns (uint256 initial, uint256 maintenance);

    /// @notice Both weight vectors of the current epoch over all 16 slots (unused slots are 0).
    /// @return initial The initial-margin weights; their hash is the epoch's `initialWeightsHash`.
    /// @return maintenance The maintenance-margin weights; their hash is the epoch's `maintenanceWeightsHash`.
    function weightVectors() external view returns (uint256[16] memory initial, uint256[16] memory maintenance);

    /// @notice The up weights of the current epoch's scenario grid over all 16 slots (unused slots are 0):
    ///         the value of one base unit after a move up by the asset's haircut,
    ///         floor(P * (WAD + h) * scale / WAD), with P and h as for the weight vectors (initial: the lower of
    ///         price and mark and hIM, 0 while halted; maintenance: the mark and hMM). The down weights are
    ///         the weight vectors themselves. Hashed (as `weightsHash`) into `currentScenarioParams`.
    /// @return initial The initial-margin up weights.
    /// @return maintenance The maintenance-margin up weights.
    function upWeightVectors() external view returns (uint256[16] memory initial, uint256[16] memory maintenance);

    /// @notice What a portfolio-margin check at the current epoch needs, in one call (for the margin engine):
    ///         `currentEpochParams` plus the hash of the matching up-weight vector (see `upWeightVectors`),
    ///         computed in `poke`.
    /// @param maintenance True for the maintenance grid, false for the initial one.
    function currentScenarioParams(bool maintenance)
        external
        view
        returns (uint64 number, uint64 timestamp, uint256 weightsHash, uint256 upHash, uint64 regime);

    /// @notice The current margin ratios of a perp market (WAD of notional).
    /// @param market The market index.
    /// @return initial The initial margin ratio.
    /// @return maintenance The maintenance margin ratio.
    function marketRatios(uint256 market) external view returns (uint256 initial, uint256 maintenance);

    /// @notice The liquidation bonus of an asset (WAD), bounded so that (1 + bonus) * (1 - hMM) <= 1.
    /// @param slot The asset slot.
    /// @return The bonus.
    function liquidationBonus(uint256 slot) external view returns (uint256);

    /// @notice The risk state of an asset in the current epoch: no new risk may depend on it while it is
    ///         frozen or cooling off (its initial weight is 0 and its markets are halted).
    /// @param slot The asset slot.
    /// @return frozen Whether the asset's price froze in the last sample.
    /// @return coolingOff Samples of cooling-off left, this epoch's included (0: the breaker is not tripped).
    function riskState(uint256 slot) external view returns (bool frozen, uint256 coolingOff);

    /// @notice Whether a perp market refuses new risk in the current epoch: its underlying is frozen or
    ///         cooling off. The same flag is `marketQuote`'s `halted`.
    /// @param market The market index.
    /// @return True while halted.
    function marketHalted(uint256 market) external view returns (bool);

    /// @notice The volatility state of an asset.
    /// @param slot The asset slot.
    /// @return varFast The fast EWMA of squared returns (per-sample variance, WAD).
    /// @return varSlow The slow EWMA of squared returns.
    /// @return varPeak The decaying peak of `varFast`.
    /// @return frozen Whether the asset's price froze in the last sample.
    function volatility(uint256 slot)
        external
        view
        returns (uint256 varFast, uint256 varSlow, uint256 varPeak, bool frozen);

    /// @notice Number of asset slots in use (slots 0 .. assetCount-1).
    /// @return The count.
    function assetCount() external view returns (uint256);

    /// @notice An asset slot's token.
    /// @param slot The asset slot.
    /// @return token The ERC-20 token.
    /// @return decimals The token's decimals.
    function asset(uint256 slot) external view returns (address token, uint8 decimals);

    /// @notice An asset slot's price sources.
    /// @param slot The asset slot.
    /// @return The sources, in constructor order.
    function sources(uint256 slot) external view returns (address[] memory);

    /// @notice Number of perp markets.
    /// @return The count.
    function marketCount() external view returns (uint256);

    /// @notice The underlying asset slot of a perp market.
    /// @param market The market index.
    /// @return The asset slot.
    function marketUnderlying(uint256 market) external view returns (uint256);

    /// @notice k * z * sqrt(horizonSamples) (WAD), the factor from sigma to the unclamped haircut.
    /// @return The multiplier.
    function riskMultiplier() external view returns (uint256);

    /// @notice The Poseidon hasher of four field elements used for the weight hashes.
    /// @return The hasher.
    function hasher() external view returns (IPoseidon4);

    // The `RiskConfig` scalars, each as given to the constructor (see the struct for meaning and bounds).

    /// @notice `RiskConfig.gridSeconds`.
    /// @return The value.
    function gridSeconds() external view returns (uint32);
    /// @notice `RiskConfig.maxStaleness`.
    /// @return The value.
    function maxStaleness() external view returns (uint32);
    /// @notice `RiskConfig.maxDeviationBps`.
    /// @return The value.
    function maxDeviationBps() external view returns (uint16);
    /// @notice `RiskConfig.minSources`.
    /// @return The value.
    function minSources() external view returns (uint8);
    /// @notice `RiskConfig.lambdaFast`.
    /// @return The value.
    function lambdaFast() external view returns (uint64);
    /// @notice `RiskConfig.lambdaSlow`.
    /// @return The value.
    function lambdaSlow() external view returns (uint64);
    /// @notice `RiskConfig.peakDecay`.
    /// @return The value.
    function peakDecay() external view returns (uint64);
    /// @notice `RiskConfig.varianceFloor`.
    /// @return The value.
    function varianceFloor() external view returns (uint128);
    /// @notice `RiskConfig.kWad`.
    /// @return The value.
    function kWad() external view returns (uint64);
    /// @notice `RiskConfig.zWad`.
    /// @return The value.
    function zWad() external view returns (uint64);
    /// @notice `RiskConfig.horizonSamples`.
    /// @return The value.
    function horizonSamples() external view returns (uint32);
    /// @notice `RiskConfig.haircutFloor`.
    /// @return The value.
    function haircutFloor() external view returns (uint64);
    /// @notice `RiskConfig.haircutCap`.
    /// @return The value.
    function haircutCap() external view returns (uint64);
    /// @notice `RiskConfig.marginFloor`.
    /// @return The value.
    function marginFloor() external view returns (uint64);
    /// @notice `RiskConfig.marginCap`.
    /// @return The value.
    function marginCap() external view returns (uint64);
    /// @notice `RiskConfig.imMultiplier`.
    /// @return The value.
    function imMultiplier() external view returns (uint64);
    /// @notice `RiskConfig.maxTightenStep`.
    /// @return The value.
    function maxTightenStep() external view returns (uint64);
    /// @notice `RiskConfig.maxLoosenStep`.
    /// @return The value.
    function maxLoosenStep() external view returns (uint64);
    /// @notice `RiskConfig.maxBonus`.
    /// @return The value.
    function maxBonus() external view returns (uint64);
    /// @notice `RiskConfig.peakWeight`.
    /// @return The value.
    function peakWeight() external view returns (uint64);
    /// @notice `RiskConfig.freezeStep`.
    /// @return The value.
    function freezeStep() external view returns (uint64);
    /// @notice `RiskConfig.leaseBandWad`.
    /// @return The value.
    function leaseBandWad() external view returns (uint64);
    /// @notice `RiskConfig.jumpBps`.
    /// @return The value.
    function jumpBps() external view returns (uint16);
    /// @notice `RiskConfig.confirmSources`.
    /// @return The value.
    function confirmSources() external view returns (uint8);
    /// @notice `RiskConfig.markLambda`.
    /// @return The value.
    function markLambda() external view returns (uint64);
    /// @notice `RiskConfig.markBandBps`.
    /// @return The value.
    function markBandBps() external view returns (uint16);
    /// @notice `RiskConfig.breakerKWad`.
    /// @return The value.
    function breakerKWad() external view returns (uint64);
    /// @notice `RiskConfig.breakerSamples`.
    /// @return The value.
    function breakerSamples() external view returns (uint8);
}
