// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title OracleMath
/// @notice The integer arithmetic of the Plimsoll oracle. Every function has a bit-exact twin in
///         `prover/src/oracle/model.ts`.
/// @dev `mulDiv` and `mulDivUp` use checked 256-bit products: every use in the oracle is bounded far below
///      2^256 (see the bounds in `PlimsollOracle`), so an overflow can only mean a bug and reverts.
library OracleMath {
    /// @notice floor(x * y / d).
    function mulDiv(uint256 x, uint256 y, uint256 d) internal pure returns (uint256) {
        return (x * y) / d;
    }

    /// @notice ceil(x * y / d).
    function mulDivUp(uint256 x, uint256 y, uint256 d) internal pure returns (uint256) {
        uint256 p = x * y;
        return p == 0 ? 0 : (p - 1) / d + 1;
    }

    /// @notice floor(sqrt(x)).
    /// @dev ABDK's `sqrtu`: an initial power of two within a factor 2 above the root, seven Newton steps
    ///      (quadratic convergence from that guess suffices for 256 bits), then the floor correction.
    function sqrt(uint256 x) internal pure returns (uint256) {
        if (x == 0) return 0;
        uint256 xx = x;
        uint256 r = 1;
        if (xx >= 1 << 128) {
            xx >>= 128;
            r <<= 64;
        }
        if (xx >= 1 << 64) {
            xx >>= 64;
            r <<= 32;
        }
        if (xx >= 1 << 32) {
            xx >>= 32;
            r <<= 16;
        }
        if (xx >= 1 << 16) {
            xx >>= 16;
            r <<= 8;
        }
        if (xx >= 1 << 8) {
            xx >>= 8;
            r <<= 4;
        }
        if (xx >= 1 << 4) {
            xx >>= 4;
            r <<= 2;
        }
        if (xx >= 1 << 3) r <<= 1;
        r = (r + x / r) >> 1;
        r = (r + x / r) >> 1;
        r = (r + x / r) >> 1;
        r = (r + x / r) >> 1;
        r = (r + x / r) >> 1;
        r = (r + x / r) >> 1;
        r = (r + x / r) >> 1;
        uint256 r1 = x / r;
        return r < r1 ? r : r1;
    }

    /// @notice Median of `xs[0..n)`: the middle value for odd `n`, the floored mean of the two middle
    ///         values for even `n`.
    /// @dev Sorts `xs[0..n)` ascending in place (insertion sort: n is at most 5 here). Requires n >= 1.
    function median(uint256[] memory xs, uint256 n) internal pure returns (uint256) {
        for (uint256 i = 1; i < n; ++i) {
            uint256 x = xs[i];
            uint256 j = i;
            while (j > 0 && xs[j - 1] > x) {
                xs[j] = xs[j - 1];
                --j;
            }
            xs[j] = x;
        }
        uint256 mid = n / 2;
        return n % 2 == 1 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
    }

    /// @notice max(a, b).
    function max(uint256 a, uint256 b) internal pure returns (uint256) {
        return a > b ? a : b;
    }

    /// @notice min(a, b).
    function min(uint256 a, uint256 b) internal pure returns (uint256) {
        return a < b ? a : b;
    }
}
