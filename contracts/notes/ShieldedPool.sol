// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {PoseidonT3} from "poseidon-solidity/PoseidonT3.sol";
import {SafeTransferLib} from "../libraries/SafeTransferLib.sol";
import {INoteCustody, IShieldedPool} from "./IShieldedPool.sol";
import {INoteBatchInsertVerifier, INoteJoinSplitVerifier} from "../interfaces/IVerifiers.sol";
import {IERC20Balance} from "../interfaces/IERC20Balance.sol";
import {IPlimsollOracle} from "../oracle/IPlimsollOracle.sol";

/// @title ShieldedPool
/// @notice Shielded notes for Plimsoll collateral: shield an oracle asset into a note, transfer notes
///         privately (2-in/2-out join-split), unshield to any address through an optional relayer whose
///         fee is bound in the proof. No owner, no admin, no pause, no upgrade: everything is fixed in
///         the constructor.
/// @dev Tree: 12 quaternary levels (4^12 = 2^24 leaves), empty leaves 0, Poseidon(4) nodes. It is never
///      hashed on-chain. A new commitment is appended to the open batch's hash chain
///      `c = Poseidon(c, leaf)` (seeded with the batch index; poseidon-solidity's PoseidonT3, the same
///      permutation as circomlib's Poseidon(2)),
///      and a batch of 16 (or a partial batch, padded with zeros) enters the tree through a
///      batch-insertion proof (circuits/src/notes_batch.circom) that moves the root from the current
///      one to a new one for exactly the chained leaves. A note is spendable once its batch is inserted;
///      anyone may flush the open batch. Roots: the current one and the ROOT_HISTORY - 1 before it are
///      accepted, each looked up in O(1).
///
///      Custody: the tokens are the margin engine's. `bindEngine` (called once, by the engine's
///      constructor) fixes which engine: a shield pays it, an unshield asks it to pay out, and only it may
///      absorb notes into baskets and emit notes out of them, so no token moves when a note enters or
///      leaves an account.
contract ShieldedPool is IShieldedPool {
    using SafeTransferLib for address;

    /// @notice BN254 scalar field modulus: every public input must be below it.
    uint256 public constant FIELD_MODULUS =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @notice Levels of the quaternary note tree (4^12 = 2^24 leaf positions).
    uint256 public constant TREE_LEVELS = 12;
    /// @notice log2 of the batch size.
    uint256 public constant BATCH_LOG = 4;
    /// @notice Leaves per batch.
    uint256 public constant BATCH_SIZE = 16;
    /// @notice Batches the tree holds (2^20): at least 2^20 notes even if every batch is a flush of one.
    uint256 public constant MAX_BATCHES = 1 << 20;
    /// @notice Roots accepted for a join-split: the current one and the 63 before it.
    uint256 public constant ROOT_HISTORY = 64;
    /// @notice Amounts are below 2^96.
    uint256 public constant AMOUNT_LIMIT = 1 << 96;
    /// @notice Asset slots a note can name.
    uint256 public constant MAX_SLOTS = 16;

    /// @notice The join-split verifier (generated).
    INoteJoinSplitVerifier public immutable joinSplitVerifier;
    /// @notice The batch-insertion verifier (generated).
    INoteBatchInsertVerifier public immutable batchVerifier;
    /// @notice Number of asset slots (the oracle's, at deployment; the oracle's slots are immutable).
    uint256 public immutable assetCount;
    /// @notice Root of the empty tree: Z[12] with Z[0] = 0, Z[i+1] = Poseidon(Z[i], Z[i], Z[i], Z[i])
    ///         (checked against prover/src/notes/tree.ts by test/notes/pool.test.ts).
    uint256 public constant emptyRoot = 0x0c2a4af81a2cd78159ce2f3d7ee05367fc5b3c3e1becea2a86d1e66dd27ffb7f;

    /// @dev Queue and root bookkeeping, one storage slot.
    struct Queue {
        uint32 openBatch; // batch being filled
        uint8 openCount; // its leaves so far, < BATCH_SIZE
        uint32 nextBatch; // next batch to insert into the tree
        uint64 rootCount; // roots so far (the empty root is number 1)
    }

    Queue internal _queue;
    /// @dev Hash chain of the open batch (seeded with its index).
    uint256 internal _openChain;
    /// @inheritdoc IShieldedPool
    uint256 public currentRoot;
    /// @inheritdoc IShieldedPool
    address public engine;
    mapping(uint256 batchIndex => uint256 chain) internal _closedChain;
    mapping(uint256 root => uint256 number) internal _rootNumber;
    mapping(uint256 nullifier => bool spent) internal _spent;
    mapping(uint256 slot => address token) internal _tokens;

    uint256 private transient _locked;

    modifier nonReentrant() {
        if (_locked != 0) revert Reentrancy();
        _locked = 1;
        _;
        _locked = 0;
    }

    /// @param oracle The Plimsoll oracle whose asset slots (and tokens) notes use.
    /// @param joinSplitVerifier_ The generated NoteJoinSplitVerifier.
    /// @param batchVerifier_ The generated NoteBatchInsertVerifier.
    constructor(address oracle, address joinSplitVerifier_, address batchVerifier_) {
        uint256 count = IPlimsollOracle(oracle).assetCount();
        if (count == 0 || count > MAX_SLOTS) revert TooManyAssets(count);
        for (uint256 i = 0; i < count; ++i) {
            (address t,) = IPlimsollOracle(oracle).asset(i);
            _tokens[i] = t;
        }
        assetCount = count;
        joinSplitVerifier = INoteJoinSplitVerifier(joinSplitVerifier_);
        batchVerifier = INoteBatchInsertVerifier(batchVerifier_);
        currentRoot = emptyRoot;
        _rootNumber[emptyRoot] = 1;
        _queue.rootCount = 1;
    }

    /// @inheritdoc IShieldedPool
    function bindEngine() external {
        if (engine != address(0)) revert EngineAlreadyBound(engine);
        engine = msg.sender;
        emit EngineBound(msg.sender);
    }

    modifier onlyEngine() {
        if (msg.sender != engine || msg.sender == address(0)) revert NotEngine(msg.sender);
        _;
    }

    // ------------------------------------------------------------------------------------------------
    // Entering, moving, leaving

    /// @inheritdoc IShieldedPool
    function shield(uint256 slot, uint256 amount, uint256 inner, EncryptedNote calldata encrypted)
        external
        nonReentrant
        returns (uint256 leafIndex)
    {
        if (slot >= assetCount) revert UnknownSlot(slot);
        if (amount == 0 || amount >= AMOUNT_LIMIT) revert InvalidAmount(amount);
        if (inner >= FIELD_MODULUS) revert NotInField(inner);
        leafIndex = _queueOne(PoseidonT3.hash([amount | (slot << 96), inner]), encrypted);
        emit Shielded(msg.sender, slot, amount, leafIndex);

        address custody = _custody();
        address t = _tokens[slot];
        uint256 before = IERC20Balance(t).balanceOf(custody);
        t.safeTransferFrom(msg.sender, custody, amount);
        uint256 received = IERC20Balance(t).balanceOf(custody) - before;
        if (received != amount) revert TransferMismatch(t, amount, received);
    }

    /// @inheritdoc IShieldedPool
    function transfer(Proof calldata proof, Spend calldata spend, EncryptedNote[2] calldata encrypted)
        external
        nonReentrant
    {
        _transact(proof, spend, 0, _extDataHash(address(0), address(0), 0, encrypted), encrypted);
    }

    /// @inheritdoc IShieldedPool
    function unshield(
        Proof calldata proof,
        Spend calldata spend,
        uint256 slot,
        uint256 amount,
        address recipient,
        address relayer,
        uint256 fee,
        EncryptedNote[2] calldata encrypted
    ) external nonReentrant {
        if (slot >= assetCount) revert UnknownSlot(slot);
        if (amount == 0 || amount >= AMOUNT_LIMIT) revert InvalidAmount(amount);
        if (fee > amount) revert FeeExceedsAmount(fee, amount);
        if (recipient == address(0) || (fee != 0 && relayer == address(0))) revert InvalidRecipient(recipient, relayer);
        INoteCustody custody = INoteCustody(_custody());
        _transact(proof, spend, amount | (slot << 96), _extDataHash(recipient, relayer, fee, encrypted), encrypted);
        emit Unshielded(slot, recipient, relayer, amount, fee);

        unchecked {
            if (amount != fee) custody.releaseNote(slot, recipient, amount - fee);
        }
        if (fee != 0) custody.releaseNote(slot, relayer, fee);
    }

    // ------------------------------------------------------------------------------------------------
    // Accounts (the bound engine only)

    /// @inheritdoc IShieldedPool
    function absorbNote(uint256 root, uint256 nullifier) external onlyEngine nonReentrant {
        if (!isKnownRoot(root)) revert UnknownRoot(root);
        if (nullifier >= FIELD_MODULUS) revert NotInField(nullifier);
        if (_spent[nullifier]) revert NullifierSpent(nullifier);
        _spent[nullifier] = true;
        emit NoteAbsorbed(nullifier);
    }

    /// @inheritdoc IShieldedPool
    function emitNote(uint256 commitment, EncryptedNote calldata encrypted)
        external
        onlyEngine
        nonReentrant
        returns (uint256 leafIndex)
    {
        if (commitment >= FIELD_MODULUS) revert NotInField(commitment);
        leafIndex = _queueOne(commitment, encrypted);
    }

    // ------------------------------------------------------------------------------------------------
    // The tree

    /// @inheritdoc IShieldedPool
    function insertBatch(uint256 newRoot, uint256 expectedCount, Proof calldata proof) external nonReentrant {
        if (newRoot >= FIELD_MODULUS) revert NotInField(newRoot);
        Queue memory q = _queue;
        uint256 b = q.nextBatch;
        uint256 chain;
        uint256 count;
        if (b < q.openBatch) {
            chain = _closedChain[b];
            delete _closedChain[b];
            count = BATCH_SIZE;
        } else if (q.openCount != 0) {
            // Flush the open batch: it closes padded with zeros, the queue moves to the next one.
            chain = _openChain;
            count = q.openCount;
            q.openBatch = uint32(b + 1);
            q.openCount = 0;
            _openChain = b + 1;
        } else {
            revert NothingToInsert();
        }
        if (count != expectedCount) revert BatchChanged(b, expectedCount, count);
        if (!batchVerifier.verifyProof(proof.a, proof.b, proof.c, [currentRoot, newRoot, chain])) {
            revert InvalidProof();
        }
        q.nextBatch = uint32(b + 1);
        uint64 number = q.rootCount + 1;
        q.rootCount = number;
        _queue = q;
        currentRoot = newRoot;
        _rootNumber[newRoot] = number;
        emit BatchInserted(b, newRoot, count);
    }

    // ------------------------------------------------------------------------------------------------
    // Views

    /// @inheritdoc IShieldedPool
    function extDataHash(address recipient, address relayer, uint256 fee, EncryptedNote[2] calldata encrypted)
        external
        view
        returns (uint256)
    {
        return _extDataHash(recipient, relayer, fee, encrypted);
    }

    /// @inheritdoc IShieldedPool
    function isKnownRoot(uint256 root) public view returns (bool) {
        uint256 number = _rootNumber[root];
        return number != 0 && number + ROOT_HISTORY > _queue.rootCount;
    }

    /// @inheritdoc IShieldedPool
    function isSpent(uint256 nullifier) external view returns (bool) {
        return _spent[nullifier];
    }

    /// @inheritdoc IShieldedPool
    function queueState()
        external
        view
        returns (uint256 openBatch, uint256 openCount, uint256 openChain, uint256 nextBatch)
    {
        Queue memory q = _queue;
        return (q.openBatch, q.openCount, _openChain, q.nextBatch);
    }

    /// @inheritdoc IShieldedPool
    function closedChain(uint256 batchIndex) external view returns (uint256) {
        return _closedChain[batchIndex];
    }

    /// @inheritdoc IShieldedPool
    function token(uint256 slot) external view returns (address) {
        if (slot >= assetCount) revert UnknownSlot(slot);
        return _tokens[slot];
    }

    // ------------------------------------------------------------------------------------------------
    // Internals

    /// @dev The engine that holds the pool's tokens; none bound yet means no token may enter or leave.
    function _custody() internal view returns (address custody) {
        custody = engine;
        if (custody == address(0)) revert EngineNotBound();
    }

    /// @dev Checks and verifies a join-split, spends its nullifiers and queues its outputs.
    function _transact(
        Proof calldata proof,
        Spend calldata spend,
        uint256 publicValue,
        uint256 extHash,
        EncryptedNote[2] calldata encrypted
    ) internal {
        uint256 n0 = spend.nullifiers[0];
        uint256 n1 = spend.nullifiers[1];
        uint256 c0 = spend.commitments[0];
        uint256 c1 = spend.commitments[1];
        if (!isKnownRoot(spend.root)) revert UnknownRoot(spend.root);
        if (n0 >= FIELD_MODULUS) revert NotInField(n0);
        if (n1 >= FIELD_MODULUS) revert NotInField(n1);
        if (c0 >= FIELD_MODULUS) revert NotInField(c0);
        if (c1 >= FIELD_MODULUS) revert NotInField(c1);
        if (n0 == n1) revert DuplicateNullifier(n0);
        if (_spent[n0]) revert NullifierSpent(n0);
        if (_spent[n1]) revert NullifierSpent(n1);
        if (!joinSplitVerifier.verifyProof(proof.a, proof.b, proof.c, [spend.root, publicValue, extHash, n0, n1, c0, c1])) {
            revert InvalidProof();
        }
        _spent[n0] = true;
        _spent[n1] = true;
        emit NullifiersSpent(n0, n1);

        Queue memory q = _queue;
        uint256 chain = _openChain;
        (chain,) = _enqueue(q, chain, c0, encrypted[0]);
        (chain,) = _enqueue(q, chain, c1, encrypted[1]);
        _queue = q;
        _openChain = chain;
    }

    /// @dev Appends one leaf to the queue (storage read and written once).
    function _queueOne(uint256 leaf, EncryptedNote calldata encrypted) internal returns (uint256 leafIndex) {
        Queue memory q = _queue;
        uint256 chain;
        (chain, leafIndex) = _enqueue(q, _openChain, leaf, encrypted);
        _queue = q;
        _openChain = chain;
    }

    /// @dev Appends `leaf` to the open batch (in memory: the caller stores `q` and the chain), closing the
    ///      batch when it is full.
    function _enqueue(Queue memory q, uint256 chain, uint256 leaf, EncryptedNote calldata encrypted)
        internal
        returns (uint256 chainOut, uint256 leafIndex)
    {
        uint256 batch = q.openBatch;
        if (batch >= MAX_BATCHES) revert TreeFull();
        uint256 count = q.openCount;
        leafIndex = (batch << BATCH_LOG) | count;
        chainOut = PoseidonT3.hash([chain, leaf]);
        emit NoteQueued(leafIndex, leaf, encrypted);
        if (count + 1 == BATCH_SIZE) {
            _closedChain[batch] = chainOut;
            q.openBatch = uint32(batch + 1);
            q.openCount = 0;
            chainOut = batch + 1; // the next batch's seed
        } else {
            q.openCount = uint8(count + 1);
        }
    }

    function _extDataHash(address recipient, address relayer, uint256 fee, EncryptedNote[2] calldata encrypted)
        internal
        view
        returns (uint256)
    {
        return uint256(keccak256(abi.encode(block.chainid, address(this), recipient, relayer, fee, encrypted)))
            % FIELD_MODULUS;
    }
}
