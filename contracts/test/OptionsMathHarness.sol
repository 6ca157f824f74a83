// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {BlackScholes} from "../libraries/BlackScholes.sol";
import {FixedPointMath} from "../libraries/FixedPointMath.sol";

/// @title OptionsMathHarness
/// @notice FOR TESTS ONLY: exposes FixedPointMath and BlackScholes over batches of inputs.
contract OptionsMathHarness {
    function sqrts(uint256[] calldata x) external pure returns (uint256[] memory out) {
        out = new uint256[](x.length);
        for (uint256 i; i < x.length; ++i) out[i] = FixedPointMath.sqrt(x[i]);
    }

    function lns(uint256[] calldata x) external pure returns (int256[] memory out) {
        out = new int256[](x.length);
        for (uint256 i; i < x.length; ++i) out[i] = FixedPointMath.ln(x[i]);
    }

    function expNegs(int256[] calldata x) external pure returns (uint256[] memory out) {
        out = new uint256[](x.length);
        for (uint256 i; i < x.length; ++i) out[i] = FixedPointMath.expNeg(x[i]);
    }

    function cdfs(int256[] calldata x) external pure returns (uint256[] memory out) {
        out = new uint256[](x.length);
        for (uint256 i; i < x.length; ++i) out[i] = BlackScholes.cdf(x[i]);
    }

    function ln(uint256 x) external pure returns (int256) {
        return FixedPointMath.ln(x);
    }

    function expNeg(int256 x) external pure returns (uint256) {
        return FixedPointMath.expNeg(x);
    }

    /// @notice BlackScholes.quote and marginPerUnit, flattened: [premium, delta, gamma, vegaS, margin] per input.
    function quotes(
        uint256[] calldata spot,
        uint256[] calldata strike,
        uint256[] calldata variance,
        bool[] calldata isCall,
        uint256 move,
        uint256 volShock
    ) external pure returns (int256[] memory out) {
        out = new int256[](spot.length * 5);
        for (uint256 i; i < spot.length; ++i) {
            (uint256 p, int256 d, uint256 g, uint256 v) = BlackScholes.quote(spot[i], strike[i], variance[i], isCall[i]);
            out[5 * i] = int256(p);
            out[5 * i + 1] = d;
            out[5 * i + 2] = int256(g);
            out[5 * i + 3] = int256(v);
            out[5 * i + 4] = int256(BlackScholes.marginPerUnit(spot[i], variance[i], d, g, v, move, volShock));
        }
    }
}
