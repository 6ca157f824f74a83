pragma circom 2.1.6;

// The account-update statement: a trader moves one basket slot by a public
// delta and shows that the resulting basket still clears a public margin
// requirement under one oracle epoch's weights.

include "circomlib/circuits/bitify.circom";
include "./range.circom";
include "./hashing.circom";
include "./encryption.circom";

// Bit layout of the packed public `statement` (LSB first). Twins of
// STATEMENT_LAYOUT / REQUIREMENT_BITS / WEIGHT_BITS in prover/src/constants.ts.
function REQUIREMENT_BITS() { return 150; }  // bits 0..149
function MAGNITUDE_SHIFT() { return 150; }   // bits 150..245 (AMOUNT_BITS = 96)
function SIGN_SHIFT() { return 246; }        // bit 246
function INDEX_SHIFT() { return 247; }       // bits 247..250
function INDEX_BITS() { return 4; }
function STATEMENT_BITS() { return 251; }
function WEIGHT_BITS() { return 128; }
function OWNER_BITS() { return 160; }

// Smallest k with 2^k >= n (n >= 1).
function ceilLog2(n) {
    var k = 0;
    while ((1 << k) < n) {
        k++;
    }
    return k;
}

// UnpackStatement()
//
// Proves: statement < 2^251 and splits it exactly as packStatement() in
// prover/src/encoding.ts packs it:
//   statement = requirement + magnitude * 2^150 + sign * 2^246 + index * 2^247.
//
// Inputs:
//   statement  (public in AccountUpdate): packed field element. Bound: < 2^251,
//              else no witness.
// Outputs (each range-checked by construction, as a sum of bits):
//   requirement: margin requirement in value units (1e-30 USD), < 2^150.
//   magnitude:   |delta| in token base units, < 2^96.
//   sign:        1 if the delta is a withdrawal (negative), else 0.
//   index:       slot the delta applies to, < 2^4 (NOT checked against N here).
// Cost: 251 constraints (one Num2Bits(251); the rest is linear).
template UnpackStatement() {
    signal input statement;
    signal output requirement;
    signal output magnitude;
    signal output sign;
    signal output index;

    // 2^251 < p: the decomposition is unique, so each field below is exactly
    // what the contract packed.
    component bits = Num2Bits(STATEMENT_BITS());
    bits.in <== statement;

    var req = 0;
    for (var i = 0; i < REQUIREMENT_BITS(); i++) {
        req += bits.out[i] * (1 << i);
    }
    var mag = 0;
    for (var i = 0; i < AMOUNT_BITS(); i++) {
        mag += bits.out[MAGNITUDE_SHIFT() + i] * (1 << i);
    }
    var idx = 0;
    for (var i = 0; i < INDEX_BITS(); i++) {
        idx += bits.out[INDEX_SHIFT() + i] * (1 << i);
    }

    requirement <== req;
    magnitude <== mag;
    sign <== bits.out[SIGN_SHIFT()];
    index <== idx;
}

// SlotSelector(N)
//
// Proves: index < N, and out is the one-hot vector of index
// (out[i] = 1 if i == index, else 0).
//
// Inputs:
//   index  (any visibility): slot number. Bound: < N, else no witness.
// Outputs:
//   out[N]: one-hot selector.
// Cost: N constraints.
//
// Construction: out[i] * (index - i) === 0 forces out[i] = 0 for every
// i != index; sum(out) === 1 then forces out[index] = 1, and fails when index
// is not in [0, N) (all out[i] are 0). No separate boolean check is needed.
template SlotSelector(N) {
    assert(N >= 1);

    signal input index;
    signal output out[N];

    var total = 0;
    for (var i = 0; i < N; i++) {
        out[i] <-- index == i ? 1 : 0;
        out[i] * (index - i) === 0;
        total += out[i];
    }
    total === 1;
}

