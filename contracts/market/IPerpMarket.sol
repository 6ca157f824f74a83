// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IMarketPool} from "./IMarketPool.sol";

/// @title IPerpMarket
/// @notice The reference perp venue: a liquidity pool in the quote token (`IMarketPool`) takes the other
///         side of every trade the margin engine accepts, and pays or receives realised PnL. Its instruments
///         are the oracle's perp markets, quoted by the oracle itself.
interface IPerpMarket is IMarketPool {
    /// @notice The funding rule the engine reads once at construction: per oracle grid step, the rate
    ///         clamp(coefficient * (long - short) / max(long + short, floor), -cap, cap) (WAD) of each market's
    ///         open interest (units of 1e-5 of the underlying) is paid on the notional at the mark, by longs
    ///         when positive. cap 0: no funding.
    function funding() external view returns (uint256 coefficient, uint256 cap, uint256 floor);
}
