// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IMarginEngine} from "./IMarginEngine.sol";
import {EngineDeps, EngineState} from "./EngineTypes.sol";
import {AccountUpdates} from "./AccountUpdates.sol";
import {IShieldedPool} from "../notes/IShieldedPool.sol";
import {FIELD_MODULUS} from "../libraries/Constants.sol";

/// @title NoteUpdates
/// @notice The shielded-note concept of the margin engine: an account absorbs a note of the shielded pool
///         into its basket, or emits one out of it, with slot and amount private. The proof is an account
///         update (circuits/src/account_notes.circom) whose public inputs are the plain update's, derived
///         here exactly as `AccountUpdates.publicInputs` derives them with a zero public delta, plus the
///         note's: the membership root and the nullifier (absorb) or the new commitment (emit).
/// @dev No token moves: the engine holds the pool's tokens (`INoteCustody`), so a note and a basket are
///      backed by the same balance. External functions run by DELEGATECALL in the engine's context, as
///      `AccountUpdates` does.
library NoteUpdates {
    /// @notice The body of `IMarginEngine.absorbNote` (see there). Requirement 0, as a deposit: an account
    ///         below margin, or frozen, can always add collateral.
    function absorb(
        EngineState storage s,
        EngineDeps memory d,
        uint64 epoch,
        uint256 newCommitment,
        IMarginEngine.KeeperNote calldata note,
        IMarginEngine.Proof calldata proof,
        uint256 root,
        uint256 nullifier
    ) external {
        (uint256[6] memory pub, uint64 epochTimestamp, uint64 regime) =
            AccountUpdates.publicInputs(s, d, IMarginEngine.Margin.None, epoch, newCommitment, note, 0, 0);
        // The pool checks the root is in its history and the nullifier is a field element not spent
        // before, and marks it spent; the whole call reverts if the proof below fails.
        d.shieldedPool.absorbNote(root, nullifier);
        uint256[8] memory full = [pub[0], pub[1], pub[2], pub[3], pub[4], pub[5], root, nullifier];
        if (!d.absorbVerifier.verifyProof(proof.a, proof.b, proof.c, full)) revert IMarginEngine.InvalidProof();
        AccountUpdates.record(
            s, IMarginEngine.Action.AbsorbNote, IMarginEngine.Margin.None, epoch, pub, epochTimestamp, regime, note, 0, 0
        );
    }

    /// @notice The body of `IMarginEngine.emitNote` (see there). Initial margin, as a withdrawal; refused
    ///         for a frozen account.
    function emitNote(
        EngineState storage s,
        EngineDeps memory d,
        uint64 epoch,
        uint256 newCommitment,
        IMarginEngine.KeeperNote calldata note,
        IMarginEngine.Proof calldata proof,
        uint256 noteCommitment,
        IShieldedPool.EncryptedNote calldata encrypted
    ) external {
        AccountUpdates.requireNotFrozen(s, msg.sender);
        if (noteCommitment >= FIELD_MODULUS) revert IMarginEngine.CommitmentNotInField(noteCommitment);
        (uint256[6] memory pub, uint64 epochTimestamp, uint64 regime) =
            AccountUpdates.publicInputs(s, d, IMarginEngine.Margin.Initial, epoch, newCommitment, note, 0, 0);
        uint256[7] memory full = [pub[0], pub[1], pub[2], pub[3], pub[4], pub[5], noteCommitment];
        if (!d.emitVerifier.verifyProof(proof.a, proof.b, proof.c, full)) revert IMarginEngine.InvalidProof();
        AccountUpdates.record(
            s, IMarginEngine.Action.EmitNote, IMarginEngine.Margin.Initial, epoch, pub, epochTimestamp, regime, note, 0, 0
        );
        d.shieldedPool.emitNote(noteCommitment, encrypted);
    }
}
