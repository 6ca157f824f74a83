// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IReserveRegistry
/// @notice Types, errors, events and external functions of the Plimsoll reserve registry: custodians
///         publish, per period, a Merkle root over their client accounts, the oracle epoch whose weights
///         every client must clear at maintenance, and their reserves per asset; anyone submits the batch
///         proofs and the final proof, and the period is marked verified only when all of them verify.
/// @dev Units: balances and reserves are token amounts normalised to 6 decimals (1e-6 token), assets
///      rounded down and liabilities rounded up by the prover. Weights are the value of 1e-6 token in
///      1e-30 USD: wA = floor(P * (WAD - h) * 1e16 / WAD), wL = ceil(P * (WAD + h) * 1e16 / WAD),
///      with P the oracle price (8 decimals) and h the maintenance haircut (WAD).
interface IReserveRegistry {
    /// @notice A Groth16 proof as the generated verifiers take it.
    struct Proof {
        uint256[2] a;
        uint256[2][2] b;
        uint256[2] c;
    }

    /// @notice One period of one custodian, as stored.
    struct Period {
        /// The oracle epoch whose prices and maintenance haircuts gave the weights (>= 1; 0: no such period).
        uint64 epoch;
        /// Number of client accounts (leaves) in the tree, in [1, 2^TREE_DEPTH].
        uint32 clientCount;
        /// Batches the period needs: ceil(clientCount / BATCH_SIZE).
        uint32 batchCount;
        /// Batches verified so far; the next batch to submit has this index.
        uint32 nextBatch;
        /// True once every batch and the final proof verified.
        bool verified;
        /// Poseidon2(weightsHash(wA), weightsHash(wL)) of the epoch (see `reserveWeightsHashOf`).
        uint256 weightsHash;
        /// Root of the Poseidon Merkle tree of client leaves.
        uint256 root;
        /// The state hash the last verified batch left (0 before the first batch).
        uint256 lastState;
        /// Reserves per asset slot (6 decimals), packed three per word at 84 bits, as the final proof takes them.
        uint256[6] packedReserves;
    }

    /// @notice Thrown when the oracle's current epoch is not the one the custodian proved against.
    error EpochMismatch(uint64 expected, uint64 current);
    /// @notice Thrown when the oracle has not closed an epoch yet.
    error NoOracleEpoch();
    /// @notice Thrown when asset `slot` has no price yet (its weights would be 0, so its liabilities free).
    error AssetUnpriced(uint256 slot);
    /// @notice Thrown when a root, a state or a reserve is not a BN254 field element.
    error NotAFieldElement(uint256 value);
    /// @notice Thrown when the client count is 0 or above the tree's capacity `max`.
    error InvalidClientCount(uint256 clientCount, uint256 max);
    /// @notice Thrown when the reserve of `slot` does not fit 84 bits.
    error ReserveTooLarge(uint256 slot, uint256 reserve);
    /// @notice Thrown when a reserve is given for `slot`, which is not an asset slot of the oracle.
    error ReserveInUnusedSlot(uint256 slot, uint256 reserve);
    /// @notice Thrown when the custodian has opened 2^32 periods (the period tag holds 32 bits).
    error TooManyPeriods();
    /// @notice Thrown when `custodian` has no period `periodIndex`.
    error UnknownPeriod(address custodian, uint64 periodIndex);
    /// @notice Thrown when the period is already verified.
    error PeriodAlreadyVerified(address custodian, uint64 periodIndex);
    /// @notice Thrown when a batch is submitted out of order: `given` is not the next batch `expected`
    ///         (a gap when above it, an overlap when below it).
    error BatchOutOfOrder(address custodian, uint64 periodIndex, uint256 expected, uint256 given);
    /// @notice Thrown when every batch of the period is already verified.
    error NoBatchLeft(address custodian, uint64 periodIndex, uint256 batchCount);
    /// @notice Thrown when a batch's input state is not the state the previous verified batch left.
    error StateMismatch(address custodian, uint64 periodIndex, uint256 expected, uint256 given);
    /// @notice Thrown when a batch proof does not verify against the period's state, weights and tag.
    error InvalidBatchProof(address custodian, uint64 periodIndex, uint256 batchIndex);
    /// @notice Thrown when `finalize` comes before every batch: `verified` of `required` batches so far.
    error BatchesMissing(address custodian, uint64 periodIndex, uint256 verified, uint256 required);
    /// @notice Thrown when the final proof does not verify against the period's last state, root, client
    ///         count and reserves.
    error InvalidFinalProof(address custodian, uint64 periodIndex);
    /// @notice Thrown by the constructor when an argument is out of range; `reason` names it.
    error InvalidConfig(string reason);

