// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title MockAssetCountOracle
/// @notice FOR TESTS ONLY: answers `assetCount()` with any number, so that a test can reach the
///         constructor checks of contracts that read it (e.g. `ReserveRegistry`'s
///         `InvalidConfig("oracle.assetCount")` for 0 or more than 16 slots), which the real oracle
///         cannot be configured to produce.
contract MockAssetCountOracle {
    uint256 public assetCount;

    constructor(uint256 assetCount_) {
        assetCount = assetCount_;
    }
}
