// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IMarginEngine} from "./IMarginEngine.sol";
import {EngineDeps, EngineState} from "./EngineTypes.sol";
import {AccountUpdates} from "./AccountUpdates.sol";
import {Leases} from "./Leases.sol";
import {Positions} from "./Positions.sol";
import {MarginMath} from "../libraries/MarginMath.sol";
import {IKeeperRegistry} from "../keeper/IKeeperRegistry.sol";
import {SafeTransferLib} from "../libraries/SafeTransferLib.sol";
import {
    AMOUNT_LIMIT,
    BPS,
    FIELD_MODULUS,
    LIQUIDATOR_TAG_MASK,
    MAGNITUDE_SHIFT,
    PRICE_DECIMALS,
    VALUE_DECIMALS,
    WAD
} from "../libraries/Constants.sol";

/// @title Liquidation
/// @notice The liquidation concept of the margin engine: the insolvency proof's public inputs, partial and
///         full liquidation, the Dutch-auction bonus (the price the liquidator pays for the seized assets is
///         the oracle price less a bonus that rises from a fraction of the oracle's bound to the bound over
///         `auctionDuration` from the moment the account was flagged), the seizure of a frozen account's
///         basket against its debt, and the transfers between custody, the liquidator and the market's pool.
/// @dev The entry points are external: the engine reaches them with DELEGATECALL (a linked library), so they
///      run in the engine's context (its storage, custody, `msg.sender` the liquidator, its events and errors).
///
///      The rules (README "Keepers, liquidation and leases"), with V the basket's value at the epoch's
///      maintenance weights, U the positions' unrealised loss and M the maintenance margin (requirement = M + U):
///      - partial: V < M + U; the engine closes `closeBps` of every position; the remainder (after the
///        seizure and the signed delta `pnl + payment` of the settlement slot) is worth at least the target
///        requirement of what stays open (ratio mm + targetHealthBps (im - mm)) and less than its initial
///        requirement (the liquidator did not close more than restoring needs); and the payment is at most the
///        closed loss plus the closed part's maintenance margin (it did not seize more than that needs);
///      - full: V < M / 2 + U (the account cannot be restored: its haircut equity is below half its
///        maintenance margin); every position closes, the payment is at most the loss;
///      - flag: a proof of V < M + U with nothing seized starts the auction's clock;
///      - frozen seizure: a frozen account with a debt, `seizeDelay` after it froze; the payment is at most
///        the debt and repays the pool, then the insurance fund.
library Liquidation {
    using SafeTransferLib for address;

    /// @dev 10^(VALUE_DECIMALS - PRICE_DECIMALS): value units (1e-30 USD) per (price unit x whole token)
    ///      before the token's decimals are taken off.
    uint256 internal constant VALUE_EXPONENT = VALUE_DECIMALS - PRICE_DECIMALS;
    /// @dev The `cap` public input that bounds nothing: the remainder of a full close or a seizure is below
    ///      2^150 - 1 (its value is below the requirement, itself below 2^150; a seized basket's value is
    ///      below 2^150 - 1, 1.4e15 USD).
    uint256 internal constant NO_CAP = (1 << MAGNITUDE_SHIFT) - 1;
    /// @dev `restore`'s layout (circuits/src/insolvency.circom `UnpackRestore`).
    uint256 internal constant RESTORE_DELTA_SHIFT = 150;
    uint256 internal constant RESTORE_SIGN_SHIFT = 246;

    /// @dev A partial close, from one oracle read per market: the maintenance requirement of what was open (the
    ///      proof's), the realised PnL and the closed part's maintenance margin (value units), and the target
    ///      and initial requirements of what stays open (the proof's `restore` and `cap`).
    struct Close {
        uint256 requirement;
        int256 pnl;
        uint256 closedMargin;
        uint256 target;
        uint256 cap;
    }

    /// @notice The body of `IMarginEngine.liquidate` (see there): a full close.
    function liquidate(
        EngineState storage s,
        EngineDeps memory d,
        address account,
        uint64 epoch,
        IMarginEngine.Seizure calldata seizure,
        uint256 remainderCommitment,
        IMarginEngine.Proof calldata proof
    ) external {
        IMarginEngine.Account storage acct = s.accounts[account];
        if (acct.openMarkets == 0) revert IMarginEngine.NoOpenPosition(account);
        // The insolvency proof is a simple-margin statement: a portfolio account that clears its scenarios may
        // be below simple maintenance. Its pool is protected by the lease (lapse, then `forceClose`).
        if (acct.portfolio) revert IMarginEngine.PortfolioAccount(account);
        checkSeizure(d, seizure);
        uint64 start = auctionStart(s, account);
        // The close reads each market once and returns the full-close threshold of what was open: half the
        // maintenance margin plus the unrealised loss and funding owed. Below it the account cannot be restored
        // by a partial close. The proof is checked against it after the close (a revert undoes the close).
        (int256 pnl, uint256 requirement) = Positions.closeAll(s, d, account, acct);
        if (requirement >> MAGNITUDE_SHIFT != 0) revert IMarginEngine.RequirementTooLarge(requirement);
        verify(s, d, account, epoch, requirement, seizure, remainderCommitment, 0, NO_CAP, proof);
        acct.commitment = remainderCommitment;
        uint256 loss = pnl < 0 ? uint256(-pnl) : 0;
        (uint256 payment,) = seizurePayment(d, seizure, auctionFactor(d, start));
        if (payment > loss) revert IMarginEngine.SeizureTooLarge(payment, loss);
        // What the liquidator pays is the part of the loss the basket settles now.
        Leases.recordSettlement(s, d, account, acct, pnl + int256(payment));
        Leases.markFrozen(acct);
        emit IMarginEngine.Liquidated(
            account,
            msg.sender,
            epoch,
            pnl,
            seizure.indexA,
            seizure.amountA,
            seizure.indexB,
            seizure.amountB,
            payment,
            remainderCommitment
        );
        payOut(s, d, seizure, payment);
    }

    /// @notice The body of `IMarginEngine.liquidatePartial` (see there).
    function liquidatePartial(
        EngineState storage s,
        EngineDeps memory d,
        address account,
        uint64 epoch,
        uint16 closeBps,
        uint16 bonusBps,
        IMarginEngine.Seizure calldata seizure,
        uint256 remainderCommitment,
        IMarginEngine.Proof calldata proof
    ) external {
        IMarginEngine.Account storage acct = s.accounts[account];
        if (acct.openMarkets == 0) revert IMarginEngine.NoOpenPosition(account);
        // The insolvency proof is a simple-margin statement: a portfolio account that clears its scenarios may
        // be below simple maintenance. Its pool is protected by the lease (lapse, then `forceClose`).
        if (acct.portfolio) revert IMarginEngine.PortfolioAccount(account);
        if (acct.frozen) revert IMarginEngine.AccountFrozen(account, s.settlements[account].basketDelta);
        if (closeBps == 0 || closeBps >= BPS) revert IMarginEngine.CloseOutOfRange(closeBps);
        checkSeizure(d, seizure);
        // The liquidator's bid: the bonus it takes, at most the auction's now. The payment, and so the proof's
        // delta, do not depend on when the transaction lands. The auction's factor is never below its opening
        // (`auctionFactor`), so a bid at most the opening needs neither the flag's slot nor the factor.
        if (bonusBps > d.auctionStartBps) {
            uint256 factor = auctionFactor(d, auctionStart(s, account));
            if (bonusBps > factor) revert IMarginEngine.BonusAboveAuction(bonusBps, factor);
        }

        // Effects on positions first: the target and the cap are of what stays open.
        (uint256 payment, uint256 unit) = seizurePayment(d, seizure, bonusBps);
        Close memory c = closePart(s, d, account, acct, closeBps);
        int256 pnl = c.pnl;
        {
            // The closed margin from value units (1e-30 USD) to settlement base units, rounded down.
            uint256 bound = (pnl < 0 ? uint256(-pnl) : 0) + c.closedMargin / unit;
            if (payment > bound) revert IMarginEngine.SeizureTooLarge(payment, bound);
        }
        int256 delta = pnl + int256(payment);
        if (delta != 0 && (seizure.indexB != d.settlementAsset || seizure.indexA == seizure.indexB)) {
            revert IMarginEngine.DeltaSlot(seizure.indexB, d.settlementAsset);
        }
        if (delta <= -int256(AMOUNT_LIMIT) || delta >= int256(AMOUNT_LIMIT)) revert IMarginEngine.PnlTooLarge(delta);
        {
            uint256 restore = c.target | (MarginMath.abs(delta) << RESTORE_DELTA_SHIFT)
                | (delta < 0 ? uint256(1) << RESTORE_SIGN_SHIFT : 0);
            (uint64 epochTimestamp, uint64 regime) =
                verify(s, d, account, epoch, c.requirement, seizure, remainderCommitment, restore, c.cap, proof);
            acct.commitment = remainderCommitment;
            renewOrClear(s, d, account, acct, epoch, epochTimestamp, regime);
        }
        emit IMarginEngine.PartiallyLiquidated(
            account,
            msg.sender,
            epoch,
            closeBps,
            pnl,
            seizure.indexA,
            seizure.amountA,
            seizure.indexB,
            seizure.amountB,
            payment,
            delta,
            remainderCommitment
        );
        payOutPartial(s, d, seizure, payment, pnl);
    }

    /// @dev After a partial liquidation the remainder clears the target at this epoch (above maintenance): the
    ///      lease is renewed, which also clears the auction's flag (a flag counts only when newer than the
    ///      lease). No lease outlives its keeper: with a keeper that is not active the old lease runs out on
    ///      its own, and the flag is cleared.
    function renewOrClear(
        EngineState storage s,
        EngineDeps memory d,
        address account,
        IMarginEngine.Account storage acct,
        uint64 epoch,
        uint64 epochTimestamp,
        uint64 regime
    ) internal {
        if (d.keeperRegistry.statusOf(acct.keeperId) == IKeeperRegistry.Status.Active) {
            acct.leaseEpoch = epoch;
            acct.leaseTimestamp = epochTimestamp;
            acct.leaseRegime = regime;
        } else {
            delete s.distress[account];
        }
    }

    /// @notice The body of `IMarginEngine.flagLiquidatable` (see there).
    function flag(
        EngineState storage s,
        EngineDeps memory d,
        address account,
        uint64 epoch,
        uint256 remainderCommitment,
        IMarginEngine.Proof calldata proof
    ) external {
        IMarginEngine.Account storage acct = s.accounts[account];
        if (acct.openMarkets == 0) revert IMarginEngine.NoOpenPosition(account);
        // The insolvency proof is a simple-margin statement: a portfolio account that clears its scenarios may
        // be below simple maintenance. Its pool is protected by the lease (lapse, then `forceClose`).
        if (acct.portfolio) revert IMarginEngine.PortfolioAccount(account);
        IMarginEngine.Distress storage ds = s.distress[account];
        if (ds.flagEpoch > acct.leaseEpoch) revert IMarginEngine.AlreadyFlagged(account, ds.flaggedAt);
        IMarginEngine.Seizure memory none;
        verifyMemory(
            s,
            d,
            account,
            epoch,
            Positions.requirement(s, d, account, IMarginEngine.Margin.Maintenance, false),
            none,
            remainderCommitment,
            0,
            NO_CAP,
            proof
        );
        ds.flagEpoch = epoch;
        ds.flaggedAt = uint64(block.timestamp);
        emit IMarginEngine.Flagged(account, msg.sender, epoch);
    }

    /// @notice The body of `IMarginEngine.seizeFrozen` (see there).
    function seizeFrozen(
        EngineState storage s,
        EngineDeps memory d,
        address account,
        uint64 epoch,
        IMarginEngine.Seizure calldata seizure,
        uint256 remainderCommitment,
        IMarginEngine.Proof calldata proof
    ) external {
        IMarginEngine.Account storage acct = s.accounts[account];
        IMarginEngine.Settlement storage st = s.settlements[account];
        int256 owed = st.basketDelta;
        if (!acct.frozen || owed >= 0) revert IMarginEngine.NoDebt(account, owed);
        uint256 seizableAt = uint256(acct.leaseTimestamp) + d.seizeDelay;
        if (block.timestamp < seizableAt) revert IMarginEngine.SeizureNotDue(account, seizableAt);
        checkSeizure(d, seizure);
        uint256 debt = uint256(-owed);
        (uint256 payment,) = seizurePayment(d, seizure, auctionFactor(d, uint64(seizableAt)));
        if (payment > debt) revert IMarginEngine.SeizureTooLarge(payment, debt);
        verify(s, d, account, epoch, NO_CAP, seizure, remainderCommitment, 0, NO_CAP, proof);

        // The payment repays as `settle` would: the pool what nobody advanced, then the keeper's bond, then the fund.
        uint256 owedToPool = st.owedToPool;
        uint256 owedToKeeper = st.owedToKeeper;
        uint64 bondKeeper = st.bondKeeper;
        uint256 toPool = payment < owedToPool ? payment : owedToPool;
        uint256 toKeeper = payment - toPool < owedToKeeper ? payment - toPool : owedToKeeper;
        uint256 toFund = payment - toPool - toKeeper;
        acct.commitment = remainderCommitment;
        if (payment == debt) {
            delete s.settlements[account];
            acct.frozen = false;
        } else {
            st.basketDelta = int128(owed + int256(payment));
            st.owedToPool = uint128(owedToPool - toPool);
            st.owedToKeeper = uint128(owedToKeeper - toKeeper);
        }
        emit IMarginEngine.FrozenSeized(
            account,
            msg.sender,
            epoch,
            seizure.indexA,
            seizure.amountA,
            seizure.indexB,
            seizure.amountB,
            toPool,
            toFund,
            remainderCommitment
        );
        payIn(s, d, seizure, toPool, toKeeper, bondKeeper, toFund);
    }

    // ------------------------------------------------------------------------------------------
    // Requirements and the auction

    /// @dev Closes `closeBps` / 10,000 of every open position at the mark (the closed size rounds down: more
    ///      stays open), reading each market's quote and the funding step once (see `Close`).
    function closePart(
        EngineState storage s,
        EngineDeps memory d,
        address account,
        IMarginEngine.Account storage acct,
        uint16 closeBps
    ) internal returns (Close memory c) {
        uint256 open = acct.openMarkets;
        uint64 step = Positions.fundingStepNow(d);
        for (uint256 j; open != 0; ++j) {
            if (open & (1 << j) != 0) {
                open &= ~(1 << j);
                closeOne(s, d, account, acct, j, closeBps, step, c);
            }
        }
        if (c.requirement >> MAGNITUDE_SHIFT != 0) revert IMarginEngine.RequirementTooLarge(c.requirement);
        if (c.cap >> MAGNITUDE_SHIFT != 0) revert IMarginEngine.RequirementTooLarge(c.cap);
    }

    /// @dev Closes `closeBps` / 10,000 of the position in market `j` (clearing its bit when nothing stays
    ///      open) and adds to `c`: its maintenance requirement before the close (unrealised loss and funding
    ///      owed included), its realised PnL (with the whole position's funding), the closed part's maintenance
    ///      margin, and what stays open's target (ratio mm + targetHealthBps (im - mm)) and initial requirements,
    ///      each rounded up (against the trader: the target is harder to reach).
    function closeOne(
        EngineState storage s,
        EngineDeps memory d,
        address account,
        IMarginEngine.Account storage acct,
        uint256 j,
        uint16 closeBps,
        uint64 step,
        Close memory c
    ) internal {
        IMarginEngine.Position memory p = s.positions[account][j];
        (uint256 mark, uint256 imRatio, uint256 mmRatio,) = d.quoter.marketQuote(j);
        // The whole position's funding is realised, not only the closed part's.
        int256 index = Positions.accrueFundingAt(s, d, j, mark, step);
        c.requirement += MarginMath.positionRequirement(p.size, p.entryPrice, mark, mmRatio)
            + MarginMath.fundingLoss(p.size, p.fundingIndex, index);
        int256 closed = int256(p.size) * int256(uint256(closeBps)) / int256(BPS);
        int256 newSize = p.size - closed;
        int256 pnl = MarginMath.realisedPnl(closed, p.entryPrice, mark, d.quoteDecimals);
        c.pnl += pnl - Positions.realiseFunding(account, j, p, index, d.quoteDecimals);
        s.positions[account][j] = IMarginEngine.Position(int104(newSize), p.entryPrice, int96(index));
        Positions.moveOpenInterest(s, j, p.size, p.entryPrice, newSize, p.entryPrice);
        Positions.moveFunding(s, d, j, p.size, p.fundingIndex, newSize, index);
        if (newSize == 0) acct.openMarkets &= ~uint8(1 << j);
        emit IMarginEngine.PositionChanged(account, uint8(j), p.size, newSize, mark, pnl);
        c.closedMargin += MarginMath.positionRequirement(closed, mark, mark, mmRatio);
        uint256 ratio = mmRatio + ((imRatio - mmRatio) * d.targetHealthBps + BPS - 1) / BPS;
        c.target += MarginMath.positionRequirement(newSize, p.entryPrice, mark, ratio);
        c.cap += MarginMath.positionRequirement(newSize, p.entryPrice, mark, imRatio);
    }

    /// @dev When the auction of `account` started: its flag when one is newer than its lease, else now (an
    ///      unflagged account is liquidated at the auction's opening bonus).
    function auctionStart(EngineState storage s, address account) internal view returns (uint64) {
        IMarginEngine.Distress memory ds = s.distress[account];
        if (ds.flagEpoch > s.accounts[account].leaseEpoch) return ds.flaggedAt;
        return uint64(block.timestamp);
    }

    /// @dev The auction's factor (out of 10,000) of the oracle's bonus for an auction that started at `start`:
    ///      it rises linearly from auctionStartBps to 10,000 over auctionDuration (rounded down: for the trader).
    function auctionFactor(EngineDeps memory d, uint64 start) internal view returns (uint256) {
        uint256 elapsed = block.timestamp > start ? block.timestamp - start : 0;
        if (elapsed >= d.auctionDuration) return BPS;
        return d.auctionStartBps + (BPS - d.auctionStartBps) * elapsed / d.auctionDuration;
    }

    // ------------------------------------------------------------------------------------------
    // The proof

    /// @dev Verifies the insolvency proof against the public inputs derived here (see `insolvencyInputs`).
    function verify(
        EngineState storage s,
        EngineDeps memory d,
        address account,
        uint64 epoch,
        uint256 requirement,
        IMarginEngine.Seizure calldata seizure,
        uint256 remainderCommitment,
        uint256 restore,
        uint256 cap,
        IMarginEngine.Proof calldata proof
    ) internal view returns (uint64 epochTimestamp, uint64 regime) {
        return verifyMemory(s, d, account, epoch, requirement, seizure, remainderCommitment, restore, cap, proof);
    }

    function verifyMemory(
        EngineState storage s,
        EngineDeps memory d,
        address account,
        uint64 epoch,
        uint256 requirement,
        IMarginEngine.Seizure memory seizure,
        uint256 remainderCommitment,
        uint256 restore,
        uint256 cap,
        IMarginEngine.Proof calldata proof
    ) internal view returns (uint64 epochTimestamp, uint64 regime) {
        uint256[7] memory pub;
        (pub, epochTimestamp, regime) = insolvencyInputs(s, d, account, epoch, requirement, seizure, remainderCommitment);
        pub[5] = restore;
        pub[6] = cap;
        if (!d.insolvencyVerifier.verifyProof(proof.a, proof.b, proof.c, pub)) revert IMarginEngine.InvalidProof();
    }

    /// @dev The insolvency circuit's public inputs, all derived here except the seizure and remainder
    ///      the liquidator chooses: [commitment, maintenance weights hash, requirement | indexA << 150 |
    ///      indexB << 154 | (low 95 bits of msg.sender) << 158, amountA | amountB << 96,
    ///      remainderCommitment, restore, cap] (the last two set by the caller). The sender's tag binds the
    ///      proof to its liquidator: copying the transaction needs an address that shares those 95 bits.
    function insolvencyInputs(
        EngineState storage s,
        EngineDeps memory d,
        address account,
        uint64 epoch,
        uint256 requirement,
        IMarginEngine.Seizure memory seizure,
        uint256 remainderCommitment
    ) internal view returns (uint256[7] memory pub, uint64 timestamp, uint64 regime) {
        uint64 current;
        uint256 weightsHash;
        (current, timestamp, weightsHash, regime) = d.oracle.currentEpochParams(true);
        if (epoch != current) revert IMarginEngine.StaleEpoch(epoch, current);
        if (block.timestamp > timestamp + d.maxEpochAge) revert IMarginEngine.OracleStale(timestamp, d.maxEpochAge);
        if (remainderCommitment >= FIELD_MODULUS) revert IMarginEngine.CommitmentNotInField(remainderCommitment);
        pub[0] = AccountUpdates.commitmentOf(s, d, account);
        pub[1] = weightsHash;
        pub[2] = requirement | (uint256(seizure.indexA) << MAGNITUDE_SHIFT)
            | (uint256(seizure.indexB) << (MAGNITUDE_SHIFT + 4))
            | ((uint256(uint160(msg.sender)) & LIQUIDATOR_TAG_MASK) << (MAGNITUDE_SHIFT + 8));
        pub[3] = uint256(seizure.amountA) | (uint256(seizure.amountB) << 96);
        pub[4] = remainderCommitment;
    }

    /// @dev Both slots are known (`UnknownAsset`, as `AccountUpdates.token`, without reading the token: a cold
    ///      slot of 2,100 gas; `sendSeized` reads the one it moves) and one slot is not seized twice.
    function checkSeizure(EngineDeps memory d, IMarginEngine.Seizure calldata seizure) internal pure {
        if (seizure.indexA >= d.assetCount) revert IMarginEngine.UnknownAsset(seizure.indexA);
        if (seizure.indexB >= d.assetCount) revert IMarginEngine.UnknownAsset(seizure.indexB);
        if (seizure.indexA == seizure.indexB && seizure.amountA != 0 && seizure.amountB != 0) {
            revert IMarginEngine.DuplicateSeizure(seizure.indexA);
        }
    }

    // ------------------------------------------------------------------------------------------
    // The payment

    /// @dev What the liquidator pays, in settlement-token base units, for the seized assets: each valued at the
    ///      oracle price and divided by (1 + bonus), the bonus being `factor` / 10,000 of the oracle's (rounded
    ///      down), the payment rounded up. Since the bonus is at most the oracle's and (1 + bonus)(1 - maintenance
    ///      haircut) <= 1, this is at least the assets' haircut value.
    ///      The settlement token's quote is read once: `unit` is the value units (1e-30 USD) of one of its base units.
    function seizurePayment(EngineDeps memory d, IMarginEngine.Seizure calldata seizure, uint256 factor)
        internal
        view
        returns (uint256 payment, uint256 unit)
    {
        (uint256 price, uint8 decimals, uint256 bound) = d.oracle.seizureQuote(d.settlementAsset);
        // One settlement base unit is worth price * 10^(22 - decimals) value units.
        unit = price * 10 ** (VALUE_EXPONENT - uint256(d.quoteDecimals));
        uint256 value = discountedValue(d, seizure.indexA, seizure.amountA, factor, price, decimals, bound)
            + discountedValue(d, seizure.indexB, seizure.amountB, factor, price, decimals, bound);
        payment = (value + unit - 1) / unit;
    }

    /// @dev `amount` of `slot` at its oracle price less `factor` / 10,000 of its bonus (value units), the
    ///      settlement slot's quote given.
    function discountedValue(
        EngineDeps memory d,
        uint8 slot,
        uint256 amount,
        uint256 factor,
        uint256 price,
        uint8 decimals,
        uint256 bound
    ) internal view returns (uint256) {
        if (amount == 0) return 0;
        if (slot != d.settlementAsset) (price, decimals, bound) = d.oracle.seizureQuote(slot);
        uint256 bonus = bound * factor / BPS;
        uint256 value = amount * price * 10 ** (VALUE_EXPONENT - uint256(decimals));
        return (value * WAD + WAD + bonus - 1) / (WAD + bonus);
    }

    // ------------------------------------------------------------------------------------------
    // Transfers

    /// @dev Full close: moves the payment and the seized assets. Seized settlement tokens pay the pool first
    ///      (straight from custody), the liquidator pays only the rest: the same net result with fewer transfers.
    function payOut(EngineState storage s, EngineDeps memory d, IMarginEngine.Seizure calldata seizure, uint256 payment)
        internal
    {
        uint256 seizedQuote = seizedSettlement(d, seizure);
        uint256 fromCustody = payment < seizedQuote ? payment : seizedQuote;
        address pool = address(d.market);
        if (fromCustody != 0) d.settlementToken.safeTransfer(pool, fromCustody);
        if (payment > fromCustody) d.settlementToken.safeTransferFrom(msg.sender, pool, payment - fromCustody);
        if (seizedQuote > fromCustody) credit(s, d.settlementAsset, seizedQuote - fromCustody);
        creditSeized(s, d, seizure);
    }

    /// @dev Partial close: the liquidator pays `payment` and receives the seized assets; the pool receives the
    ///      closed loss or pays the closed profit into custody; custody keeps or gives the difference (the
    ///      basket's delta). Each leg nets the liquidator's payment against its seized settlement tokens.
    function payOutPartial(
        EngineState storage s,
        EngineDeps memory d,
        IMarginEngine.Seizure calldata seizure,
        uint256 payment,
        int256 pnl
    ) internal {
        uint256 seizedQuote = seizedSettlement(d, seizure);
        if (payment > seizedQuote) d.settlementToken.safeTransferFrom(msg.sender, address(this), payment - seizedQuote);
        else if (seizedQuote > payment) credit(s, d.settlementAsset, seizedQuote - payment);
        if (pnl < 0) d.settlementToken.safeTransfer(address(d.market), uint256(-pnl));
        else if (pnl > 0) d.market.payProfit(uint256(pnl));
        creditSeized(s, d, seizure);
    }

    /// @dev Frozen seizure: the keeper pays `toPool + toKeeper + toFund` (less the seized settlement token) and
    ///      receives the seized assets; `toKeeper` refills the bond of keeper `bondKeeper`.
    function payIn(
        EngineState storage s,
        EngineDeps memory d,
        IMarginEngine.Seizure calldata seizure,
        uint256 toPool,
        uint256 toKeeper,
        uint64 bondKeeper,
        uint256 toFund
    ) internal {
        uint256 seizedQuote = seizedSettlement(d, seizure);
        uint256 payment = toPool + toKeeper + toFund;
        if (payment > seizedQuote) d.settlementToken.safeTransferFrom(msg.sender, address(this), payment - seizedQuote);
        else if (seizedQuote > payment) credit(s, d.settlementAsset, seizedQuote - payment);
        if (toPool != 0) d.settlementToken.safeTransfer(address(d.market), toPool);
        if (toKeeper != 0) {
            d.settlementToken.safeTransfer(address(d.keeperRegistry), toKeeper);
            d.keeperRegistry.repayBond(bondKeeper, toKeeper);
        }
        if (toFund != 0) d.settlementToken.safeTransfer(address(d.insuranceFund), toFund);
        creditSeized(s, d, seizure);
    }

    function seizedSettlement(EngineDeps memory d, IMarginEngine.Seizure calldata seizure)
        internal
        pure
        returns (uint256 seizedQuote)
    {
        if (seizure.indexA == d.settlementAsset) seizedQuote += seizure.amountA;
        if (seizure.indexB == d.settlementAsset) seizedQuote += seizure.amountB;
    }

    /// @dev Credits the liquidator the seized assets other than the settlement token (that one is netted above).
    function creditSeized(EngineState storage s, EngineDeps memory d, IMarginEngine.Seizure calldata seizure) internal {
        if (seizure.amountA != 0 && seizure.indexA != d.settlementAsset) credit(s, seizure.indexA, seizure.amountA);
        if (seizure.amountB != 0 && seizure.indexB != d.settlementAsset) credit(s, seizure.indexB, seizure.amountB);
    }

    /// @dev Credits `msg.sender` (the liquidator) `amount` of slot `asset`, to `claim` later. The engine keeps the
    ///      tokens in custody until then: a liquidation calls no token to pay its liquidator.
    function credit(EngineState storage s, uint256 asset, uint256 amount) internal {
        IMarginEngine.Claimable storage c = s.claimable[msg.sender][asset];
        // Below 2^96 each (a seized amount or the seized settlement tokens): no sum of them reaches 2^248.
        c.amount += uint248(amount);
        c.used = true;
    }

    /// @notice The body of `IMarginEngine.claim` (see there): credit cleared before the transfer.
    function claim(EngineState storage s, EngineDeps memory d, uint256 asset, address to)
        external
        returns (uint256 amount)
    {
        address tokenAddress = AccountUpdates.token(s, d, asset);
        IMarginEngine.Claimable storage c = s.claimable[msg.sender][asset];
        amount = c.amount;
        if (amount == 0) revert IMarginEngine.NothingToClaim(msg.sender, asset);
        c.amount = 0;
        emit IMarginEngine.Claimed(msg.sender, asset, to, amount);
        tokenAddress.safeTransfer(to, amount);
    }
}
