// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {WAD} from "./Constants.sol";

/// @title FixedPointMath
/// @notice sqrt, ln and exp in WAD fixed point, mirrored bit for bit by prover/src/options/math.ts (the same
///         operations in the same order). Every division truncates toward zero (Solidity's and BigInt's `/`).
library FixedPointMath {
    /// @dev ln 2 in WAD, rounded down (0.693147180559945309417...).
    int256 internal constant LN2 = 693_147_180_559_945_309;
    /// @dev 1/sqrt(2) in WAD, rounded down: ln's argument is reduced to [1/sqrt(2), sqrt(2)).
    uint256 internal constant INV_SQRT2 = 707_106_781_186_547_524;
    /// @dev Terms of ln's atanh series: |z| <= 0.1716, so the first omitted term is below 1e-19.
    uint256 internal constant LN_TERMS = 12;
    /// @dev Terms of exp's Taylor series: |r| <= ln2 / 2, so the first omitted term is below 1e-19.
    uint256 internal constant EXP_TERMS = 15;
    /// @dev exp(x) for x below this is 0 in WAD (exp(-42) < 6e-19).
    int256 internal constant EXP_MIN = -42e18;

    /// @notice Thrown when ln is asked for a non-positive argument.
    error LnOfZero();
    /// @notice Thrown when exp is asked for a positive argument (only exp of x <= 0 is needed and supported).
    error ExpPositive(int256 x);

    /// @notice Index of the most significant set bit of `x` (x > 0).
    function msb(uint256 x) internal pure returns (uint256 r) {
        unchecked {
            for (uint256 step = 128; step != 0; step >>= 1) {
                if (x >> step != 0) {
                    x >>= step;
                    r += step;
                }
            }
        }
    }

    /// @notice floor(sqrt(x)) for any x (Newton's method from above, exact).
    function sqrt(uint256 x) internal pure returns (uint256 z) {
        if (x == 0) return 0;
        // z starts above sqrt(x) and falls: z <= 2^129 and x / z < 2^128, so the sum cannot overflow.
        unchecked {
            z = 1 << ((msb(x) >> 1) + 1);
            while (true) {
                uint256 y = (z + x / z) >> 1;
                if (y >= z) return z;
                z = y;
            }
        }
    }

    /// @notice ln(x / WAD) in WAD for x > 0: x = y * 2^k with y in [WAD/sqrt2, WAD*sqrt2), then
    ///         ln y = 2 atanh(z), z = (y - WAD) / (y + WAD), by its series. Absolute error below 1e-17 (the
    ///         low bits dropped when x > 2^60 shifts down, the truncated terms).
    function ln(uint256 x) internal pure returns (int256) {
        if (x == 0) revert LnOfZero();
        // |k| <= 256, y < 2^61, |z| < 0.18 WAD: every product below 2^127.
        unchecked {
            int256 k = int256(msb(x)) - 59;
            uint256 y = k >= 0 ? x >> uint256(k) : x << uint256(-k);
            if (y < INV_SQRT2) {
                y <<= 1;
                k -= 1;
            }
            int256 yi = int256(y);
            int256 w = int256(WAD);
            int256 z = (yi - w) * w / (yi + w);
            int256 z2 = z * z / w;
            int256 term = z;
            int256 sum = z;
            for (uint256 i = 1; i < LN_TERMS; ++i) {
                term = term * z2 / w;
                sum += term / int256(2 * i + 1);
            }
            return k * LN2 + 2 * sum;
        }
    }

    /// @notice exp(x / WAD) in WAD for x <= 0: x = r - n ln2 with n = round(-x / ln2), r in [-ln2/2, ln2/2],
    ///         exp(r) by its Taylor series, then shifted right n bits. 0 below EXP_MIN.
    function expNeg(int256 x) internal pure returns (uint256) {
        if (x > 0) revert ExpPositive(x);
        if (x < EXP_MIN) return 0;
        // -42 WAD <= x <= 0: n <= 61, |r| <= ln2 / 2, every term below WAD: no product reaches 2^127.
        unchecked {
            int256 n = (-x + LN2 / 2) / LN2;
            int256 r = x + n * LN2;
            int256 w = int256(WAD);
            int256 term = w;
            int256 sum = w;
            for (uint256 i = 1; i < EXP_TERMS; ++i) {
                term = term * r / w / int256(i);
                sum += term;
            }
            return uint256(sum) >> uint256(n);
        }
    }
}
