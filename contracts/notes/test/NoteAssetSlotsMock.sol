// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Test only: the two oracle views the pool reads (`assetCount`, `asset(i)`), over a fixed
///         token list, so the pool's suites do not need a full oracle.
contract NoteAssetSlotsMock {
    address[] internal _tokens;

    constructor(address[] memory tokens) {
        _tokens = tokens;
    }

    function assetCount() external view returns (uint256) {
        return _tokens.length;
    }

    function asset(uint256 slot) external view returns (address token, uint8 decimals) {
        return (_tokens[slot], 18);
    }
}
