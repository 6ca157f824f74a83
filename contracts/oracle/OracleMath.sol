// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {BPS, WAD} from "../libraries/Constants.sol";

/// @title OracleMath
/// @notice The integer arithmetic of the Plimsoll oracle and its pure formula (the steps of
///         contracts/oracle/README.md that depend only on their arguments). Every function has a
///         bit-exact twin in `prover/src/oracle/model.ts`.
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

    // ---------------------------------------------------------------------------------------------
    // The formula (steps of contracts/oracle/README.md)
    // ---------------------------------------------------------------------------------------------

    /// @notice Step 3: the squared return r^2 / WAD with r = 2|p - q| * WAD / (p + q), both floored, from
    ///         the old price `q` to the new price `p` (|r| < 2, so r^2 < 4 WAD).
    function squaredReturn(uint256 q, uint256 p) internal pure returns (uint256) {
        uint256 r = (2 * (p > q ? p - q : q - p) * WAD) / (p + q);
        return (r * r) / WAD;
    }

    /// @notice Step 3b, the circuit breaker: true when the return r (squared: `r2`, WAD) exceeds k sigma, with
    ///         sigma^2 = `variance` (WAD) the asset's variance before the sample and k = `kWad` (WAD):
    ///         r2 * WAD^2 > k^2 * variance. No rounding (r2 itself is floored). r2 < 4 WAD, k < 2^64 and
    ///         variance <= 4 WAD keep both sides far below 2^256.
    function breakerTrips(uint256 r2, uint256 variance, uint256 kWad) internal pure returns (bool) {
        return r2 * WAD * WAD > kWad * kWad * variance;
    }

    /// @notice Step 3b: the cooling-off count after a sample: `samples` when the breaker tripped, else one less
    ///         than before (never below 0). The asset takes no new risk while the count is not 0.
    function coolDown(uint256 coolingOff, bool tripped, uint256 samples) internal pure returns (uint256) {
        if (tripped) return samples;
        return coolingOff == 0 ? 0 : coolingOff - 1;
    }

    /// @notice Step 3: (lambda * v + (WAD - lambda) * r2) / WAD, floored.
    function ewma(uint256 v, uint256 r2, uint256 lambda) internal pure returns (uint256) {
        return (lambda * v + (WAD - lambda) * r2) / WAD;
    }

    /// @notice The factor from sigma to the unclamped haircut: k * z * sqrt(horizonSamples) (WAD), each
    ///         product floored.
    function riskMultiplier(uint256 kWad, uint256 zWad, uint256 horizonSamples) internal pure returns (uint256) {
        return mulDiv(mulDiv(kWad, zWad, WAD), sqrt(horizonSamples * WAD * WAD), WAD);
    }

    /// @notice Step 4: clamp(ceil(sqrt(variance * WAD) * multiplier / WAD), lo, hi).
    function target(uint256 variance, uint256 multiplier, uint256 lo, uint256 hi) internal pure returns (uint256) {
        uint256 sigma = sqrt(variance * WAD);
        return min(max(mulDivUp(sigma, multiplier, WAD), lo), hi);
    }

    /// @notice Step 5: rise towards `target_` by at most `up`; fall towards it by at most `down`. While frozen,
    ///         never fall, and rise by at least `freezeStep`, never above `hi` (the cap `target_` was clamped to).
    function rateLimit(
        uint256 current,
        uint256 target_,
        bool frozen,
        uint256 up,
        uint256 down,
        uint256 freezeStep,
        uint256 hi
    ) internal pure returns (uint256) {
        if (frozen) return min(hi, max(current + freezeStep, min(target_, current + up)));
        if (target_ > current) return min(target_, current + up);
        return current > target_ + down ? current - down : target_;
    }

    /// @notice Step 2b, plausibility: true when `p` is further than `jumpBps` basis points of `q` from `q`.
    function isJump(uint256 p, uint256 q, uint256 jumpBps) internal pure returns (bool) {
        return (p > q ? p - q : q - p) * BPS > jumpBps * q;
    }

    /// @notice Step 2b: a pending jump `pending` (0: none) is confirmed by `p` inside `bandBps` of it.
    function confirmsPending(uint256 p, uint256 pending, uint256 bandBps) internal pure returns (bool) {
        return pending != 0 && (p > pending ? p - pending : pending - p) * BPS <= bandBps * pending;
    }

    /// @notice Step 3c, the mark: `p` for the first price; then, with d = floor(mark * bandBps / BPS),
    ///         ewma(mark, clamp(p, mark - d, mark + d), lambda). One sample moves the mark by at most d.
    function nextMark(uint256 mark, uint256 p, uint256 lambda, uint256 bandBps) internal pure returns (uint256) {
        if (mark == 0) return p;
        uint256 d = (mark * bandBps) / BPS;
        return ewma(mark, min(max(p, mark - d), mark + d), lambda);
    }

    /// @notice Step 11: true when `mark` is further from `ref` than `leaseBandWad` times `band`:
    ///         |mark - ref| * WAD > floor(band * leaseBandWad / WAD) * ref.
    function leftBand(uint256 mark, uint256 ref, uint256 band, uint256 leaseBandWad) internal pure returns (bool) {
        return (mark > ref ? mark - ref : ref - mark) * WAD > mulDiv(band, leaseBandWad, WAD) * ref;
    }

    /// @notice Step 6: min(ceil(maintenance * multiplier / WAD), WAD).
    function initialOf(uint256 maintenance, uint256 multiplier) internal pure returns (uint256) {
        return min(mulDivUp(maintenance, multiplier, WAD), WAD);
    }

    /// @notice Step 7: floor(price * (WAD - haircut) * scale / WAD), with scale = 10^(22 - decimals).
    function weight(uint256 price, uint256 haircut, uint256 scale) internal pure returns (uint256) {
        return (price * (WAD - haircut) * scale) / WAD;
    }

    /// @notice The scenario grid's up weight: floor(price * (WAD + haircut) * scale / WAD), the value of one base
    ///         unit after a move up by the haircut (rounded down: against the trader holding it).
    function upWeight(uint256 price, uint256 haircut, uint256 scale) internal pure returns (uint256) {
        return (price * (WAD + haircut) * scale) / WAD;
    }

    /// @notice Step 8: min(maxBonus, hMM * WAD / (WAD - hMM)), floored. hMM < WAD; flooring keeps
    ///         (1 + bonus) * (1 - hMM) <= 1.
    function bonus(uint256 hMM, uint256 maxBonus) internal pure returns (uint256) {
        return min(maxBonus, (hMM * WAD) / (WAD - hMM));
    }
}
