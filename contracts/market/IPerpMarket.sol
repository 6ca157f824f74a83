// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IMarket} from "../interfaces/IMarket.sol";

/// @title IPerpMarket
/// @notice The reference perp venue: a liquidity pool in the quote token takes the other side of
///         every trade the margin engine accepts, and pays or receives realised PnL. Its instruments are
///         the oracle's perp markets, quoted by the oracle itself.
interface IPerpMarket is IMarket {
    /// @notice Thrown when the pool cannot pay a trader's profit.
    error PoolInsufficient(uint256 available, uint256 needed);
    /// @notice Thrown when an amount or share count is zero.
    error ZeroAmount();
    /// @notice Thrown when a provider redeems more shares than it holds.
    error InsufficientShares(uint256 held, uint256 requested);
    /// @notice Thrown when a withdrawal would leave the pool below what it may owe the traders (the
    ///         engine's `poolReserve`): at most `free` can leave now.
    error ReserveLocked(uint256 free, uint256 requested);
    /// @notice Thrown when the first deposit into an empty pool buys fewer than `minimum` shares.
    error InitialDepositTooSmall(uint256 amount, uint256 minimum);
    /// @notice Thrown when a liquidity or payout call is entered again from inside one (a quote token
    ///         with transfer callbacks): shares are priced against the live pool balance, so a nested
    ///         removal would be priced before the outer payout left.
    error Reentrancy();

    /// @notice Emitted when liquidity enters the pool.
    event LiquidityAdded(address indexed provider, uint256 amount, uint256 shares);
    /// @notice Emitted when liquidity leaves the pool.
    event LiquidityRemoved(address indexed provider, uint256 amount, uint256 shares);
    /// @notice Emitted when the pool pays a trader's profit into the engine.
    event ProfitPaid(uint256 amount);
    /// @notice Emitted when a deposit finds the pool emptied with shares outstanding: those shares
    ///         are void and `generation` starts afresh.
    event PoolReset(uint64 indexed generation);

    /// @notice Adds `amount` quote tokens to the pool for pro-rata shares.
    function addLiquidity(uint256 amount) external returns (uint256 shares);

    /// @notice Redeems `shares` for the pro-rata quote tokens, provided the pool keeps the engine's
    ///         `poolReserve` (the traders' unrealised profit at the marks plus a buffer): `ReserveLocked` otherwise.
    function removeLiquidity(uint256 shares) external returns (uint256 amount);

    /// @notice Realised PnL, in quote base units, of closing `size` opened at `entry` at `mark`.
    function realisedPnl(int256 size, uint256 entry, uint256 mark) external view returns (int256);

    /// @notice Quote tokens that may leave the pool now: its balance above the engine's `poolReserve`.
    function freeLiquidity() external view returns (uint256);

    /// @notice The funding rule the engine reads once at construction: per oracle grid step, the rate
    ///         clamp(coefficient * (long - short) / max(long + short, floor), -cap, cap) (WAD) of each market's
    ///         open interest (units of 1e-5 of the underlying) is paid on the notional at the mark, by longs
    ///         when positive. cap 0: no funding.
    function funding() external view returns (uint256 coefficient, uint256 cap, uint256 floor);

}
