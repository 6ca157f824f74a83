// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IReserveRegistry} from "./IReserveRegistry.sol";
import {IReservesBatchVerifier, IReservesFinalizeVerifier} from "../interfaces/IVerifiers.sol";
import {IPoseidon2, IPoseidon4} from "../interfaces/IPoseidon.sol";
import {IPlimsollOracle} from "../oracle/IPlimsollOracle.sol";
import {FIELD_MODULUS, N_ASSETS as ASSET_SLOTS, WAD} from "../libraries/Constants.sol";

/// @title ReserveRegistry
/// @notice Custodian proof of reserves, verified on-chain. A custodian publishes per period the root of
///         a Poseidon Merkle tree over its client accounts, its reserves per asset and the oracle epoch
///         whose prices and maintenance haircuts every client must clear. Anyone then submits the batch
///         proofs, in order, and the final proof; the period is marked verified only when all verify.
/// @dev Governance-free: no owner, no admin, no setter, no proxy. Every dependency is immutable. A
///      custodian writes only its own entries (keyed by `msg.sender`). Submitting proofs is open to
///      anyone because each proof is bound, through its public inputs, to the custodian, the period,
///      the batch index, the previous batch's state and the epoch's weights:
///        batch:  [stateIn, stateOut, weightsHash, tagIndex = periodTag * 2^32 + batchIndex]
///        final:  [stateFinal, root, tagCount = periodTag * 2^32 + clientCount, reserves packed 3 x 84 bits]
///      with periodTag = (uint160(custodian) << 32) | periodIndex. Batch k > 0 must start from the state
///      batch k - 1 left; the circuit proves that batch 0 starts from the genesis state of its tag and
///      that each batch holds clients batchIndex * BATCH_SIZE onwards, so the chain of accepted batches
///      covers the tree with no gap and no overlap.
contract ReserveRegistry is IReserveRegistry {
    /// @notice Number of asset slots the reserves circuits are compiled for.
    uint256 public constant N_ASSETS = ASSET_SLOTS;
    /// @notice Depth of the client tree; it holds at most 2^TREE_DEPTH clients.
    uint256 public constant TREE_DEPTH = 20;
    /// @notice Largest client count.
    uint256 public constant MAX_CLIENTS = 1 << TREE_DEPTH;
    /// @notice Bits of one packed reserve; three reserves share one public input.
    uint256 public constant RESERVE_BITS = 84;
    /// @notice Words of packed reserves: ceil(N_ASSETS / 3).
    uint256 internal constant PACKED_WORDS = 6;
    /// @notice Value (1e-30 USD) of 1e-6 token at a price of 1e-8 USD per token: 10^(30 - 8 - 6).
    uint256 internal constant WEIGHT_SCALE = 1e16;

    /// @notice The governance-free parameter oracle whose epochs give the weights.
    IPlimsollOracle public immutable oracle;
    /// @notice circomlibjs Poseidon hasher for two inputs.
    IPoseidon2 public immutable poseidon2;
    /// @notice circomlibjs Poseidon hasher for four inputs.
    IPoseidon4 public immutable poseidon4;
    /// @notice The generated verifier of the batch circuit.
    IReservesBatchVerifier public immutable batchVerifier;
    /// @notice The generated verifier of the final circuit.
    IReservesFinalizeVerifier public immutable finalizeVerifier;
    /// @notice Clients per batch proof (the batch circuit's template parameter B).
    uint256 public immutable BATCH_SIZE;
    /// @notice Asset slots the oracle configures (slots 0 .. assetCount-1).
    uint256 public immutable assetCount;
    /// @dev Poseidon4(0, 0, 0, 0): the hash of a group of four unused slots, whose weights are 0.
    uint256 internal immutable _zeroGroupHash;

    mapping(address custodian => mapping(uint64 periodIndex => Period)) internal _periods;
    mapping(address custodian => uint64) internal _periodCount;
    /// @dev 1 + index of the custodian's latest verified period; 0 when none.
    mapping(address custodian => uint64) internal _latestVerifiedPlusOne;
    /// @dev Reserve weights hash per oracle epoch, computed once by the first period opened in it.
    mapping(uint64 epoch => uint256) internal _epochWeightsHash;

    /// @param oracle_ The parameter oracle.
    /// @param poseidon2_ Poseidon hasher for two inputs.
    /// @param poseidon4_ Poseidon hasher for four inputs.
    /// @param batchVerifier_ The batch circuit's verifier.
    /// @param finalizeVerifier_ The final circuit's verifier.
    /// @param batchSize Clients per batch proof, as the batch circuit is compiled (> 0).
    constructor(
        IPlimsollOracle oracle_,
        IPoseidon2 poseidon2_,
        IPoseidon4 poseidon4_,
        IReservesBatchVerifier batchVerifier_,
        IReservesFinalizeVerifier finalizeVerifier_,
        uint256 batchSize
    ) {
        if (batchSize == 0 || batchSize > MAX_CLIENTS) revert InvalidConfig("batchSize");
        uint256 assets = oracle_.assetCount();
        if (assets == 0 || assets > N_ASSETS) revert InvalidConfig("oracle.assetCount");
        oracle = oracle_;
        poseidon2 = poseidon2_;
        poseidon4 = poseidon4_;
        batchVerifier = batchVerifier_;
        finalizeVerifier = finalizeVerifier_;
        BATCH_SIZE = batchSize;
        assetCount = assets;
        _zeroGroupHash = poseidon4_.poseidon([uint256(0), 0, 0, 0]);
    }

    // ------------------------------------------------------------------------------------------
    // Custodian
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IReserveRegistry
    function openPeriod(uint64 epoch, uint256 root, uint256 clientCount, uint256[16] calldata reserves)
        external
        returns (uint64 periodIndex)
    {
        uint64 current = oracle.currentEpoch();
        if (current == 0) revert NoOracleEpoch();
        if (epoch != current) revert EpochMismatch(epoch, current);
        if (root >= FIELD_MODULUS) revert NotAFieldElement(root);
        if (clientCount == 0 || clientCount > MAX_CLIENTS) revert InvalidClientCount(clientCount, MAX_CLIENTS);
        uint256[PACKED_WORDS] memory packed = _packReserves(reserves);
        periodIndex = _periodCount[msg.sender];
        if (periodIndex >= type(uint32).max) revert TooManyPeriods();

        uint256 weightsHash = _epochWeightsHash[epoch];
        if (weightsHash == 0) {
            (uint256[N_ASSETS] memory wA, uint256[N_ASSETS] memory wL) = _reserveWeights();
            weightsHash = _hashReserveWeights(wA, wL);
            _epochWeightsHash[epoch] = weightsHash;
            emit ReserveWeights(epoch, wA, wL, weightsHash);
        }

        _periodCount[msg.sender] = periodIndex + 1;
        Period storage p = _periods[msg.sender][periodIndex];
        p.epoch = epoch;
        p.clientCount = uint32(clientCount);
        p.batchCount = uint32((clientCount + BATCH_SIZE - 1) / BATCH_SIZE);
        p.root = root;
        for (uint256 j; j < PACKED_WORDS; ++j) {
            if (packed[j] != 0) p.packedReserves[j] = packed[j];
        }
        emit PeriodOpened(msg.sender, periodIndex, epoch, root, clientCount, weightsHash, reserves);
    }

    // ------------------------------------------------------------------------------------------
    // Anyone: proofs
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IReserveRegistry
    function submitBatch(
        address custodian,
        uint64 periodIndex,
        uint256 batchIndex,
        uint256 stateIn,
        uint256 stateOut,
        Proof calldata proof
    ) external {
        Period storage p = _existing(custodian, periodIndex);
        if (p.verified) revert PeriodAlreadyVerified(custodian, periodIndex);
        uint256 expected = p.nextBatch;
        uint256 batchCount = p.batchCount;
        if (expected == batchCount) revert NoBatchLeft(custodian, periodIndex, batchCount);
        if (batchIndex != expected) revert BatchOutOfOrder(custodian, periodIndex, expected, batchIndex);
        if (expected != 0 && stateIn != p.lastState) revert StateMismatch(custodian, periodIndex, p.lastState, stateIn);
        if (stateIn >= FIELD_MODULUS) revert NotAFieldElement(stateIn);
        if (stateOut >= FIELD_MODULUS) revert NotAFieldElement(stateOut);

        uint256[4] memory pub =
            [stateIn, stateOut, _epochWeightsHash[p.epoch], (_tag(custodian, periodIndex) << 32) | batchIndex];
        if (!batchVerifier.verifyProof(proof.a, proof.b, proof.c, pub)) {
            revert InvalidBatchProof(custodian, periodIndex, batchIndex);
        }
        p.lastState = stateOut;
        p.nextBatch = uint32(batchIndex + 1);
        emit BatchVerified(custodian, periodIndex, batchIndex, stateOut, msg.sender);
    }

    /// @inheritdoc IReserveRegistry
    function finalize(address custodian, uint64 periodIndex, Proof calldata proof) external {
        Period storage p = _existing(custodian, periodIndex);
        if (p.verified) revert PeriodAlreadyVerified(custodian, periodIndex);
        if (p.nextBatch != p.batchCount) revert BatchesMissing(custodian, periodIndex, p.nextBatch, p.batchCount);

        uint256[9] memory pub;
        pub[0] = p.lastState;
        pub[1] = p.root;
        pub[2] = (_tag(custodian, periodIndex) << 32) | p.clientCount;
        for (uint256 j; j < PACKED_WORDS; ++j) {
            pub[3 + j] = p.packedReserves[j];
        }
        if (!finalizeVerifier.verifyProof(proof.a, proof.b, proof.c, pub)) {
            revert InvalidFinalProof(custodian, periodIndex);
        }
        p.verified = true;
        if (periodIndex + 1 > _latestVerifiedPlusOne[custodian]) _latestVerifiedPlusOne[custodian] = periodIndex + 1;
        emit PeriodVerified(custodian, periodIndex, p.epoch, p.root);
    }

    // ------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IReserveRegistry
    function periodCount(address custodian) external view returns (uint64) {
        return _periodCount[custodian];
    }

    /// @inheritdoc IReserveRegistry
    /// @dev `weightsHash` is the epoch's cached reserve weights hash.
    function period(address custodian, uint64 periodIndex) external view returns (Period memory out) {
        out = _existing(custodian, periodIndex);
        out.weightsHash = _epochWeightsHash[out.epoch];
    }

    /// @inheritdoc IReserveRegistry
    function reservesOf(address custodian, uint64 periodIndex) external view returns (uint256[16] memory reserves) {
        Period storage p = _existing(custodian, periodIndex);
        uint256 mask = (1 << RESERVE_BITS) - 1;
        for (uint256 i; i < N_ASSETS; ++i) {
            reserves[i] = (p.packedReserves[i / 3] >> (RESERVE_BITS * (i % 3))) & mask;
        }
    }

    /// @inheritdoc IReserveRegistry
    function isVerified(address custodian, uint64 periodIndex) external view returns (bool) {
        return _periods[custodian][periodIndex].verified;
    }

    /// @inheritdoc IReserveRegistry
    function latestVerifiedPeriod(address custodian) external view returns (bool found, uint64 periodIndex) {
        uint64 plusOne = _latestVerifiedPlusOne[custodian];
        return plusOne == 0 ? (false, 0) : (true, plusOne - 1);
    }

    /// @inheritdoc IReserveRegistry
    function periodTag(address custodian, uint64 periodIndex) external pure returns (uint256) {
        return _tag(custodian, periodIndex);
    }

    /// @inheritdoc IReserveRegistry
    function batchCountFor(uint256 clientCount) external view returns (uint256) {
        return (clientCount + BATCH_SIZE - 1) / BATCH_SIZE;
    }

    /// @inheritdoc IReserveRegistry
    function currentReserveWeights()
        external
        view
        returns (uint64 epoch, uint256[16] memory assetWeights, uint256[16] memory liabilityWeights, uint256 weightsHash)
    {
        epoch = oracle.currentEpoch();
        if (epoch == 0) revert NoOracleEpoch();
        (assetWeights, liabilityWeights) = _reserveWeights();
        weightsHash = _hashReserveWeights(assetWeights, liabilityWeights);
    }

    /// @inheritdoc IReserveRegistry
    function reserveWeightsHashOf(uint64 epoch) external view returns (uint256) {
        return _epochWeightsHash[epoch];
    }

    // ------------------------------------------------------------------------------------------
    // Internals
    // ------------------------------------------------------------------------------------------

    /// @dev The period, or `UnknownPeriod` (an opened period always has an epoch >= 1).
    function _existing(address custodian, uint64 periodIndex) private view returns (Period storage p) {
        p = _periods[custodian][periodIndex];
        if (p.epoch == 0) revert UnknownPeriod(custodian, periodIndex);
    }

    /// @dev (uint160(custodian) << 32) | periodIndex; periodIndex < 2^32 for every opened period.
    function _tag(address custodian, uint64 periodIndex) private pure returns (uint256) {
        return (uint256(uint160(custodian)) << 32) | uint256(uint32(periodIndex));
    }

    /// @dev Checks each reserve (< 2^84, 0 in unused slots) and packs three per word, lowest slot lowest.
    function _packReserves(uint256[16] calldata reserves) private view returns (uint256[PACKED_WORDS] memory packed) {
        uint256 n = assetCount;
        for (uint256 i; i < N_ASSETS; ++i) {
            uint256 r = reserves[i];
            if (r == 0) continue;
            if (i >= n) revert ReserveInUnusedSlot(i, r);
            if (r >> RESERVE_BITS != 0) revert ReserveTooLarge(i, r);
            packed[i / 3] |= r << (RESERVE_BITS * (i % 3));
        }
    }

    /// @dev wA_i = floor(P * (WAD - h) * 1e16 / WAD), wL_i = ceil(P * (WAD + h) * 1e16 / WAD) from the
    ///      oracle's current price P (8 decimals) and maintenance haircut h (WAD) of each asset slot;
    ///      0 for unused slots. P <= 1e16 and h < WAD keep every product below 2^170.
    function _reserveWeights() private view returns (uint256[N_ASSETS] memory wA, uint256[N_ASSETS] memory wL) {
        uint256 n = assetCount;
        for (uint256 i; i < n; ++i) {
            uint256 p = oracle.price(i);
            if (p == 0) revert AssetUnpriced(i);
            (, uint256 h) = oracle.haircuts(i);
            wA[i] = (p * (WAD - h) * WEIGHT_SCALE) / WAD;
            wL[i] = (p * (WAD + h) * WEIGHT_SCALE + WAD - 1) / WAD;
        }
    }

    /// @dev Poseidon2(weightsHash(wA), weightsHash(wL)).
    function _hashReserveWeights(uint256[N_ASSETS] memory wA, uint256[N_ASSETS] memory wL)
        private
        view
        returns (uint256)
    {
        return poseidon2.poseidon([_hashWeights(wA), _hashWeights(wL)]);
    }

    /// @dev Poseidon4 of the four Poseidon4 group hashes (prover/src/encoding.ts `weightsHash`). Groups past
    ///      `assetCount` hold only zero weights: their hash is the constant `_zeroGroupHash`.
    function _hashWeights(uint256[N_ASSETS] memory w) private view returns (uint256) {
        uint256[4] memory groups;
        uint256 n = assetCount;
        for (uint256 g; g < 4; ++g) {
            groups[g] = g * 4 < n ? poseidon4.poseidon([w[4 * g], w[4 * g + 1], w[4 * g + 2], w[4 * g + 3]]) : _zeroGroupHash;
        }
        return poseidon4.poseidon(groups);
    }
}
