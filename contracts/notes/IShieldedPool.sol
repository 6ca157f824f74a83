// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IShieldedPool
/// @notice Types, errors, events and external functions of the Plimsoll shielded note pool.
/// @dev Notes (see circuits/src/notes.circom):
///        value      = amount + slot * 2^96          (amount < 2^96, slot an oracle asset slot)
///        inner      = Poseidon(ownerKey, blinding)  (computed off-chain by whoever makes the note)
///        commitment = Poseidon(value, inner)        (the tree leaf)
///        nullifier  = Poseidon(spendingSecret, commitment, leafIndex)
///      New commitments are queued (one on-chain Poseidon each, into the open batch's hash chain) and
///      enter the tree (12 quaternary levels, 2^24 leaves) 16 at a time through a batch-insertion proof
///      that anyone may submit;
///      a partial batch may be flushed at any time (its empty slots are lost).
///
///      Custody: the pool holds no tokens. A shield pays the margin engine the pool is bound to, and an
///      unshield asks that engine to pay out (`INoteCustody`). The engine's baskets and the pool's notes
///      are backed by one balance per token, so an account that absorbs or emits a note moves no token
///      and reveals neither slot nor amount.
interface IShieldedPool {
    /// @notice A Groth16 proof in the layout of the generated verifiers.
    struct Proof {
        uint256[2] a;
        uint256[2][2] b;
        uint256[2] c;
    }

    /// @notice A note's opening (value and blinding) encrypted to its recipient's viewing key: Baby Jubjub
    ///         ECDH with a fresh ephemeral key and a Poseidon keystream (prover/src/notes/encryption.ts).
    ///         Not checked on-chain; bound to a join-split proof through its external-data hash.
    struct EncryptedNote {
        uint256[2] ephemeralKey;
        uint256[2] ciphertext;
    }

    /// @notice The public part of a join-split: the root it proves membership against, the two nullifiers
    ///         it spends and the two commitments it creates.
    struct Spend {
        uint256 root;
        uint256[2] nullifiers;
        uint256[2] commitments;
    }

    /// @notice Thrown when a function only the bound engine may call is called by another address.
    error NotEngine(address caller);
    /// @notice Thrown by `bindEngine` once an engine is bound.
    error EngineAlreadyBound(address engine);
    /// @notice Thrown by a shield or an unshield before an engine (the custody) is bound.
    error EngineNotBound();

    /// @notice Thrown when the oracle has more asset slots than a note can name (16).
    error TooManyAssets(uint256 count);
    /// @notice Thrown when `slot` is not an asset slot of the oracle.
    error UnknownSlot(uint256 slot);
    /// @notice Thrown when a shielded or unshielded amount is 0 or not below 2^96.
    error InvalidAmount(uint256 amount);
    /// @notice Thrown when a value that must be a field element (a root, a nullifier, a commitment, the
    ///         `inner` of a shield) is not below the BN254 scalar field modulus.
    error NotInField(uint256 value);
    /// @notice Thrown when the token moved a different amount than asked (fee-on-transfer tokens).
    error TransferMismatch(address token, uint256 expected, uint256 received);
    /// @notice Thrown when `root` is not the current root nor one of the last ROOT_HISTORY roots.
    error UnknownRoot(uint256 root);
    /// @notice Thrown when `nullifier` was spent before.
    error NullifierSpent(uint256 nullifier);
    /// @notice Thrown when both nullifiers of a join-split are `nullifier`.
    error DuplicateNullifier(uint256 nullifier);
    /// @notice Thrown when the relayer fee exceeds the amount unshielded.
    error FeeExceedsAmount(uint256 fee, uint256 amount);
    /// @notice Thrown when an unshield names the zero address as recipient, or a fee with no relayer.
    error InvalidRecipient(address recipient, address relayer);
    /// @notice Thrown when a join-split or batch proof does not verify for the public inputs the pool derives.
    error InvalidProof();
    /// @notice Thrown when there is no queued leaf to insert.
    error NothingToInsert();
    /// @notice Thrown when the batch to insert (`batchIndex`) holds `count` leaves, not the `expected` the
    ///         proof was made for (a note was queued into the open batch since: re-plan and re-prove).
    error BatchChanged(uint256 batchIndex, uint256 expected, uint256 count);
    /// @notice Thrown when the tree has no aligned batch left (2^20 batches).
    error TreeFull();
    /// @notice Thrown on a reentrant call.
    error Reentrancy();

    /// @notice Emitted for every new note: it sits in the queue at tree position `leafIndex` and enters the
    ///         tree when its batch is inserted. `encrypted` is its opening for the recipient's wallet.
    event NoteQueued(uint256 indexed leafIndex, uint256 commitment, EncryptedNote encrypted);
    /// @notice Emitted when `depositor` shields `amount` of slot `slot` into the note at `leafIndex`.
    event Shielded(address indexed depositor, uint256 indexed slot, uint256 amount, uint256 leafIndex);
    /// @notice Emitted when a join-split spends two nullifiers (a transfer or an unshield).
    event NullifiersSpent(uint256 indexed nullifier0, uint256 indexed nullifier1);
    /// @notice Emitted when `amount` of slot `slot` leaves the pool: `amount - fee` to `recipient`, `fee`
    ///         to `relayer`.
    event Unshielded(uint256 indexed slot, address indexed recipient, address indexed relayer, uint256 amount, uint256 fee);
    /// @notice Emitted when batch `batchIndex` (its first `count` leaves; the rest zero) enters the tree,
    ///         whose root becomes `root`.
    event BatchInserted(uint256 indexed batchIndex, uint256 root, uint256 count);
    /// @notice The margin engine `engine` became the pool's custody and the only absorber and emitter of notes.
    event EngineBound(address indexed engine);
    /// @notice An account absorbed the note whose nullifier is `nullifier` (which note, and into which
    ///         account's slot, stays private; the engine logs the account's update).
    event NoteAbsorbed(uint256 indexed nullifier);

