// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IKeeperRegistry} from "./IKeeperRegistry.sol";
import {BabyJubJub} from "../libraries/BabyJubJub.sol";
import {SafeTransferLib} from "../libraries/SafeTransferLib.sol";
import {FIELD_MODULUS} from "../libraries/Constants.sol";

/// @title KeeperRegistry
/// @notice Permissionless registry of keepers: anyone may post a bond and a Baby Jubjub public key (checked on
///         the curve and in the prime-order subgroup) to become a keeper that traders can name for their
///         accounts. Exit is delayed, so that a keeper cannot leave just before it is needed. The bond backs
///         the keeper's accounts: the margin engine draws a force-close or liquidation shortfall from it (at most
///         `drawCap` each time) before the insurance fund pays, and repays it when the account settles.
/// @dev Governance-free: no owner, no admin, no setter, no pause, no proxy. The bond token, bond amount, draw cap
///      and exit delay are immutable and the engine is bound once by `bindEngine()` (from the engine's
///      constructor, which checks the bond token is its settlement token). Keeper ids are a counter starting at 1
///      (0 means "no keeper"); see contracts/keeper/README.md for why. The bond token must be a plain ERC-20 (no
///      fee on transfer, no rebasing): the registry pays out exactly what it accounts for.
contract KeeperRegistry is IKeeperRegistry {
    using SafeTransferLib for address;

    /// @notice Largest accepted exit delay (2^32 - 1 seconds, about 136 years), so `exitableAt` fits 64 bits.
    uint256 internal constant MAX_EXIT_DELAY = type(uint32).max;
    /// @notice Domain tag of the key proof's challenge (prover/src/keeper/keys.ts hashes the same).
    bytes32 public constant KEY_PROOF_DOMAIN = keccak256("Plimsoll.KeeperRegistry.register.v1");

    /// @inheritdoc IKeeperRegistry
    address public immutable bondToken;
    /// @inheritdoc IKeeperRegistry
    uint256 public immutable bondAmount;
    /// @inheritdoc IKeeperRegistry
    uint256 public immutable exitDelay;
    /// @inheritdoc IKeeperRegistry
    uint256 public immutable drawCap;

    /// @inheritdoc IKeeperRegistry
    uint256 public keeperCount;
    /// @inheritdoc IKeeperRegistry
    address public engine;

    mapping(uint256 keeperId => Keeper) internal _keepers;
    /// @dev keccak256(abi.encode(x, y)) of every key ever registered => its keeper id. Never cleared.
    mapping(bytes32 keyHash => uint256 keeperId) internal _idOfKey;
    /// @dev What each keeper's bond holds: `bondAmount` at registration, less draws, plus repayments and top-ups
    ///      (never above `bondAmount`); 0 once it has exited.
    mapping(uint256 keeperId => uint256) internal _bond;
    /// @dev Repayments owed to keeper owners beyond their bonds, taken with `claim`.
    mapping(address owner => uint256) internal _claimable;

    /// @param bondToken_ ERC-20 token of the bond (a contract).
    /// @param bondAmount_ Bond per keeper, in base units of `bondToken_` (non-zero).
    /// @param exitDelay_ Seconds between `requestExit` and `completeExit` (1 to 2^32 - 1). It should exceed the
    ///        longest time an open account may go without an account update (lease age plus grace period),
    ///        so that every account that named an exiting keeper names another one before it leaves.
    /// @param drawCap_ The most one shortfall draws from a keeper's bond (1 to `bondAmount_`).
    constructor(address bondToken_, uint256 bondAmount_, uint256 exitDelay_, uint256 drawCap_) {
        if (bondToken_.code.length == 0) revert InvalidBondToken(bondToken_);
        if (bondAmount_ == 0) revert ZeroBond();
        if (exitDelay_ == 0 || exitDelay_ > MAX_EXIT_DELAY) revert InvalidExitDelay(exitDelay_);
        if (drawCap_ == 0 || drawCap_ > bondAmount_) revert InvalidDrawCap(drawCap_);
        bondToken = bondToken_;
        bondAmount = bondAmount_;
        exitDelay = exitDelay_;
        drawCap = drawCap_;
    }

    // ------------------------------------------------------------------------------------------
    // State-changing functions
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IKeeperRegistry
    /// @dev Checks the key in order: coordinates below the field modulus, on the curve, not the identity, in the
    ///      subgroup (about 140k gas); then the proof of knowledge of the private key (about 345k gas); then that
    ///      it was never registered before. Then stores the keeper and pulls the bond from the caller (who must have approved
    ///      `bondAmount`). The challenge binds the caller, this registry and the chain, so that nobody can
    ///      register a key it does not hold by copying its owner's proof (see the README on key squatting).
    function register(uint256 x, uint256 y, KeyProof calldata proof) external returns (uint256 keeperId) {
        _checkKey(x, y);
        _checkKeyProof(x, y, proof);
        bytes32 keyHash = keccak256(abi.encode(x, y));
        uint256 existing = _idOfKey[keyHash];
        if (existing != 0) revert KeyAlreadyRegistered(existing);

        keeperId = ++keeperCount;
        _idOfKey[keyHash] = keeperId;
        _keepers[keeperId] = Keeper({owner: msg.sender, status: Status.Active, exitableAt: 0, bondShort: false, x: x, y: y});
        _bond[keeperId] = bondAmount;
        emit KeeperRegistered(keeperId, msg.sender, x, y, bondAmount);

        bondToken.safeTransferFrom(msg.sender, address(this), bondAmount);
    }

    /// @inheritdoc IKeeperRegistry
    /// @dev From this call on `isNameable` is false, while `isBound` stays true until `completeExit`.
    function requestExit(uint256 keeperId) external {
        Keeper storage keeper = _ownedKeeper(keeperId);
        Status status = keeper.status;
        if (status != Status.Active) revert NotActive(keeperId, status);
        uint64 exitableAt = uint64(block.timestamp + exitDelay);
        keeper.status = Status.Exiting;
        keeper.exitableAt = exitableAt;
        emit ExitRequested(keeperId, msg.sender, exitableAt);
    }

    /// @inheritdoc IKeeperRegistry
    /// @dev Succeeds at or after `exitableAt` and returns what is left of the bond. The record (and its key)
    ///      stays, with status Exited, so that the key can never be registered again and `keyOf` still answers.
    function completeExit(uint256 keeperId) external {
        Keeper storage keeper = _ownedKeeper(keeperId);
        Status status = keeper.status;
        if (status != Status.Exiting) revert NotExiting(keeperId, status);
        uint64 exitableAt = keeper.exitableAt;
        if (block.timestamp < exitableAt) revert ExitDelayNotElapsed(keeperId, exitableAt);
        keeper.status = Status.Exited;
        uint256 left = _bond[keeperId];
        delete _bond[keeperId];
        emit ExitCompleted(keeperId, msg.sender, left);

        if (left != 0) bondToken.safeTransfer(msg.sender, left);
    }

    /// @inheritdoc IKeeperRegistry
    function bindEngine() external {
        if (engine != address(0)) revert EngineAlreadyBound(engine);
        engine = msg.sender;
        emit EngineBound(msg.sender);
    }

    /// @inheritdoc IKeeperRegistry
    /// @dev A keeper that is Active or Exiting pays; one that is unknown (id 0: no keeper) or Exited pays nothing
    ///      and the call does not revert, so a force-close never depends on the keeper. A bond left below
    ///      `bondAmount` makes the keeper not nameable (`bondShort`) until it is topped up or repaid.
    function drawBond(uint256 keeperId, uint256 amount, address to) external returns (uint256 paid) {
        if (msg.sender != engine) revert OnlyEngine(msg.sender);
        Keeper storage keeper = _keepers[keeperId];
        Status status = keeper.status;
        if (status != Status.Active && status != Status.Exiting) return 0;
        uint256 held = _bond[keeperId];
        paid = amount < drawCap ? amount : drawCap;
        if (paid > held) paid = held;
        if (paid == 0) return 0;
        _bond[keeperId] = held - paid;
        keeper.bondShort = true;
        emit BondDrawn(keeperId, amount, paid, held - paid);

        bondToken.safeTransfer(to, paid);
    }

    /// @inheritdoc IKeeperRegistry
    function repayBond(uint256 keeperId, uint256 amount) external {
        if (msg.sender != engine) revert OnlyEngine(msg.sender);
        Keeper storage keeper = _keepers[keeperId];
        uint256 toOwner = amount;
        uint256 held = _bond[keeperId];
        if (keeper.status != Status.Exited && held < bondAmount) {
            uint256 restore = bondAmount - held;
            if (restore > amount) restore = amount;
            held += restore;
            toOwner = amount - restore;
            _bond[keeperId] = held;
            if (held == bondAmount) keeper.bondShort = false;
        }
        if (toOwner != 0) _claimable[keeper.owner] += toOwner;
        emit BondRepaid(keeperId, amount, toOwner, held);
    }

    /// @inheritdoc IKeeperRegistry
    function claim(address to) external returns (uint256 amount) {
        amount = _claimable[msg.sender];
        if (amount == 0) revert NothingToClaim(msg.sender);
        _claimable[msg.sender] = 0;
        emit Claimed(msg.sender, to, amount);

        bondToken.safeTransfer(to, amount);
    }

    /// @inheritdoc IKeeperRegistry
    function claimable(address owner) external view returns (uint256) {
        return _claimable[owner];
    }

    /// @inheritdoc IKeeperRegistry
    function topUp(uint256 keeperId) external {
        Keeper storage keeper = _ownedKeeper(keeperId);
        Status status = keeper.status;
        if (status != Status.Active) revert NotActive(keeperId, status);
        uint256 held = _bond[keeperId];
        if (held >= bondAmount) revert BondWhole(keeperId);
        uint256 amount = bondAmount - held;
        _bond[keeperId] = bondAmount;
        keeper.bondShort = false;
        emit BondToppedUp(keeperId, amount);

        bondToken.safeTransferFrom(msg.sender, address(this), amount);
    }

    // ------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IKeeperRegistry
    function keeperOf(uint256 keeperId) external view returns (Keeper memory) {
        return _keepers[keeperId];
    }

    /// @inheritdoc IKeeperRegistry
    function statusOf(uint256 keeperId) external view returns (Status) {
        return _keepers[keeperId].status;
    }

    /// @inheritdoc IKeeperRegistry
    function keyOf(uint256 keeperId) external view returns (uint256 x, uint256 y) {
        Keeper storage keeper = _keepers[keeperId];
        if (keeper.status == Status.None) revert UnknownKeeper(keeperId);
        return (keeper.x, keeper.y);
    }

    /// @inheritdoc IKeeperRegistry
    function keeperIdOf(uint256 x, uint256 y) external view returns (uint256) {
        return _idOfKey[keccak256(abi.encode(x, y))];
    }

    /// @inheritdoc IKeeperRegistry
    function bondOf(uint256 keeperId) external view returns (uint256) {
        return _bond[keeperId];
    }

    /// @inheritdoc IKeeperRegistry
    function isNameable(uint256 keeperId) external view returns (bool) {
        Keeper storage keeper = _keepers[keeperId];
        return keeper.status == Status.Active && !keeper.bondShort;
    }

    /// @inheritdoc IKeeperRegistry
    function isBound(uint256 keeperId) external view returns (bool) {
        Status status = _keepers[keeperId].status;
        return status == Status.Active || status == Status.Exiting;
    }

    // ------------------------------------------------------------------------------------------
    // Internals
    // ------------------------------------------------------------------------------------------

    /// @dev Reverts with the first reason (x, y) is not a usable keeper key.
    function _checkKey(uint256 x, uint256 y) internal pure {
        if (x >= FIELD_MODULUS) revert CoordinateNotInField(x);
        if (y >= FIELD_MODULUS) revert CoordinateNotInField(y);
        if (!BabyJubJub.isOnCurve(x, y)) revert NotOnCurve(x, y);
        if (x == 0 && y == 1) revert IdentityKey();
        if (!BabyJubJub.isInSubgroup(x, y)) revert NotInSubgroup(x, y);
    }

    /// @dev Reverts unless `proof` shows that the caller knows k with (x, y) = k * Base8: R on the curve, s
    ///      reduced, s * Base8 == R + c * (x, y) with c the challenge bound to the caller, this registry and chain.
    ///      (x, y) is already checked to be a subgroup point; then so is R for any proof that verifies.
    function _checkKeyProof(uint256 x, uint256 y, KeyProof calldata proof) internal view {
        (uint256 rx, uint256 ry, uint256 s) = (proof.rx, proof.ry, proof.s);
        if (!BabyJubJub.isOnCurve(rx, ry)) revert NotOnCurve(rx, ry);
        if (s >= BabyJubJub.SUB_ORDER) revert ScalarNotReduced(s);
        uint256 c = uint256(keccak256(abi.encode(KEY_PROOF_DOMAIN, block.chainid, address(this), msg.sender, x, y, rx, ry)))
            % BabyJubJub.SUB_ORDER;
        if (!BabyJubJub.isSchnorrValid(s, c, x, y, rx, ry)) revert InvalidKeyProof();
    }

    /// @dev The keeper `keeperId`, which must exist and be owned by the caller.
    function _ownedKeeper(uint256 keeperId) internal view returns (Keeper storage keeper) {
        keeper = _keepers[keeperId];
        address owner = keeper.owner;
        if (owner == address(0)) revert UnknownKeeper(keeperId);
        if (owner != msg.sender) revert NotKeeperOwner(keeperId, msg.sender, owner);
    }
}
