// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IMarginEngine} from "../engine/IMarginEngine.sol";
import {IShieldedPool} from "../notes/IShieldedPool.sol";

/// @title ISubAccount
/// @notice One isolated margin account of an owner: an engine account of its own (commitment, positions,
///         lease, keeper), driven only by its owner. Every call forwards to the one engine fixed at the
///         implementation's construction; tokens the engine pays out go to the owner.
interface ISubAccount {
    /// @notice Thrown when anyone but the sub-account's owner calls it (and on every call of the
    ///         implementation itself, whose owner is no one).
    error NotOwner(address caller, address owner);
    /// @notice Thrown when an ERC-20 `approve` fails or returns false.
    error ApproveFailed(address token, address spender, uint256 amount);

    /// @notice Emitted when tokens the sub-account held are sent to its owner (a withdrawal or a sweep).
    event Swept(address indexed token, address indexed owner, uint256 amount);

    /// @notice The only address that may drive this sub-account (fixed in its code; address(0) for the implementation).
    function owner() external view returns (address);

    /// @notice The margin engine this sub-account is an account of.
    function engine() external view returns (IMarginEngine);

    /// @notice Pulls `amount` of slot `asset`'s token from the owner (who approved this sub-account), approves the
    ///         engine for it and deposits it (`IMarginEngine.deposit`).
    function deposit(
        uint8 asset,
        uint256 amount,
        uint64 epoch,
        uint256 newCommitment,
        IMarginEngine.KeeperNote calldata note,
        IMarginEngine.Proof calldata proof
    ) external;

    /// @notice Withdraws (`IMarginEngine.withdraw`) and sends the token's whole balance here to the owner.
    function withdraw(
        uint8 asset,
        uint256 amount,
        uint64 epoch,
        uint256 newCommitment,
        IMarginEngine.KeeperNote calldata note,
        IMarginEngine.Proof calldata proof
    ) external;

    /// @notice Forwards `IMarginEngine.trade`.
    function trade(
        uint8 market,
        int256 sizeDelta,
        uint64 epoch,
        uint256 newCommitment,
        IMarginEngine.KeeperNote calldata note,
        IMarginEngine.Proof calldata proof
    ) external;

    /// @notice Forwards `IMarginEngine.renewLease`.
    function renewLease(
        uint64 epoch,
        uint256 newCommitment,
        IMarginEngine.KeeperNote calldata note,
        IMarginEngine.Proof calldata proof
    ) external;

    /// @notice Forwards `IMarginEngine.settle`.
    function settle(
        uint64 epoch,
        uint256 newCommitment,
        IMarginEngine.KeeperNote calldata note,
        IMarginEngine.Proof calldata proof
    ) external;

    /// @notice Forwards `IMarginEngine.absorbNote`.
    function absorbNote(
        uint64 epoch,
        uint256 newCommitment,
        IMarginEngine.KeeperNote calldata note,
        IMarginEngine.Proof calldata proof,
        uint256 root,
        uint256 nullifier
    ) external;

    /// @notice Forwards `IMarginEngine.emitNote`.
    function emitNote(
        uint64 epoch,
        uint256 newCommitment,
        IMarginEngine.KeeperNote calldata note,
        IMarginEngine.Proof calldata proof,
        uint256 noteCommitment,
        IShieldedPool.EncryptedNote calldata encrypted
    ) external;

    /// @notice Sends this sub-account's whole balance of `token` to the owner (tokens sent here by mistake).
    function sweep(address token) external;
}

/// @title ISubAccountFactory
/// @notice Deploys an owner's sub-accounts (EIP-1167 clones carrying their owner) at CREATE2 addresses fixed by
///         (owner, index). No owner, no admin, no upgrade.
interface ISubAccountFactory {
    /// @notice Thrown when the owner's sub-account `index` already exists.
    error SubAccountExists(address owner, uint256 index, address account);

    /// @notice Emitted when `owner` creates its sub-account `index` at `account`.
    event SubAccountCreated(address indexed owner, uint256 indexed index, address account);

    /// @notice The margin engine every sub-account of this factory is an account of.
    function engine() external view returns (IMarginEngine);

    /// @notice The code every sub-account delegates to.
    function implementation() external view returns (address);

    /// @notice Creates the caller's sub-account `index`.
    /// @return account Its address, `subAccountOf(msg.sender, index)`.
    function create(uint256 index) external returns (address account);

    /// @notice The address of `owner`'s sub-account `index`, created or not.
    function subAccountOf(address owner, uint256 index) external view returns (address);
}