    /// @notice Binds the calling margin engine, once: it holds the pool's tokens and may absorb and emit
    ///         notes. The engine's constructor calls it, so the binding is fixed at deployment.
    function bindEngine() external;

    /// @notice The bound margin engine (zero before `bindEngine`).
    function engine() external view returns (address);

    /// @notice Marks a note absorbed into an account (only the engine, after verifying the account's proof
    ///         of membership against `root` and of the nullifier).
    /// @param root A root in the history (the proof's membership root).
    /// @param nullifier The absorbed note's nullifier, below the field modulus and unspent.
    function absorbNote(uint256 root, uint256 nullifier) external;

    /// @notice Queues a note an account emitted out of its basket (only the engine, after verifying the
    ///         account's proof that the commitment's amount left its basket).
    /// @param commitment The new note's commitment, below the field modulus.
    /// @param encrypted The note's opening for its recipient's viewing key.
    /// @return leafIndex The note's tree position.
    function emitNote(uint256 commitment, EncryptedNote calldata encrypted) external returns (uint256 leafIndex);

    /// @notice Deposits `amount` base units of slot `slot`'s token (approved to the pool) as a new note
    ///         `Poseidon(amount + slot * 2^96, inner)`.
    /// @param slot The oracle asset slot.
    /// @param amount Base units, in [1, 2^96).
    /// @param inner `Poseidon(ownerKey, blinding)` of the new note, below the field modulus.
    /// @param encrypted The note's opening for the recipient's viewing key (emitted, not checked).
    /// @return leafIndex The note's tree position.
    function shield(uint256 slot, uint256 amount, uint256 inner, EncryptedNote calldata encrypted)
        external
        returns (uint256 leafIndex);

    /// @notice A private 2-in/2-out transfer: spends two notes (either may be a dummy of amount 0) and
    ///         creates two of the same, private, slot and the same total.
    /// @param proof The join-split proof (publicValue 0).
    /// @param spend Root, nullifiers, commitments.
    /// @param encrypted The outputs' openings, bound through the external-data hash.
    function transfer(Proof calldata proof, Spend calldata spend, EncryptedNote[2] calldata encrypted) external;

    /// @notice Spends two notes of slot `slot`, pays `amount - fee` to `recipient` and `fee` to `relayer`,
    ///         and creates two change notes (either may be worth 0).
    /// @param proof The join-split proof (publicValue = amount + slot * 2^96).
    /// @param spend Root, nullifiers, commitments.
    /// @param slot The notes' asset slot (public here).
    /// @param amount Base units leaving the pool, in [1, 2^96).
    /// @param recipient Receives `amount - fee`; any non-zero address.
    /// @param relayer Receives `fee` (zero address only with a zero fee).
    /// @param fee Relayer fee, at most `amount`.
    /// @param encrypted The change notes' openings.
    function unshield(
        Proof calldata proof,
        Spend calldata spend,
        uint256 slot,
        uint256 amount,
        address recipient,
        address relayer,
        uint256 fee,
        EncryptedNote[2] calldata encrypted
    ) external;

    /// @notice Inserts the next queued batch (full, or the open one padded with zeros) into the tree.
    ///         Permissionless; the proof fixes everything but who pays the gas.
    /// @param newRoot The root after the insertion (below the field modulus).
    /// @param count The batch's leaf count the proof was made for (16 for a full batch).
    /// @param proof The batch-insertion proof for (current root, newRoot, the batch's chain).
    function insertBatch(uint256 newRoot, uint256 count, Proof calldata proof) external;

    /// @notice External-data hash a join-split proof must carry (keccak, reduced below the modulus).
    function extDataHash(
        address recipient,
        address relayer,
        uint256 fee,
        EncryptedNote[2] calldata encrypted
    ) external view returns (uint256);

    /// @notice True when `root` is the current root or one of the ROOT_HISTORY before it.
    function isKnownRoot(uint256 root) external view returns (bool);

    /// @notice True when `nullifier` has been spent.
    function isSpent(uint256 nullifier) external view returns (bool);

    /// @notice The tree root after the last inserted batch.
    function currentRoot() external view returns (uint256);

    /// @notice The queue: batch being filled, its leaf count and chain; next batch to insert.
    function queueState()
        external
        view
        returns (uint256 openBatch, uint256 openCount, uint256 openChain, uint256 nextBatch);

    /// @notice The chain of a batch the queue closed (full) and that is not inserted yet (0 otherwise).
    function closedChain(uint256 batchIndex) external view returns (uint256);

    /// @notice Number of asset slots (the oracle's, at deployment).
    function assetCount() external view returns (uint256);

    /// @notice Slot `slot`'s ERC-20 token (read from the oracle at deployment).
    function token(uint256 slot) external view returns (address);
}

/// @title INoteCustody
/// @notice What the shielded pool needs from the margin engine that holds its tokens.
interface INoteCustody {
    /// @notice Pays `amount` of slot `slot`'s token to `to` for an unshield (only the bound pool).
    function releaseNote(uint256 slot, address to, uint256 amount) external;
}
