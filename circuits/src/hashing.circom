pragma circom 2.1.6;

// Hashes shared bit for bit with prover/src/encoding.ts and the contracts:
// basket hash, account commitment, weight-vector hash. circomlib's
// poseidon.circom only (mixing in poseidon_old.circom clashes, see DESIGN.md).

include "circomlib/circuits/poseidon.circom";

// Number of bits of one basket amount: two amounts share one field element.
// Twin of AMOUNT_BITS in prover/src/constants.ts.
function AMOUNT_BITS() {
    return 96;
}

// BasketHash(N)
//
// Computes: out = Poseidon(N/2)(a0 + a1*2^96, a2 + a3*2^96, ...)
// (twin of basketHash() in prover/src/encoding.ts).
//
// Inputs:
//   amounts[N]  (private in every caller): token base units.
//               Bound (PRECONDITION): each < 2^96.
// Outputs:
//   out: the basket hash, a field element.
// Preconditions: the caller range-checks every amount to 96 bits. Without it
//   the packing a_{2k} + a_{2k+1}*2^96 is not injective (a0 + 2^96 and a1 - 1
//   give the same element) and the hash does not bind the basket.
// Cost: one Poseidon(N/2) (N/2 <= 16).
template BasketHash(N) {
    assert(N >= 2);
    assert(N % 2 == 0);
    assert(N / 2 <= 16);

    signal input amounts[N];
    signal output out;

    component h = Poseidon(N \ 2);
    for (var k = 0; k < N \ 2; k++) {
        h.inputs[k] <== amounts[2 * k] + amounts[2 * k + 1] * (1 << AMOUNT_BITS());
    }
    out <== h.out;
}

// AccountCommitment(N)
//
// Computes: out = Poseidon(3)(BasketHash(N)(amounts), blinding, owner)
// (twin of accountCommitment() in prover/src/encoding.ts).
//
// Inputs:
//   amounts[N]  (private): token base units. Bound (PRECONDITION): each < 2^96.
//   blinding    (private): uniformly random field element, hides the basket.
//   owner       (private): Ethereum address as an integer.
//               Bound (PRECONDITION): < 2^160.
// Outputs:
//   out: the account commitment C.
// Preconditions: the caller range-checks amounts (see BasketHash) and owner.
// Cost: one Poseidon(N/2) + one Poseidon(3).
template AccountCommitment(N) {
    signal input amounts[N];
    signal input blinding;
    signal input owner;
    signal output out;

    component basket = BasketHash(N);
    basket.amounts <== amounts;

    component h = Poseidon(3);
    h.inputs[0] <== basket.out;
    h.inputs[1] <== blinding;
    h.inputs[2] <== owner;
    out <== h.out;
}

// WeightsHash(N)
//
// Computes: out = Poseidon(N/4)(Poseidon(4)(w0..w3), ..., Poseidon(4)(w_{N-4}..w_{N-1}))
// (twin of weightsHash() in prover/src/encoding.ts and of the oracle's
// on-chain epoch hash).
//
// Inputs:
//   weights[N]  (private in every caller): value units per token base unit.
//               Not range-checked here: the hash is a binding commitment to
//               whatever the weights are. Callers that multiply by weights
//               must state where their bound comes from.
// Outputs:
//   out: the weight-vector hash.
// Cost: N/4 + 1 Poseidon(4)-or-smaller hashes.
template WeightsHash(N) {
    assert(N >= 4);
    assert(N % 4 == 0);
    assert(N / 4 <= 16);

    signal input weights[N];
    signal output out;

    component groups[N \ 4];
    component top = Poseidon(N \ 4);
    for (var g = 0; g < N \ 4; g++) {
        groups[g] = Poseidon(4);
        for (var j = 0; j < 4; j++) {
            groups[g].inputs[j] <== weights[4 * g + j];
        }
        top.inputs[g] <== groups[g].out;
    }
    out <== top.out;
}
