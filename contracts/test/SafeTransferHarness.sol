// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SafeTransferLib} from "../libraries/SafeTransferLib.sol";

/// @title SafeTransferHarness
/// @notice FOR TESTS ONLY: exposes the internal SafeTransferLib functions.
contract SafeTransferHarness {
    using SafeTransferLib for address;

    function safeTransfer(address token, address to, uint256 amount) external {
        token.safeTransfer(to, amount);
    }

    function safeTransferFrom(address token, address from, address to, uint256 amount) external {
        token.safeTransferFrom(from, to, amount);
    }
}
