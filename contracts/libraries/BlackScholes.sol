// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {WAD} from "./Constants.sol";
import {FixedPointMath} from "./FixedPointMath.sol";

/// @title BlackScholes
/// @notice European option premium, Greeks and the Greeks-based margin per unit, in WAD fixed point, at
///         interest rate 0. Mirrored bit for bit by prover/src/options/blackScholes.ts.
/// @dev Units: spot and strike with 8 decimals (USD per whole unit of the underlying, as the oracle's
///      prices); `variance` is the total variance to expiry sigma^2 * T (WAD, dimensionless); premiums and
///      margins in WAD USD per whole unit; delta in WAD; gamma in WAD per USD; `vegaS` is dPremium/d(sigma
///      sqrt T) in WAD USD. Every product and quotient truncates toward zero except where `ceil` says so.
///      The normal CDF is Abramowitz and Stegun 26.2.17 (Zelen and Severo), absolute error below 7.5e-8.
library BlackScholes {
    /// @dev 8-decimal prices to WAD.
    uint256 internal constant PRICE_TO_WAD = 1e10;
    /// @dev 1/sqrt(2 pi) in WAD, rounded down.
    uint256 internal constant INV_SQRT_2PI = 398_942_280_401_432_677;
    /// @dev |x| at and beyond this: the density and the CDF's tail are 0 in WAD (the tail is below 1e-300).
    int256 internal constant TAIL_CUTOFF = 40e18;
    /// @dev Abramowitz and Stegun 26.2.17 coefficients (WAD).
    int256 internal constant P = 231_641_900_000_000_000;
    int256 internal constant B1 = 319_381_530_000_000_000;
    int256 internal constant B2 = -356_563_782_000_000_000;
    int256 internal constant B3 = 1_781_477_937_000_000_000;
    int256 internal constant B4 = -1_821_255_978_000_000_000;
    int256 internal constant B5 = 1_330_274_429_000_000_000;

    /// @notice The standard normal density at x (WAD).
    function pdf(int256 x) internal pure returns (uint256) {
        if (x <= -TAIL_CUTOFF || x >= TAIL_CUTOFF) return 0;
        int256 w = int256(WAD);
        // |x| < 40 WAD: x * x < 2^131; exp <= WAD.
        unchecked {
            return FixedPointMath.expNeg(-(x * x / w) / 2) * INV_SQRT_2PI / WAD;
        }
    }

    /// @notice The standard normal CDF at x (WAD): 1 - pdf(|x|) * poly(t), t = 1 / (1 + P |x|), for x >= 0,
    ///         and exactly WAD minus that for x < 0, so cdf(-x) = WAD - cdf(x).
    function cdf(int256 x) internal pure returns (uint256) {
        return _cdf(x, pdf(x));
    }

    /// @dev `cdf` given `density` = pdf(x) (= pdf(-x)), so a caller that needs both pays for one exp.
    function _cdf(int256 x, uint256 density) private pure returns (uint256) {
        int256 w = int256(WAD);
        int256 a = x < 0 ? -x : x;
        uint256 tail;
        // a < 40 WAD, 0 < t <= WAD, |q| < 2 WAD, density < WAD: every product below 2^127.
        if (a < TAIL_CUTOFF) {
            unchecked {
                int256 t = w * w / (w + P * a / w);
                int256 q = B5;
                q = B4 + q * t / w;
                q = B3 + q * t / w;
                q = B2 + q * t / w;
                q = B1 + q * t / w;
                q = q * t / w;
                int256 tl = int256(density) * q / w;
                tail = tl > 0 ? uint256(tl) : 0;
            }
        }
        return x >= 0 ? WAD - tail : tail;
    }

    /// @notice Premium (WAD USD), delta, gamma and vegaS of a European option at rate 0.
    /// @param spot Price of the underlying (8 decimals, > 0).
    /// @param strike Strike (8 decimals, > 0).
    /// @param variance sigma^2 * T to expiry (WAD); 0 at expiry: the intrinsic value.
    /// @param isCall Call or put.
    function quote(uint256 spot, uint256 strike, uint256 variance, bool isCall)
        internal
        pure
        returns (uint256 premium, int256 delta, uint256 gamma, uint256 vegaS)
    {
        uint256 s = spot * PRICE_TO_WAD;
        uint256 k = strike * PRICE_TO_WAD;
        uint256 sd = FixedPointMath.sqrt(variance * WAD);
        int256 w = int256(WAD);
        if (sd == 0) {
            if (isCall) return (s > k ? s - k : 0, s > k ? w : int256(0), 0, 0);
            return (k > s ? k - s : 0, k > s ? -w : int256(0), 0, 0);
        }
        int256 d1 = (FixedPointMath.ln(s * WAD / k) + int256(variance / 2)) * w / int256(sd);
        int256 d2 = d1 - int256(sd);
        uint256 density = pdf(d1);
        uint256 n1 = _cdf(d1, density);
        int256 value;
        if (isCall) {
            value = int256(s * n1 / WAD) - int256(k * cdf(d2) / WAD);
            delta = int256(n1);
        } else {
            value = int256(k * cdf(-d2) / WAD) - int256(s * _cdf(-d1, density) / WAD);
            delta = int256(n1) - w;
        }
        premium = value > 0 ? uint256(value) : 0;
        gamma = density * WAD * WAD / (s * sd);
        vegaS = s * density / WAD;
    }

    /// @notice Margin per unit (WAD USD, rounded up) against a move of the underlying by `move` (a WAD
    ///         fraction of spot, e.g. k sigma over the shock horizon) and of sigma sqrt T by `volShock` (a WAD
    ///         fraction of it): min(|delta| h + gamma h^2 / 2, h) + vegaS * volShock * sd, with h = spot * move.
    ///         The price part is capped at h: an option's value moves by at most the underlying's move
    ///         (|delta| <= 1), while the Taylor term grows without bound as gamma does at expiry.
    function marginPerUnit(
        uint256 spot,
        uint256 variance,
        int256 delta,
        uint256 gamma,
        uint256 vegaS,
        uint256 move,
        uint256 volShock
    ) internal pure returns (uint256) {
        uint256 h = _ceilDiv(spot * PRICE_TO_WAD * move, WAD);
        uint256 absDelta = delta < 0 ? uint256(-delta) : uint256(delta);
        uint256 deltaTerm = _ceilDiv(absDelta * h, WAD);
        uint256 gammaTerm = _ceilDiv(_ceilDiv(gamma * h, WAD) * h, 2 * WAD);
        uint256 sdShock = _ceilDiv(FixedPointMath.sqrt(variance * WAD) * volShock, WAD);
        uint256 vegaTerm = _ceilDiv(vegaS * sdShock, WAD);
        uint256 priceTerm = deltaTerm + gammaTerm;
        return (priceTerm < h ? priceTerm : h) + vegaTerm;
    }

    function _ceilDiv(uint256 x, uint256 y) private pure returns (uint256) {
        return x == 0 ? 0 : (x - 1) / y + 1;
    }
}
