// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MarginMath} from "../libraries/MarginMath.sol";

/// @title MarginMathHarness
/// @notice FOR TESTS ONLY: exposes the internal MarginMath library, one input or a batch at a time.
contract MarginMathHarness {
    function abs(int256 x) external pure returns (uint256) {
        return MarginMath.abs(x);
    }

    function positionRequirement(int256 size, uint256 entry, uint256 mark, uint256 ratio)
        external
        pure
        returns (uint256)
    {
        return MarginMath.positionRequirement(size, entry, mark, ratio);
    }

    function realisedPnl(int256 size, uint256 entry, uint256 mark, uint8 quoteDecimals)
        external
        pure
        returns (int256)
    {
        return MarginMath.realisedPnl(size, entry, mark, quoteDecimals);
    }

    /// @notice `positionRequirement` over equal-length arrays.
    function positionRequirements(
        int256[] calldata sizes,
        uint256[] calldata entries,
        uint256[] calldata marks,
        uint256[] calldata ratios
    ) external pure returns (uint256[] memory out) {
        out = new uint256[](sizes.length);
        for (uint256 i; i < sizes.length; ++i) {
            out[i] = MarginMath.positionRequirement(sizes[i], entries[i], marks[i], ratios[i]);
        }
    }

    /// @notice `realisedPnl` over equal-length arrays.
    function realisedPnls(
        int256[] calldata sizes,
        uint256[] calldata entries,
        uint256[] calldata marks,
        uint8[] calldata quoteDecimals
    ) external pure returns (int256[] memory out) {
        out = new int256[](sizes.length);
        for (uint256 i; i < sizes.length; ++i) {
            out[i] = MarginMath.realisedPnl(sizes[i], entries[i], marks[i], quoteDecimals[i]);
        }
    }

    /// @notice `fundingStep` over equal-length arrays (`params[i]` = [coefficient, cap, floor]).
    function fundingSteps(
        uint256[] calldata longOI,
        uint256[] calldata shortOI,
        uint256[] calldata marks,
        uint256[3][] calldata params
    ) external pure returns (int256[] memory out) {
        out = new int256[](longOI.length);
        for (uint256 i; i < longOI.length; ++i) {
            out[i] = MarginMath.fundingStep(longOI[i], shortOI[i], marks[i], params[i][0], params[i][1], params[i][2]);
        }
    }

    /// @notice `funding` and `fundingLoss` over equal-length arrays.
    function fundings(
        int256[] calldata sizes,
        int256[] calldata froms,
        int256[] calldata tos,
        uint8[] calldata quoteDecimals
    ) external pure returns (int256[] memory owed, uint256[] memory loss) {
        owed = new int256[](sizes.length);
        loss = new uint256[](sizes.length);
        for (uint256 i; i < sizes.length; ++i) {
            owed[i] = MarginMath.funding(sizes[i], froms[i], tos[i], quoteDecimals[i]);
            loss[i] = MarginMath.fundingLoss(sizes[i], froms[i], tos[i]);
        }
    }
}
