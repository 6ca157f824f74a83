// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IMarginEngine
/// @notice Types, errors, events and external functions of the Plimsoll margin engine.
interface IMarginEngine {
    /// @notice A Groth16 proof as the generated verifier takes it.
    struct Proof {
        uint256[2] a;
        uint256[2][2] b;
        uint256[2] c;
    }

    /// @notice An account's on-chain state. The basket itself is never stored, only its commitment.
    struct Account {
        /// Poseidon(basketHash, blinding, owner); 0 until the first update (the empty-basket commitment applies).
        uint256 commitment;
        /// Epoch of the last proof that showed maintenance margin (0: never).
        uint64 leaseEpoch;
        /// Timestamp of that epoch.
        uint64 leaseTimestamp;
        /// Bit j set when the account has an open position in market j.
        uint8 openMarkets;
    }

    /// @notice A public perp position: size in 1e-18 units of the underlying, entry price with 8 decimals.
    struct Position {
        int128 size;
        uint128 entryPrice;
    }

    /// @notice The kinds of account update, as logged in `AccountUpdated`.
    enum Action {
        Deposit,
        Withdraw,
        Trade,
        RenewLease
    }

    /// @notice Which margin an update must clear.
    enum Margin {
        None,
        Initial,
        Maintenance
    }

    /// @notice Thrown when a proof names an epoch that is not the oracle's current one.
    error StaleEpoch(uint64 given, uint64 current);
    /// @notice Thrown when the oracle's current epoch (sampled at `epochTimestamp`) is older than
    ///         `maxEpochAge` seconds: nobody has poked it for a whole grid step, so its prices are too
    ///         old to trade or prove against. Anyone can call `poke()` on the oracle.
    error OracleStale(uint64 epochTimestamp, uint256 maxEpochAge);
    /// @notice Thrown when the Groth16 proof does not verify against the public inputs the engine derived.
    error InvalidProof();
    /// @notice Thrown when the new commitment is not a BN254 field element.
    error CommitmentNotInField(uint256 commitment);
    /// @notice Thrown when the new commitment equals the old one (the proof would be replayable).
    error CommitmentUnchanged(uint256 commitment);
    /// @notice Thrown when an amount or size is zero where a change is required.
    error ZeroAmount();
    /// @notice Thrown when a token amount is not below 2^96.
    error AmountTooLarge(uint256 amount);
    /// @notice Thrown when an asset slot has no collateral token.
    error UnknownAsset(uint256 asset);
    /// @notice Thrown when a market index is not one of the oracle's markets.
    error UnknownMarket(uint256 market);
    /// @notice Thrown when the oracle has no price for a market's underlying yet.
    error NoMarkPrice(uint256 market);
    /// @notice Thrown when a position size would leave the supported range (|size| < 2^96).
    error PositionTooLarge(int256 size);
    /// @notice Thrown when a requirement does not fit the circuit's 150-bit requirement field.
    error RequirementTooLarge(uint256 requirement);
    /// @notice Thrown when realised PnL does not fit a single 96-bit basket delta.
    error PnlTooLarge(int256 pnl);
    /// @notice Thrown on a reentrant call.
    error Reentrancy();

    /// @notice Emitted on every accepted account update. `leaseRenewed` is true when the proof showed
    ///         maintenance margin (or stricter) at `epoch`, which renews the solvency lease.
    event AccountUpdated(
        address indexed account,
        Action indexed action,
        uint64 indexed epoch,
        uint256 oldCommitment,
        uint256 newCommitment,
        uint8 asset,
        int256 delta,
        uint256 requirement,
        bool leaseRenewed
    );
    /// @notice Emitted when a position changes; realised PnL is in settlement-token base units.
    event PositionChanged(
        address indexed account,
        uint8 indexed market,
        int256 oldSize,
        int256 newSize,
        uint256 price,
        int256 realisedPnl
    );

    /// @notice Deposits `amount` of asset slot `asset` into the caller's private basket.
    function deposit(uint8 asset, uint256 amount, uint64 epoch, uint256 newCommitment, Proof calldata proof) external;

    /// @notice Withdraws `amount` of asset slot `asset`; what stays must clear initial margin.
    function withdraw(uint8 asset, uint256 amount, uint64 epoch, uint256 newCommitment, Proof calldata proof) external;

    /// @notice Opens, grows, reduces or closes a perp position by `sizeDelta`.
    function trade(uint8 market, int256 sizeDelta, uint64 epoch, uint256 newCommitment, Proof calldata proof) external;

    /// @notice Renews the maintenance lease with a proof at the current epoch.
    function renewLease(uint64 epoch, uint256 newCommitment, Proof calldata proof) external;
}
