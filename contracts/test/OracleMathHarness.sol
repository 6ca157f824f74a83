// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {OracleMath} from "../oracle/OracleMath.sol";

/// @title OracleMathHarness
/// @notice FOR TESTS ONLY: exposes the oracle's internal sqrt and median over the whole of their domain,
///         not only the inputs the oracle's own state can reach.
contract OracleMathHarness {
    /// @notice `OracleMath.sqrt` of each input.
    function sqrts(uint256[] calldata xs) external pure returns (uint256[] memory out) {
        out = new uint256[](xs.length);
        for (uint256 i; i < xs.length; ++i) out[i] = OracleMath.sqrt(xs[i]);
    }

    /// @notice `OracleMath.median(xs, n)`, and `xs` as the call left it (sorted in place).
    function median(uint256[] memory xs, uint256 n) external pure returns (uint256 m, uint256[] memory sorted) {
        m = OracleMath.median(xs, n);
        sorted = xs;
    }
}
