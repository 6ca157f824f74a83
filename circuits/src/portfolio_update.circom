pragma circom 2.1.6;

// The portfolio-margin account update: the plain account update (same opening,
// delta, commitments and keeper note) whose margin check is a scenario test.
// The scenario grid of one epoch and margin type is two weight vectors bound
// to public hashes: the down weights (the epoch's weights, weightsHash) and
// the up weights (upHash), both published by the oracle in poke(). Twins:
// prover/src/portfolio.ts (grid, family, floors, packing) and
// contracts/engine/PortfolioMargin.sol (floors, packing).

include "./account_update.circom";

function SCENARIOS() { return 8; }
function FLOOR_BITS() { return 62; }          // one floor, in FLOOR_UNIT
function FLOORS_PER_INPUT() { return 4; }     // 4 x 62 = 248 bits per public input
function FLOOR_UNIT() { return 10 ** 24; }    // value units (1e-30 USD) per floor unit: 1e-6 USD

// The fixed family of joint moves: 1 if slot i moves up in scenario s, 0 if it
// moves down (every slot moves in every scenario). s = 0: all down; s = 1: all
// up; s = 2 + 2b: slots with bit b of their index set up, the others down;
// s = 3 + 2b: the mirror (b = 0, 1, 2). Up masks over slots 15..0: 0x0000,
// 0xFFFF, 0xAAAA, 0x5555, 0xCCCC, 0x3333, 0xF0F0, 0x0F0F. Twin of
// SCENARIO_UP_MASKS in prover/src/portfolio.ts and PortfolioMargin.UP_MASKS.
function scenarioUp(s, i) {
    if (s == 0) {
        return 0;
    }
    if (s == 1) {
        return 1;
    }
    var bit = (i >> ((s - 2) \ 2)) & 1;
    if ((s - 2) % 2 == 1) {
        return 1 - bit;
    }
    return bit;
}

// UnpackFloors()
//
// Proves: packed < 2^248 and splits it into four 62-bit floors,
//   packed = floor[0] + floor[1] * 2^62 + floor[2] * 2^124 + floor[3] * 2^186.
// Inputs:
//   packed  (public in PortfolioUpdateWithKeeper): packed by the contract
//           (PortfolioMargin.packFloors). Bound: < 2^248, else no witness.
// Outputs: floor[4], each < 2^62 by construction (a sum of bits).
// Cost: 248 constraints (one Num2Bits(248); the rest is linear).
template UnpackFloors() {
    signal input packed;
    signal output floor[FLOORS_PER_INPUT()];

    // 2^248 < p: the decomposition is unique.
    component bits = Num2Bits(FLOORS_PER_INPUT() * FLOOR_BITS());
    bits.in <== packed;
    for (var k = 0; k < FLOORS_PER_INPUT(); k++) {
        var f = 0;
        for (var b = 0; b < FLOOR_BITS(); b++) {
            f += bits.out[k * FLOOR_BITS() + b] * (1 << b);
        }
        floor[k] <== f;
    }
}

