// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice The Groth16 verifier snarkjs generates for the account-update circuit
///         (contracts/generated/AccountUpdateVerifier.sol, written by scripts/build.ts).
/// @dev Public signals, in order: oldCommitment, newCommitment, weightsHash, statement, challenge, binding.
interface IAccountUpdateVerifier {
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[6] calldata pubSignals
    ) external view returns (bool);
}

/// @notice The Groth16 verifier snarkjs generates for the insolvency circuit
///         (contracts/generated/InsolvencyVerifier.sol).
/// @dev Public signals, in order: commitment, weightsHash, statement (with the liquidator's tag), seized,
///      remainderCommitment, restore (target | signed delta), cap.
interface IInsolvencyVerifier {
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[7] calldata pubSignals
    ) external view returns (bool);
}

/// @notice The Groth16 verifier snarkjs generates for `circuits/main/reserves_batch.circom`
///         (contracts/generated/ReservesBatchVerifier.sol, written by scripts/build.ts).
/// @dev Public signals, in order: stateIn, stateOut, reserveWeightsHash, tagIndex.
interface IReservesBatchVerifier {
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[4] calldata pubSignals
    ) external view returns (bool);
}

/// @notice The Groth16 verifier snarkjs generates for `circuits/main/reserves_finalize.circom`
///         (contracts/generated/ReservesFinalizeVerifier.sol, written by scripts/build.ts).
/// @dev Public signals, in order: stateFinal, root, tagCount, then the 16 reserves packed three per
///      element at 84 bits (six elements).
interface IReservesFinalizeVerifier {
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[9] calldata pubSignals
    ) external view returns (bool);
}

/// @notice The Groth16 verifier snarkjs generates for `circuits/main/note_join_split.circom`
///         (contracts/generated/NoteJoinSplitVerifier.sol, written by scripts/build.ts).
/// @dev Public signals, in order: root, publicValue, extDataHash, nullifier[0], nullifier[1],
///      commitment[0], commitment[1].
interface INoteJoinSplitVerifier {
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[7] calldata pubSignals
    ) external view returns (bool);
}

/// @notice The Groth16 verifier snarkjs generates for `circuits/main/note_batch_insert.circom`
///         (contracts/generated/NoteBatchInsertVerifier.sol).
/// @dev Public signals, in order: oldRoot, newRoot, chain.
interface INoteBatchInsertVerifier {
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[3] calldata pubSignals
    ) external view returns (bool);
}

/// @notice The Groth16 verifier snarkjs generates for `circuits/main/account_absorb.circom`
///         (contracts/generated/AccountAbsorbVerifier.sol).
/// @dev Public signals, in order: oldCommitment, newCommitment, weightsHash, statement, challenge, binding,
///      root, nullifier.
interface IAccountAbsorbVerifier {
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[8] calldata pubSignals
    ) external view returns (bool);
}

/// @notice The Groth16 verifier snarkjs generates for `circuits/main/account_emit.circom`
///         (contracts/generated/AccountEmitVerifier.sol).
/// @dev Public signals, in order: oldCommitment, newCommitment, weightsHash, statement, challenge, binding,
///      noteCommitment.
interface IAccountEmitVerifier {
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[7] calldata pubSignals
    ) external view returns (bool);
}

/// @notice The Groth16 verifier snarkjs generates for the portfolio-margin account update
///         (contracts/generated/AccountUpdatePortfolioVerifier.sol, circuits/main/account_update_portfolio.circom).
/// @dev Public signals, in order: oldCommitment, newCommitment, weightsHash, statement, challenge, binding, upHash,
///      floorsLo, floorsHi.
interface IAccountUpdatePortfolioVerifier {
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[9] calldata pubSignals
    ) external view returns (bool);
}
