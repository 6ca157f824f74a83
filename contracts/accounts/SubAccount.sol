// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IMarginEngine} from "../engine/IMarginEngine.sol";
import {IShieldedPool} from "../notes/IShieldedPool.sol";
import {IERC20Balance} from "../interfaces/IERC20Balance.sol";
import {SafeTransferLib} from "../libraries/SafeTransferLib.sol";
import {ISubAccount} from "./ISubAccount.sol";

/// @notice What a sub-account reads of the engine besides `IMarginEngine`.
interface IEngineTokens {
    function tokenOf(uint256 asset) external view returns (address);
}

/// @title SubAccount
/// @notice The code of every sub-account (`SubAccountFactory` deploys EIP-1167 clones of it). A clone's runtime
///         code is the 45-byte EIP-1167 proxy followed by its owner's 20 bytes, so the owner is fixed at creation
///         with no storage and no initializer; the engine is an immutable of this implementation.
/// @dev Governance-free: no setter, no owner transfer, no generic call. Every entry point checks the owner first,
///      so a token (or anything) calling back into a sub-account during a transfer reverts with `NotOwner`; the
///      engine's own guard covers the engine. The engine pays only `msg.sender` for a withdrawal (here), which is
///      sent on to the owner in the same call; nothing else of the engine pays an account.
contract SubAccount is ISubAccount {
    using SafeTransferLib for address;

    /// @dev Length of the EIP-1167 runtime code, where the owner's address starts in a clone's code.
    uint256 private constant PROXY_LENGTH = 45;

    /// @inheritdoc ISubAccount
    IMarginEngine public immutable engine;
    /// @dev This implementation's own address: called directly, it has no owner.
    address private immutable _self;

    /// @param engine_ The margin engine every clone is an account of.
    constructor(IMarginEngine engine_) {
        engine = engine_;
        _self = address(this);
    }

    /// @dev The account's holder, the only caller: a user's own wallet, not a protocol role (nothing here
    ///      governs the engine, a market or anyone else's account).
    modifier onlyAccountOwner() {
        address o = owner();
        if (msg.sender != o) revert NotOwner(msg.sender, o);
        _;
    }

    /// @inheritdoc ISubAccount
    function owner() public view returns (address o) {
        if (address(this) == _self) return address(0);
        assembly ("memory-safe") {
            extcodecopy(address(), 0, PROXY_LENGTH, 20)
            o := shr(96, mload(0))
        }
    }

    /// @inheritdoc ISubAccount
    /// @dev The engine pulls exactly `amount`, so its allowance returns to 0.
    function deposit(
        uint8 asset,
        uint256 amount,
        uint64 epoch,
        uint256 newCommitment,
        IMarginEngine.KeeperNote calldata note,
        IMarginEngine.Proof calldata proof
    ) external onlyAccountOwner {
        address token = IEngineTokens(address(engine)).tokenOf(asset);
        token.safeTransferFrom(msg.sender, address(this), amount);
        _approve(token, address(engine), amount);
        engine.deposit(asset, amount, epoch, newCommitment, note, proof);
    }

    /// @inheritdoc ISubAccount
    function withdraw(
        uint8 asset,
        uint256 amount,
        uint64 epoch,
        uint256 newCommitment,
        IMarginEngine.KeeperNote calldata note,
        IMarginEngine.Proof calldata proof
    ) external onlyAccountOwner {
        engine.withdraw(asset, amount, epoch, newCommitment, note, proof);
        _sweep(IEngineTokens(address(engine)).tokenOf(asset), msg.sender);
    }

    /// @inheritdoc ISubAccount
    function trade(
        uint8 market,
        int256 sizeDelta,
        uint64 epoch,
        uint256 newCommitment,
        IMarginEngine.KeeperNote calldata note,
        IMarginEngine.Proof calldata proof
    ) external onlyAccountOwner {
        engine.trade(market, sizeDelta, epoch, newCommitment, note, proof);
    }

    /// @inheritdoc ISubAccount
    function renewLease(
        uint64 epoch,
        uint256 newCommitment,
        IMarginEngine.KeeperNote calldata note,
        IMarginEngine.Proof calldata proof
    ) external onlyAccountOwner {
        engine.renewLease(epoch, newCommitment, note, proof);
    }

    /// @inheritdoc ISubAccount
    function settle(
        uint64 epoch,
        uint256 newCommitment,
        IMarginEngine.KeeperNote calldata note,
        IMarginEngine.Proof calldata proof
    ) external onlyAccountOwner {
        engine.settle(epoch, newCommitment, note, proof);
    }

    /// @inheritdoc ISubAccount
    function absorbNote(
        uint64 epoch,
        uint256 newCommitment,
        IMarginEngine.KeeperNote calldata note,
        IMarginEngine.Proof calldata proof,
        uint256 root,
        uint256 nullifier
    ) external onlyAccountOwner {
        engine.absorbNote(epoch, newCommitment, note, proof, root, nullifier);
    }

    /// @inheritdoc ISubAccount
    function emitNote(
        uint64 epoch,
        uint256 newCommitment,
        IMarginEngine.KeeperNote calldata note,
        IMarginEngine.Proof calldata proof,
        uint256 noteCommitment,
        IShieldedPool.EncryptedNote calldata encrypted
    ) external onlyAccountOwner {
        engine.emitNote(epoch, newCommitment, note, proof, noteCommitment, encrypted);
    }

    /// @inheritdoc ISubAccount
    function sweep(address token) external onlyAccountOwner {
        _sweep(token, msg.sender);
    }

    function _sweep(address token, address to) private {
        uint256 amount = IERC20Balance(token).balanceOf(address(this));
        if (amount == 0) return;
        token.safeTransfer(to, amount);
        emit Swept(token, to, amount);
    }

    function _approve(address token, address spender, uint256 amount) private {
        (bool ok, bytes memory data) = token.call(abi.encodeWithSelector(0x095ea7b3, spender, amount));
        if (!ok || (data.length != 0 && !abi.decode(data, (bool))) || token.code.length == 0) {
            revert ApproveFailed(token, spender, amount);
        }
    }
}
