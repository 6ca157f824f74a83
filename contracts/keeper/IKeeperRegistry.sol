// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IKeeperRegistry
/// @notice Types, errors, events and external functions of the governance-free Plimsoll keeper registry.
interface IKeeperRegistry {
    /// @notice Life cycle of a keeper. A keeper id moves only forward: None -> Active -> Exiting -> Exited.
    enum Status {
        /// No keeper has this id.
        None,
        /// Registered and nameable: accounts may name it.
        Active,
        /// Exit requested: no longer nameable, but still bound to serve the accounts that named it.
        Exiting,
        /// Exit completed and bond returned: absent for the engine. The key can never be registered again.
        Exited
    }

    /// @notice A keeper's record. The first four fields share one storage slot.
    struct Keeper {
        /// The address that registered the keeper, posted the bond and alone may exit it.
        address owner;
        /// Where the keeper is in its life cycle.
        Status status;
        /// While Exiting or Exited: the earliest timestamp at which `completeExit` succeeds (0 before).
        uint64 exitableAt;
        /// True while the bond held is below `bondAmount` (the engine drew on it): not nameable until topped up.
        bool bondShort;
        /// Baby Jubjub public key, a point of the prime-order subgroup (x coordinate).
        uint256 x;
        /// Baby Jubjub public key (y coordinate).
        uint256 y;
    }

    /// @notice A Schnorr proof that the registering address knows the private key k of its key A = k * Base8:
    ///         R = r * Base8 for a random r, c = keccak256(KEY_PROOF_DOMAIN, chain id, registry, caller, A, R) mod
    ///         SUB_ORDER, s = r + c * k mod SUB_ORDER. The registry checks s * Base8 == R + c * A.
    struct KeyProof {
        /// R, x coordinate.
        uint256 rx;
        /// R, y coordinate.
        uint256 ry;
        /// The response s, below the subgroup order.
        uint256 s;
    }

    /// @notice Thrown by the constructor when the bond token is the zero address or has no code.
    error InvalidBondToken(address token);
    /// @notice Thrown by the constructor when the bond amount is zero (registration would cost nothing).
    error ZeroBond();
    /// @notice Thrown by the constructor when the draw cap is zero or above the bond.
    error InvalidDrawCap(uint256 drawCap);
    /// @notice Thrown when a caller other than the bound margin engine draws on or repays a bond.
    error OnlyEngine(address caller);
    /// @notice Thrown when `bindEngine` is called on a registry already bound to an engine.
    error EngineAlreadyBound(address engine);
    /// @notice Thrown by `topUp` when the keeper's bond is already whole.
    error BondWhole(uint256 keeperId);
    /// @notice Thrown by the constructor when the exit delay is zero or does not fit 32 bits.
    error InvalidExitDelay(uint256 exitDelay);
    /// @notice Thrown when a key coordinate is not below the BN254 scalar field modulus.
    error CoordinateNotInField(uint256 coordinate);
    /// @notice Thrown when (x, y) does not satisfy the Baby Jubjub curve equation.
    error NotOnCurve(uint256 x, uint256 y);
    /// @notice Thrown when the key is the identity point (0, 1), whose "private key" is 0.
    error IdentityKey();
    /// @notice Thrown when the key is on the curve but outside the prime-order subgroup (it has a low-order
    ///         component, so ECDH with it would leak the ephemeral scalar modulo 8).
    error NotInSubgroup(uint256 x, uint256 y);
    /// @notice Thrown when the proof's response s is not below the subgroup order.
    error ScalarNotReduced(uint256 s);
    /// @notice Thrown when the key proof does not verify for this key, caller, registry and chain: the caller has
    ///         not shown that it knows the key's private half (a copied, forged or someone else's proof).
    error InvalidKeyProof();
    /// @notice Thrown when the key is, or has been, registered under `keeperId` (keys are never reused).
    error KeyAlreadyRegistered(uint256 keeperId);
    /// @notice Thrown when no keeper has id `keeperId`.
    error UnknownKeeper(uint256 keeperId);
    /// @notice Thrown when `caller` is not the owner of `keeperId`.
    error NotKeeperOwner(uint256 keeperId, address caller, address owner);
    /// @notice Thrown by `requestExit` when the keeper is not Active (its exit was already requested or completed).
    error NotActive(uint256 keeperId, Status status);
    /// @notice Thrown by `completeExit` when the keeper is not Exiting (no exit requested, or already completed).
    error NotExiting(uint256 keeperId, Status status);
    /// @notice Thrown by `completeExit` before the exit delay has passed; it succeeds from `exitableAt` on.
    error ExitDelayNotElapsed(uint256 keeperId, uint64 exitableAt);
    /// @notice Thrown when `claim` finds nothing credited to the caller.
    error NothingToClaim(address owner);

