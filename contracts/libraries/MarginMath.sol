// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {WAD} from "./Constants.sol";

/// @title MarginMath
/// @notice Fixed-point rules for perp positions, mirrored bit for bit by prover/src/margin.ts.
/// @dev Units: size in 1e-18 of the underlying, prices with 8 decimals (USD per whole unit),
///      ratios in WAD, values in 1e-30 USD (the weights' unit), funding indices in 1e-16 USD per whole
///      unit. Requirements round up.
library MarginMath {
    /// @dev 1e-18 (size) * 1e-8 (price) = 1e-26 USD; times 1e4 gives the 1e-30 USD value unit.
    uint256 internal constant VALUE_SCALE = 1e4;
    /// @dev size (1e-18) * price (1e-8) = 1e-26 quote units.
    uint256 internal constant PNL_SCALE = 1e26;

    /// @dev size (1e-18) * funding index (1e-16 USD per unit) = 1e-34 USD.
    uint256 internal constant FUNDING_SCALE = 1e34;
    /// @dev 1e-34 USD of funding to the 1e-30 USD value unit.
    uint256 internal constant FUNDING_VALUE_SCALE = 1e4;
    /// @dev mark (1e-8 USD) * rate (1e-18) = 1e-26 USD per unit; the index is in 1e-16.
    int256 internal constant FUNDING_STEP_SCALE = 1e10;

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

    /// @notice The funding index's move over one grid step: rate * mark, the rate per step being
    ///         clamp(coefficient * (longOI - shortOI) / max(longOI + shortOI, floor), -cap, +cap).
    /// @dev Positive: longs pay. The rate (WAD) and the step (1e-16 USD per unit) round toward zero; the
    ///      index is shared by both sides, so its rounding favours neither (per-position rounding does).
    /// @param longOI Long open interest; `shortOI` short, `floor` the skew's floor, in the same unit.
    /// @param mark Mark price (8 decimals, <= 1e16). `coefficient` and `cap` are WAD, cap <= WAD.
    function fundingStep(
        uint256 longOI,
        uint256 shortOI,
        uint256 mark,
        uint256 coefficient,
        uint256 cap,
        uint256 floor
    ) internal pure returns (int256) {
        uint256 total = longOI + shortOI;
        if (total < floor) total = floor;
        if (total == 0) return 0;
        int256 rate = int256(coefficient) * (int256(longOI) - int256(shortOI)) / int256(total);
        if (rate > int256(cap)) rate = int256(cap);
        else if (rate < -int256(cap)) rate = -int256(cap);
        return rate * int256(mark) / FUNDING_STEP_SCALE;
    }

    /// @notice Funding a position of `size` owes from index `from` to index `to`, in quote-token base
    ///         units: positive, the trader pays (rounded up); negative, it receives (rounded toward zero).
    function funding(int256 size, int256 from, int256 to, uint8 quoteDecimals) internal pure returns (int256) {
        int256 raw = size * (to - from) * int256(10 ** quoteDecimals);
        if (raw <= 0) return raw / int256(FUNDING_SCALE);
        return int256((uint256(raw) + FUNDING_SCALE - 1) / FUNDING_SCALE);
    }

    /// @notice Funding owed and not yet paid, in 1e-30 USD (rounded up; 0 when the position receives):
    ///         it counts against the trader in a requirement, like an unrealised loss.
    function fundingLoss(int256 size, int256 from, int256 to) internal pure returns (uint256) {
        int256 raw = size * (to - from);
        if (raw <= 0) return 0;
        return (uint256(raw) + FUNDING_VALUE_SCALE - 1) / FUNDING_VALUE_SCALE;
    }
}
