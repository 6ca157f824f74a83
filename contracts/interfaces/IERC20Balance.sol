// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice The one ERC-20 read Plimsoll's pools and funds make: their own token balance.
interface IERC20Balance {
    /// @notice Token base units held by `owner`.
    function balanceOf(address owner) external view returns (uint256);
}
