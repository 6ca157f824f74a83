pragma circom 2.1.6;

// Proof of reserves for a custodian (DESIGN.md section 3, "Reserves"): the
// batch statement, chained batch by batch over the client tree, and the
// finalize statement that ties the last state to the published root, client
// count and per-asset reserves. Twin of prover/src/reserves/state.ts and
// witness.ts; the formats are described in circuits/README.md ("Reserves").

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "./range.circom";
include "./hashing.circom";
include "./reserves_leaf.circom";
include "./reserves_tree.circom";

// Bits of periodTag = (uint160(custodian) << 32) | periodIndex. Twin of PERIOD_TAG_BITS.
function RESERVES_PERIOD_TAG_BITS() {
    return 192;
}

// Bits of the low field of tagIndex (batchIndex) and tagCount (clientCount). Twin of INDEX_BITS.
function RESERVES_INDEX_BITS() {
    return 32;
}

// Bits of one per-asset reserve in normalised units (and of a per-asset client
// sum: 2^TREE_DEPTH clients of < 2^64 each). Twin of SUM_BITS.
function RESERVES_SUM_BITS() {
    return 84;
}

// ReservesSumsHash(N)
//
// Computes: out = Poseidon(2)(Poseidon(N)(assetSums), Poseidon(N)(liabilitySums)).
// (Twin of sumsHash() in prover/src/reserves/state.ts.)
// Inputs: assetSums[N], liabilitySums[N] (private): running per-asset totals. Not range-checked.
// Cost: 2 Poseidon(N) + 1 Poseidon(2).
template ReservesSumsHash(N) {
    assert(N >= 1);
    assert(N <= 16);

    signal input assetSums[N];
    signal input liabilitySums[N];
    signal output out;

    signal a <== Poseidon(N)(assetSums);
    signal l <== Poseidon(N)(liabilitySums);
    out <== Poseidon(2)([a, l]);
}

// ReservesStateHash()
//
// Computes: out = Poseidon(6)(periodTag, count, lastIdHash, sumsHash, frontierHash, root).
// (Twin of stateHash() in prover/src/reserves/state.ts.)
// Cost: 1 Poseidon(6).
template ReservesStateHash() {
    signal input periodTag;
    signal input count;
    signal input lastIdHash;
    signal input sumsHash;
    signal input frontierHash;
    signal input root;
    signal output out;

    out <== Poseidon(6)([periodTag, count, lastIdHash, sumsHash, frontierHash, root]);
}

