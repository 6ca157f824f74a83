// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IMarginEngine} from "./IMarginEngine.sol";
import {EngineDeps, EngineState} from "./EngineTypes.sol";
import {AccountUpdates} from "./AccountUpdates.sol";
import {MarginMath} from "../libraries/MarginMath.sol";
import {SafeTransferLib} from "../libraries/SafeTransferLib.sol";
import {AMOUNT_LIMIT, MAGNITUDE_SHIFT} from "../libraries/Constants.sol";

/// @title Positions
/// @notice The positions-and-trading concept of the margin engine: a position is a signed size and an
///         entry price per instrument of the market; it is margined as a linear claim at the quote of the
///         market's quoter (`IMarketQuoter.marketQuote`): `ceil(|size| * mark * ratio)` plus its unrealised
///         loss, and every trade settles the old position at the mark.
/// @dev `trade` is external: the engine reaches it with DELEGATECALL (a linked library), so it runs in the
///      engine's context (its storage, `msg.sender`, events and errors are the engine's). `requirement` and
///      `closeAll` are internal, compiled into each caller.
library Positions {
    using SafeTransferLib for address;

    /// @notice The body of `IMarginEngine.trade` (see there): checks the trade, settles the old position at
    ///         the mark, stores the new one, proves the account at initial margin when exposure grows (or
    ///         flips) and at maintenance margin otherwise, and moves the realised PnL between custody and
    ///         the market's pool.
    function trade(
        EngineState storage s,
        EngineDeps memory d,
        uint8 market_,
        int256 sizeDelta,
        uint64 epoch,
        uint256 newCommitment,
        IMarginEngine.KeeperNote calldata note,
        IMarginEngine.Proof calldata proof
    ) external {
        if (market_ >= d.marketCount) revert IMarginEngine.UnknownMarket(market_);
        if (sizeDelta == 0) revert IMarginEngine.ZeroAmount();
        AccountUpdates.requireNotFrozen(s, msg.sender);
        (uint256 mark,,) = d.quoter.marketQuote(market_);
        if (mark == 0) revert IMarginEngine.NoMarkPrice(market_);

        // |old.size| < 2^96, so bounding sizeDelta first keeps the sum from overflowing.
        if (sizeDelta <= -int256(2 * AMOUNT_LIMIT) || sizeDelta >= int256(2 * AMOUNT_LIMIT)) {
            revert IMarginEngine.PositionTooLarge(sizeDelta);
        }
        IMarginEngine.Position memory old = s.positions[msg.sender][market_];
        int256 newSize = int256(old.size) + sizeDelta;
        if (newSize <= -int256(AMOUNT_LIMIT) || newSize >= int256(AMOUNT_LIMIT)) {
            revert IMarginEngine.PositionTooLarge(newSize);
        }
        int256 pnl = MarginMath.realisedPnl(old.size, old.entryPrice, mark, d.quoteDecimals);
        if (pnl <= -int256(AMOUNT_LIMIT) || pnl >= int256(AMOUNT_LIMIT)) revert IMarginEngine.PnlTooLarge(pnl);

        // Effects on positions first: the requirement below is computed on the new positions.
        // A closed position keeps the last mark as its (unused) entry price: the slot stays non-zero,
        // so re-opening costs a storage update instead of a new slot.
        s.positions[msg.sender][market_] = IMarginEngine.Position(int128(newSize), uint128(mark));
        IMarginEngine.Account storage acct = s.accounts[msg.sender];
        if (newSize == 0) acct.openMarkets &= ~uint8(1 << market_);
        else acct.openMarkets |= uint8(1 << market_);
        emit IMarginEngine.PositionChanged(msg.sender, market_, old.size, newSize, mark, pnl);

        bool flips = (old.size > 0 && newSize < 0) || (old.size < 0 && newSize > 0);
        bool grows = flips || MarginMath.abs(newSize) > MarginMath.abs(old.size);
        AccountUpdates.update(
            s,
            d,
            IMarginEngine.Action.Trade,
            grows ? IMarginEngine.Margin.Initial : IMarginEngine.Margin.Maintenance,
            epoch,
            newCommitment,
            note,
            proof,
            d.settlementAsset,
            pnl
        );

        if (pnl > 0) d.market.payProfit(uint256(pnl));
        else if (pnl < 0) d.settlementToken.safeTransfer(address(d.market), uint256(-pnl));
    }

    /// @dev Sum over open positions of margin (rounded up) plus unrealised loss, in 1e-30 USD.
    function requirement(EngineState storage s, EngineDeps memory d, address account, IMarginEngine.Margin margin)
        internal
        view
        returns (uint256 total)
    {
        if (margin == IMarginEngine.Margin.None) return 0;
        uint256 open = s.accounts[account].openMarkets;
        for (uint256 j; open != 0; ++j) {
            if (open & (1 << j) != 0) {
                open &= ~(1 << j);
                IMarginEngine.Position memory p = s.positions[account][j];
                (uint256 mark, uint256 imRatio, uint256 mmRatio) = d.quoter.marketQuote(j);
                total += MarginMath.positionRequirement(
                    p.size, p.entryPrice, mark, margin == IMarginEngine.Margin.Initial ? imRatio : mmRatio
                );
            }
        }
        if (total >> MAGNITUDE_SHIFT != 0) revert IMarginEngine.RequirementTooLarge(total);
    }

    /// @dev Closes every open position of `account` at the current mark; returns the total realised PnL
    ///      in settlement-token base units (profit rounded down, loss up, per position).
    function closeAll(EngineState storage s, EngineDeps memory d, address account, IMarginEngine.Account storage acct)
        internal
        returns (int256 total)
    {
        uint256 open = acct.openMarkets;
        for (uint256 j; open != 0; ++j) {
            if (open & (1 << j) != 0) {
                open &= ~(1 << j);
                IMarginEngine.Position memory p = s.positions[account][j];
                (uint256 mark,,) = d.quoter.marketQuote(j);
                int256 pnl = MarginMath.realisedPnl(p.size, p.entryPrice, mark, d.quoteDecimals);
                s.positions[account][j] = IMarginEngine.Position(0, uint128(mark));
                emit IMarginEngine.PositionChanged(account, uint8(j), p.size, 0, mark, pnl);
                total += pnl;
            }
        }
        acct.openMarkets = 0;
    }
}
