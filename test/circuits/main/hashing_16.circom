pragma circom 2.1.6;

// Test-only: exposes BasketHash(16), AccountCommitment(16) and WeightsHash(16)
// as outputs so tests can compare them with prover/src/encoding.ts.
include "../../../circuits/src/hashing.circom";

template Hashes(N) {
    signal input amounts[N];
    signal input blinding;
    signal input owner;
    signal input weights[N];
    signal output basketHash;
    signal output commitment;
    signal output weightsHash;

    basketHash <== BasketHash(N)(amounts);
    commitment <== AccountCommitment(N)(amounts, blinding, owner);
    weightsHash <== WeightsHash(N)(weights);
}

component main = Hashes(16);
