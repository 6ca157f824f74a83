// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IMarginEngine} from "./IMarginEngine.sol";
import {EngineDeps, EngineState} from "./EngineTypes.sol";
import {Positions} from "./Positions.sol";
import {MarginMath} from "../libraries/MarginMath.sol";
import {IOptionsMarket} from "../market/IOptionsMarket.sol";
import {WAD} from "../libraries/Constants.sol";

/// @title PortfolioMargin
/// @notice The floors of a portfolio-margin account: for each scenario of the fixed family (every asset slot
///         moves up or down by its haircut, `UP_MASKS`), what the account's public positions lose when each
///         underlying moves that way (their unrealised loss at the mark and the funding they owe included), plus a cushion of the
///         oracle's `marginFloor` times each position's notional; clamped at 0, rounded up to 1e-6 USD and
///         packed four to a public input. The proof (circuits/src/portfolio_update.circom) shows the basket's
///         value at that scenario's weights is at least each floor. Twin of prover/src/portfolio.ts.
///         An option position (the engine's quoter is not the oracle: an `IOptionsMarket`) is re-priced, not
///         moved linearly: its scenario value is the Black-Scholes value at the underlying's mark moved by
///         its haircut and at sigma sqrt T moved by the market's `volShock`, up for a short and down for a
///         long (an option's value rises with the volatility), the time to expiry unchanged
///         (`IOptionsMarket.scenarioValues`). A long's loss is thus at most its value; a short's is exact
///         under the model at each corner of the grid, gamma and vega included.
/// @dev Internal functions, compiled into `AccountUpdates`.
library PortfolioMargin {
    /// @dev Number of scenarios.
    uint256 internal constant SCENARIOS = 8;
    /// @dev Bits of one packed floor; floors per public input.
    uint256 internal constant FLOOR_BITS = 62;
    uint256 internal constant FLOORS_PER_INPUT = 4;
    /// @dev WAD (the haircut's unit) x 1e24 value units per floor unit (1e-6 USD).
    uint256 internal constant FLOOR_DIVISOR = 1e42;
    /// @dev 1e-18 (size) x 1e-8 (price) = 1e-26 USD; x 1e4 gives the 1e-30 USD value unit.
    int256 internal constant VALUE_SCALE = 1e4;
    /// @dev An option's scenario value (WAD USD per unit) times this is in mark x WAD units.
    int256 internal constant PRICE_TO_WAD_MARK = 1e8;
    /// @dev Up mask of scenario s in bits [16 s, 16 s + 16): bit i set when slot i moves up (else down).
    ///      0x0000 all down, 0xFFFF all up, 0xAAAA / 0x5555 by index bit 0, 0xCCCC / 0x3333 bit 1,
    ///      0xF0F0 / 0x0F0F bit 2.
    uint256 internal constant UP_MASKS = 0x0F0F_F0F0_3333_CCCC_5555_AAAA_FFFF_0000;

    function movesUp(uint256 scenario, uint256 slot) internal pure returns (bool) {
        return (UP_MASKS >> (16 * scenario + slot)) & 1 == 1;
    }

    /// @dev The packed floors of `account`'s open positions under the initial (`initial`) or maintenance grid:
    ///      X_s = sum_j |size| mark 1e4 cushion - size (mark (WAD +- h) - entry WAD) 1e4 (+ when the underlying
    ///      moves up in s; for an option, its scenario value x 1e8 in place of mark (WAD +- h)),
    ///      floor_s = ceil(max(X_s, 0) / 1e42). Refuses a halted market at initial margin when
    ///      `refuseHalted` (as `Positions.requirement`) and a floor beyond 62 bits (`RequirementTooLarge`).
    function packedFloors(EngineState storage s, EngineDeps memory d, address account, bool initial, bool refuseHalted)
        internal
        view
        returns (uint256 lo, uint256 hi)
    {
        int256[SCENARIOS] memory x;
        uint256 cushion = d.oracle.marginFloor();
        uint256 open = s.accounts[account].openMarkets;
        uint64 step = Positions.fundingStepNow(d);
        // The perp market's quoter is the oracle; any other quoter is an options market (a market of
        // another kind has no `series` and the call reverts: no floor without its scenario values).
        IOptionsMarket options = address(d.quoter) == address(d.oracle) ? IOptionsMarket(address(0)) : IOptionsMarket(address(d.quoter));
        for (uint256 j; open != 0; ++j) {
            if (open & (1 << j) == 0) continue;
            open &= ~(1 << j);
            IMarginEngine.Position memory p = s.positions[account][j];
            (uint256 mark,,, bool halted) = d.quoter.marketQuote(j);
            if (initial && halted && refuseHalted) revert IMarginEngine.MarketHalted(j);
            uint256 u = address(options) == address(0) ? d.oracle.marketUnderlying(j) : options.series(j).asset;
            (uint256 hIM, uint256 hMM) = d.oracle.haircuts(u);
            uint256 h = initial ? hIM : hMM;
            if (address(options) == address(0)) {
                addPosition(x, p.size, p.entryPrice, mark, h, u, cushion);
            } else {
                (uint256 upValue, uint256 downValue) = options.scenarioValues(j, h, p.size < 0);
                addMoves(x, p.size, p.entryPrice, mark, int256(upValue) * PRICE_TO_WAD_MARK, int256(downValue) * PRICE_TO_WAD_MARK, u, cushion);
            }
            // Funding owed and not yet realised is lost in every scenario (as in `Positions.requirement`).
            addOwed(x, MarginMath.fundingLoss(p.size, p.fundingIndex, Positions.fundingIndex(s, d, j, mark, step)));
        }
        return pack(x);
    }

    /// @dev Adds one linear position's term to each scenario's X_s (see `packedFloors`): its mark moves to
    ///      mark (WAD +- h). |size| < 2^96, mark <= 1e16 < 2^54, WAD + h < 2^61: every product below 2^226.
    function addPosition(
        int256[SCENARIOS] memory x,
        int256 size,
        uint256 entry,
        uint256 mark,
        uint256 haircut,
        uint256 underlying,
        uint256 cushion
    ) internal pure {
        int256 m = int256(mark);
        int256 h = int256(haircut);
        int256 w = int256(WAD);
        addMoves(x, size, entry, mark, m * (w + h), m * (w - h), underlying, cushion);
    }

    /// @dev Adds a position's term given its value per unit when its underlying moves up (`upMark`) and down
    ///      (`downMark`), in mark x WAD units (1e-26 USD per unit): X_s += |size| mark 1e4 cushion
    ///      - size (moved_s - entry WAD) 1e4. An option's value is below 2^88 WAD USD (at most the strike or
    ///      twice the mark of the underlying, both <= 1e16 at 8 decimals), so below 2^115 in these units, as
    ///      a linear mark x (WAD + h): with |size| < 2^96 and cushion <= WAD every product is below 2^226.
    function addMoves(
        int256[SCENARIOS] memory x,
        int256 size,
        uint256 entry,
        uint256 mark,
        int256 upMark,
        int256 downMark,
        uint256 underlying,
        uint256 cushion
    ) internal pure {
        int256 base = (size < 0 ? -size : size) * int256(mark) * VALUE_SCALE * int256(cushion)
            + size * int256(entry) * int256(WAD) * VALUE_SCALE;
        int256 up = base - size * upMark * VALUE_SCALE;
        int256 down = base - size * downMark * VALUE_SCALE;
        for (uint256 k; k < SCENARIOS; ++k) {
            x[k] += movesUp(k, underlying) ? up : down;
        }
    }

    /// @dev Adds `owed` (value units, < 2^150: `Positions.requirement` bounds the same sum) to every X_s.
    function addOwed(int256[SCENARIOS] memory x, uint256 owed) internal pure {
        if (owed == 0) return;
        int256 term = int256(owed) * int256(WAD);
        for (uint256 k; k < SCENARIOS; ++k) {
            x[k] += term;
        }
    }

    /// @dev floor_s = ceil(max(X_s, 0) / 1e42), 62 bits each (else `RequirementTooLarge`), four per input.
    function pack(int256[SCENARIOS] memory x) internal pure returns (uint256 lo, uint256 hi) {
        for (uint256 k; k < SCENARIOS; ++k) {
            uint256 f = x[k] <= 0 ? 0 : (uint256(x[k]) + FLOOR_DIVISOR - 1) / FLOOR_DIVISOR;
            if (f >> FLOOR_BITS != 0) revert IMarginEngine.RequirementTooLarge(f);
            if (k < FLOORS_PER_INPUT) lo |= f << (FLOOR_BITS * k);
            else hi |= f << (FLOOR_BITS * (k - FLOORS_PER_INPUT));
        }
    }
}