// AccountUpdate(N)
//
// Proves: "I know the opening (amounts, oldBlinding, owner) of oldCommitment.
// newCommitment opens, under newBlinding and the same owner, to the same basket
// with `delta` applied to slot `index`; no amount is negative or >= 2^96; and
// the new basket's margin value under the weights committed in weightsHash is
// at least `requirement`."
//
// Concretely:
//   1. amounts[i] < 2^96 for every i, owner < 2^160;
//   2. oldCommitment == Poseidon(3)(BasketHash(amounts), oldBlinding, owner);
//   3. statement < 2^251 splits into (requirement, magnitude, sign, index) as
//      packStatement(); index < N; d = sign ? -magnitude : magnitude;
//      new[i] = amounts[i] + (i == index ? d : 0) + extra[i]; 0 <= new[index] < 2^96;
//   4. newCommitment == Poseidon(3)(BasketHash(new), newBlinding, owner);
//   5. weightsHash == WeightsHash(N)(weights);
//   6. sum(new[i] * weights[i]) >= requirement.
//
// Public inputs (in this order in the main component):
//   oldCommitment  account commitment stored on-chain (field element).
//   newCommitment  commitment to store after the update (field element).
//   weightsHash    the epoch's weight-vector hash, read by the contract from
//                  the oracle (field element).
//   statement      requirement | magnitude << 150 | sign << 246 | index << 247
//                  (< 2^251), packed by the contract; see UnpackStatement.
// Private inputs:
//   owner        Ethereum address of the account owner, < 2^160 (checked).
//   oldBlinding  blinding of oldCommitment, any field element.
//   newBlinding  blinding of newCommitment, any field element (fresh random).
//   amounts[N]   old basket, token base units, each < 2^96 (checked).
//   weights[N]   the epoch's weights, value units (1e-30 USD) per token base
//                unit, each < 2^128 (NOT checked, see PRECONDITION).
//   extra[N]     a private change of the basket, added to the public delta:
//                0 in a plain update (AccountUpdateWithKeeper(N, 0) constrains
//                it so); a note absorbed or emitted at a private slot in
//                circuits/src/account_notes.circom (see PRECONDITION).
// Outputs: newAmounts[N], the new basket (range-checked only at `index`).
//
// PRECONDITION (extra): the caller range-checks new[i] (< 2^96) at every slot
//   where extra[i] may be non-zero. This template checks it at `index` only;
//   elsewhere new[i] = amounts[i] is already checked when extra[i] = 0.
//
// PRECONDITION (weights): the weights are NOT range-checked in the circuit.
//   They are bound to the public weightsHash, which only the oracle produces,
//   and the oracle guarantees each weight < 2^128 (MAX_PRICE and
//   MAX_TOKEN_DECIMALS in prover/src/constants.ts). The contract MUST take
//   weightsHash from the oracle's epoch, never from calldata. Finding other
//   weights with the same hash means breaking Poseidon.
// PRECONDITION (public inputs): the verifier contract rejects public inputs
//   that are not below p (snarkjs verifiers do).
//
// Field-wrap bounds for step 6 (with the PRECONDITION on extra): new[i] < 2^96 and weights[i] < 2^128, so
// value = sum(new[i] * weights[i]) <= N * (2^96 - 1) * (2^128 - 1)
// < 2^(224 + ceilLog2(N)) = 2^228 for N = 16, far below p (> 2^253): no term or
// partial sum wraps. requirement < 2^150 < 2^228. AssertGreaterEqThan(228) is
// sound for bits <= 252.
//
// AccountUpdate(16), main component, circom 2.2.3 --O2:
//   5,147 non-linear constraints, 0 linear, 5,163 wires,
//   4 public inputs, 35 private inputs, 0 outputs.
//   Range checks 2,271: old amounts 16 x 96 = 1,536, owner 160, statement 251,
//     changed slot 96, margin comparison 228.
//   Poseidon 2,811: 2 x Poseidon(8) basket hashes, 2 x Poseidon(3)
//     commitments, 5 x Poseidon(4) weight hash.
//   Delta and value 65: selector 16, sign 1, change 16, pick 16, products 16.
template AccountUpdate(N) {
    assert(N >= 4);
    assert(N % 4 == 0);                       // weights hashed in groups of 4 (implies N even for the basket pairs)
    assert(N <= (1 << INDEX_BITS()));         // every slot must be addressable by the 4-bit index
    var VALUE_BITS = AMOUNT_BITS() + WEIGHT_BITS() + ceilLog2(N);
    assert(VALUE_BITS <= 252);

    signal input oldCommitment;
    signal input newCommitment;
    signal input weightsHash;
    signal input statement;

    signal input owner;
    signal input oldBlinding;
    signal input newBlinding;
    signal input amounts[N];
    signal input weights[N];
    signal input extra[N];

    // The new basket (for an enclosing circuit that encrypts it; range-checked below).
    signal output newAmounts[N];

    // 1. Old amounts < 2^96 (makes the two-per-element packing injective and
    //    bounds the products in step 6). Owner < 2^160 (an Ethereum address).
    RangeCheckArray(N, AMOUNT_BITS())(amounts);
    RangeCheck(OWNER_BITS())(owner);

    // 2. Opening of the old commitment.
    component oldC = AccountCommitment(N);
    oldC.amounts <== amounts;
    oldC.blinding <== oldBlinding;
    oldC.owner <== owner;
    oldC.out === oldCommitment;

    // 3. The delta. magnitude < 2^96 and sign in {0, 1} by construction.
    component st = UnpackStatement();
    st.statement <== statement;

    signal negative <== st.sign * st.magnitude;
    var delta = st.magnitude - 2 * negative;  // = sign ? -magnitude : magnitude (in the field)

    component slot = SlotSelector(N);
    slot.index <== st.index;

    signal change[N];                         // d at the selected slot, 0 elsewhere
    signal picked[N];                         // new amount at the selected slot, 0 elsewhere
    var newAtIndex = 0;
    for (var i = 0; i < N; i++) {
        change[i] <== slot.out[i] * delta;
        newAmounts[i] <== amounts[i] + change[i] + extra[i];
        picked[i] <== slot.out[i] * newAmounts[i];
        newAtIndex += picked[i];
    }
    // The publicly changed slot: 0 <= new < 2^96. A withdrawal beyond the
    // balance gives a field element near p and fails; so does a deposit
    // reaching 2^96. Every other slot equals its old, already range-checked,
    // amount plus `extra` (which the caller range-checks, see PRECONDITION).
    RangeCheck(AMOUNT_BITS())(newAtIndex);

    // 4. The new commitment: same owner, fresh blinding.
    component newC = AccountCommitment(N);
    newC.amounts <== newAmounts;
    newC.blinding <== newBlinding;
    newC.owner <== owner;
    newC.out === newCommitment;

    // 5. The weights are the epoch's (see PRECONDITION for their bound).
    component wh = WeightsHash(N);
    wh.weights <== weights;
    wh.out === weightsHash;

    // 6. Margin value of the new basket >= requirement.
    //    new[i] < 2^96, weights[i] < 2^128: value < 2^VALUE_BITS (2^228 for N = 16).
    signal weighted[N];
    var value = 0;
    for (var i = 0; i < N; i++) {
        weighted[i] <== newAmounts[i] * weights[i];
        value += weighted[i];
    }
    AssertGreaterEqThan(VALUE_BITS)([value, st.requirement]);
}

