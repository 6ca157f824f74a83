pragma circom 2.1.6;

// EXPERIMENT, not deployed and not built by `npm run build`: the insolvency statement with its seven
// public inputs hashed into one, the lever that would bring a liquidation's verification from seven
// public inputs (about 224k gas of precompiles) to one (about 187k). Measured by
// `node --import tsx scripts/benchInsolvencyHashed.ts` (README "Liquidation against the 340k target").
//
// InsolvencyHashed(N)
//
// Proves: Insolvency(N)'s statement (circuits/src/insolvency.circom) about the seven values
// commitment, weightsHash, statement, seized, remainderCommitment, restore, cap, which are private
// here, and that
//   inputsHash == uint256(sha256(abi.encode(commitment, weightsHash, statement, seized,
//                 remainderCommitment, restore, cap))) >> 3,
// the one public input, which a contract computes with the SHA-256 precompile (about 1k gas).
// SHA-256 because the EVM hashes it for almost nothing and it is the cheapest in-circuit hash of the
// ones the EVM has (keccak-f costs about five times as many constraints per block); Poseidon is cheap
// in the circuit but costs tens of thousands of gas on-chain for seven inputs.
//
// Inputs:
//   inputsHash (public): the top 253 bits of the SHA-256 digest (< 2^253 < p).
//   the seven values and Insolvency's private inputs (private): as in Insolvency(N).
// Cost: Insolvency(N) + 7 x Num2Bits(254) + Sha256(1792) (four compression blocks).
// Each value is decomposed on 254 bits, the top two of its 32-byte word being zero. A value below
// 2^254 - p has a second decomposition (itself plus p); its digest differs from the contract's,
// which hashes the canonical word, so the proof fails unless SHA-256 has a collision.

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/sha256/sha256.circom";
include "../src/insolvency.circom";

template InsolvencyHashed(N) {
    signal input inputsHash;

    signal input commitment;
    signal input weightsHash;
    signal input statement;
    signal input seized;
    signal input remainderCommitment;
    signal input restore;
    signal input cap;
    signal input owner;
    signal input blinding;
    signal input amounts[N];
    signal input weights[N];

    component ins = Insolvency(N);
    ins.commitment <== commitment;
    ins.weightsHash <== weightsHash;
    ins.statement <== statement;
    ins.seized <== seized;
    ins.remainderCommitment <== remainderCommitment;
    ins.restore <== restore;
    ins.cap <== cap;
    ins.owner <== owner;
    ins.blinding <== blinding;
    ins.amounts <== amounts;
    ins.weights <== weights;

    // abi.encode: seven 32-byte big-endian words; circomlib's Sha256 reads in[0] as the first
    // byte's most significant bit.
    var values[7] = [commitment, weightsHash, statement, seized, remainderCommitment, restore, cap];
    component bits[7];
    component sha = Sha256(7 * 256);
    for (var v = 0; v < 7; v++) {
        bits[v] = Num2Bits(254);
        bits[v].in <== values[v];
        for (var i = 0; i < 256; i++) {
            sha.in[v * 256 + i] <== i < 2 ? 0 : bits[v].out[255 - i];
        }
    }

    var h = 0;
    for (var i = 0; i < 253; i++) {
        h += sha.out[i] * (1 << (252 - i));
    }
    inputsHash === h;
}

component main {public [inputsHash]} = InsolvencyHashed(16);