    /// @notice Emitted when the registry first derives the reserve weights of an oracle epoch.
    /// @param epoch The oracle epoch.
    /// @param assetWeights wA per slot (value of 1e-6 token after the haircut, 1e-30 USD, rounded down).
    /// @param liabilityWeights wL per slot (value of 1e-6 token plus the haircut, 1e-30 USD, rounded up).
    /// @param weightsHash Poseidon2(weightsHash(wA), weightsHash(wL)).
    event ReserveWeights(
        uint64 indexed epoch, uint256[16] assetWeights, uint256[16] liabilityWeights, uint256 weightsHash
    );
    /// @notice Emitted when a custodian opens a period.
    event PeriodOpened(
        address indexed custodian,
        uint64 indexed periodIndex,
        uint64 indexed epoch,
        uint256 root,
        uint256 clientCount,
        uint256 weightsHash,
        uint256[16] reserves
    );
    /// @notice Emitted when batch `batchIndex` of a period verifies.
    event BatchVerified(
        address indexed custodian,
        uint64 indexed periodIndex,
        uint256 indexed batchIndex,
        uint256 stateOut,
        address submitter
    );
    /// @notice Emitted when a period's final proof verifies: every client is in the tree, meets maintenance
    ///         margin at the epoch's weights, and the liabilities of each asset do not exceed its reserves.
    event PeriodVerified(address indexed custodian, uint64 indexed periodIndex, uint64 epoch, uint256 root);

    /// @notice Opens the caller's next period (index `periodCount(msg.sender)`).
    /// @dev Records the oracle's current epoch and the reserve weights of its prices and maintenance
    ///      haircuts. The batch and final proofs are bound to the returned index through the period tag,
    ///      so they can be made before this call (the index is predictable: only the caller opens its own
    ///      periods).
    /// @param epoch The oracle epoch the custodian proved (or will prove) against; must be the current one.
    /// @param root Root of the client tree (a field element).
    /// @param clientCount Number of clients in the tree, in [1, 2^TREE_DEPTH].
    /// @param reserves Reserves per asset slot, normalised to 6 decimals, each below 2^84; 0 for unused slots.
    /// @return periodIndex The new period's index.
    function openPeriod(uint64 epoch, uint256 root, uint256 clientCount, uint256[16] calldata reserves)
        external
        returns (uint64 periodIndex);

    /// @notice Verifies the next batch proof of a period. Anyone may submit: proofs are public and bound to
    ///         the custodian, the period, the batch index, the previous state and the weights.
    /// @dev For batch 0, `stateIn` is taken as given: the circuit proves it is the genesis state of the
    ///      period tag carried by the proof, so no other value verifies. For later batches it must be the
    ///      state the previous batch left.
    /// @param custodian The custodian that opened the period.
    /// @param periodIndex The period.
    /// @param batchIndex The batch; must be the period's `nextBatch`.
    /// @param stateIn The state the batch starts from (its first public signal).
    /// @param stateOut The state the batch leaves (its second public signal).
    /// @param proof The batch proof.
    function submitBatch(
        address custodian,
        uint64 periodIndex,
        uint256 batchIndex,
        uint256 stateIn,
        uint256 stateOut,
        Proof calldata proof
    ) external;

    /// @notice Verifies the final proof of a period and marks it verified. Anyone may submit.
    /// @param custodian The custodian that opened the period.
    /// @param periodIndex The period; every one of its batches must be verified.
    /// @param proof The final proof.
    function finalize(address custodian, uint64 periodIndex, Proof calldata proof) external;

    /// @notice Number of periods `custodian` has opened; also the index of its next period.
    /// @param custodian The custodian.
    /// @return The count.
    function periodCount(address custodian) external view returns (uint64);

    /// @notice A stored period.
    /// @param custodian The custodian.
    /// @param periodIndex The period.
    /// @return The period (reverts `UnknownPeriod` when absent).
    function period(address custodian, uint64 periodIndex) external view returns (Period memory);

    /// @notice The reserves a period published, per asset slot (6 decimals).
    /// @param custodian The custodian.
    /// @param periodIndex The period.
    /// @return The 16 reserves.
    function reservesOf(address custodian, uint64 periodIndex) external view returns (uint256[16] memory);

    /// @notice Whether a period is verified (false when absent).
    /// @param custodian The custodian.
    /// @param periodIndex The period.
    /// @return True when every batch and the final proof verified.
    function isVerified(address custodian, uint64 periodIndex) external view returns (bool);

    /// @notice The custodian's most recent verified period, for clients checking their inclusion.
    /// @param custodian The custodian.
    /// @return found False when no period of the custodian is verified.
    /// @return periodIndex The period (0 when none).
    function latestVerifiedPeriod(address custodian) external view returns (bool found, uint64 periodIndex);

    /// @notice The tag the proofs of a period carry: (uint160(custodian) << 32) | periodIndex.
    /// @param custodian The custodian.
    /// @param periodIndex The period (below 2^32).
    /// @return The tag.
    function periodTag(address custodian, uint64 periodIndex) external pure returns (uint256);

    /// @notice Batches a period of `clientCount` clients needs: ceil(clientCount / BATCH_SIZE).
    /// @param clientCount The number of clients.
    /// @return The batch count.
    function batchCountFor(uint256 clientCount) external view returns (uint256);

    /// @notice The reserve weights a period opened now would record (no state change; for provers).
    /// @return epoch The oracle's current epoch.
    /// @return assetWeights wA per slot.
    /// @return liabilityWeights wL per slot.
    /// @return weightsHash Poseidon2(weightsHash(wA), weightsHash(wL)).
    function currentReserveWeights()
        external
        view
        returns (uint64 epoch, uint256[16] memory assetWeights, uint256[16] memory liabilityWeights, uint256 weightsHash);

    /// @notice The reserve weights hash of an epoch, once a period opened in it (0 before).
    /// @param epoch The oracle epoch.
    /// @return The hash.
    function reserveWeightsHashOf(uint64 epoch) external view returns (uint256);
}
