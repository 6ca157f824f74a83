pragma circom 2.1.6;

// One client of a reserves period: its leaf hash and its health at the
// oracle's maintenance weights. Twin of prover/src/reserves/leaf.ts.

include "circomlib/circuits/poseidon.circom";
include "./range.circom";

// Bits of one normalised balance (1e-6 token units). Twin of BALANCE_BITS in
// prover/src/reserves/constants.ts.
function RESERVES_BALANCE_BITS() {
    return 64;
}

// Bits of one reserve weight (1e-30 USD per normalised unit). Twin of
// RESERVE_WEIGHT_BITS; guaranteed by the weight formula, not checked here.
function RESERVES_WEIGHT_BITS() {
    return 110;
}

// Bits of a client id hash: sha256(utf8(id)) >> 8. Twin of ID_HASH_BITS.
function RESERVES_ID_HASH_BITS() {
    return 248;
}

// ceil(log2(n)) for n >= 1 (compile time).
function RESERVES_CEIL_LOG2(n) {
    var r = 0;
    var x = 1;
    while (x < n) {
        x = x * 2;
        r++;
    }
    return r;
}

// Number of field elements the 2N balances pack into, three per element.
function RESERVES_PACKED_BALANCES(N) {
    return (2 * N + 2) \ 3;
}

// ReservesLeafHash(N)
//
// Computes: out = Poseidon(M + 2)(idHash, salt, q_0, ..., q_{M-1}), M = ceil(2N/3),
// where v = assets[0..N-1] ++ liabilities[0..N-1] and
// q_k = v[3k] + v[3k+1] * 2^64 + v[3k+2] * 2^128 (terms past v[2N-1] omitted).
// N = 16: Poseidon(13), q_10 = v30 + v31 * 2^64.
// (Twin of leafHash() in prover/src/reserves/leaf.ts.)
//
// Inputs:
//   idHash          (private): sha256(utf8(id)) >> 8, < 2^248 (the caller's ordering check bounds it).
//   salt            (private): random field element, hides the balances.
//   assets[N]       (private): normalised units. PRECONDITION: each < 2^64.
//   liabilities[N]  (private): normalised units. PRECONDITION: each < 2^64.
// Outputs:
//   out: the leaf hash.
// Preconditions: the caller range-checks every balance to 64 bits; without it
//   the packing is not injective (v0 + 2^64 and v1 - 1 collide).
// Cost: one Poseidon(M + 2) (543 constraints for N = 16).
template ReservesLeafHash(N) {
    var M = RESERVES_PACKED_BALANCES(N);
    assert(N >= 1);
    assert(M + 2 <= 16);

    signal input idHash;
    signal input salt;
    signal input assets[N];
    signal input liabilities[N];
    signal output out;

    var v[2 * N];
    for (var i = 0; i < N; i++) {
        v[i] = assets[i];
        v[N + i] = liabilities[i];
    }

    component h = Poseidon(M + 2);
    h.inputs[0] <== idHash;
    h.inputs[1] <== salt;
    for (var k = 0; k < M; k++) {
        var q = 0;
        for (var m = 0; m < 3; m++) {
            if (3 * k + m < 2 * N) {
                q += v[3 * k + m] * (1 << (RESERVES_BALANCE_BITS() * m));
            }
        }
        h.inputs[2 + k] <== q;
    }
    out <== h.out;
}

// ReservesHealth(N)
//
// Proves: sum_i assets[i] * assetWeights[i] >= sum_i liabilities[i] * liabilityWeights[i],
// i.e. the client's haircut collateral covers its liabilities plus their
// maintenance add-on, both in 1e-30 USD.
//
// Inputs:
//   assets[N], liabilities[N]  (private): normalised units.
//                   PRECONDITION: each < 2^64 (range-checked by the caller).
//   assetWeights[N], liabilityWeights[N]  (private): 1e-30 USD per normalised unit.
//                   PRECONDITION: each < 2^110 (the caller binds them to the
//                   oracle-derived public hash; see ReservesBatch).
// Outputs: none.
// Bound: each side < N * 2^64 * 2^110 <= 2^(174 + ceil(log2 N)) (2^178 for N = 16),
//   far below p, so neither sum wraps and AssertGreaterEqThan(178) is sound.
// Cost: 2N products + 174 + ceil(log2 N).
template ReservesHealth(N) {
    var BITS = RESERVES_BALANCE_BITS() + RESERVES_WEIGHT_BITS() + RESERVES_CEIL_LOG2(N);
    assert(N >= 1);
    assert(BITS <= 252);

    signal input assets[N];
    signal input liabilities[N];
    signal input assetWeights[N];
    signal input liabilityWeights[N];

    signal collateral[N];
    signal owed[N];
    var collateralSum = 0;
    var owedSum = 0;
    for (var i = 0; i < N; i++) {
        collateral[i] <== assets[i] * assetWeights[i];
        owed[i] <== liabilities[i] * liabilityWeights[i];
        collateralSum += collateral[i];
        owedSum += owed[i];
    }
    AssertGreaterEqThan(BITS)([collateralSum, owedSum]);
}