// ReservesBatch(B, N, DEPTH)
//
// Proves: "stateOut is stateIn with B more leaves appended to the client tree:
// the leaves at positions batchIndex*B .. batchIndex*B + B - 1. Every real
// leaf is a client with balances in [0, 2^64), whose id hash is above every id
// hash before it, and who is healthy at the weights hashed in
// reserveWeightsHash; real leaves come first, then padding leaves (hash 0,
// zero balances). The running per-asset sums, the client count, the last id
// hash, the frontier and the root are updated accordingly."
//
// State tuple: (periodTag, count, lastIdHash, sumsHash, frontierHash, root),
// stateHash = Poseidon(6)(tuple); sumsHash = ReservesSumsHash(assetSums,
// liabilitySums); frontierHash = Poseidon(F)(frontier), F = DEPTH - log2(B),
// frontier[k] is the incremental-Merkle left node of level log2(B) + k.
// Genesis (count 0): lastIdHash 0, sums 0, frontier[k] = Z_{log2(B)+k}, root 0.
//
// Public inputs (in this order):
//   stateIn             hash of the state before this batch.
//   stateOut            hash of the state after it.
//   reserveWeightsHash  Poseidon(2)(WeightsHash(assetWeights), WeightsHash(liabilityWeights));
//                       computed by the verifier from the oracle's epoch, never taken from calldata.
//   tagIndex            periodTag * 2^32 + batchIndex, periodTag < 2^192 and
//                       batchIndex < 2^F (checked: the tree has 2^F batch slots).
// Private inputs:
//   periodTag, lastIdHashIn, rootIn              the state-in tuple (count is batchIndex * B,
//                                                sumsHash and frontierHash are recomputed)
//   assetSumsIn[N], liabilitySumsIn[N], frontierIn[F]
//   idHash[B], salt[B], assets[B][N], liabilities[B][N], isReal[B]   the leaves
//   assetWeights[N], liabilityWeights[N]         1e-30 USD per normalised unit
//
// It proves, in order:
//   1. periodTag < 2^192 and batchIndex = tagIndex - periodTag * 2^32 < 2^F (so
//      the split of tagIndex is the integer one);
//   2. stateIn == stateHash(periodTag, batchIndex * B, lastIdHashIn, sumsHash(in),
//      frontierHash(in), rootIn): a batch can only follow the state that holds
//      exactly batchIndex * B clients (no gap, no overlap);
//   3. if batchIndex == 0 the tuple is the genesis;
//   4. reserveWeightsHash opens to the weights;
//   5. per leaf j: isReal[j] boolean and isReal[j] <= isReal[j-1]; every
//      balance < 2^64; healthy (ReservesHealth); if padding, zero balances and
//      leaf hash 0; if real, idHash[j] - prev - 1 in [0, 2^248) where prev is
//      idHash[j-1] (or lastIdHashIn for j = 0), and leaf hash ReservesLeafHash;
//   6. the new last id hash (that of the last real leaf, else lastIdHashIn) is
//      < 2^248. With lastIdHashIn < 2^248 and the gaps of step 5, the real id
//      hashes are lastIdHashIn + sum(1 + gap), integers below (B + 1) * 2^248
//      <= 33 * 2^248 < p (B <= 32 asserted below; p > 48 * 2^248) (no wrap), so this single check bounds all of them below 2^248 and
//      makes them strictly increasing integers: no client appears twice;
//   7. subtree root of the B leaf hashes, appended at batchIndex
//      (FrontierAppend over levels log2(B) .. DEPTH-1): new frontier and root;
//   8. stateOut == stateHash(periodTag, batchIndex * B + #real, lastIdHashOut,
//      sumsHash(sums + balances), frontierHash(new frontier), new root).
//
// Preconditions (the verifier's side):
//   - stateIn of batch k > 0 is the stateOut of the verified batch k - 1 of the
//     same period (this carries lastIdHash < 2^248, sums < 2^(64 + DEPTH) and
//     the frontier invariant from batch to batch; batch 0 starts at the genesis
//     by step 3);
//   - reserveWeightsHash is computed from the oracle's epoch, whose weights are
//     below 2^110 (prices <= 1e16, haircuts < 1): the weights are not
//     range-checked here, only bound to that hash;
//   - public inputs are below p (snarkjs verifiers reject others).
// All four public inputs enter constraints (no squaring needed).
template ReservesBatch(B, N, DEPTH) {
    var L = RESERVES_LOG2(B);
    var F = DEPTH - L;
    var BAL = RESERVES_BALANCE_BITS();
    var ID = RESERVES_ID_HASH_BITS();
    assert(L >= 1);
    assert(B <= 32); // step 6: (B + 1) * 2^248 < p
    assert(F >= 1);
    assert(F <= 16);
    assert(F <= RESERVES_INDEX_BITS());
    assert(N >= 4);
    assert(N % 4 == 0);
    assert(N <= 16);

    signal input stateIn;
    signal input stateOut;
    signal input reserveWeightsHash;
    signal input tagIndex;

    signal input periodTag;
    signal input lastIdHashIn;
    signal input rootIn;
    signal input assetSumsIn[N];
    signal input liabilitySumsIn[N];
    signal input frontierIn[F];

    signal input idHash[B];
    signal input salt[B];
    signal input assets[B][N];
    signal input liabilities[B][N];
    signal input isReal[B];

    signal input assetWeights[N];
    signal input liabilityWeights[N];

    // 1. tagIndex = periodTag * 2^32 + batchIndex.
    RangeCheck(RESERVES_PERIOD_TAG_BITS())(periodTag);
    signal batchIndex <== tagIndex - periodTag * (1 << RESERVES_INDEX_BITS());
    signal indexBits[F] <== Num2Bits(F)(batchIndex);

    // 2. Open stateIn; its count is batchIndex * B.
    signal sumsHashIn <== ReservesSumsHash(N)(assetSumsIn, liabilitySumsIn);
    signal frontierHashIn <== Poseidon(F)(frontierIn);
    signal stateInHash <== ReservesStateHash()(periodTag, batchIndex * B, lastIdHashIn, sumsHashIn, frontierHashIn, rootIn);
    stateInHash === stateIn;

    // 3. The first batch starts from the genesis.
    signal isFirst <== IsZero()(batchIndex);
    isFirst * lastIdHashIn === 0;
    isFirst * rootIn === 0;
    for (var i = 0; i < N; i++) {
        isFirst * assetSumsIn[i] === 0;
        isFirst * liabilitySumsIn[i] === 0;
    }
    for (var k = 0; k < F; k++) {
        isFirst * (frontierIn[k] - RESERVES_ZERO_HASH(L + k)) === 0;
    }

    // 4. The weights are the epoch's.
    signal assetWeightsHash <== WeightsHash(N)(assetWeights);
    signal liabilityWeightsHash <== WeightsHash(N)(liabilityWeights);
    signal weightsHashOut <== Poseidon(2)([assetWeightsHash, liabilityWeightsHash]);
    weightsHashOut === reserveWeightsHash;

    // 5. The leaves.
    signal gap[B];
    signal leafHash[B];
    signal leafHashRaw[B];
    for (var j = 0; j < B; j++) {
        // Boolean, and real leaves first.
        isReal[j] * (isReal[j] - 1) === 0;
        if (j > 0) {
            isReal[j] * (1 - isReal[j - 1]) === 0;
        }

        // Every balance < 2^64: a "negative" p - x fails here.
        RangeCheckArray(N, BAL)(assets[j]);
        RangeCheckArray(N, BAL)(liabilities[j]);

        // Healthy at maintenance (padding: 0 >= 0).
        ReservesHealth(N)(assets[j], liabilities[j], assetWeights, liabilityWeights);

        // Padding balances are zero: their sum (< 2N * 2^64, no wrap) is.
        var total = 0;
        for (var i = 0; i < N; i++) {
            total += assets[j][i] + liabilities[j][i];
        }
        (1 - isReal[j]) * total === 0;

        // Strictly increasing id hashes over real leaves (bound: step 6).
        var prev = j == 0 ? lastIdHashIn : idHash[j - 1];
        gap[j] <== isReal[j] * (idHash[j] - prev - 1);
        RangeCheck(ID)(gap[j]);

        // Leaf hash, 0 for padding.
        leafHashRaw[j] <== ReservesLeafHash(N)(idHash[j], salt[j], assets[j], liabilities[j]);
        leafHash[j] <== isReal[j] * leafHashRaw[j];
    }

    // 6. The last real id hash, < 2^248. last[j] = isReal[j] - isReal[j+1] is one-hot at
    //    the last real leaf (all zero if there is none).
    signal keepLast <== (1 - isReal[0]) * lastIdHashIn;
    signal lastTerm[B];
    var lastIdHashOut = keepLast;
    for (var j = 0; j < B; j++) {
        var next = j + 1 < B ? isReal[j + 1] : 0;
        lastTerm[j] <== (isReal[j] - next) * idHash[j];
        lastIdHashOut += lastTerm[j];
    }
    RangeCheck(ID)(lastIdHashOut);

    // 7. Append the batch subtree at batchIndex.
    signal subtreeRoot <== MerkleSubtreeRoot(B)(leafHash);
    component append = FrontierAppend(L, F);
    append.subtreeRoot <== subtreeRoot;
    append.indexBits <== indexBits;
    append.frontierIn <== frontierIn;

    // 8. The new state.
    var countOut = batchIndex * B;
    for (var j = 0; j < B; j++) {
        countOut += isReal[j];
    }
    signal assetSumsOut[N];
    signal liabilitySumsOut[N];
    for (var i = 0; i < N; i++) {
        var a = assetSumsIn[i];
        var l = liabilitySumsIn[i];
        for (var j = 0; j < B; j++) {
            a += assets[j][i];
            l += liabilities[j][i];
        }
        assetSumsOut[i] <== a;
        liabilitySumsOut[i] <== l;
    }
    signal sumsHashOut <== ReservesSumsHash(N)(assetSumsOut, liabilitySumsOut);
    signal frontierHashOut <== Poseidon(F)(append.frontierOut);
    signal stateOutHash <== ReservesStateHash()(periodTag, countOut, lastIdHashOut, sumsHashOut, frontierHashOut, append.root);
    stateOutHash === stateOut;
}

