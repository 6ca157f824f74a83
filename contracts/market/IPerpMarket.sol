// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IMarketPool} from "./IMarketPool.sol";

/// @title IPerpMarket
/// @notice The reference perp venue: a liquidity pool in the quote token (`IMarketPool`) takes the other
///         side of every trade the margin engine accepts, and pays or receives realised PnL. Its instruments
///         are the oracle's perp markets, quoted by the oracle itself.
interface IPerpMarket is IMarketPool {}