// PortfolioUpdateWithKeeper(N, S)
//
// Proves: everything AccountUpdateWithKeeper(N, 0) proves (opening, public
// delta, new commitment, keeper encryption and binding; the statement's
// requirement field is checked against the down-weighted value, and the
// contract packs 0 there), and, for the new basket new[] and every scenario
// s < S:
//     V_s = sum_i new[i] * (scenarioUp(s, i) ? up[i] : down[i])
//        >= floor[s] * FLOOR_UNIT,
// where down[] are the weights bound to weightsHash, up[] the weights bound to
// upHash (WeightsHash(N) of each), and floor[] the floors unpacked from
// floorsLo (scenarios 0..3) and floorsHi (scenarios 4..7).
//
// Public inputs, in order: oldCommitment, newCommitment, weightsHash,
// statement, challenge, binding (as AccountUpdateWithKeeper), upHash,
// floorsLo, floorsHi.
// Private inputs: as AccountUpdateWithKeeper, plus upWeights[N] (value units
// per base unit, each < 2^128, NOT checked: see PRECONDITION).
//
// PRECONDITION (up weights): as for the down weights (AccountUpdate), bound to
//   the public upHash that only the oracle produces; the oracle reverts
//   (WeightOverflow) before publishing an up weight >= 2^128. The contract MUST
//   take upHash from the oracle's epoch, never from calldata.
//
// Field-wrap bounds: new[i] < 2^96 (old amounts range-checked, changed slot
// range-checked), weights < 2^128, 16 terms: V_s < 2^228 < p.
// floor[s] * FLOOR_UNIT < 2^62 * 2^80 = 2^142 < 2^228. AssertGreaterEqThan(228)
// is sound (bits <= 252): a V_s below its floor makes the difference p - k with
// k < 2^228, which is not below 2^228.
//
// Cost (circom 2.2.3 --O2, N = 16, S = 8): see circuits/main/account_update_portfolio.circom.
//   Beyond AccountUpdateWithKeeper(16, 1) (= the plain 9,171 minus nothing):
//   up-weight hash 5 x Poseidon(4), products 2 x 16, floors 2 x 248,
//   comparisons 8 x 228.
template PortfolioUpdateWithKeeper(N, S) {
    assert(S == SCENARIOS());
    assert(N == 16);                         // the family is defined on 16 slots (index bits 0..2)
    var VALUE_BITS = AMOUNT_BITS() + WEIGHT_BITS() + ceilLog2(N);

    signal input oldCommitment;
    signal input newCommitment;
    signal input weightsHash;
    signal input statement;
    signal input challenge;
    signal input binding;
    signal input upHash;
    signal input floorsLo;
    signal input floorsHi;

    signal input owner;
    signal input oldBlinding;
    signal input newBlinding;
    signal input amounts[N];
    signal input weights[N];
    signal input upWeights[N];
    signal input keeperKey[2];
    signal input nonce;

    // The plain update, with no private change: new = amounts + public delta.
    component core = AccountUpdateWithKeeper(N, 1);
    core.oldCommitment <== oldCommitment;
    core.newCommitment <== newCommitment;
    core.weightsHash <== weightsHash;
    core.statement <== statement;
    core.challenge <== challenge;
    core.binding <== binding;
    core.owner <== owner;
    core.oldBlinding <== oldBlinding;
    core.newBlinding <== newBlinding;
    core.amounts <== amounts;
    core.weights <== weights;
    core.keeperKey <== keeperKey;
    core.nonce <== nonce;
    for (var i = 0; i < N; i++) {
        core.extra[i] <== 0;
    }

    // The up weights are the epoch's (see PRECONDITION).
    component uh = WeightsHash(N);
    uh.weights <== upWeights;
    uh.out === upHash;

    signal down[N];
    signal up[N];
    for (var i = 0; i < N; i++) {
        down[i] <== core.newAmounts[i] * weights[i];
        up[i] <== core.newAmounts[i] * upWeights[i];
    }

    component lo = UnpackFloors();
    lo.packed <== floorsLo;
    component hi = UnpackFloors();
    hi.packed <== floorsHi;

    component clears[S];
    for (var s = 0; s < S; s++) {
        var v = 0;
        for (var i = 0; i < N; i++) {
            if (scenarioUp(s, i) == 1) {
                v += up[i];
            } else {
                v += down[i];
            }
        }
        clears[s] = AssertGreaterEqThan(VALUE_BITS);
        clears[s].in[0] <== v;
        if (s < FLOORS_PER_INPUT()) {
            clears[s].in[1] <== lo.floor[s] * FLOOR_UNIT();
        } else {
            clears[s].in[1] <== hi.floor[s - FLOORS_PER_INPUT()] * FLOOR_UNIT();
        }
    }
}
