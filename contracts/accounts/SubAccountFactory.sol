// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IMarginEngine} from "../engine/IMarginEngine.sol";
import {ISubAccountFactory} from "./ISubAccount.sol";
import {SubAccount} from "./SubAccount.sol";

/// @title SubAccountFactory
/// @notice Creates an owner's isolated sub-accounts on one margin engine. Sub-account `index` of `owner` is an
///         EIP-1167 clone of one `SubAccount` implementation with `owner` appended to its code, created with
///         CREATE2 and salt `index`: its address is a pure function of (factory, implementation, owner, index)
///         (prover/src/subAccounts.ts computes it). Only the owner creates its own sub-accounts.
/// @dev No owner, no admin, no setter, no upgrade: the engine and the implementation are fixed here forever.
contract SubAccountFactory is ISubAccountFactory {
    /// @inheritdoc ISubAccountFactory
    IMarginEngine public immutable engine;
    /// @inheritdoc ISubAccountFactory
    address public immutable implementation;

    /// @param engine_ The margin engine the sub-accounts are accounts of.
    constructor(IMarginEngine engine_) {
        engine = engine_;
        implementation = address(new SubAccount(engine_));
    }

    /// @inheritdoc ISubAccountFactory
    function create(uint256 index) external returns (address account) {
        address predicted = subAccountOf(msg.sender, index);
        if (predicted.code.length != 0) revert SubAccountExists(msg.sender, index, predicted);
        bytes memory code = _initCode(msg.sender);
        assembly ("memory-safe") {
            account := create2(0, add(code, 0x20), mload(code), index)
        }
        // CREATE2 fails only on a collision (checked above) or when out of gas.
        if (account == address(0)) revert SubAccountExists(msg.sender, index, predicted);
        emit SubAccountCreated(msg.sender, index, account);
    }

    /// @inheritdoc ISubAccountFactory
    function subAccountOf(address owner, uint256 index) public view returns (address) {
        bytes32 h = keccak256(abi.encodePacked(bytes1(0xff), address(this), bytes32(index), keccak256(_initCode(owner))));
        return address(uint160(uint256(h)));
    }

    /// @dev EIP-1167 creation code for a 65-byte runtime: the 45-byte proxy to `implementation`, then `owner`.
    function _initCode(address owner) private view returns (bytes memory) {
        return abi.encodePacked(
            hex"3d604180600a3d3981f3363d3d373d3d3d363d73", implementation, hex"5af43d82803e903d91602b57fd5bf3", owner
        );
    }
}
