// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IMarginEngine} from "./IMarginEngine.sol";
import {EngineDeps, EngineState} from "./EngineTypes.sol";
import {AccountUpdates} from "./AccountUpdates.sol";
import {Positions} from "./Positions.sol";
import {SafeTransferLib} from "../libraries/SafeTransferLib.sol";
import {AMOUNT_LIMIT} from "../libraries/Constants.sol";

/// @title Leases
/// @notice The leases-and-force-close concept of the margin engine: when a solvency lease lapses (by age, or
///         at the start of a newer price regime), its grace period, the permissionless force-close of an
///         expired lease, the pending settlement it leaves and the `settle` that applies it with a proof.
/// @dev `settle` is external (the engine reaches it with DELEGATECALL, in its own context); `forceClose`,
///      `lapsesAt` and `recordSettlement` are internal. `forceClose` stays in the engine's own code: it
///      carries no proof, so one more cold call would be a large share of its gas.
library Leases {
    using SafeTransferLib for address;

    /// @notice The body of `IMarginEngine.forceClose` (see there).
    function forceClose(EngineState storage s, EngineDeps memory d, address account) internal {
        IMarginEngine.Account storage acct = s.accounts[account];
        if (acct.openMarkets == 0) revert IMarginEngine.NoOpenPosition(account);
        // One oracle read gives the epoch and the regime the lease is measured against.
        (uint64 epoch, uint64 timestamp,, uint64 regime) = d.oracle.currentEpochParams(true);
        uint256 closableAt = uint256(lapsesAt(d, acct, regime)) + d.leaseGrace;
        if (block.timestamp < closableAt) revert IMarginEngine.LeaseNotExpired(account, closableAt);
        if (block.timestamp > timestamp + d.maxEpochAge) revert IMarginEngine.OracleStale(timestamp, d.maxEpochAge);

        (int256 pnl,) = Positions.closeAll(s, d, account, acct);
        uint256 covered = recordSettlement(s, d, account, acct, pnl);
        markFrozen(acct);
        emit IMarginEngine.ForceClosed(account, msg.sender, epoch, pnl, covered);
    }

    /// @notice The body of `IMarginEngine.settle` (see there).
    function settle(
        EngineState storage s,
        EngineDeps memory d,
        uint64 epoch,
        uint256 newCommitment,
        IMarginEngine.KeeperNote calldata note,
        IMarginEngine.Proof calldata proof
    ) external {
        IMarginEngine.Account storage acct = s.accounts[msg.sender];
        if (!acct.frozen) revert IMarginEngine.NotFrozen(msg.sender);
        IMarginEngine.Settlement memory st = s.settlements[msg.sender];
        AccountUpdates.update(
            s,
            d,
            IMarginEngine.Action.Settle,
            IMarginEngine.Margin.Maintenance,
            epoch,
            newCommitment,
            note,
            proof,
            d.settlementAsset,
            st.basketDelta
        );
        delete s.settlements[msg.sender];
        acct.frozen = false;

        // The debt repays the pool what nobody advanced, then the keeper's bond, then the fund.
        uint256 toPool;
        uint256 toKeeper;
        uint256 toFund;
        if (st.basketDelta < 0) {
            uint256 debt = uint256(-int256(st.basketDelta));
            toPool = debt < st.owedToPool ? debt : st.owedToPool;
            toKeeper = debt - toPool < st.owedToKeeper ? debt - toPool : st.owedToKeeper;
            toFund = debt - toPool - toKeeper;
        }
        emit IMarginEngine.Settled(msg.sender, st.basketDelta, toPool, toFund);
        if (toPool != 0) d.settlementToken.safeTransfer(address(d.market), toPool);
        if (toKeeper != 0) {
            d.settlementToken.safeTransfer(address(d.keeperRegistry), toKeeper);
            d.keeperRegistry.repayBond(st.bondKeeper, toKeeper);
        }
        if (toFund != 0) d.settlementToken.safeTransfer(address(d.insuranceFund), toFund);
    }

    /// @dev When the lease lapses: `leaseMaxAge` after its epoch, or when the next price regime started,
    ///      whichever is first. `currentRegime` is the oracle's.
    function lapsesAt(EngineDeps memory d, IMarginEngine.Account storage acct, uint64 currentRegime)
        internal
        view
        returns (uint64 at)
    {
        at = acct.leaseTimestamp + d.leaseMaxAge;
        uint64 leaseRegime = acct.leaseRegime;
        if (currentRegime > leaseRegime) {
            uint64 next = d.oracle.regimeStartedAt(leaseRegime + 1);
            if (next < at) at = next;
        }
    }

    /// @dev Stamps when the account froze (an account with open positions is never frozen, so a force-close or
    ///      liquidation that leaves it frozen is when it froze) in its `leaseTimestamp`, which a frozen account
    ///      does not use (it has no position; `settle` renews the lease): a debt left unsettled `seizeDelay`
    ///      after this may be seized (`Liquidation.seizeFrozen`). Same storage slot as `frozen`: no new slot.
    function markFrozen(IMarginEngine.Account storage acct) internal {
        if (acct.frozen) acct.leaseTimestamp = uint64(block.timestamp);
    }

    /// @dev Records `pnl` as the account's pending settlement and freezes it. A loss is advanced to the pool
    ///      first by the bond of the account's keeper (at most the registry's `drawCap`), then by the insurance
    ///      fund as far as it can; a profit is paid by the pool into custody. While the account owes a keeper's
    ///      bond, a further loss draws on that same keeper.
    function recordSettlement(
        EngineState storage s,
        EngineDeps memory d,
        address account,
        IMarginEngine.Account storage acct,
        int256 pnl
    ) internal returns (uint256 covered) {
        if (pnl == 0) return 0;
        IMarginEngine.Settlement storage st = s.settlements[account];
        int256 pending = int256(st.basketDelta) + pnl;
        if (pending <= -int256(AMOUNT_LIMIT) || pending >= int256(AMOUNT_LIMIT)) {
            revert IMarginEngine.PnlTooLarge(pending);
        }
        st.basketDelta = int128(pending);
        acct.frozen = true;
        if (pnl < 0) {
            uint256 loss = uint256(-pnl);
            uint64 keeperId = st.owedToKeeper != 0 ? st.bondKeeper : uint64(acct.keeperId);
            covered = d.keeperRegistry.drawBond(keeperId, loss, address(d.market));
            if (covered != 0) {
                st.owedToKeeper += uint128(covered);
                st.bondKeeper = keeperId;
            }
            if (loss > covered) covered += d.insuranceFund.cover(loss - covered);
            st.owedToPool += uint128(loss - covered);
        } else {
            d.market.payProfit(uint256(pnl));
        }
    }
}
