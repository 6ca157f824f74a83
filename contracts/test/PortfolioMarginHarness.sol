// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {PortfolioMargin} from "../engine/PortfolioMargin.sol";
import {MarginMath} from "../libraries/MarginMath.sol";

/// @notice Exposes PortfolioMargin's floor arithmetic for the TypeScript bit-for-bit test.
contract PortfolioMarginHarness {
    /// @dev IMarginEngine's error, declared here so that the tests can decode it.
    error RequirementTooLarge(uint256 requirement);

    struct Pos {
        int128 size;
        uint128 entry;
        uint256 mark;
        uint256 haircut;
        uint8 underlying;
        int96 fundingIndex;
        int96 marketFundingIndex;
    }

    function floors(Pos[] calldata positions, uint256 cushion) external pure returns (uint256 lo, uint256 hi) {
        int256[8] memory x;
        for (uint256 j; j < positions.length; ++j) {
            Pos calldata p = positions[j];
            PortfolioMargin.addPosition(x, p.size, p.entry, p.mark, p.haircut, p.underlying, cushion);
            PortfolioMargin.addOwed(x, MarginMath.fundingLoss(p.size, p.fundingIndex, p.marketFundingIndex));
        }
        return PortfolioMargin.pack(x);
    }

    /// @dev A position re-priced in each direction (an option's scenario values, WAD USD per unit).
    struct Moved {
        int128 size;
        uint128 entry;
        uint256 mark;
        uint256 upValue;
        uint256 downValue;
        uint8 underlying;
    }

    function floorsWithOptions(Pos[] calldata linear, Moved[] calldata options, uint256 cushion)
        external
        pure
        returns (uint256 lo, uint256 hi)
    {
        int256[8] memory x;
        for (uint256 j; j < linear.length; ++j) {
            Pos calldata p = linear[j];
            PortfolioMargin.addPosition(x, p.size, p.entry, p.mark, p.haircut, p.underlying, cushion);
        }
        for (uint256 j; j < options.length; ++j) {
            Moved calldata o = options[j];
            int256 unit = PortfolioMargin.PRICE_TO_WAD_MARK;
            PortfolioMargin.addMoves(
                x, o.size, o.entry, o.mark, int256(o.upValue) * unit, int256(o.downValue) * unit, o.underlying, cushion
            );
        }
        return PortfolioMargin.pack(x);
    }

    function movesUp(uint256 scenario, uint256 slot) external pure returns (bool) {
        return PortfolioMargin.movesUp(scenario, slot);
    }
}
