// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAccountUpdatePortfolioVerifier} from "../interfaces/IVerifiers.sol";

/// @title AcceptingPortfolioVerifier
/// @notice FOR TESTS ONLY: a portfolio-margin account-update "verifier" that accepts every proof, so that a
///         test can drive the engine's floors (`PortfolioMargin.packedFloors`) and halted-market checks
///         without proving. Never deploy it next to real collateral.
contract AcceptingPortfolioVerifier is IAccountUpdatePortfolioVerifier {
    function verifyProof(uint256[2] calldata, uint256[2][2] calldata, uint256[2] calldata, uint256[9] calldata)
        external
        pure
        returns (bool)
    {
        return true;
    }
}
