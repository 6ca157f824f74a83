// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {WAD} from "./Constants.sol";

/// @title MarginMath
/// @notice Fixed-point rules for perp positions, mirrored bit for bit by prover/src/margin.ts.
/// @dev Units: size in 1e-18 of the underlying, prices with 8 decimals (USD per whole unit),
///      ratios in WAD, values in 1e-30 USD (the weights' unit). Requirements round up.
library MarginMath {
    /// @dev 1e-18 (size) * 1e-8 (price) = 1e-26 USD; times 1e4 gives the 1e-30 USD value unit.
    uint256 internal constant VALUE_SCALE = 1e4;
    /// @dev size (1e-18) * price (1e-8) = 1e-26 quote units.
    uint256 internal constant PNL_SCALE = 1e26;

    function abs(int256 x) internal pure returns (uint256) {
        return x < 0 ? uint256(-x) : uint256(x);
    }

    /// @notice Margin of one position: ceil(|size| * mark * ratio) plus its unrealised loss at the mark.
    /// @param size Signed size, |size| < 2^96.
    /// @param entry Entry price (8 decimals).
    /// @param mark Mark price (8 decimals, <= 1e16).
    /// @param ratio Margin ratio in WAD.
    /// @return Requirement in 1e-30 USD.
    function positionRequirement(int256 size, uint256 entry, uint256 mark, uint256 ratio)
        internal
        pure
        returns (uint256)
    {
        uint256 notional = abs(size) * mark * VALUE_SCALE;
        uint256 margin = (notional * ratio + WAD - 1) / WAD;
        int256 pnl = size * (int256(mark) - int256(entry)) * int256(VALUE_SCALE);
        return pnl < 0 ? margin + uint256(-pnl) : margin;
    }

    /// @notice PnL of closing `size` opened at `entry` at price `mark`, in quote-token base units.
    /// @dev Profit rounds down and loss rounds up: always against the trader.
    function realisedPnl(int256 size, uint256 entry, uint256 mark, uint8 quoteDecimals)
        internal
        pure
        returns (int256)
    {
        if (size == 0) return 0;
        int256 raw = size * (int256(mark) - int256(entry)) * int256(10 ** quoteDecimals);
        if (raw >= 0) return raw / int256(PNL_SCALE);
        return -int256((uint256(-raw) + PNL_SCALE - 1) / PNL_SCALE);
    }
}
