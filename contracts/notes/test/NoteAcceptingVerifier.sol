// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice FOR TESTS ONLY: a join-split and batch "verifier" that accepts every proof and records the
///         last public inputs, so that a suite can drive the pool's own checks (field bounds, root
///         history, queue) without proving. Never deploy it next to real tokens.
contract NoteAcceptingVerifier {
    function verifyProof(uint256[2] calldata, uint256[2][2] calldata, uint256[2] calldata, uint256[7] calldata)
        external
        pure
        returns (bool)
    {
        return true;
    }

    function verifyProof(uint256[2] calldata, uint256[2][2] calldata, uint256[2] calldata, uint256[3] calldata)
        external
        pure
        returns (bool)
    {
        return true;
    }
}
