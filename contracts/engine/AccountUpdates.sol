// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IMarginEngine} from "./IMarginEngine.sol";
import {EngineDeps, EngineState} from "./EngineTypes.sol";
import {Positions} from "./Positions.sol";
import {PortfolioMargin} from "./PortfolioMargin.sol";
import {IKeeperRegistry} from "../keeper/IKeeperRegistry.sol";
import {SafeTransferLib} from "../libraries/SafeTransferLib.sol";
import {AMOUNT_LIMIT, FIELD_MODULUS, INDEX_SHIFT, MAGNITUDE_SHIFT, SIGN_SHIFT} from "../libraries/Constants.sol";

/// @title AccountUpdates
/// @notice The account-update concept of the margin engine: the public inputs of an account-update proof,
///         all derived on-chain (old commitment from storage, weights hash from the current epoch,
///         requirement from the positions, keeper-note challenge and binding from calldata and the keeper's
///         registered key), its verification, and the effects of an accepted proof (commitment, keeper,
///         lease, events).
/// @dev `deposit`, `withdraw` and `renewLease` are external: the engine reaches them with DELEGATECALL (a
///      linked library), so they run in the engine's context (its storage and custody; `msg.sender` is the
///      account; events and errors are the engine's). The internal functions are compiled into each caller:
///      `Positions.trade`, `Leases.settle` and `Liquidation` reuse them.
library AccountUpdates {
    using SafeTransferLib for address;

    /// @notice The body of `IMarginEngine.deposit` (see there).
    function deposit(
        EngineState storage s,
        EngineDeps memory d,
        uint8 asset,
        uint256 amount,
        uint64 epoch,
        uint256 newCommitment,
        IMarginEngine.KeeperNote calldata note,
        IMarginEngine.Proof calldata proof
    ) external {
        address t = token(s, d, asset);
        checkAmount(amount);
        update(
            s,
            d,
            IMarginEngine.Action.Deposit,
            IMarginEngine.Margin.None,
            epoch,
            newCommitment,
            note,
            proof,
            asset,
            int256(amount)
        );
        t.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice The body of `IMarginEngine.withdraw` (see there).
    function withdraw(
        EngineState storage s,
        EngineDeps memory d,
        uint8 asset,
        uint256 amount,
        uint64 epoch,
        uint256 newCommitment,
        IMarginEngine.KeeperNote calldata note,
        IMarginEngine.Proof calldata proof
    ) external {
        address t = token(s, d, asset);
        checkAmount(amount);
        requireNotFrozen(s, msg.sender);
        update(
            s,
            d,
            IMarginEngine.Action.Withdraw,
            IMarginEngine.Margin.Initial,
            epoch,
            newCommitment,
            note,
            proof,
            asset,
            -int256(amount)
        );
        t.safeTransfer(msg.sender, amount);
    }

    /// @notice The body of `IMarginEngine.renewLease` (see there).
    function renewLease(
        EngineState storage s,
        EngineDeps memory d,
        uint64 epoch,
        uint256 newCommitment,
        IMarginEngine.KeeperNote calldata note,
        IMarginEngine.Proof calldata proof
    ) external {
        requireNotFrozen(s, msg.sender);
        // The positions' funding is realised into the settlement slot (none: the delta stays 0 at slot 0).
        int256 funding = Positions.settleFunding(s, d, msg.sender);
        update(
            s,
            d,
            IMarginEngine.Action.RenewLease,
            IMarginEngine.Margin.Maintenance,
            epoch,
            newCommitment,
            note,
            proof,
            funding == 0 ? 0 : d.settlementAsset,
            funding
        );
        Positions.pay(d, funding);
    }
    /// @notice The body of `MarginEngine.portfolioFloorsOf` (see there).
    function portfolioFloorsOf(EngineState storage s, EngineDeps memory d, address account, bool initial)
        external
        view
        returns (uint256 lo, uint256 hi)
    {
        return PortfolioMargin.packedFloors(s, d, account, initial, false);
    }

    /// @dev Verifies the proof against the public inputs derived here, then stores the new commitment,
    ///      the keeper the account names, and emits the new opening encrypted to that keeper.
    function update(
        EngineState storage s,
        EngineDeps memory d,
        IMarginEngine.Action action,
        IMarginEngine.Margin margin,
        uint64 epoch,
        uint256 newCommitment,
        IMarginEngine.KeeperNote calldata note,
        IMarginEngine.Proof calldata proof,
        uint8 asset,
        int256 delta
    ) internal {
        uint256[6] memory pub;
        uint64 epochTimestamp;
        uint64 regime;
        if (s.accounts[msg.sender].portfolio) {
            uint256[9] memory pp;
            (pp, epochTimestamp, regime) = portfolioInputs(s, d, margin, epoch, newCommitment, note, asset, delta);
            if (!d.portfolioVerifier.verifyProof(proof.a, proof.b, proof.c, pp)) revert IMarginEngine.InvalidProof();
            for (uint256 i; i < 6; ++i) {
                pub[i] = pp[i];
            }
        } else {
            (pub, epochTimestamp, regime) = publicInputs(s, d, margin, epoch, newCommitment, note, asset, delta);
            if (!d.verifier.verifyProof(proof.a, proof.b, proof.c, pub)) revert IMarginEngine.InvalidProof();
        }
        record(s, action, margin, epoch, pub, epochTimestamp, regime, note, asset, delta);
    }

    /// @dev The effects of an accepted account-update proof with public inputs `pub` (see `publicInputs`):
    ///      stores the new commitment and the keeper, renews the lease when the proof allows it, and emits
    ///      the update and the keeper note. Shared with `NoteUpdates`, whose proofs extend `pub`.
    function record(
        EngineState storage s,
        IMarginEngine.Action action,
        IMarginEngine.Margin margin,
        uint64 epoch,
        uint256[6] memory pub,
        uint64 epochTimestamp,
        uint64 regime,
        IMarginEngine.KeeperNote calldata note,
        uint8 asset,
        int256 delta
    ) internal {
        uint256 newCommitment = pub[1];
        IMarginEngine.Account storage acct = s.accounts[msg.sender];
        acct.commitment = newCommitment;
        acct.keeperId = uint40(note.keeperId);
        // The proof shows maintenance margin at this epoch when it cleared the maintenance rule, or
        // the initial one (stricter weights and ratios), or, with no open position, any rule at all
        // (the maintenance requirement is then 0). Each of these renews the lease.
        bool renews = margin != IMarginEngine.Margin.None || acct.openMarkets == 0;
        if (renews) {
            acct.leaseEpoch = epoch;
            acct.leaseTimestamp = epochTimestamp;
            acct.leaseRegime = regime;
        }
        emit IMarginEngine.AccountUpdated(
            msg.sender,
            action,
            epoch,
            pub[0],
            newCommitment,
            asset,
            delta,
            pub[3] & ((1 << MAGNITUDE_SHIFT) - 1),
            renews
        );
        emit IMarginEngine.KeeperNoteSent(
            msg.sender, note.keeperId, epoch, newCommitment, note.ephemeralKey, note.ciphertext
        );
    }

    /// @dev The circuit's public inputs [oldCommitment, newCommitment, weightsHash, statement, challenge,
    ///      binding]. Rejects a stale epoch, a new commitment or note element that is not a field element, an
    ///      unchanged commitment (the proof would be replayable) and a keeper the account may not name.
    function publicInputs(
        EngineState storage s,
        EngineDeps memory d,
        IMarginEngine.Margin margin,
        uint64 epoch,
        uint256 newCommitment,
        IMarginEngine.KeeperNote calldata note,
        uint8 asset,
        int256 delta
    ) internal view returns (uint256[6] memory pub, uint64 epochTimestamp, uint64 regime) {
        // A portfolio account proves margin only with the portfolio circuit (see `portfolioInputs`).
        if (margin != IMarginEngine.Margin.None && s.accounts[msg.sender].portfolio) {
            revert IMarginEngine.PortfolioAccount(msg.sender);
        }
        uint64 current;
        uint256 weightsHash;
        (current, epochTimestamp, weightsHash, regime) =
            d.oracle.currentEpochParams(margin == IMarginEngine.Margin.Maintenance);
        checkEpoch(d, epoch, current, epochTimestamp);
        pub[0] = checkCommitments(s, d, newCommitment);
        pub[1] = newCommitment;
        pub[2] = weightsHash;
        pub[3] = packStatement(Positions.requirement(s, d, msg.sender, margin, true), asset, delta);
        (pub[4], pub[5]) = bindAccountNote(s, d, margin, newCommitment, note, epoch);
    }

    /// @dev The portfolio circuit's public inputs [oldCommitment, newCommitment, weightsHash, statement,
    ///      challenge, binding, upHash, floorsLo, floorsHi]: as `publicInputs`, with the epoch's scenario grid
    ///      (down weights' hash, up weights' hash) for the margin type, a statement whose requirement field is
    ///      0, and the floors of the positions (`PortfolioMargin.packedFloors`; all 0 for `Margin.None`).
    function portfolioInputs(
        EngineState storage s,
        EngineDeps memory d,
        IMarginEngine.Margin margin,
        uint64 epoch,
        uint256 newCommitment,
        IMarginEngine.KeeperNote calldata note,
        uint8 asset,
        int256 delta
    ) internal view returns (uint256[9] memory pub, uint64 epochTimestamp, uint64 regime) {
        (epochTimestamp, regime) = scenarioEpoch(d, margin, epoch, pub);
        pub[0] = checkCommitments(s, d, newCommitment);
        pub[1] = newCommitment;
        pub[3] = packStatement(0, asset, delta);
        (pub[4], pub[5]) = bindAccountNote(s, d, margin, newCommitment, note, epoch);
        if (margin != IMarginEngine.Margin.None) {
            (pub[7], pub[8]) = PortfolioMargin.packedFloors(
                s, d, msg.sender, margin == IMarginEngine.Margin.Initial, true
            );
        }
    }

    /// @dev The current epoch's scenario grid for `margin` into `pub[2]` (down weights' hash) and `pub[6]` (up
    ///      weights' hash), after `checkEpoch`. Its own function: inlined, the five returned values overflow
    ///      the stack of `portfolioInputs`.
    function scenarioEpoch(EngineDeps memory d, IMarginEngine.Margin margin, uint64 epoch, uint256[9] memory pub)
        internal
        view
        returns (uint64 epochTimestamp, uint64 regime)
    {
        uint64 current;
        uint256 downHash;
        uint256 upHash;
        (current, epochTimestamp, downHash, upHash, regime) =
            d.oracle.currentScenarioParams(margin == IMarginEngine.Margin.Maintenance);
        checkEpoch(d, epoch, current, epochTimestamp);
        pub[2] = downHash;
        pub[6] = upHash;
    }

    /// @dev Rejects a proof for another epoch than the current one, or for a stale current one.
    function checkEpoch(EngineDeps memory d, uint64 epoch, uint64 current, uint64 epochTimestamp) internal view {
        if (epoch != current) revert IMarginEngine.StaleEpoch(epoch, current);
        if (block.timestamp > epochTimestamp + d.maxEpochAge) {
            revert IMarginEngine.OracleStale(epochTimestamp, d.maxEpochAge);
        }
    }

    /// @dev The old commitment, rejecting a new one that is not a field element or is unchanged (replayable).
    function checkCommitments(EngineState storage s, EngineDeps memory d, uint256 newCommitment)
        internal
        view
        returns (uint256 oldCommitment)
    {
        if (newCommitment >= FIELD_MODULUS) revert IMarginEngine.CommitmentNotInField(newCommitment);
        oldCommitment = commitmentOf(s, d, msg.sender);
        if (newCommitment == oldCommitment) revert IMarginEngine.CommitmentUnchanged(newCommitment);
    }

    /// @dev The keeper note's challenge and binding for the key of the keeper the account names.
    function bindAccountNote(
        EngineState storage s,
        EngineDeps memory d,
        IMarginEngine.Margin margin,
        uint256 newCommitment,
        IMarginEngine.KeeperNote calldata note,
        uint64 epoch
    ) internal view returns (uint256 r, uint256 e) {
        // This proof renews a lease that covers open positions (see `update`): its keeper must not be exiting.
        bool coversPositions = margin != IMarginEngine.Margin.None && s.accounts[msg.sender].openMarkets != 0;
        return bindNote(newCommitment, note, keeperKey(s, d, note.keeperId, coversPositions), epoch);
    }

    /// @dev The commitment a proof for `account` must open: the stored one, or the empty basket's.
    function commitmentOf(EngineState storage s, EngineDeps memory d, address account)
        internal
        view
        returns (uint256)
    {
        uint256 stored = s.accounts[account].commitment;
        return stored != 0 ? stored : emptyCommitment(d, account);
    }

    /// @dev Commitment of the empty basket with blinding 0, the starting point of every account.
    function emptyCommitment(EngineDeps memory d, address account) internal pure returns (uint256) {
        return d.poseidon3.poseidon([d.emptyBasketHash, 0, uint256(uint160(account))]);
    }

    /// @dev The key of the keeper `keeperId`, checking the account may name it: a keeper other than the
    ///      current one must be nameable (active, its bond whole) and, while positions are open, named by an
    ///      update that renews the lease over them (`renewsLease`: the new keeper starts from a lease proved at
    ///      this epoch, never from one about to lapse); the current one, even if its bond was drawn, must not
    ///      have completed its exit, and may not be exiting when the update renews a lease over open
    ///      positions: no lease outlives its keeper. (A lease with no position open guards nothing: the next
    ///      trade renews it.)
    function keeperKey(EngineState storage s, EngineDeps memory d, uint64 keeperId, bool renewsLease)
        internal
        view
        returns (uint256[2] memory key)
    {
        if (keeperId >> 40 != 0) revert IMarginEngine.KeeperIdTooLarge(keeperId);
        uint256 current = s.accounts[msg.sender].keeperId;
        if (keeperId != current && !renewsLease && s.accounts[msg.sender].openMarkets != 0) {
            revert IMarginEngine.KeeperChangeNeedsRenewal(current, keeperId);
        }
        IKeeperRegistry.Keeper memory k = d.keeperRegistry.keeperOf(keeperId);
        if (k.status != IKeeperRegistry.Status.Active || k.bondShort) {
            if (keeperId != current) revert IMarginEngine.KeeperNotNameable(keeperId);
            if (k.status == IKeeperRegistry.Status.Exiting) {
                if (renewsLease) revert IMarginEngine.KeeperExiting(keeperId);
            } else if (k.status != IKeeperRegistry.Status.Active) {
                revert IMarginEngine.KeeperGone(keeperId);
            }
        }
        key[0] = k.x;
        key[1] = k.y;
    }

    /// @dev challenge r = keccak256(newCommitment, ephemeralKey, ciphertext, key, nonce) >> 128 and
    ///      binding e = sum_i v[i] * r^(i+1) over v = [ciphertext, ephemeralKey, key, nonce], the vector
    ///      the circuit computes from the committed opening (see LinearBind in circuits/src/encryption.circom).
    function bindNote(
        uint256 newCommitment,
        IMarginEngine.KeeperNote calldata note,
        uint256[2] memory key,
        uint64 nonce
    ) internal pure returns (uint256 r, uint256 e) {
        r = uint256(keccak256(abi.encode(newCommitment, note.ephemeralKey, note.ciphertext, key, nonce))) >> 128;
        uint256 p = FIELD_MODULUS;
        // Horner from the last element: acc = (acc + v[i]) * r.
        uint256 acc = mulmod(nonce, r, p);
        acc = mulmod(addmod(acc, key[1], p), r, p);
        acc = mulmod(addmod(acc, key[0], p), r, p);
        acc = mulmod(addmod(acc, inField(note.ephemeralKey[1]), p), r, p);
        acc = mulmod(addmod(acc, inField(note.ephemeralKey[0]), p), r, p);
        for (uint256 i = 9; i != 0; --i) {
            acc = mulmod(addmod(acc, inField(note.ciphertext[i - 1]), p), r, p);
        }
        e = acc;
    }

    function inField(uint256 x) internal pure returns (uint256) {
        if (x >= FIELD_MODULUS) revert IMarginEngine.NoteNotInField(x);
        return x;
    }

    /// @dev requirement | |delta| << 150 | sign << 246 | asset << 247, the circuit's packed input.
    function packStatement(uint256 requirement, uint8 asset, int256 delta) internal pure returns (uint256) {
        uint256 magnitude = delta < 0 ? uint256(-delta) : uint256(delta);
        uint256 sign = delta < 0 ? 1 : 0;
        return requirement | (magnitude << MAGNITUDE_SHIFT) | (sign << SIGN_SHIFT) | (uint256(asset) << INDEX_SHIFT);
    }

    /// @dev The token of collateral slot `asset`, rejecting a slot the oracle does not configure.
    function token(EngineState storage s, EngineDeps memory d, uint256 asset)
        internal
        view
        returns (address)
    {
        if (asset >= d.assetCount) revert IMarginEngine.UnknownAsset(asset);
        return s.tokens[asset];
    }

    function checkAmount(uint256 amount) internal pure {
        if (amount == 0) revert IMarginEngine.ZeroAmount();
        if (amount >= AMOUNT_LIMIT) revert IMarginEngine.AmountTooLarge(amount);
    }

    function requireNotFrozen(EngineState storage s, address account) internal view {
        if (s.accounts[account].frozen) {
            revert IMarginEngine.AccountFrozen(account, s.settlements[account].basketDelta);
        }
    }
}