// ReservesFinalize(N)
//
// Proves: "stateFinal is the state of period periodTag with clientCount
// clients and tree root `root`, and for every asset the clients' net balance
// (asset sum minus liability sum) does not exceed the published reserve:
// assetSums[i] <= reserveAmounts[i] + liabilitySums[i]" (when liabilities
// exceed assets the check holds trivially; no subtraction is ever made).
//
// Public inputs (in this order):
//   stateFinal   hash of the last batch's stateOut.
//   root         the published client-tree root (must be the tuple's root).
//   tagCount     periodTag * 2^32 + clientCount (periodTag < 2^192, clientCount < 2^32, checked).
//   reserves[P]  P = ceil(N/3): reserves packed three per element,
//                r[3k] + r[3k+1] * 2^84 + r[3k+2] * 2^168 (N = 16: reserves[5] = r[15]).
// Private inputs:
//   periodTag, lastIdHash, frontierHash     the rest of the final tuple
//   assetSums[N], liabilitySums[N]          per-asset client totals, normalised units
//   reserveAmounts[N]                       per-asset reserves, normalised units
//
// Every sum and reserve is range-checked to 84 bits (the reserves for the
// packing to be injective, the sums as defence in depth: the batch chain
// already bounds them by 2^(64 + DEPTH)), so both sides of each comparison are
// below 2^85 and AssertGreaterEqThan(85) is sound.
// Precondition (verifier): stateFinal is the stateOut of the period's last
// verified batch. All public inputs enter constraints.
template ReservesFinalize(N) {
    var P = (N + 2) \ 3;
    var S = RESERVES_SUM_BITS();
    assert(N >= 1);
    assert(N <= 16);

    signal input stateFinal;
    signal input root;
    signal input tagCount;
    signal input reserves[P];

    signal input periodTag;
    signal input lastIdHash;
    signal input frontierHash;
    signal input assetSums[N];
    signal input liabilitySums[N];
    signal input reserveAmounts[N];

    // tagCount = periodTag * 2^32 + clientCount.
    RangeCheck(RESERVES_PERIOD_TAG_BITS())(periodTag);
    signal clientCount <== tagCount - periodTag * (1 << RESERVES_INDEX_BITS());
    RangeCheck(RESERVES_INDEX_BITS())(clientCount);

    RangeCheckArray(N, S)(assetSums);
    RangeCheckArray(N, S)(liabilitySums);
    RangeCheckArray(N, S)(reserveAmounts);

    // The public reserves are the packing of reserveAmounts.
    for (var k = 0; k < P; k++) {
        var packed = 0;
        for (var m = 0; m < 3; m++) {
            if (3 * k + m < N) {
                packed += reserveAmounts[3 * k + m] * (1 << (S * m));
            }
        }
        reserves[k] === packed;
    }

    // Open stateFinal.
    signal sumsHash <== ReservesSumsHash(N)(assetSums, liabilitySums);
    signal stateHash <== ReservesStateHash()(periodTag, clientCount, lastIdHash, sumsHash, frontierHash, root);
    stateHash === stateFinal;

    // Net client balances are covered: assetSums[i] <= reserveAmounts[i] + liabilitySums[i].
    for (var i = 0; i < N; i++) {
        AssertGreaterEqThan(S + 1)([reserveAmounts[i] + liabilitySums[i], assetSums[i]]);
    }
}