    /// @notice Emitted when `owner` registers public key (x, y) as keeper `keeperId`, posting `bond` of the bond token.
    event KeeperRegistered(uint256 indexed keeperId, address indexed owner, uint256 x, uint256 y, uint256 bond);
    /// @notice Emitted when the owner requests the exit of `keeperId`; it can complete from `exitableAt` on.
    event ExitRequested(uint256 indexed keeperId, address indexed owner, uint64 exitableAt);
    /// @notice Emitted when the exit of `keeperId` completes and `bond` (what is left of it) is returned to `owner`.
    event ExitCompleted(uint256 indexed keeperId, address indexed owner, uint256 bond);
    /// @notice Emitted once, when the margin engine binds the registry to itself.
    event EngineBound(address indexed engine);
    /// @notice Emitted when the engine draws `paid` of a `requested` shortfall from the bond of `keeperId`;
    ///         `bond` is what the keeper has left.
    event BondDrawn(uint256 indexed keeperId, uint256 requested, uint256 paid, uint256 bond);
    /// @notice Emitted when the engine repays `amount` into the bond of `keeperId` (an account it paid for
    ///         settled); `toOwner` of it was credited to the owner's `claimable` (the bond was already whole, or
    ///         the keeper exited).
    event BondRepaid(uint256 indexed keeperId, uint256 amount, uint256 toOwner, uint256 bond);
    /// @notice Emitted when `owner` takes what repayments credited to it, sent to `to`.
    event Claimed(address indexed owner, address indexed to, uint256 amount);
    /// @notice Emitted when the owner tops the bond of `keeperId` up by `amount`, back to `bondAmount`.
    event BondToppedUp(uint256 indexed keeperId, uint256 amount);

    /// @notice Registers the Baby Jubjub public key (x, y) as a new keeper owned by the caller, pulling the bond.
    ///         The caller proves that it knows the key's private half, bound to itself, this registry and chain.
    /// @param x Key x coordinate.
    /// @param y Key y coordinate.
    /// @param proof Schnorr proof of knowledge of the private key (see `KeyProof`).
    /// @return keeperId The new keeper's id.
    function register(uint256 x, uint256 y, KeyProof calldata proof) external returns (uint256 keeperId);

    /// @notice Binds the registry to the caller, the margin engine, forever. Only the first call succeeds; the
    ///         engine calls it from its constructor, so a front-runner can only make that deployment fail.
    function bindEngine() external;

    /// @notice Pays `to` up to `amount` of a shortfall of an account that named `keeperId`, out of its bond: at most
    ///         `drawCap` and what the bond holds (0 for a keeper that is unknown or has exited). Engine only.
    /// @param keeperId The account's keeper.
    /// @param amount The shortfall, in bond-token base units.
    /// @param to Who receives the payment (the market's pool).
    /// @return paid What the bond paid.
    function drawBond(uint256 keeperId, uint256 amount, address to) external returns (uint256 paid);

