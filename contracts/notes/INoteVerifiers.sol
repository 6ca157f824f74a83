// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

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

/// @notice The part of the Plimsoll oracle (`IPlimsollOracle`) the pool reads once, in its constructor:
///         the collateral asset slots, so that a note's slot is the margin engine's slot.
interface INoteAssetSlots {
    function assetCount() external view returns (uint256);
    function asset(uint256 slot) external view returns (address token, uint8 decimals);
}

/// @notice The ERC-20 calls the pool makes besides transfers.
interface INoteToken {
    function balanceOf(address who) external view returns (uint256);
}
