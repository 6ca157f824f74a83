// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAccountUpdateVerifier} from "../interfaces/IVerifiers.sol";

/// @title AcceptingVerifier
/// @notice FOR TESTS ONLY: an account-update "verifier" that accepts every proof, so that a test can
///         drive the engine's public-input derivation (requirements, margin kinds, PnL) without proving.
///         Never deploy it next to real collateral.
contract AcceptingVerifier is IAccountUpdateVerifier {
    function verifyProof(uint256[2] calldata, uint256[2][2] calldata, uint256[2] calldata, uint256[6] calldata)
        external
        pure
        returns (bool)
    {
        return true;
    }
}
