// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IMarginEngine} from "./IMarginEngine.sol";
import {EngineDeps, EngineState} from "./EngineTypes.sol";
import {AccountUpdates} from "./AccountUpdates.sol";
import {MarginMath} from "../libraries/MarginMath.sol";
import {SafeTransferLib} from "../libraries/SafeTransferLib.sol";
import {AMOUNT_LIMIT, MAGNITUDE_SHIFT, WAD} from "../libraries/Constants.sol";

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

    /// @dev Open-interest sizes are kept in units of 1e13 position units (1e-5 of the underlying): one position
    ///      (< 2^96) is below 2^53 units, the uint56 sums hold 7e11 whole units.
    uint256 internal constant OI_SIZE_UNIT = 1e13;
    /// @dev size (1e-18) * price (1e-8) = 1e-26 USD: one whole quote token of cost.
    uint256 internal constant OI_COST_UNIT = 1e26;

    /// @notice The body of `IMarginEngine.trade` (see there): checks the trade, settles the old position at
    ///         the mark and realises its funding, stores the new one, proves the account at initial margin
    ///         when exposure grows (or flips) and at maintenance margin otherwise, and moves the realised PnL
    ///         less the funding between custody and the market's pool.
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
        (uint256 mark,,, bool halted) = d.quoter.marketQuote(market_);
        if (mark == 0 || mark >> 56 != 0) revert IMarginEngine.NoMarkPrice(market_);

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
        // The market's funding accrues (on the open interest before this trade), then the old position's.
        int256 index = accrueFunding(s, d, market_, mark);
        int256 delta = pnl - realiseFunding(msg.sender, market_, old, index, d.quoteDecimals);
        if (delta <= -int256(AMOUNT_LIMIT) || delta >= int256(AMOUNT_LIMIT)) revert IMarginEngine.PnlTooLarge(delta);

        // Effects on positions first: the requirement below is computed on the new positions.
        // A closed position keeps the last mark as its (unused) entry price: the slot stays non-zero,
        // so re-opening costs a storage update instead of a new slot.
        s.positions[msg.sender][market_] = IMarginEngine.Position(int104(newSize), uint56(mark), int96(index));
        moveOpenInterest(s, market_, old.size, old.entryPrice, newSize, mark);
        moveFunding(s, d, market_, old.size, old.fundingIndex, newSize, index);
        IMarginEngine.Account storage acct = s.accounts[msg.sender];
        if (newSize == 0) acct.openMarkets &= ~uint8(1 << market_);
        else acct.openMarkets |= uint8(1 << market_);
        emit IMarginEngine.PositionChanged(msg.sender, market_, old.size, newSize, mark, pnl);

        bool flips = (old.size > 0 && newSize < 0) || (old.size < 0 && newSize > 0);
        bool grows = flips || MarginMath.abs(newSize) > MarginMath.abs(old.size);
        // No new risk at a frozen or cooling-off mark: only reductions and closes trade there.
        if (grows && halted) revert IMarginEngine.MarketHalted(market_);
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
            delta
        );
        pay(d, delta);
    }

    /// @dev Moves a basket's settlement-slot delta between custody and the market's pool.
    function pay(EngineDeps memory d, int256 delta) internal {
        if (delta > 0) d.market.payProfit(uint256(delta));
        else if (delta < 0) d.settlementToken.safeTransfer(address(d.market), uint256(-delta));
    }

    /// @dev Sum over open positions of margin (rounded up) plus unrealised loss and unrealised funding owed,
    ///      in 1e-30 USD. With
    ///      `refuseHalted`, an initial-margin requirement (new risk) refuses a halted market (frozen or
    ///      cooling-off mark) with `MarketHalted`; the views pass false.
    function requirement(
        EngineState storage s,
        EngineDeps memory d,
        address account,
        IMarginEngine.Margin margin,
        bool refuseHalted
    ) internal view returns (uint256 total) {
        if (margin == IMarginEngine.Margin.None) return 0;
        uint256 open = s.accounts[account].openMarkets;
        uint64 step = fundingStepNow(d);
        for (uint256 j; open != 0; ++j) {
            if (open & (1 << j) != 0) {
                open &= ~(1 << j);
                IMarginEngine.Position memory p = s.positions[account][j];
                (uint256 mark, uint256 imRatio, uint256 mmRatio, bool halted) = d.quoter.marketQuote(j);
                bool initial = margin == IMarginEngine.Margin.Initial;
                if (initial && halted && refuseHalted) revert IMarginEngine.MarketHalted(j);
                total += MarginMath.positionRequirement(p.size, p.entryPrice, mark, initial ? imRatio : mmRatio)
                    + MarginMath.fundingLoss(p.size, p.fundingIndex, fundingIndex(s, d, j, mark, step));
            }
        }
        if (total >> MAGNITUDE_SHIFT != 0) revert IMarginEngine.RequirementTooLarge(total);
    }

    /// @dev Closes every open position of `account` at the current mark; returns the total realised PnL and
    ///      funding in settlement-token base units (profit rounded down, loss up, per position).
    ///      Also returns the full-close threshold (`Liquidation`'s close-out requirement) of what was open: half the
    ///      maintenance margin plus the unrealised loss and the funding owed, from the same oracle reads.
    function closeAll(EngineState storage s, EngineDeps memory d, address account, IMarginEngine.Account storage acct)
        internal
        returns (int256 total, uint256 closeOut)
    {
        uint256 open = acct.openMarkets;
        uint64 step = fundingStepNow(d);
        for (uint256 j; open != 0; ++j) {
            if (open & (1 << j) != 0) {
                open &= ~(1 << j);
                IMarginEngine.Position memory p = s.positions[account][j];
                (uint256 mark,, uint256 mmRatio,) = d.quoter.marketQuote(j);
                int256 pnl = MarginMath.realisedPnl(p.size, p.entryPrice, mark, d.quoteDecimals);
                int256 index = accrueFundingAt(s, d, j, mark, step);
                closeOut += MarginMath.positionRequirement(p.size, p.entryPrice, mark, mmRatio / 2)
                    + MarginMath.fundingLoss(p.size, p.fundingIndex, index);
                total += pnl - realiseFunding(account, j, p, index, d.quoteDecimals);
                s.positions[account][j] = IMarginEngine.Position(0, uint56(mark), int96(index));
                moveOpenInterest(s, j, p.size, p.entryPrice, 0, mark);
                moveFunding(s, d, j, p.size, p.fundingIndex, 0, index);
                emit IMarginEngine.PositionChanged(account, uint8(j), p.size, 0, mark, pnl);
            }
        }
        acct.openMarkets = 0;
    }

    /// @dev The oracle's grid step of its last sample: funding accrues per whole step between samples, so a
    ///      proof bound to an epoch knows the index it will be realised at.
    function fundingStepNow(EngineDeps memory d) internal view returns (uint64) {
        return d.fundingCap == 0 ? 0 : d.oracle.lastSample();
    }

    /// @dev Market `j`'s funding index at grid step `step`: the stored index plus the steps since it was
    ///      stored times one step's move at the current skew and `mark` (nothing changes the skew between
    ///      touches, and every touch accrues first). 0 when funding is off.
    function fundingIndex(EngineState storage s, EngineDeps memory d, uint256 j, uint256 mark, uint64 step)
        internal
        view
        returns (int256 index)
    {
        if (d.fundingCap == 0) return 0;
        IMarginEngine.MarketFunding storage f = s.funding[j];
        index = f.index;
        uint64 last = f.step;
        if (step > last) {
            IMarginEngine.OpenInterest memory oi = s.openInterest[j];
            index += int256(uint256(step - last)) * MarginMath.fundingStep(
                oi.longSize, oi.shortSize, mark, d.fundingCoefficient, d.fundingCap, d.fundingFloor
            );
        }
    }

    /// @dev Brings market `j`'s funding index to the oracle's current grid step (stored at most once per
    ///      step: a second touch in the same step accrues nothing) and returns it.
    function accrueFunding(EngineState storage s, EngineDeps memory d, uint256 j, uint256 mark)
        internal
        returns (int256 index)
    {
        return accrueFundingAt(s, d, j, mark, fundingStepNow(d));
    }

    /// @dev `accrueFunding` at grid step `step` (`fundingStepNow`, read once by a caller that touches several markets).
    function accrueFundingAt(EngineState storage s, EngineDeps memory d, uint256 j, uint256 mark, uint64 step)
        internal
        returns (int256 index)
    {
        if (d.fundingCap == 0) return 0;
        index = fundingIndex(s, d, j, mark, step);
        IMarginEngine.MarketFunding storage f = s.funding[j];
        if (step > f.step) {
            if (index >= 1 << 95 || index < -(1 << 95)) revert IMarginEngine.FundingIndexTooLarge(j, index);
            f.index = int96(index);
            f.step = step;
        }
    }

    /// @dev What position `p` of `account` in market `j` owes for its funding up to `index` (see
    ///      `MarginMath.funding`; < 0: it receives), logged. The caller stores `index` in the position.
    function realiseFunding(
        address account,
        uint256 j,
        IMarginEngine.Position memory p,
        int256 index,
        uint8 quoteDecimals
    ) internal returns (int256 owed) {
        owed = MarginMath.funding(p.size, p.fundingIndex, index, quoteDecimals);
        if (owed != 0) emit IMarginEngine.FundingPaid(account, uint8(j), owed, index);
    }

    /// @dev Realises the funding of every open position of `account` (a lease renewal); returns what its
    ///      basket receives (< 0: pays).
    function settleFunding(EngineState storage s, EngineDeps memory d, address account)
        internal
        returns (int256 total)
    {
        if (d.fundingCap == 0) return 0;
        uint256 open = s.accounts[account].openMarkets;
        for (uint256 j; open != 0; ++j) {
            if (open & (1 << j) != 0) {
                open &= ~(1 << j);
                IMarginEngine.Position storage p = s.positions[account][j];
                (uint256 mark,,,) = d.quoter.marketQuote(j);
                int256 index = accrueFunding(s, d, j, mark);
                IMarginEngine.Position memory old = p;
                if (index == old.fundingIndex) continue;
                total -= realiseFunding(account, j, old, index, d.quoteDecimals);
                p.fundingIndex = int96(index);
                moveFunding(s, d, j, old.size, old.fundingIndex, old.size, index);
            }
        }
        if (total <= -int256(AMOUNT_LIMIT) || total >= int256(AMOUNT_LIMIT)) revert IMarginEngine.PnlTooLarge(total);
    }

    /// @dev Replaces one position's share of market `j`'s funding sides: (oldSize at oldIndex) out, (newSize
    ///      at newIndex) in; each size rounded up to `OI_SIZE_UNIT`. Nothing when funding is off.
    function moveFunding(
        EngineState storage s,
        EngineDeps memory d,
        uint256 j,
        int256 oldSize,
        int256 oldIndex,
        int256 newSize,
        int256 newIndex
    ) internal {
        if (d.fundingCap == 0) return;
        IMarginEngine.MarketFunding storage f = s.funding[j];
        if (oldSize != 0) {
            IMarginEngine.FundingSide memory x = oldSize > 0 ? f.long : f.short;
            uint256 share = _ceilDiv(MarginMath.abs(oldSize), OI_SIZE_UNIT);
            x.size -= uint56(share);
            x.indexSum -= int192(int256(share) * oldIndex);
            // The same side again (a trade that neither closes nor flips): one write.
            if (newSize != 0 && (newSize > 0) == (oldSize > 0)) {
                share = _ceilDiv(MarginMath.abs(newSize), OI_SIZE_UNIT);
                x.size += uint56(share);
                x.indexSum += int192(int256(share) * newIndex);
                newSize = 0;
            }
            if (oldSize > 0) f.long = x;
            else f.short = x;
        }
        if (newSize != 0) {
            IMarginEngine.FundingSide memory x = newSize > 0 ? f.long : f.short;
            uint256 share = _ceilDiv(MarginMath.abs(newSize), OI_SIZE_UNIT);
            x.size += uint56(share);
            x.indexSum += int192(int256(share) * newIndex);
            x.used = true;
            if (newSize > 0) f.long = x;
            else f.short = x;
        }
    }

    /// @dev Replaces one position's share of market `j`'s open interest: (oldSize, oldEntry) out, (newSize,
    ///      newEntry) in. Every position change goes through here, so the sums stay the sums of the shares
    ///      of the open positions (checked arithmetic: a sum beyond its uint56/uint64 field reverts, far beyond any pool).
    function moveOpenInterest(
        EngineState storage s,
        uint256 j,
        int256 oldSize,
        uint256 oldEntry,
        int256 newSize,
        uint256 newEntry
    ) internal {
        IMarginEngine.OpenInterest memory oi = s.openInterest[j];
        if (oldSize > 0) {
            oi.longSize -= uint56(_ceilDiv(uint256(oldSize), OI_SIZE_UNIT));
            oi.longCost -= uint64(uint256(oldSize) * oldEntry / OI_COST_UNIT);
        } else if (oldSize < 0) {
            oi.shortSize -= uint56(uint256(-oldSize) / OI_SIZE_UNIT);
            oi.shortCost -= uint64(_ceilDiv(uint256(-oldSize) * oldEntry, OI_COST_UNIT));
        }
        if (newSize > 0) {
            oi.longSize += uint56(_ceilDiv(uint256(newSize), OI_SIZE_UNIT));
            oi.longCost += uint64(uint256(newSize) * newEntry / OI_COST_UNIT);
        } else if (newSize < 0) {
            oi.shortSize += uint56(uint256(-newSize) / OI_SIZE_UNIT);
            oi.shortCost += uint64(_ceilDiv(uint256(-newSize) * newEntry, OI_COST_UNIT));
        }
        oi.used = true;
        s.openInterest[j] = oi;
    }

    /// @dev What the pool must keep (quote base units, rounded up): per market and side, the traders' net
    ///      unrealised profit at the mark (0 when that side loses: its losses are its baskets' to pay) and the
    ///      funding it is owed, plus a buffer of the maintenance ratio times the open notional at the mark (the
    ///      pool can still pay after a move the margins are sized for). Sides and markets never net against
    ///      each other.
    function poolReserve(EngineState storage s, EngineDeps memory d) internal view returns (uint256 total) {
        uint256 quoteUnit = 10 ** d.quoteDecimals;
        uint64 step = fundingStepNow(d);
        for (uint256 j; j < d.marketCount; ++j) {
            IMarginEngine.OpenInterest memory oi = s.openInterest[j];
            // A short below one size unit still counts its (rounded-up) cost.
            if ((uint256(oi.longSize) | oi.shortSize | oi.shortCost) == 0) continue;
            (uint256 mark,, uint256 mmRatio,) = d.quoter.marketQuote(j);
            // Sizes times mark in 1e-26 USD (one unit of cost is 1e26 of them).
            uint256 longValue = uint256(oi.longSize) * OI_SIZE_UNIT * mark;
            uint256 shortValue = uint256(oi.shortSize) * OI_SIZE_UNIT * mark;
            uint256 longCost = uint256(oi.longCost) * OI_COST_UNIT;
            uint256 shortCost = uint256(oi.shortCost) * OI_COST_UNIT;
            uint256 owed = (longValue > longCost ? longValue - longCost : 0)
                + (shortCost > shortValue ? shortCost - shortValue : 0);
            uint256 buffer = _ceilDiv((longValue + shortValue) * mmRatio, WAD);
            total += _ceilDiv((owed + buffer) * quoteUnit, OI_COST_UNIT) + fundingOwed(s, d, j, mark, step);
        }
    }

    /// @dev The funding the pool owes market `j`'s open positions, not yet realised (quote base units, rounded
    ///      up): per side, what its positions have accrued to receive net of what they owe (0 when that side
    ///      owes: its baskets pay it), from the sides' sums at the funding index now.
    function fundingOwed(EngineState storage s, EngineDeps memory d, uint256 j, uint256 mark, uint64 step)
        internal
        view
        returns (uint256)
    {
        if (d.fundingCap == 0) return 0;
        int256 index = fundingIndex(s, d, j, mark, step);
        IMarginEngine.MarketFunding storage f = s.funding[j];
        // A long owes size * (index - its index), a short receives it: in share units times the index.
        int256 longs = f.long.indexSum - int256(uint256(f.long.size)) * index;
        int256 shorts = int256(uint256(f.short.size)) * index - f.short.indexSum;
        uint256 owed = (longs > 0 ? uint256(longs) : 0) + (shorts > 0 ? uint256(shorts) : 0);
        return _ceilDiv(owed * OI_SIZE_UNIT * 10 ** d.quoteDecimals, MarginMath.FUNDING_SCALE);
    }

    function _ceilDiv(uint256 x, uint256 y) private pure returns (uint256) {
        return x == 0 ? 0 : (x - 1) / y + 1;
    }
}
