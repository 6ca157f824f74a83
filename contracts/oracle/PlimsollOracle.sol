// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "../interfaces/AggregatorV3Interface.sol";
import {IPoseidon4} from "../interfaces/IPoseidon.sol";
import {IPlimsollOracle} from "./IPlimsollOracle.sol";
import {IMarketQuoter} from "../interfaces/IMarket.sol";
import {OracleMath} from "./OracleMath.sol";
import {
    BPS,
    MAX_MARKETS as MARKET_LIMIT,
    N_ASSETS,
    PRICE_DECIMALS as ORACLE_PRICE_DECIMALS,
    VALUE_DECIMALS as WEIGHT_VALUE_DECIMALS,
    WAD
} from "../libraries/Constants.sol";

/// @title PlimsollOracle
/// @notice Governance-free parameter oracle: prices, haircuts, weights, liquidation bonuses and perp margin
///         ratios, each a fixed function of the observed prices. No owner, no admin, no setter, no pause, no
///         proxy: every constant is set in the constructor, and `poke` is the only function that writes state.
/// @dev The formula is in `contracts/oracle/README.md`; `prover/src/oracle/model.ts` mirrors it bit for bit.
///      Bounds that keep the packed storage and the checked arithmetic safe:
///      prices <= MAX_PRICE < 2^54; returns |r| < 2 so r^2 < 4 WAD and every variance <= MAX_VARIANCE < 2^62;
///      haircuts and ratios <= WAD < 2^60; weights <= MAX_PRICE * 10^22 < 2^127.
contract PlimsollOracle is IPlimsollOracle {
    using OracleMath for uint256;
    using OracleMath for uint256[];

    /// @notice Number of asset slots the circuits are compiled for.
    uint256 public constant MAX_ASSETS = N_ASSETS;
    /// @notice Largest number of perp markets.
    uint256 public constant MAX_MARKETS = MARKET_LIMIT;
    /// @notice Largest number of price sources per asset.
    uint256 public constant MAX_SOURCES = 5;
    /// @notice Decimals of oracle prices (USD per whole token).
    uint256 public constant PRICE_DECIMALS = ORACLE_PRICE_DECIMALS;
    /// @notice Largest accepted price (1e8 USD per whole token): keeps every weight below 2^128.
    uint256 public constant MAX_PRICE = 1e16;
    /// @notice Tokens with more decimals are rejected.
    uint256 public constant MAX_TOKEN_DECIMALS = 18;
    /// @notice Weights are in units of 10^-VALUE_DECIMALS USD.
    uint256 public constant VALUE_DECIMALS = WEIGHT_VALUE_DECIMALS;
    /// @notice Largest per-sample variance (WAD): a return 2|p-q|/(p+q) is below 2, its square below 4.
    uint256 public constant MAX_VARIANCE = 4e18;
    /// @notice Gas given to each call to a price source; a source that needs more is invalid.
    uint256 public constant SOURCE_CALL_GAS = 100_000;
    /// @dev Gas `poke` must hold before a source call so that the source surely receives SOURCE_CALL_GAS
    ///      (the 63/64 rule, plus the cost of the call itself): no caller can starve a source into failing.
    uint256 internal constant SOURCE_CALL_GAS_NEEDED = SOURCE_CALL_GAS + SOURCE_CALL_GAS / 63 + 5_000;

    /// @dev The mutable state of an asset: three storage slots, written by the constructor and `poke` only.
    struct AssetState {
        // slot 1
        uint64 price; // latest valid (confirmed) median, USD per whole token, 8 decimals; 0 until a first one
        uint64 varFast; // WAD
        uint64 varSlow; // WAD
        uint64 varPeak; // WAD
        // slot 2
        uint64 hMM; // maintenance haircut, WAD
        uint64 hIM; // initial haircut, WAD
        uint64 mark; // EMA of the clamped medians (step 3c), 8 decimals; 0 until a first price
        uint64 refPrice; // mark when the current regime started (or the first price since), 8 decimals
        // slot 3
        uint64 refBand; // lowest hMM since the current regime started, WAD
        uint64 pending; // a jump waiting for confirmation (step 2b), 8 decimals; 0: none
        bool frozen; // the price froze in the last sample (no price, or an unconfirmed jump)
        uint8 coolingOff; // samples of cooling-off left after the breaker tripped, this epoch's included
    }

    /// @dev The mutable state of a perp market: one storage slot, written by the constructor and `poke` only.
    ///      `mark` copies the underlying's mark at each sample so that a margin check reads one slot.
    struct MarketState {
        uint64 mmRatio; // WAD
        uint64 imRatio; // WAD
        uint64 mark; // mark of the underlying, 8 decimals
        bool halted; // the underlying is frozen or cooling off: no new risk
    }

    /// @inheritdoc IPlimsollOracle
    IPoseidon4 public immutable hasher;
    /// @inheritdoc IPlimsollOracle
    uint32 public immutable gridSeconds;
    /// @inheritdoc IPlimsollOracle
    uint32 public immutable maxStaleness;
    /// @inheritdoc IPlimsollOracle
    uint16 public immutable maxDeviationBps;
    /// @inheritdoc IPlimsollOracle
    uint8 public immutable minSources;
    /// @inheritdoc IPlimsollOracle
    uint64 public immutable lambdaFast;
    /// @inheritdoc IPlimsollOracle
    uint64 public immutable lambdaSlow;
    /// @inheritdoc IPlimsollOracle
    uint64 public immutable peakDecay;
    /// @inheritdoc IPlimsollOracle
    uint128 public immutable varianceFloor;
    /// @inheritdoc IPlimsollOracle
    uint64 public immutable kWad;
    /// @inheritdoc IPlimsollOracle
    uint64 public immutable zWad;
    /// @inheritdoc IPlimsollOracle
    uint32 public immutable horizonSamples;
    /// @inheritdoc IPlimsollOracle
    uint64 public immutable haircutFloor;
    /// @inheritdoc IPlimsollOracle
    uint64 public immutable haircutCap;
    /// @inheritdoc IPlimsollOracle
    uint64 public immutable marginFloor;
    /// @inheritdoc IPlimsollOracle
    uint64 public immutable marginCap;
    /// @inheritdoc IPlimsollOracle
    uint64 public immutable imMultiplier;
    /// @inheritdoc IPlimsollOracle
    uint64 public immutable maxTightenStep;
    /// @inheritdoc IPlimsollOracle
    uint64 public immutable maxLoosenStep;
    /// @inheritdoc IPlimsollOracle
    uint64 public immutable maxBonus;
    /// @inheritdoc IPlimsollOracle
    uint64 public immutable peakWeight;
    /// @inheritdoc IPlimsollOracle
    uint64 public immutable freezeStep;
    /// @inheritdoc IPlimsollOracle
    uint64 public immutable leaseBandWad;
    /// @inheritdoc IPlimsollOracle
    uint16 public immutable jumpBps;
    /// @inheritdoc IPlimsollOracle
    uint8 public immutable confirmSources;
    /// @inheritdoc IPlimsollOracle
    uint64 public immutable markLambda;
    /// @inheritdoc IPlimsollOracle
    uint16 public immutable markBandBps;
    /// @inheritdoc IPlimsollOracle
    uint64 public immutable breakerKWad;
    /// @inheritdoc IPlimsollOracle
    uint8 public immutable breakerSamples;
    /// @inheritdoc IPlimsollOracle
    uint256 public immutable riskMultiplier;
    /// @inheritdoc IPlimsollOracle
    uint256 public immutable assetCount;
    /// @inheritdoc IPlimsollOracle
    uint256 public immutable marketCount;

    /// @dev Byte i: decimals of asset i.
    uint256 private immutable _assetDecimals;
    /// @dev Byte i: number of price sources of asset i.
    uint256 private immutable _sourceCounts;
    /// @dev Byte j: underlying asset slot of market j.
    uint256 private immutable _marketUnderlyings;
    /// @dev Poseidon4(0, 0, 0, 0): the hash of a group of four zero weights, computed once.
    uint256 private immutable _zeroGroupHash;

    /// @inheritdoc IPlimsollOracle
    uint64 public lastSample;
    /// @inheritdoc IPlimsollOracle
    uint64 public currentEpoch;
    /// @dev Timestamp of `currentEpoch`, in the same storage slot so a margin check reads it for free.
    uint64 private _currentEpochTimestamp;
    /// @inheritdoc IPlimsollOracle
    uint64 public currentRegime;
    /// @dev Hashes of the current epoch's up-weight vectors (the scenario grid, see `upWeightVectors`).
    uint256 private _initialUpHash;
    uint256 private _maintenanceUpHash;

    AssetState[MAX_ASSETS] private _assets;
    MarketState[MAX_MARKETS] private _markets;
    /// @dev Token of each asset slot: written only in the constructor.
    address[MAX_ASSETS] private _tokens;
    /// @dev Price sources of each asset slot: written only in the constructor.
    address[MAX_SOURCES][MAX_ASSETS] private _sources;
    mapping(uint64 epochNumber => Epoch) private _epochs;
    mapping(uint64 regime => uint64 startedAt) private _regimeStarts;

    /// @notice Fixes every constant of the oracle. Nothing can change them afterwards.
    /// @param hasher_ The circomlibjs Poseidon hasher of four field elements.
    /// @param risk The scalar constants of the formula (see `RiskConfig` for bounds).
    /// @param assets 1 to 16 asset slots; slot i is asset i of the weight vectors.
    /// @param marketUnderlyings 0 to 8 perp markets, each given by its underlying asset slot.
    constructor(
        IPoseidon4 hasher_,
        RiskConfig memory risk,
        AssetConfig[] memory assets,
        uint8[] memory marketUnderlyings
    ) {
        _validateRisk(risk);
        if (address(hasher_).code.length == 0) revert InvalidConfig("hasher has no code");
        if (assets.length == 0 || assets.length > MAX_ASSETS) revert InvalidConfig("asset count not in [1, 16]");
        if (marketUnderlyings.length > MAX_MARKETS) revert InvalidConfig("market count above 8");

        uint256 multiplier = OracleMath.riskMultiplier(risk.kWad, risk.zWad, risk.horizonSamples);

        hasher = hasher_;
        gridSeconds = risk.gridSeconds;
        maxStaleness = risk.maxStaleness;
        maxDeviationBps = risk.maxDeviationBps;
        minSources = risk.minSources;
        lambdaFast = risk.lambdaFast;
        lambdaSlow = risk.lambdaSlow;
        peakDecay = risk.peakDecay;
        varianceFloor = risk.varianceFloor;
        kWad = risk.kWad;
        zWad = risk.zWad;
        horizonSamples = risk.horizonSamples;
        haircutFloor = risk.haircutFloor;
        haircutCap = risk.haircutCap;
        marginFloor = risk.marginFloor;
        marginCap = risk.marginCap;
        imMultiplier = risk.imMultiplier;
        maxTightenStep = risk.maxTightenStep;
        maxLoosenStep = risk.maxLoosenStep;
        maxBonus = risk.maxBonus;
        peakWeight = risk.peakWeight;
        freezeStep = risk.freezeStep;
        leaseBandWad = risk.leaseBandWad;
        jumpBps = risk.jumpBps;
        confirmSources = risk.confirmSources;
        markLambda = risk.markLambda;
        markBandBps = risk.markBandBps;
        breakerKWad = risk.breakerKWad;
        breakerSamples = risk.breakerSamples;
        riskMultiplier = multiplier;
        assetCount = assets.length;
        marketCount = marketUnderlyings.length;

        (uint256 decimalsPacked, uint256 countsPacked) = _initAssets(assets, risk, multiplier);
        _assetDecimals = decimalsPacked;
        _sourceCounts = countsPacked;
        _marketUnderlyings = _initMarkets(marketUnderlyings, assets, risk, multiplier);
        _zeroGroupHash = hasher_.poseidon([uint256(0), 0, 0, 0]);
    }

    // ---------------------------------------------------------------------------------------------
    // Sampling
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IPlimsollOracle
    function poke() external returns (bool sampled) {
        uint64 step = uint64(block.timestamp / gridSeconds);
        if (step <= lastSample) return false;
        lastSample = step;

        uint256[MAX_ASSETS] memory wIM;
        uint256[MAX_ASSETS] memory wMM;
        uint256[MAX_ASSETS] memory variance;
        uint256 frozenMask;
        uint256 haltedMask;
        bool moved;
        uint256 n = assetCount;
        for (uint256 i; i < n; ++i) {
            bool frozen;
            bool halted;
            bool assetMoved;
            (variance[i], frozen, halted, assetMoved, wIM[i], wMM[i]) = _sampleAsset(i);
            if (frozen) frozenMask |= 1 << i;
            if (halted) haltedMask |= 1 << i;
            moved = moved || assetMoved;
        }
        _sampleMarkets(variance, frozenMask, haltedMask);
        if (moved) _startRegime(step * gridSeconds);

        uint64 epochNumber = currentEpoch + 1;
        currentEpoch = epochNumber;
        Epoch memory closed = Epoch({
            timestamp: step * gridSeconds,
            initialWeightsHash: _hashWeights(wIM),
            maintenanceWeightsHash: _hashWeights(wMM)
        });
        _epochs[epochNumber] = closed;
        _currentEpochTimestamp = closed.timestamp;
        (uint256[MAX_ASSETS] memory upIM, uint256[MAX_ASSETS] memory upMM) = _upWeightVectors();
        _initialUpHash = _hashWeights(upIM);
        _maintenanceUpHash = _hashWeights(upMM);
        emit EpochClosed(epochNumber, closed.timestamp, closed.initialWeightsHash, closed.maintenanceWeightsHash);
        return true;
    }

    /// @dev Steps 1-7 of the formula for asset `slot`: aggregates the sources, checks the jump's plausibility,
    ///      the circuit breaker, updates the volatility and the mark, rate-limits the haircuts and returns the
    ///      max variance (for the markets), the frozen and halted flags, whether the mark left the band around
    ///      its reference (step 11), and both weights (the initial one 0 while halted).
    function _sampleAsset(uint256 slot)
        private
        returns (uint256 variance, bool frozen, bool halted, bool moved, uint256 weightIM, uint256 weightMM)
    {
        (uint256 newPrice, uint256 kept) = _aggregate(slot);
        AssetState memory a = _assets[slot];
        if (newPrice == 0) {
            emit PriceFrozen(slot, kept);
        } else if (a.price != 0 && OracleMath.isJump(newPrice, a.price, jumpBps)) {
            // Step 2b: a jump counts once enough sources agree or the next sample confirms it.
            if (kept >= confirmSources || OracleMath.confirmsPending(newPrice, a.pending, maxDeviationBps)) {
                a.pending = 0;
            } else {
                emit PriceUnconfirmed(slot, newPrice, a.price);
                a.pending = uint64(newPrice);
                newPrice = 0;
            }
        } else {
            a.pending = 0;
        }
        frozen = newPrice == 0;
        bool tripped;
        if (!frozen) {
            if (a.price != 0) {
                uint256 r2 = OracleMath.squaredReturn(a.price, newPrice);
                tripped = OracleMath.breakerTrips(r2, _maxVariance(a), breakerKWad);
                if (tripped) emit BreakerTripped(slot, newPrice, a.price);
                _updateVolatility(a, r2);
            }
            a.price = uint64(newPrice);
            a.mark = uint64(OracleMath.nextMark(a.mark, newPrice, markLambda, markBandBps));
            if (a.refPrice == 0) a.refPrice = a.mark;
            else moved = OracleMath.leftBand(a.mark, a.refPrice, a.refBand, leaseBandWad);
        }

        variance = _maxVariance(a);
        uint256 hMM = OracleMath.rateLimit(
            a.hMM,
            OracleMath.target(variance, riskMultiplier, haircutFloor, haircutCap),
            frozen,
            maxTightenStep,
            maxLoosenStep,
            freezeStep,
            haircutCap
        );
        uint256 hIM = OracleMath.initialOf(hMM, imMultiplier);
        a.hMM = uint64(hMM);
        a.hIM = uint64(hIM);
        a.refBand = uint64(OracleMath.min(a.refBand, hMM));
        a.frozen = frozen;
        a.coolingOff = uint8(OracleMath.coolDown(a.coolingOff, tripped, breakerSamples));
        _assets[slot] = a;
        halted = frozen || a.coolingOff != 0;

        uint256 scale = _weightScale(slot);
        weightIM = halted ? 0 : _weight(slot, OracleMath.min(a.price, a.mark), hIM, scale);
        weightMM = _weight(slot, a.mark, hMM, scale);
    }

    /// @dev Step 11: a new price regime starts at `timestamp`; every priced asset's reference becomes its
    ///      mark and its band its maintenance haircut.
    function _startRegime(uint64 timestamp) private {
        uint64 regime = currentRegime + 1;
        currentRegime = regime;
        _regimeStarts[regime] = timestamp;
        uint256 n = assetCount;
        for (uint256 i; i < n; ++i) {
            AssetState storage a = _assets[i];
            a.refPrice = a.mark;
            a.refBand = a.hMM;
        }
        emit RegimeChanged(regime, timestamp);
    }

    /// @dev Step 9: each market's maintenance ratio follows its underlying's variance and frozen flag; the
    ///      market is halted while its underlying is.
    function _sampleMarkets(uint256[MAX_ASSETS] memory variance, uint256 frozenMask, uint256 haltedMask) private {
        uint256 n = marketCount;
        for (uint256 j; j < n; ++j) {
            uint256 u = _byteAt(_marketUnderlyings, j);
            uint256 mm = OracleMath.rateLimit(
                _markets[j].mmRatio,
                OracleMath.target(variance[u], riskMultiplier, marginFloor, marginCap),
                ((frozenMask >> u) & 1) == 1,
                maxTightenStep,
                maxLoosenStep,
                freezeStep,
                marginCap
            );
            _markets[j] = MarketState({
                mmRatio: uint64(mm),
                imRatio: uint64(OracleMath.initialOf(mm, imMultiplier)),
                mark: _assets[u].mark,
                halted: ((haltedMask >> u) & 1) == 1
            });
        }
    }

    /// @dev Steps 1-2: the median of the valid answers inside the band around their median.
    /// @return newPrice The new price, or 0 when the asset is frozen.
    /// @return kept The number of valid answers inside the band.
    function _aggregate(uint256 slot) private view returns (uint256 newPrice, uint256 kept) {
        uint256 count = _byteAt(_sourceCounts, slot);
        uint256[] memory answers = new uint256[](count);
        uint256 valid;
        for (uint256 j; j < count; ++j) {
            (bool ok, uint256 p) = _readSource(_sources[slot][j]);
            if (ok) answers[valid++] = p;
        }
        if (valid == 0) return (0, 0);

        uint256 m = answers.median(valid);
        uint256 band = uint256(maxDeviationBps) * m;
        // Compact in place: answers[0..valid) is sorted, so answers[0..kept) stays sorted.
        for (uint256 k; k < valid; ++k) {
            uint256 p = answers[k];
            if ((p > m ? p - m : m - p) * BPS <= band) answers[kept++] = p;
        }
        if (kept < minSources) return (0, kept);
        newPrice = answers.median(kept);
    }

    /// @dev Step 1 for one source: valid iff both calls succeed, 0 < answer, updatedAt <= now,
    ///      now - updatedAt <= maxStaleness, decimals fits uint8 and 0 < normalised price <= MAX_PRICE.
    ///      Never reverts because of the source (except InsufficientGas, which is the caller's fault).
    function _readSource(address source) private view returns (bool ok, uint256 normalised) {
        uint256[5] memory round;
        uint256[5] memory dec;
        (ok, round) = _callSource(source, AggregatorV3Interface.latestRoundData.selector, 5);
        if (!ok) return (false, 0);
        (ok, dec) = _callSource(source, AggregatorV3Interface.decimals.selector, 1);
        if (!ok) return (false, 0);

        int256 answer = int256(round[1]);
        uint256 updatedAt = round[3];
        uint256 decimals = dec[0];
        if (answer <= 0 || decimals > type(uint8).max) return (false, 0);
        if (updatedAt > block.timestamp || block.timestamp - updatedAt > maxStaleness) return (false, 0);

        uint256 a = uint256(answer);
        if (decimals >= PRICE_DECIMALS) {
            uint256 shift = decimals - PRICE_DECIMALS;
            if (shift > 76) return (false, 0); // answer < 2^255 < 10^77: it would normalise to 0
            normalised = a / 10 ** shift;
        } else {
            uint256 factor = 10 ** (PRICE_DECIMALS - decimals);
            if (a > MAX_PRICE / factor) return (false, 0); // a * factor > MAX_PRICE
            normalised = a * factor;
        }
        if (normalised == 0 || normalised > MAX_PRICE) return (false, 0);
        return (true, normalised);
    }

    /// @dev Static-calls `source` with `selector`, a fixed gas budget and a fixed-size return buffer (so a
    ///      source can neither starve nor bloat the call). `ok` is false when the call reverts or returns fewer
    ///      than `words` words.
    function _callSource(address source, bytes4 selector, uint256 words)
        private
        view
        returns (bool ok, uint256[5] memory out)
    {
        if (gasleft() < SOURCE_CALL_GAS_NEEDED) revert InsufficientGas();
        uint256 size = words * 32;
        assembly ("memory-safe") {
            mstore(0x00, selector)
            ok := staticcall(SOURCE_CALL_GAS, source, 0x00, 0x04, out, size)
            ok := and(ok, iszero(lt(returndatasize(), size)))
        }
    }

    /// @dev Step 3: EWMA updates with the squared return `r2` from the old price to the new, and the decaying peak.
    function _updateVolatility(AssetState memory a, uint256 r2) private view {
        uint256 fast = OracleMath.ewma(a.varFast, r2, lambdaFast);
        a.varFast = uint64(fast);
        a.varSlow = uint64(OracleMath.ewma(a.varSlow, r2, lambdaSlow));
        a.varPeak = uint64(fast.max((uint256(a.varPeak) * peakDecay) / WAD));
    }

    /// @dev Step 10: Poseidon4 of the Poseidon4 hashes of the four groups of four weights (as in
    ///      `weightsHash` of `prover/src/encoding.ts`); an all-zero group uses the precomputed hash.
    function _hashWeights(uint256[MAX_ASSETS] memory w) private view returns (uint256) {
        uint256[4] memory groups;
        for (uint256 g; g < 4; ++g) {
            uint256 o = 4 * g;
            if ((w[o] | w[o + 1] | w[o + 2] | w[o + 3]) == 0) {
                groups[g] = _zeroGroupHash;
            } else {
                groups[g] = hasher.poseidon([w[o], w[o + 1], w[o + 2], w[o + 3]]);
            }
        }
        return hasher.poseidon(groups);
    }

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IPlimsollOracle
    function epoch(uint64 epochNumber) external view returns (Epoch memory) {
        if (epochNumber == 0 || epochNumber > currentEpoch) revert UnknownEpoch(epochNumber);
        return _epochs[epochNumber];
    }

    /// @inheritdoc IPlimsollOracle
    function currentEpochParams(bool maintenance)
        external
        view
        returns (uint64 number, uint64 timestamp, uint256 weightsHash, uint64 regime)
    {
        number = currentEpoch;
        if (number == 0) revert NoEpoch();
        Epoch storage e = _epochs[number];
        return (
            number,
            _currentEpochTimestamp,
            maintenance ? e.maintenanceWeightsHash : e.initialWeightsHash,
            currentRegime
        );
    }

    /// @inheritdoc IPlimsollOracle
    function currentScenarioParams(bool maintenance)
        external
        view
        returns (uint64 number, uint64 timestamp, uint256 weightsHash, uint256 upHash, uint64 regime)
    {
        number = currentEpoch;
        if (number == 0) revert NoEpoch();
        Epoch storage e = _epochs[number];
        return maintenance
            ? (number, _currentEpochTimestamp, e.maintenanceWeightsHash, _maintenanceUpHash, currentRegime)
            : (number, _currentEpochTimestamp, e.initialWeightsHash, _initialUpHash, currentRegime);
    }

    /// @inheritdoc IPlimsollOracle
    function upWeightVectors()
        external
        view
        returns (uint256[MAX_ASSETS] memory initial, uint256[MAX_ASSETS] memory maintenance)
    {
        _requireEpoch();
        return _upWeightVectors();
    }

    /// @dev The scenario grid's up weights: each weight's price moved up by its haircut instead of down.
    function _upWeightVectors()
        private
        view
        returns (uint256[MAX_ASSETS] memory initial, uint256[MAX_ASSETS] memory maintenance)
    {
        uint256 n = assetCount;
        for (uint256 i; i < n; ++i) {
            AssetState storage a = _assets[i];
            uint256 scale = _weightScale(i);
            if (!a.frozen && a.coolingOff == 0) {
                initial[i] = _upWeight(i, OracleMath.min(a.price, a.mark), a.hIM, scale);
            }
            maintenance[i] = _upWeight(i, a.mark, a.hMM, scale);
        }
    }

    /// @dev `OracleMath.upWeight`, rejecting an up weight that does not fit 128 bits (the circuit's bound).
    function _upWeight(uint256 slot, uint256 p, uint256 haircut, uint256 scale) private pure returns (uint256 w) {
        w = OracleMath.upWeight(p, haircut, scale);
        if ((w >> 128) != 0) revert WeightOverflow(slot, w);
    }

    /// @inheritdoc IPlimsollOracle
    function regimeStartedAt(uint64 regime) external view returns (uint64) {
        if (regime > currentRegime) revert UnknownRegime(regime);
        return _regimeStarts[regime];
    }

    /// @inheritdoc IPlimsollOracle
    function referencePrice(uint256 slot) external view returns (uint256) {
        _requireAsset(slot);
        return _assets[slot].refPrice;
    }

    /// @inheritdoc IPlimsollOracle
    function referenceBand(uint256 slot) external view returns (uint256) {
        _requireAsset(slot);
        return _assets[slot].refBand;
    }

    /// @inheritdoc IPlimsollOracle
    function pendingPrice(uint256 slot) external view returns (uint256) {
        _requireAsset(slot);
        return _assets[slot].pending;
    }

    /// @inheritdoc IPlimsollOracle
    function assetMark(uint256 slot) external view returns (uint256) {
        _requireAsset(slot);
        _requireEpoch();
        return _assets[slot].mark;
    }

    /// @inheritdoc IMarketQuoter
    function marketQuote(uint256 market)
        external
        view
        returns (uint256 mark, uint256 initialRatio, uint256 maintenanceRatio, bool halted)
    {
        _requireMarket(market);
        MarketState memory m = _markets[market];
        // mark is 0 until the first epoch; the engine treats a zero mark as "no price".
        return (m.mark, m.imRatio, m.mmRatio, m.halted);
    }

    /// @inheritdoc IPlimsollOracle
    function marketHalted(uint256 market) external view returns (bool) {
        _requireMarket(market);
        return _markets[market].halted;
    }

    /// @inheritdoc IPlimsollOracle
    function riskState(uint256 slot) external view returns (bool frozen, uint256 coolingOff) {
        _requireAsset(slot);
        AssetState storage a = _assets[slot];
        return (a.frozen, a.coolingOff);
    }

    /// @inheritdoc IPlimsollOracle
    function price(uint256 slot) external view returns (uint256) {
        _requireAsset(slot);
        _requireEpoch();
        return _assets[slot].price;
    }

    /// @inheritdoc IPlimsollOracle
    function markPrice(uint256 market) external view returns (uint256) {
        _requireMarket(market);
        _requireEpoch();
        return _assets[_byteAt(_marketUnderlyings, market)].mark;
    }

    /// @inheritdoc IPlimsollOracle
    function haircuts(uint256 slot) external view returns (uint256 initial, uint256 maintenance) {
        _requireAsset(slot);
        AssetState storage a = _assets[slot];
        return (a.hIM, a.hMM);
    }

    /// @inheritdoc IPlimsollOracle
    function weights(uint256 slot) external view returns (uint256 initial, uint256 maintenance) {
        _requireAsset(slot);
        _requireEpoch();
        AssetState storage a = _assets[slot];
        uint256 scale = _weightScale(slot);
        return (_initialWeight(slot, a, scale), _weight(slot, a.mark, a.hMM, scale));
    }

    /// @inheritdoc IPlimsollOracle
    function weightVectors()
        external
        view
        returns (uint256[MAX_ASSETS] memory initial, uint256[MAX_ASSETS] memory maintenance)
    {
        _requireEpoch();
        uint256 n = assetCount;
        for (uint256 i; i < n; ++i) {
            AssetState storage a = _assets[i];
            uint256 scale = _weightScale(i);
            initial[i] = _initialWeight(i, a, scale);
            maintenance[i] = _weight(i, a.mark, a.hMM, scale);
        }
    }

    /// @inheritdoc IPlimsollOracle
    function marketRatios(uint256 market) external view returns (uint256 initial, uint256 maintenance) {
        _requireMarket(market);
        MarketState storage m = _markets[market];
        return (m.imRatio, m.mmRatio);
    }

    /// @inheritdoc IPlimsollOracle
    function liquidationBonus(uint256 slot) external view returns (uint256) {
        _requireAsset(slot);
        return _bonusOf(_assets[slot].hMM);
    }

    /// @inheritdoc IPlimsollOracle
    function seizureQuote(uint256 slot) external view returns (uint256 mark, uint8 decimals, uint256 bonus) {
        _requireAsset(slot);
        _requireEpoch();
        AssetState storage a = _assets[slot];
        return (a.mark, uint8(_byteAt(_assetDecimals, slot)), _bonusOf(a.hMM));
    }

    /// @dev Step 8 (`OracleMath.bonus`) with this oracle's cap.
    function _bonusOf(uint256 hMM) private view returns (uint256) {
        return OracleMath.bonus(hMM, maxBonus);
    }

    /// @inheritdoc IPlimsollOracle
    function volatility(uint256 slot)
        external
        view
        returns (uint256 varFast, uint256 varSlow, uint256 varPeak, bool frozen)
    {
        _requireAsset(slot);
        AssetState storage a = _assets[slot];
        return (a.varFast, a.varSlow, a.varPeak, a.frozen);
    }

    /// @inheritdoc IPlimsollOracle
    function asset(uint256 slot) external view returns (address token, uint8 decimals) {
        _requireAsset(slot);
        return (_tokens[slot], uint8(_byteAt(_assetDecimals, slot)));
    }

    /// @inheritdoc IPlimsollOracle
    function sources(uint256 slot) external view returns (address[] memory list) {
        _requireAsset(slot);
        uint256 count = _byteAt(_sourceCounts, slot);
        list = new address[](count);
        for (uint256 j; j < count; ++j) {
            list[j] = _sources[slot][j];
        }
    }

    /// @inheritdoc IPlimsollOracle
    function marketUnderlying(uint256 market) external view returns (uint256) {
        _requireMarket(market);
        return _byteAt(_marketUnderlyings, market);
    }

    // ---------------------------------------------------------------------------------------------
    // The formula: its pure steps are in OracleMath, shared by the constructor and `poke`
    // ---------------------------------------------------------------------------------------------

    /// @dev Step 4, first half: max(varFast, varSlow, peakWeight * varPeak, varianceFloor).
    function _maxVariance(AssetState memory a) private view returns (uint256) {
        return uint256(a.varFast).max(a.varSlow).max((uint256(a.varPeak) * peakWeight) / WAD).max(varianceFloor);
    }

    /// @dev Step 7 (`OracleMath.weight`), rejecting a weight that does not fit 128 bits.
    function _weight(uint256 slot, uint256 p, uint256 haircut, uint256 scale) private pure returns (uint256 w) {
        w = OracleMath.weight(p, haircut, scale);
        if ((w >> 128) != 0) revert WeightOverflow(slot, w);
    }

    /// @dev The initial weight as hashed into the epoch: at the lower of the mark and the latest median (new
    ///      risk rests on neither a spike up nor a lagging mark); 0 while the asset is frozen or cooling off.
    function _initialWeight(uint256 slot, AssetState storage a, uint256 scale) private view returns (uint256) {
        if (a.frozen || a.coolingOff != 0) return 0;
        return _weight(slot, OracleMath.min(a.price, a.mark), a.hIM, scale);
    }

    /// @dev 10^(VALUE_DECIMALS - PRICE_DECIMALS - decimals): value units per (price unit x base unit).
    function _weightScale(uint256 slot) private view returns (uint256) {
        return 10 ** (VALUE_DECIMALS - PRICE_DECIMALS - _byteAt(_assetDecimals, slot));
    }

    // ---------------------------------------------------------------------------------------------
    // Construction and helpers
    // ---------------------------------------------------------------------------------------------

    /// @dev Validates and stores the asset slots; starts each at its rate-limit-free target.
    function _initAssets(AssetConfig[] memory assets, RiskConfig memory risk, uint256 multiplier)
        private
        returns (uint256 decimalsPacked, uint256 countsPacked)
    {
        for (uint256 i; i < assets.length; ++i) {
            _validateAsset(assets, i, risk.minSources);
            AssetConfig memory a = assets[i];
            decimalsPacked |= uint256(a.decimals) << (8 * i);
            countsPacked |= a.sources.length << (8 * i);
            _tokens[i] = a.token;
            for (uint256 j; j < a.sources.length; ++j) {
                _sources[i][j] = a.sources[j];
            }
            uint64 v = uint64(a.initialVariance);
            uint256 hMM = OracleMath.target(
                a.initialVariance.max(risk.varianceFloor), multiplier, risk.haircutFloor, risk.haircutCap
            );
            _assets[i] = AssetState({
                price: 0,
                varFast: v,
                varSlow: v,
                varPeak: v,
                hMM: uint64(hMM),
                hIM: uint64(OracleMath.initialOf(hMM, risk.imMultiplier)),
                mark: 0,
                refPrice: 0,
                refBand: uint64(hMM),
                pending: 0,
                frozen: false,
                coolingOff: 0
            });
        }
    }

    /// @dev Validates and stores the markets; starts each at its rate-limit-free target.
    function _initMarkets(
        uint8[] memory underlyings,
        AssetConfig[] memory assets,
        RiskConfig memory risk,
        uint256 multiplier
    ) private returns (uint256 packed) {
        for (uint256 j; j < underlyings.length; ++j) {
            uint256 u = underlyings[j];
            if (u >= assets.length) revert InvalidMarket(j, "underlying is not an asset slot");
            packed |= u << (8 * j);
            uint256 mm = OracleMath.target(
                assets[u].initialVariance.max(risk.varianceFloor), multiplier, risk.marginFloor, risk.marginCap
            );
            _markets[j] = MarketState({
                mmRatio: uint64(mm),
                imRatio: uint64(OracleMath.initialOf(mm, risk.imMultiplier)),
                mark: 0,
                halted: false
            });
        }
    }

    /// @dev Checks every scalar of `risk` against the bounds documented on `RiskConfig`.
    function _validateRisk(RiskConfig memory r) private pure {
        if (r.gridSeconds == 0) revert InvalidConfig("gridSeconds is zero");
        if (r.maxStaleness == 0) revert InvalidConfig("maxStaleness is zero");
        if (r.maxDeviationBps == 0 || r.maxDeviationBps > BPS) {
            revert InvalidConfig("maxDeviationBps not in (0, 10000]");
        }
        if (r.minSources == 0 || r.minSources > MAX_SOURCES) revert InvalidConfig("minSources not in [1, 5]");
        if (r.lambdaFast == 0 || r.lambdaFast >= WAD) revert InvalidConfig("lambdaFast not in (0, WAD)");
        if (r.lambdaSlow < r.lambdaFast || r.lambdaSlow >= WAD) {
            revert InvalidConfig("lambdaSlow not in [lambdaFast, WAD)");
        }
        if (r.peakDecay >= WAD) revert InvalidConfig("peakDecay not below WAD");
        if (r.peakWeight == 0 || r.peakWeight > WAD) revert InvalidConfig("peakWeight not in (0, WAD]");
        if (r.varianceFloor > MAX_VARIANCE) revert InvalidConfig("varianceFloor above MAX_VARIANCE");
        if (r.kWad == 0) revert InvalidConfig("kWad is zero");
        if (r.zWad == 0) revert InvalidConfig("zWad is zero");
        if (r.horizonSamples == 0) revert InvalidConfig("horizonSamples is zero");
        if (r.haircutFloor > r.haircutCap || r.haircutCap >= WAD) {
            revert InvalidConfig("haircut bounds not floor <= cap < WAD");
        }
        if (r.marginFloor == 0 || r.marginFloor > r.marginCap || r.marginCap > WAD) {
            revert InvalidConfig("margin bounds not 0 < floor <= cap <= WAD");
        }
        if (r.imMultiplier < WAD) revert InvalidConfig("imMultiplier below WAD");
        if (r.maxTightenStep == 0) revert InvalidConfig("maxTightenStep is zero");
        if (r.maxLoosenStep > r.maxTightenStep) revert InvalidConfig("maxLoosenStep above maxTightenStep");
        if (r.maxBonus > WAD) revert InvalidConfig("maxBonus above WAD");
        if (r.freezeStep == 0 || r.freezeStep > r.maxTightenStep) {
            revert InvalidConfig("freezeStep not in (0, maxTightenStep]");
        }
        if (r.leaseBandWad == 0) revert InvalidConfig("leaseBandWad is zero");
        if (r.jumpBps == 0) revert InvalidConfig("jumpBps is zero");
        if (r.confirmSources < r.minSources || r.confirmSources > MAX_SOURCES) {
            revert InvalidConfig("confirmSources not in [minSources, 5]");
        }
        if (r.markLambda >= WAD) revert InvalidConfig("markLambda not below WAD");
        if (r.markBandBps == 0 || r.markBandBps >= BPS) revert InvalidConfig("markBandBps not in (0, 10000)");
        if (r.breakerKWad == 0) revert InvalidConfig("breakerKWad is zero");
        if (r.breakerSamples == 0) revert InvalidConfig("breakerSamples is zero");
    }

    /// @dev Checks asset slot `i` (and that its token and sources are not repeated).
    function _validateAsset(AssetConfig[] memory assets, uint256 i, uint256 minSources_) private view {
        AssetConfig memory a = assets[i];
        if (a.token == address(0)) revert InvalidAsset(i, "token is zero");
        for (uint256 k; k < i; ++k) {
            if (assets[k].token == a.token) revert InvalidAsset(i, "duplicate token");
        }
        if (a.decimals > MAX_TOKEN_DECIMALS) revert InvalidAsset(i, "decimals above 18");
        uint256 n = a.sources.length;
        if (n == 0 || n > MAX_SOURCES) revert InvalidAsset(i, "source count not in [1, 5]");
        if (n < minSources_) revert InvalidAsset(i, "fewer sources than minSources");
        for (uint256 j; j < n; ++j) {
            if (a.sources[j].code.length == 0) revert InvalidAsset(i, "source has no code");
            for (uint256 k; k < j; ++k) {
                if (a.sources[k] == a.sources[j]) revert InvalidAsset(i, "duplicate source");
            }
        }
        if (a.initialVariance > MAX_VARIANCE) revert InvalidAsset(i, "initialVariance above MAX_VARIANCE");
    }

    function _requireAsset(uint256 slot) private view {
        if (slot >= assetCount) revert UnknownAsset(slot);
    }

    function _requireMarket(uint256 market) private view {
        if (market >= marketCount) revert UnknownMarket(market);
    }

    function _requireEpoch() private view {
        if (currentEpoch == 0) revert NoEpoch();
    }

    /// @dev Byte `i` (little-endian) of `packed`.
    function _byteAt(uint256 packed, uint256 i) private pure returns (uint256) {
        return (packed >> (8 * i)) & 0xff;
    }
}