    /// @notice Credits `amount`, which the engine has just transferred to the registry, to the bond of `keeperId`:
    ///         an account whose shortfall the bond paid has settled. What would lift the bond above `bondAmount`
    ///         (it was topped up meanwhile), or all of it once the keeper has exited, goes to the owner. Engine only.
    /// @param keeperId The keeper whose bond paid.
    /// @param amount What the account repaid of it.
    function repayBond(uint256 keeperId, uint256 amount) external;

    /// @notice Sends the caller everything repayments credited to it (`claimable`) to `to`. Repayments are
    ///         credited, not pushed, so that an owner the bond token refuses to pay (a blocklisted address)
    ///         can never make an account's `settle` revert; such an owner claims to another address.
    /// @param to Where the tokens go (the caller's choice).
    /// @return amount What was sent.
    function claim(address to) external returns (uint256 amount);

    /// @notice Bond-token base units credited to `owner` by repayments and not yet claimed.
    function claimable(address owner) external view returns (uint256);

    /// @notice Pulls from the owner what the bond of `keeperId` lacks, so that it is whole and nameable again.
    ///         Owner only, while Active.
    /// @param keeperId The keeper.
    function topUp(uint256 keeperId) external;

    /// @notice Starts the exit of `keeperId`: it stops being nameable now, and can complete after the exit delay.
    /// @param keeperId The keeper to exit (caller must be its owner).
    function requestExit(uint256 keeperId) external;

    /// @notice Completes the exit of `keeperId` after the delay and returns to its owner what is left of the bond.
    /// @param keeperId The keeper to exit (caller must be its owner).
    function completeExit(uint256 keeperId) external;

    /// @notice The ERC-20 token in which the bond is posted.
    function bondToken() external view returns (address);

    /// @notice The bond each registration posts, in base units of `bondToken`.
    function bondAmount() external view returns (uint256);

    /// @notice The most one shortfall may draw from one keeper's bond, in base units of `bondToken`.
    function drawCap() external view returns (uint256);

    /// @notice The margin engine the registry is bound to (zero until `bindEngine`): the only one that may draw.
    function engine() external view returns (address);

    /// @notice What the bond of `keeperId` holds now (0 once it has exited).
    /// @param keeperId The keeper.
    function bondOf(uint256 keeperId) external view returns (uint256);

    /// @notice Seconds between `requestExit` and the earliest `completeExit`.
    function exitDelay() external view returns (uint256);

    /// @notice Number of keepers ever registered; ids are 1 to keeperCount.
    function keeperCount() external view returns (uint256);

    /// @notice The full record of `keeperId` (all zero for an unknown id).
    /// @param keeperId The keeper.
    /// @return The record.
    function keeperOf(uint256 keeperId) external view returns (Keeper memory);

    /// @notice The status of `keeperId` alone (None for an unknown id): one storage read, for the engine's checks
    ///         that need nothing else of the record.
    /// @param keeperId The keeper.
    function statusOf(uint256 keeperId) external view returns (Status);

    /// @notice The public key of `keeperId`, whatever its status; reverts `UnknownKeeper` for an id never registered.
    /// @param keeperId The keeper.
    /// @return x Key x coordinate.
    /// @return y Key y coordinate.
    function keyOf(uint256 keeperId) external view returns (uint256 x, uint256 y);

    /// @notice The id under which key (x, y) is or was registered, or 0 if it never was.
    /// @param x Key x coordinate.
    /// @param y Key y coordinate.
    /// @return The keeper id, or 0.
    function keeperIdOf(uint256 x, uint256 y) external view returns (uint256);

    /// @notice True iff `keeperId` is registered, no exit has been requested and its bond is whole: an account
    ///         may name it now.
    /// @param keeperId The keeper.
    /// @return True when Active and not `bondShort`.
    function isNameable(uint256 keeperId) external view returns (bool);

    /// @notice True iff `keeperId` is registered and its exit has not completed (Active or Exiting): it must
    ///         still serve the accounts that named it.
    /// @param keeperId The keeper.
    /// @return True when Active or Exiting.
    function isBound(uint256 keeperId) external view returns (bool);
}
