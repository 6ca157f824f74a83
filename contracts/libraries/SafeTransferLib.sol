// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title SafeTransferLib
/// @notice ERC-20 transfers that accept tokens returning nothing and revert on any failure.
library SafeTransferLib {
    /// @notice Thrown when an ERC-20 `transfer` or `transferFrom` fails or returns false.
    error TransferFailed(address token, address from, address to, uint256 amount);

    function safeTransfer(address token, address to, uint256 amount) internal {
        (bool ok, bytes memory data) = token.call(abi.encodeWithSelector(0xa9059cbb, to, amount));
        if (!ok || (data.length != 0 && !abi.decode(data, (bool))) || token.code.length == 0) {
            revert TransferFailed(token, address(this), to, amount);
        }
    }

    function safeTransferFrom(address token, address from, address to, uint256 amount) internal {
        (bool ok, bytes memory data) = token.call(abi.encodeWithSelector(0x23b872dd, from, to, amount));
        if (!ok || (data.length != 0 && !abi.decode(data, (bool))) || token.code.length == 0) {
            revert TransferFailed(token, from, to, amount);
        }
    }
}
