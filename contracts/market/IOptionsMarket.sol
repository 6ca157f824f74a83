// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IMarketPool} from "./IMarketPool.sol";
import {IMarketQuoter} from "../interfaces/IMarket.sol";

/// @title IOptionsMarket
/// @notice The reference options venue: European calls and puts on the oracle's assets, cash-settled in the
///         quote token at the oracle's mark at expiry, with the pool (`IMarketPool`) as the counterparty of
///         every trade. Its instruments are a fixed list of series; it quotes them itself (`marketQuote`):
///         the mark is the Black-Scholes premium (rate 0) at the underlying's mark and the oracle's
///         volatility, the margin ratios come from the Greeks over a fixed shock.
interface IOptionsMarket is IMarketPool, IMarketQuoter {
    /// @notice One option series, fixed at construction.
    struct Series {
        /// The underlying: an asset slot of the oracle.
        uint8 asset;
        /// Call (true) or put.
        bool isCall;
        /// Strike, USD per whole unit of the underlying (8 decimals). In (0, 1e16].
        uint64 strike;
        /// Expiry (unix seconds), in the future at construction.
        uint64 expiry;
    }

    /// @notice The shock the margin ratios are sized for, fixed at construction.
    struct RiskParams {
        /// The underlying moves by `shockSigmas` (WAD) standard deviations over `shockSamples` oracle samples.
        uint64 shockSigmas;
        uint32 shockSamples;
        /// sigma sqrt T moves up by this fraction of itself (WAD). <= WAD.
        uint64 volShock;
        /// Initial over maintenance ratio (WAD). >= WAD.
        uint64 imMultiplier;
    }

    /// @notice Thrown when series `index` of the constructor arguments is invalid; `reason` names the field.
    error InvalidSeries(uint256 index, string reason);
    /// @notice Thrown when a constructor argument other than a series is invalid; `reason` names it.
    error InvalidOptionsConfig(string reason);
    /// @notice Thrown when `series` is not a series of this market.
    error UnknownSeries(uint256 series);
    /// @notice Thrown when `settleSeries` is called before the series' `expiry`.
    error SeriesNotExpired(uint256 series, uint64 expiry);
    /// @notice Thrown when `settleSeries` is called on a series already settled at `price`.
    error SeriesAlreadySettled(uint256 series, uint256 price);
    /// @notice Thrown when the oracle has closed no epoch at or after the expiry yet: its last epoch is of
    ///         `epochTimestamp`.
    error NoSampleSinceExpiry(uint256 series, uint64 epochTimestamp);
    /// @notice Thrown when `settleSeries` finds the underlying `asset` frozen or cooling off.
    error UnderlyingHalted(uint256 series, uint256 asset);

    /// @notice Emitted when series `series` settles at the underlying's mark `price` of oracle epoch `epoch`.
    event SeriesSettled(uint256 indexed series, uint256 price, uint64 epoch);

    /// @notice Series `j`.
    function series(uint256 j) external view returns (Series memory);

    /// @notice The shock parameters of the margin ratios.
    function riskParams() external view returns (RiskParams memory);

    /// @notice Records the underlying's mark (`assetMark`) as series `j`'s settlement price, once. Anyone may
    ///         call it once the expiry has passed and the oracle has closed an epoch at or after it, while the
    ///         underlying is neither frozen nor cooling off. From then on the series' mark is its intrinsic
    ///         value at that price.
    /// @return price The settlement price (8 decimals).
    function settleSeries(uint256 j) external returns (uint256 price);

    /// @notice Series `j`'s settlement price (8 decimals); 0 until `settleSeries`.
    function settlementPrice(uint256 j) external view returns (uint256);

    /// @notice The premium and Greeks of series `j` now (as `marketQuote` prices it).
    /// @return premium The mark (8 decimals).
    /// @return delta dPremium/dSpot (WAD; negative for a put).
    /// @return gamma dDelta/dSpot (WAD per USD).
    /// @return vega dPremium/dSigma for sigma annualised over 365 days (WAD USD per 1.00 of volatility).
    function greeks(uint256 j) external view returns (uint256 premium, int256 delta, uint256 gamma, uint256 vega);

    /// @notice Series `j`'s value per unit (WAD USD) when its underlying's mark moves up and down by `move` (WAD
    ///         fraction of the mark) and sigma sqrt T moves by `volShock` at the same time: up when `volUp`
    ///         (the worst case of a short: an option's value rises with the volatility), down otherwise (a
    ///         long's). Portfolio margin's scenario values (contracts/engine/PortfolioMargin.sol): a full
    ///         Black-Scholes re-price at the shocked mark and variance, the time to expiry unchanged. At and
    ///         after expiry the intrinsic value at the moved mark; settled, the settled mark (no moves); the
    ///         underlying unpriced: 0.
    function scenarioValues(uint256 j, uint256 move, bool volUp) external view returns (uint256 up, uint256 down);

    /// @notice The per-sample variance the oracle prices asset `slot`'s risk with (WAD): max(varFast, varSlow,
    ///         peakWeight * varPeak, varianceFloor), from its public `volatility` and constants.
    function variancePerSample(uint256 slot) external view returns (uint256);
}