// AccountUpdateWithKeeper(N)
//
// Proves: everything AccountUpdate(N) proves, and that the new opening (the new
// amounts and the new blinding) is encrypted to the keeper key the engine stores
// for the account, with the ciphertext the engine receives in calldata and emits:
// KeeperEncryption derives the ephemeral scalar from the new blinding, so the
// ciphertext is a deterministic function of the opening committed in
// newCommitment, the keeper key and the nonce; LinearBind ties the vector
// v = [ciphertext[0..8], ephemeralKey.x, ephemeralKey.y, keeperKey.x,
// keeperKey.y, nonce] to the engine's copy through the challenge r it derives by
// keccak from that copy and newCommitment, and the evaluation e it computes:
// e = sum_i v[i] * r^(i+1). A garbage ciphertext cannot pass.
//
// Public inputs, in order: oldCommitment, newCommitment, weightsHash, statement
// (as AccountUpdate), challenge (r, < 2^128 as the engine makes it), binding (e).
// Private: as AccountUpdate, plus keeperKey[2] (a point of the prime-order
// subgroup: the keeper registry checks it at registration; the circuit checks it
// is on the curve and not of x = 0) and nonce (< 2^64: the engine uses the epoch).
//
// PRIVATE = 0 (the plain update, circuits/main/account_update.circom): the
// basket changes by the public delta only (extra = 0). PRIVATE = 1 (for the
// note circuits of circuits/src/account_notes.circom): the template also takes
// `extra[N]`, a private change of the basket that the enclosing circuit
// computes and range-checks (AccountUpdate's PRECONDITION), and outputs the new
// basket. Never a main component with PRIVATE = 1: the new basket would be a
// public output.
//
// Cost (circom 2.2.3 --O2, N = 16): see the header of circuits/main/account_update.circom.
template AccountUpdateWithKeeper(N, PRIVATE) {
    assert(N == CIPHER_SLOTS());
    assert(PRIVATE == 0 || PRIVATE == 1);

    signal input oldCommitment;
    signal input newCommitment;
    signal input weightsHash;
    signal input statement;
    signal input challenge;
    signal input binding;

    signal input owner;
    signal input oldBlinding;
    signal input newBlinding;
    signal input amounts[N];
    signal input weights[N];
    signal input keeperKey[2];
    signal input nonce;

    component update = AccountUpdate(N);
    update.oldCommitment <== oldCommitment;
    update.newCommitment <== newCommitment;
    update.weightsHash <== weightsHash;
    update.statement <== statement;
    update.owner <== owner;
    update.oldBlinding <== oldBlinding;
    update.newBlinding <== newBlinding;
    update.amounts <== amounts;
    update.weights <== weights;
    if (PRIVATE == 1) {
        signal input extra[N];
        signal output newAmounts[N];
        update.extra <== extra;
        newAmounts <== update.newAmounts;
    } else {
        for (var i = 0; i < N; i++) {
            update.extra[i] <== 0;
        }
    }

    component enc = KeeperEncryption();
    enc.amounts <== update.newAmounts;
    enc.blinding <== newBlinding;
    enc.keeperKey <== keeperKey;
    enc.nonce <== nonce;

    var L = CIPHER_LENGTH();
    component bind = LinearBind(L + 5);
    for (var i = 0; i < L; i++) {
        bind.values[i] <== enc.ciphertext[i];
    }
    bind.values[L] <== enc.ephemeralKey[0];
    bind.values[L + 1] <== enc.ephemeralKey[1];
    bind.values[L + 2] <== keeperKey[0];
    bind.values[L + 3] <== keeperKey[1];
    bind.values[L + 4] <== nonce;
    bind.r <== challenge;
    bind.e <== binding;
}
