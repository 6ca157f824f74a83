// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IInsolvencyVerifier} from "../interfaces/IVerifiers.sol";

/// @title AcceptingInsolvencyVerifier
/// @notice FOR TESTS ONLY: an insolvency "verifier" that accepts every proof, so that a test about
///         something other than the proof (the reentrancy guard of `liquidate`, the transfers) can
///         liquidate any account with an open position without proving. Never deploy it next to real
///         collateral.
contract AcceptingInsolvencyVerifier is IInsolvencyVerifier {
    function verifyProof(uint256[2] calldata, uint256[2][2] calldata, uint256[2] calldata, uint256[7] calldata)
        external
        pure
        returns (bool)
    {
        return true;
    }
}
