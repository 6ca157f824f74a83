// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IOptionsMarket} from "./IOptionsMarket.sol";
import {MarketPool} from "./MarketPool.sol";
import {IMarket, IMarketQuoter} from "../interfaces/IMarket.sol";
import {IPlimsollOracle} from "../oracle/IPlimsollOracle.sol";
import {MAX_MARKETS, WAD} from "../libraries/Constants.sol";
import {BlackScholes} from "../libraries/BlackScholes.sol";
import {FixedPointMath} from "../libraries/FixedPointMath.sol";

/// @title OptionsMarket
/// @notice European calls and puts on the oracle's assets, with a pool of quote tokens (`MarketPool`) as the
///         counterparty. An options engine is its own margin engine (same bytecode) bound to this market.
///         The engine margins a position as a linear claim at the mark: the premium is paid through the
///         entry price (a trade realises `size * (mark - entry)`), and holding to expiry realises
///         `size * (intrinsic - entry)` when the position closes after `settleSeries`.
/// @dev Governance-free: the oracle, the series and the shock parameters are immutable; no owner, no
///      setter. Pricing (`marketQuote`):
///      - before expiry: the Black-Scholes premium at rate 0 at the underlying's `assetMark`, with total
///        variance `variancePerSample * timeToExpiry / gridSeconds` (the oracle's per-sample variance; time to
///        expiry counted from the current epoch's timestamp, so a quote is constant within an epoch); the
///        maintenance margin per unit is min(|delta| h + gamma h^2 / 2, h) + vega * volShock * sigma sqrt T, with
///        h = shockSigmas * sigma * sqrt(shockSamples) of the spot; the ratio is that over the mark, rounded
///        up, and the initial ratio is `imMultiplier` times it. Halted while the underlying is frozen or
///        cooling off.
///      - after expiry, unsettled: the intrinsic value at the live mark, halted (only reductions).
///      - settled: the intrinsic value at the settlement price, ratios 0 (no risk left), halted.
///      The engine reads a mark of 0 as "no price", so the mark is at least 1 (1e-8 USD per unit).
contract OptionsMarket is MarketPool, IOptionsMarket {
    /// @notice Seconds in a year (365 days): the unit of the annualised vega.
    uint256 public constant YEAR = 365 days;
    /// @dev Largest strike (8 decimals): the engine's marks are at most 1e16.
    uint256 internal constant MAX_STRIKE = 1e16;
    uint256 internal constant PRICE_TO_WAD = 1e10;

    /// @notice The parameter oracle: prices, volatility and the risk state of the underlyings.
    IPlimsollOracle public immutable oracle;
    /// @notice Number of series.
    uint256 public immutable seriesCount;
    /// @notice The oracle's sampling grid (seconds), its peak weight and variance floor, read at construction.
    uint256 public immutable gridSeconds;
    uint256 internal immutable _peakWeight;
    uint256 internal immutable _varianceFloor;

    uint64 internal immutable _shockSigmas;
    uint32 internal immutable _shockSamples;
    uint64 internal immutable _volShock;
    uint64 internal immutable _imMultiplier;

    // The series, packed: asset (8 bits) | isCall (bit 8) | strike (64 bits from 16) | expiry (64 bits from 80).
    uint256 internal immutable _s0;
    uint256 internal immutable _s1;
    uint256 internal immutable _s2;
    uint256 internal immutable _s3;
    uint256 internal immutable _s4;
    uint256 internal immutable _s5;
    uint256 internal immutable _s6;
    uint256 internal immutable _s7;

    mapping(uint256 series => uint256 price) internal _settlement;

    /// @param oracle_ The parameter oracle.
    /// @param quoteToken_ The quote (settlement) token of the pool.
    /// @param quoteDecimals_ Decimals of the quote token.
    /// @param series_ 1 to 8 series; instrument j is `series_[j]`.
    /// @param risk The shock the margin ratios are sized for.
    constructor(
        IPlimsollOracle oracle_,
        address quoteToken_,
        uint8 quoteDecimals_,
        Series[] memory series_,
        RiskParams memory risk
    ) MarketPool(quoteToken_, quoteDecimals_) {
        uint256 n = series_.length;
        if (n == 0 || n > MAX_MARKETS) revert InvalidOptionsConfig("series count");
        if (risk.shockSigmas == 0) revert InvalidOptionsConfig("shockSigmas");
        if (risk.shockSamples == 0) revert InvalidOptionsConfig("shockSamples");
        if (risk.volShock > WAD) revert InvalidOptionsConfig("volShock");
        if (risk.imMultiplier < WAD) revert InvalidOptionsConfig("imMultiplier");
        uint256 assets = oracle_.assetCount();
        uint256[MAX_MARKETS] memory packed;
        for (uint256 i; i < n; ++i) {
            Series memory s = series_[i];
            if (s.asset >= assets) revert InvalidSeries(i, "asset");
            if (s.strike == 0 || s.strike > MAX_STRIKE) revert InvalidSeries(i, "strike");
            if (s.expiry <= block.timestamp) revert InvalidSeries(i, "expiry");
            packed[i] = uint256(s.asset) | (s.isCall ? 1 << 8 : 0) | (uint256(s.strike) << 16) | (uint256(s.expiry) << 80);
        }
        oracle = oracle_;
        seriesCount = n;
        gridSeconds = oracle_.gridSeconds();
        _peakWeight = oracle_.peakWeight();
        _varianceFloor = oracle_.varianceFloor();
        (_shockSigmas, _shockSamples, _volShock, _imMultiplier) =
            (risk.shockSigmas, risk.shockSamples, risk.volShock, risk.imMultiplier);
        (_s0, _s1, _s2, _s3, _s4, _s5, _s6, _s7) =
            (packed[0], packed[1], packed[2], packed[3], packed[4], packed[5], packed[6], packed[7]);
    }

    /// @inheritdoc IMarket
    function marketCount() external view returns (uint256) {
        return seriesCount;
    }

    /// @inheritdoc IMarket
    function quoter() external view returns (IMarketQuoter) {
        return IMarketQuoter(address(this));
    }

    /// @inheritdoc IOptionsMarket
    function series(uint256 j) public view returns (Series memory s) {
        uint256 p = _packed(j);
        s.asset = uint8(p);
        s.isCall = (p >> 8) & 1 == 1;
        s.strike = uint64(p >> 16);
        s.expiry = uint64(p >> 80);
    }

    /// @inheritdoc IOptionsMarket
    function riskParams() external view returns (RiskParams memory) {
        return RiskParams(_shockSigmas, _shockSamples, _volShock, _imMultiplier);
    }

    /// @inheritdoc IOptionsMarket
    function settlementPrice(uint256 j) external view returns (uint256) {
        series(j);
        return _settlement[j];
    }

    /// @inheritdoc IOptionsMarket
    function settleSeries(uint256 j) external returns (uint256 price) {
        Series memory s = series(j);
        uint256 settled = _settlement[j];
        if (settled != 0) revert SeriesAlreadySettled(j, settled);
        if (block.timestamp < s.expiry) revert SeriesNotExpired(j, s.expiry);
        uint64 e = oracle.currentEpoch();
        uint64 at = e == 0 ? 0 : oracle.epoch(e).timestamp;
        if (at < s.expiry) revert NoSampleSinceExpiry(j, at);
        (bool frozen, uint256 coolingOff) = oracle.riskState(s.asset);
        price = oracle.assetMark(s.asset);
        if (frozen || coolingOff != 0 || price == 0) revert UnderlyingHalted(j, s.asset);
        _settlement[j] = price;
        emit SeriesSettled(j, price, e);
    }

    /// @inheritdoc IMarketQuoter
    function marketQuote(uint256 j)
        external
        view
        returns (uint256 mark, uint256 initialRatio, uint256 maintenanceRatio, bool halted)
    {
        Series memory s = series(j);
        uint256 settled = _settlement[j];
        if (settled != 0) return (_floor(_intrinsic(s, settled)), 0, 0, true);
        uint256 spot = oracle.assetMark(s.asset);
        if (spot == 0) return (0, 0, 0, true);
        (bool frozen, uint256 coolingOff) = oracle.riskState(s.asset);
        halted = frozen || coolingOff != 0 || block.timestamp >= s.expiry;
        uint256 perSample = variancePerSample(s.asset);
        uint256 variance = _varianceToExpiry(s, perSample, _epochTime());
        (uint256 premium, int256 delta, uint256 gamma, uint256 vegaS) =
            BlackScholes.quote(spot, s.strike, variance, s.isCall);
        mark = _floor(premium / PRICE_TO_WAD);
        uint256 move = (FixedPointMath.sqrt(perSample * _shockSamples * WAD) * _shockSigmas + WAD - 1) / WAD;
        uint256 perUnit = BlackScholes.marginPerUnit(spot, variance, delta, gamma, vegaS, move, _volShock);
        uint256 markWad = mark * PRICE_TO_WAD;
        maintenanceRatio = (perUnit * WAD + markWad - 1) / markWad;
        initialRatio = (maintenanceRatio * _imMultiplier + WAD - 1) / WAD;
    }

    /// @inheritdoc IOptionsMarket
    function greeks(uint256 j) external view returns (uint256 premium, int256 delta, uint256 gamma, uint256 vega) {
        Series memory s = series(j);
        uint256 settled = _settlement[j];
        if (settled != 0) return (_floor(_intrinsic(s, settled)), 0, 0, 0);
        uint256 spot = oracle.assetMark(s.asset);
        if (spot == 0) return (0, 0, 0, 0);
        uint256 t = _epochTime();
        uint256 variance = _varianceToExpiry(s, variancePerSample(s.asset), t);
        uint256 vegaS;
        (premium, delta, gamma, vegaS) = BlackScholes.quote(spot, s.strike, variance, s.isCall);
        premium = _floor(premium / PRICE_TO_WAD);
        uint256 tau = t < s.expiry ? s.expiry - t : 0;
        vega = vegaS * FixedPointMath.sqrt(tau * WAD * WAD / YEAR) / WAD;
    }

    /// @inheritdoc IOptionsMarket
    function scenarioValues(uint256 j, uint256 move, bool volUp) external view returns (uint256 up, uint256 down) {
        Series memory s = series(j);
        uint256 settled = _settlement[j];
        if (settled != 0) {
            up = _floor(_intrinsic(s, settled)) * PRICE_TO_WAD;
            return (up, up);
        }
        uint256 spot = oracle.assetMark(s.asset);
        if (spot == 0) return (0, 0);
        uint256 variance = _varianceToExpiry(s, variancePerSample(s.asset), _epochTime());
        // (sigma sqrt T (1 +- volShock))^2, rounded against the side: up for a short's vol up, down for a long's.
        uint256 f = volUp ? WAD + _volShock : WAD - _volShock;
        uint256 shocked = variance * f * f;
        shocked = volUp ? (shocked + WAD * WAD - 1) / (WAD * WAD) : shocked / (WAD * WAD);
        up = _valueAt(s, spot + (spot * move + WAD - 1) / WAD, shocked);
        down = _valueAt(s, move >= WAD ? 0 : spot - (spot * move + WAD - 1) / WAD, shocked);
    }

    /// @dev The Black-Scholes value (WAD USD) of `s` at the underlying price `price` (8 decimals) and total
    ///      variance `variance`; at a price of 0 (a move of the whole mark) the intrinsic value.
    function _valueAt(Series memory s, uint256 price, uint256 variance) private pure returns (uint256 value) {
        if (price == 0) return _intrinsic(s, 0) * PRICE_TO_WAD;
        (value,,,) = BlackScholes.quote(price, s.strike, variance, s.isCall);
    }

    /// @inheritdoc IOptionsMarket
    function variancePerSample(uint256 slot) public view returns (uint256 v) {
        (uint256 varFast, uint256 varSlow, uint256 varPeak,) = oracle.volatility(slot);
        v = varFast > varSlow ? varFast : varSlow;
        uint256 peak = varPeak * _peakWeight / WAD;
        if (peak > v) v = peak;
        if (_varianceFloor > v) v = _varianceFloor;
    }

    /// @dev sigma^2 T: the per-sample variance times the samples left from `t` to expiry (0 at and after it).
    function _varianceToExpiry(Series memory s, uint256 perSample, uint256 t) private view returns (uint256) {
        uint256 tau = t < s.expiry ? s.expiry - t : 0;
        return perSample * tau / gridSeconds;
    }

    /// @dev The current epoch's timestamp: time to expiry is counted from it, so a quote is constant within
    ///      an epoch (a proof's requirement, computed off-chain at the epoch, is the one the engine computes).
    function _epochTime() private view returns (uint256 t) {
        (, t,,) = oracle.currentEpochParams(false);
    }

    /// @dev Intrinsic value at `price` (8 decimals).
    function _intrinsic(Series memory s, uint256 price) private pure returns (uint256) {
        if (s.isCall) return price > s.strike ? price - s.strike : 0;
        return s.strike > price ? s.strike - price : 0;
    }

    /// @dev A mark of 0 means "no price" to the engine: a worthless option is marked at 1 (1e-8 USD).
    function _floor(uint256 mark) private pure returns (uint256) {
        return mark == 0 ? 1 : mark;
    }

    function _packed(uint256 j) private view returns (uint256) {
        if (j >= seriesCount) revert UnknownSeries(j);
        if (j < 4) return j == 0 ? _s0 : j == 1 ? _s1 : j == 2 ? _s2 : _s3;
        return j == 4 ? _s4 : j == 5 ? _s5 : j == 6 ? _s6 : _s7;
    }
}
