// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IMarginEngine} from "./IMarginEngine.sol";
import {EngineDeps, EngineState} from "./EngineTypes.sol";
import {AccountUpdates} from "./AccountUpdates.sol";
import {Leases} from "./Leases.sol";
import {Positions} from "./Positions.sol";
import {SafeTransferLib} from "../libraries/SafeTransferLib.sol";
import {
    FIELD_MODULUS,
    LIQUIDATOR_TAG_MASK,
    MAGNITUDE_SHIFT,
    PRICE_DECIMALS,
    VALUE_DECIMALS,
    WAD
} from "../libraries/Constants.sol";

/// @title Liquidation
/// @notice The liquidation concept of the margin engine: the insolvency proof's public inputs, the price the
///         liquidator pays for the seized assets (the oracle price less each asset's liquidation bonus), and
///         the transfers between custody, the liquidator and the market's pool.
/// @dev `liquidate` is external: the engine reaches it with DELEGATECALL (a linked library), so it runs in
///      the engine's context (its storage, custody, `msg.sender` the liquidator, its events and errors).
library Liquidation {
    using SafeTransferLib for address;

    /// @dev 10^(VALUE_DECIMALS - PRICE_DECIMALS): value units (1e-30 USD) per (price unit x whole token)
    ///      before the token's decimals are taken off.
    uint256 internal constant VALUE_EXPONENT = VALUE_DECIMALS - PRICE_DECIMALS;

    /// @notice The body of `IMarginEngine.liquidate` (see there).
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
        checkSeizure(s, d, seizure);
        uint256[5] memory pub = insolvencyInputs(s, d, account, epoch, seizure, remainderCommitment);
        if (!d.insolvencyVerifier.verifyProof(proof.a, proof.b, proof.c, pub)) revert IMarginEngine.InvalidProof();

        acct.commitment = remainderCommitment;
        int256 pnl = Positions.closeAll(s, d, account, acct);
        uint256 loss = pnl < 0 ? uint256(-pnl) : 0;
        uint256 payment = seizurePayment(d, seizure);
        if (payment > loss) revert IMarginEngine.SeizureTooLarge(payment, loss);
        // What the liquidator pays is the part of the loss the basket settles now.
        Leases.recordSettlement(s, d, account, acct, pnl + int256(payment));
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

    /// @dev The insolvency circuit's public inputs, all derived here except the seizure and remainder
    ///      the liquidator chooses: [commitment, maintenance weights hash, requirement | indexA << 150 |
    ///      indexB << 154 | (low 95 bits of msg.sender) << 158, amountA | amountB << 96,
    ///      remainderCommitment]. The sender's tag binds the proof to its liquidator: copying the
    ///      transaction needs an address that shares those 95 bits (2^95 work).
    function insolvencyInputs(
        EngineState storage s,
        EngineDeps memory d,
        address account,
        uint64 epoch,
        IMarginEngine.Seizure calldata seizure,
        uint256 remainderCommitment
    ) internal view returns (uint256[5] memory pub) {
        (uint64 current, uint64 timestamp, uint256 weightsHash,) = d.oracle.currentEpochParams(true);
        if (epoch != current) revert IMarginEngine.StaleEpoch(epoch, current);
        if (block.timestamp > timestamp + d.maxEpochAge) revert IMarginEngine.OracleStale(timestamp, d.maxEpochAge);
        if (remainderCommitment >= FIELD_MODULUS) revert IMarginEngine.CommitmentNotInField(remainderCommitment);
        pub[0] = AccountUpdates.commitmentOf(s, d, account);
        pub[1] = weightsHash;
        pub[2] = Positions.requirement(s, d, account, IMarginEngine.Margin.Maintenance, false)
            | (uint256(seizure.indexA) << MAGNITUDE_SHIFT) | (uint256(seizure.indexB) << (MAGNITUDE_SHIFT + 4))
            | ((uint256(uint160(msg.sender)) & LIQUIDATOR_TAG_MASK) << (MAGNITUDE_SHIFT + 8));
        pub[3] = uint256(seizure.amountA) | (uint256(seizure.amountB) << 96);
        pub[4] = remainderCommitment;
    }

    function checkSeizure(EngineState storage s, EngineDeps memory d, IMarginEngine.Seizure calldata seizure)
        internal
        view
    {
        AccountUpdates.token(s, d, seizure.indexA);
        AccountUpdates.token(s, d, seizure.indexB);
        if (seizure.indexA == seizure.indexB && seizure.amountA != 0 && seizure.amountB != 0) {
            revert IMarginEngine.DuplicateSeizure(seizure.indexA);
        }
    }

    /// @dev What the liquidator pays, in settlement-token base units, for the seized assets: each
    ///      valued at the oracle price and divided by (1 + its liquidation bonus), rounded up. Since
    ///      (1 + bonus)(1 - maintenance haircut) <= 1, this is at least the assets' haircut value.
    function seizurePayment(EngineDeps memory d, IMarginEngine.Seizure calldata seizure)
        internal
        view
        returns (uint256)
    {
        uint256 value = discountedValue(d, seizure.indexA, seizure.amountA)
            + discountedValue(d, seizure.indexB, seizure.amountB);
        if (value == 0) return 0;
        // value is in 1e-30 USD; one settlement base unit is worth price * 10^(22 - decimals) of those.
        (uint256 price,,) = d.oracle.seizureQuote(d.settlementAsset);
        uint256 unit = price * 10 ** (VALUE_EXPONENT - uint256(d.quoteDecimals));
        return (value + unit - 1) / unit;
    }

    function discountedValue(EngineDeps memory d, uint8 slot, uint256 amount) internal view returns (uint256) {
        if (amount == 0) return 0;
        (uint256 price, uint8 decimals, uint256 bonus) = d.oracle.seizureQuote(slot);
        uint256 value = amount * price * 10 ** (VALUE_EXPONENT - uint256(decimals));
        return (value * WAD + WAD + bonus - 1) / (WAD + bonus);
    }

    /// @dev Moves the payment and the seized assets. Seized settlement tokens pay the pool first
    ///      (straight from custody), the liquidator pays only the rest: the same net result with fewer
    ///      transfers.
    function payOut(EngineState storage s, EngineDeps memory d, IMarginEngine.Seizure calldata seizure, uint256 payment)
        internal
    {
        uint256 seizedQuote;
        if (seizure.indexA == d.settlementAsset) seizedQuote += seizure.amountA;
        if (seizure.indexB == d.settlementAsset) seizedQuote += seizure.amountB;
        uint256 fromCustody = payment < seizedQuote ? payment : seizedQuote;
        address pool = address(d.market);
        if (fromCustody != 0) d.settlementToken.safeTransfer(pool, fromCustody);
        if (payment > fromCustody) d.settlementToken.safeTransferFrom(msg.sender, pool, payment - fromCustody);
        if (seizedQuote > fromCustody) d.settlementToken.safeTransfer(msg.sender, seizedQuote - fromCustody);
        if (seizure.amountA != 0 && seizure.indexA != d.settlementAsset) {
            s.tokens[seizure.indexA].safeTransfer(msg.sender, seizure.amountA);
        }
        if (seizure.amountB != 0 && seizure.indexB != d.settlementAsset) {
            s.tokens[seizure.indexB].safeTransfer(msg.sender, seizure.amountB);
        }
    }
}
