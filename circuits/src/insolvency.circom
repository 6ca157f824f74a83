pragma circom 2.1.6;

// The insolvency statement: a liquidator shows that an account's committed
// basket, valued at the epoch's maintenance weights, is strictly below the
// maintenance requirement, and fixes what it seizes and what remains.

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/poseidon.circom";
include "./range.circom";
include "./hashing.circom";
include "./account_update.circom";  // SlotSelector, ceilLog2, REQUIREMENT_BITS, WEIGHT_BITS, OWNER_BITS

// Twins of the constants of the same names in prover/src/liquidation/witness.ts.

// Domain of the remainder blinding: the ASCII bytes "plimsoll.liq" read as a
// big-endian integer (0x706c696d736f6c6c2e6c6971).
function LIQ_DOMAIN() { return 34793382956002819243800029553; }
// Packed `statement`: requirement (bits 0..149) | indexA << 150 | indexB << 154
// | liquidatorTag << 158, the tag being the low 95 bits of the liquidator's address.
function LIQ_INDEX_A_SHIFT() { return 150; }
function LIQ_INDEX_B_SHIFT() { return 154; }
function LIQ_TAG_SHIFT() { return 158; }
function LIQ_TAG_BITS() { return 95; }
function LIQ_STATEMENT_BITS() { return 253; }
// Packed `seized`: amountA (bits 0..95) | amountB << 96.
function SEIZED_BITS() { return 192; }
// Packed `restore`: target (bits 0..149) | deltaMagnitude << 150 | deltaSign << 246.
function RESTORE_DELTA_SHIFT() { return 150; }
function RESTORE_SIGN_SHIFT() { return 246; }
function RESTORE_BITS() { return 247; }

// UnpackInsolvencyStatement()
//
// Proves: statement < 2^253 and splits it as packInsolvencyStatement() in
// prover/src/liquidation/witness.ts packs it:
//   statement = requirement + indexA * 2^150 + indexB * 2^154 + liquidatorTag * 2^158.
//
// Inputs:
//   statement  (public in Insolvency): packed field element. Bound: < 2^253,
//              else no witness.
// Outputs (range-checked by construction, as sums of bits):
//   requirement: maintenance requirement in value units (1e-30 USD), < 2^150.
//   indexA:      first seized slot, < 2^4 (NOT checked against N here).
//   indexB:      second seized slot, < 2^4 (NOT checked against N here).
//   The liquidator tag (bits 158..252) has no output: it is bound by being part
//   of the public statement, and nothing else in the circuit uses it.
// Cost: 253 constraints.
template UnpackInsolvencyStatement() {
    signal input statement;
    signal output requirement;
    signal output indexA;
    signal output indexB;

    // 2^253 < p: the decomposition is unique.
    signal bits[LIQ_STATEMENT_BITS()] <== Num2Bits(LIQ_STATEMENT_BITS())(statement);

    var req = 0;
    for (var i = 0; i < REQUIREMENT_BITS(); i++) {
        req += bits[i] * (1 << i);
    }
    var a = 0;
    var b = 0;
    for (var i = 0; i < INDEX_BITS(); i++) {
        a += bits[LIQ_INDEX_A_SHIFT() + i] * (1 << i);
        b += bits[LIQ_INDEX_B_SHIFT() + i] * (1 << i);
    }
    requirement <== req;
    indexA <== a;
    indexB <== b;
}

// UnpackSeized()
//
// Proves: seized < 2^192 and splits it as packSeized() packs it:
//   seized = amountA + amountB * 2^96.
//
// Inputs:
//   seized  (public in Insolvency): packed field element. Bound: < 2^192,
//           else no witness.
// Outputs: amountA, amountB: token base units, each < 2^96 (by construction).
// Cost: 192 constraints.
template UnpackSeized() {
    signal input seized;
    signal output amountA;
    signal output amountB;

    signal bits[SEIZED_BITS()] <== Num2Bits(SEIZED_BITS())(seized);

    var a = 0;
    var b = 0;
    for (var i = 0; i < AMOUNT_BITS(); i++) {
        a += bits[i] * (1 << i);
        b += bits[AMOUNT_BITS() + i] * (1 << i);
    }
    amountA <== a;
    amountB <== b;
}

// UnpackRestore()
//
// Proves: restore < 2^247 and splits it as packRestore() in prover/src/liquidation/witness.ts packs it:
//   restore = target + deltaMagnitude * 2^150 + deltaSign * 2^246.
//
// Inputs:
//   restore  (public in Insolvency): packed field element. Bound: < 2^247, else no witness.
// Outputs (range-checked by construction, as sums of bits):
//   target:  the target requirement of what stays open, value units, < 2^150.
//   delta:   the signed change of slot indexB, deltaMagnitude * (1 - 2 * deltaSign), as a field
//            element; |delta| < 2^96.
//   deltaMagnitude: |delta| < 2^96 (for the same-slot rule).
// Cost: 247 constraints + 1 (the sign product).
template UnpackRestore() {
    signal input restore;
    signal output target;
    signal output delta;
    signal output deltaMagnitude;

    signal bits[RESTORE_BITS()] <== Num2Bits(RESTORE_BITS())(restore);

    var t = 0;
    for (var i = 0; i < REQUIREMENT_BITS(); i++) {
        t += bits[i] * (1 << i);
    }
    var m = 0;
    for (var i = 0; i < AMOUNT_BITS(); i++) {
        m += bits[RESTORE_DELTA_SHIFT() + i] * (1 << i);
    }
    target <== t;
    deltaMagnitude <== m;
    delta <== deltaMagnitude - 2 * bits[RESTORE_SIGN_SHIFT()] * deltaMagnitude;
}

// Insolvency(N)
//
// Proves: "I know the opening (amounts, blinding, owner) of `commitment`; its
// margin value under the weights committed in `weightsHash` is STRICTLY below
// `requirement`; seizing `amountA` from slot `indexA` and `amountB` from slot
// `indexB` leaves no slot negative; `remainderCommitment` commits, for the same
// owner, to what remains, under the blinding Poseidon(2)(blinding, LIQ_DOMAIN);
// after the public signed `delta` is added to slot `indexB`, what remains is worth at least
// `target` and strictly less than `cap` under the same weights; and the proof is made for the
// liquidator whose address ends in `liquidatorTag`."
//
// Concretely:
//   1. amounts[i] < 2^96 for every i, owner < 2^160;
//   2. commitment == Poseidon(3)(BasketHash(amounts), blinding, owner);
//   3. weightsHash == WeightsHash(N)(weights);
//   4. statement < 2^253 splits into (requirement, indexA, indexB, liquidatorTag);
//      sum(amounts[i] * weights[i]) < requirement;
//   5. seized < 2^192 splits into (amountA, amountB); indexA < N, indexB < N;
//      indexA == indexB implies amountB == 0; amounts[indexA] >= amountA and
//      amounts[indexB] >= amountB;
//      remainder[i] = amounts[i] - (i == indexA ? amountA : 0) - (i == indexB ? amountB - delta : 0);
//   6. remainderCommitment == AccountCommitment(remainder, Poseidon(2)(blinding, LIQ_DOMAIN), owner).
//   7. restore < 2^247 splits into (target, delta); indexA == indexB implies delta == 0;
//      0 <= amounts[indexB] - amountB + delta < 2^96;
//      target <= sum(remainder[i] * weights[i]) < cap.
//
// Seizure rule: at most two assets per liquidation, A and B. A liquidation of
// one asset uses amountB = 0 (indexB then does not matter; the prover uses 0).
// Two slots must differ: indexA == indexB with amountB > 0 has no witness, so
// that each seized amount is checked against its own slot's balance. How much
// may be seized (loss plus the oracle's bonus) is the contract's check on the
// public `seized`; this circuit only proves that it is there to seize.
//
// Partial liquidation (step 7): the contract closes part of the positions and passes the target
// requirement of what stays open (between maintenance and initial margin), the initial
// requirement of what stays open as `cap`, and as `delta` the closed part's realised PnL plus what
// the liquidator pays for the seized assets, in settlement-token units at slot indexB (the
// contract makes indexB the settlement slot when delta != 0). The remainder then clears the
// target (the account is restored) and stays below initial margin (the liquidator did not close
// or seize more than that needs). A full close and a frozen account's seizure pass target 0,
// delta 0 and cap 2^150 - 1.
//
// Public inputs (in this order in the main component):
//   commitment           the account's stored commitment (field element).
//   weightsHash          the current epoch's MAINTENANCE weights hash, read by
//                        the contract from the oracle (field element).
//   statement            requirement | indexA << 150 | indexB << 154
//                        | liquidatorTag << 158 (< 2^253): the requirement computed
//                        on-chain and the low 95 bits of msg.sender. The tag binds the
//                        proof to its liquidator: a copied transaction sent from
//                        another address gives another statement and fails, unless
//                        the copier found an address sharing 95 bits (2^95 work).
//   seized               amountA | amountB << 96 (< 2^192), token base units.
//   remainderCommitment  the commitment the contract stores after liquidation.
//   restore              target | deltaMagnitude << 150 | deltaSign << 246 (< 2^247).
//   cap                  the initial requirement of what stays open (< 2^150).
// Private inputs:
//   owner       the account owner's address, < 2^160 (checked).
//   blinding    blinding of `commitment`, any field element.
//   amounts[N]  the basket, token base units, each < 2^96 (checked).
//   weights[N]  the epoch's maintenance weights, value units (1e-30 USD) per
//               token base unit, each < 2^128 (NOT checked, see PRECONDITION).
// Outputs: none.
//
// The remainder blinding is derived from the old blinding, so the owner
// recomputes the remainder opening from its own opening and the public
// seized amounts, with no message from the liquidator or the keeper.
//
// PRECONDITION (weights): as in AccountUpdate, not range-checked here; bound to
//   weightsHash, which only the oracle produces, and the oracle keeps each
//   weight < 2^128. The contract MUST take weightsHash from the oracle's
//   current epoch (maintenance vector), never from calldata.
// PRECONDITION (public inputs): the verifier rejects public inputs >= p.
//
// Field-wrap bounds for step 4: value = sum(amounts[i] * weights[i])
// < N * 2^96 * 2^128 <= 2^228 (N = 16), requirement < 2^150. The check is
// RangeCheck(150)(requirement - 1 - value): if value < requirement the
// difference is in [0, 2^150 - 1); otherwise it is the field element
// p - (value + 1 - requirement) >= p - 2^228 > 2^150, which fails. 78
// constraints cheaper than comparing on 228 bits.
//
// Insolvency(16), main component, circom 2.2.3 --O2:
//   6,286 non-linear constraints, 0 linear, 6,298 wires,
//   7 public inputs, 34 private inputs, 0 outputs.
//   Range checks 2,483 + 378: amounts 16 x 96 = 1,536, owner 160, statement 253
//     (with the liquidator tag), seized 192, margin 150, two seized slots 2 x 96;
//     the restored remainder: target 228, cap 150.
//   Poseidon 3,048: 2 x Poseidon(8) basket hashes, 2 x Poseidon(3)
//     commitments, 5 x Poseidon(4) weight hash, Poseidon(2) remainder
//     blinding (237, one input constant).
//   Restore 247 + 1: its bits and the delta's sign.
//   Selection and value 113 + 16: two selectors 2 x 16, picks and seizures per
//     slot 4 x 16, products 16, same-slot rule 1; the remainder's products 16.
// Step 7 bounds: remainder[i] < 2^96 (slot A and B checked, the others unchanged), so the
// remainder's value is < 2^228 and `AssertGreaterEqThan(228)` compares it with target < 2^150;
// `cap - 1 - value'` is checked on 150 bits as in step 4 (cap is the contract's, < 2^150). The same-slot rule folds delta into
// step 5's: amountB + deltaMagnitude * 2^96 (< 2^192, no wrap) is 0 when the slots agree.
template Insolvency(N) {
    assert(N >= 4);
    assert(N % 4 == 0);                       // weights hashed in groups of 4
    assert(N <= (1 << INDEX_BITS()));         // every slot addressable by a 4-bit index
    var VALUE_BITS = AMOUNT_BITS() + WEIGHT_BITS() + ceilLog2(N);
    assert(VALUE_BITS <= 252);
    assert(VALUE_BITS + 1 < 253);              // p - 2^VALUE_BITS > 2^REQUIREMENT_BITS (see above)

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

    // 1. Amounts < 2^96 (injective packing, bounded products), owner < 2^160.
    RangeCheckArray(N, AMOUNT_BITS())(amounts);
    RangeCheck(OWNER_BITS())(owner);

    // 2. Opening of the stored commitment.
    signal storedCommitment <== AccountCommitment(N)(amounts, blinding, owner);
    storedCommitment === commitment;

    // 3. The weights are the epoch's maintenance weights.
    signal hashedWeights <== WeightsHash(N)(weights);
    hashedWeights === weightsHash;

    // 4. Margin value strictly below the requirement (bounds above).
    component st = UnpackInsolvencyStatement();
    st.statement <== statement;

    signal weighted[N];
    var value = 0;
    for (var i = 0; i < N; i++) {
        weighted[i] <== amounts[i] * weights[i];
        value += weighted[i];
    }
    RangeCheck(REQUIREMENT_BITS())(st.requirement - 1 - value);

    // 5. The seizure.
    component sz = UnpackSeized();
    sz.seized <== seized;

    component slotA = SlotSelector(N);
    slotA.index <== st.indexA;
    component slotB = SlotSelector(N);
    slotB.index <== st.indexB;

    component rs = UnpackRestore();
    rs.restore <== restore;

    // indexA == indexB implies amountB == 0 and delta == 0: moved = (indexA - indexB) * t
    // has a solution t exactly when the indices differ or moved is 0 (moved < 2^192: no wrap).
    signal moved <== sz.amountB + rs.deltaMagnitude * (1 << AMOUNT_BITS());
    signal sameSlotFactor <-- st.indexA != st.indexB ? moved / (st.indexA - st.indexB) : 0;
    moved === (st.indexA - st.indexB) * sameSlotFactor;

    signal pickedA[N];                        // amounts[indexA] at indexA, 0 elsewhere
    signal pickedB[N];                        // amounts[indexB] at indexB, 0 elsewhere
    signal takenA[N];                         // amountA at indexA, 0 elsewhere
    signal takenB[N];                         // amountB at indexB, 0 elsewhere
    signal remainder[N];
    var heldA = 0;
    var heldB = 0;
    for (var i = 0; i < N; i++) {
        pickedA[i] <== slotA.out[i] * amounts[i];
        pickedB[i] <== slotB.out[i] * amounts[i];
        takenA[i] <== slotA.out[i] * sz.amountA;
        takenB[i] <== slotB.out[i] * (sz.amountB - rs.delta);
        remainder[i] <== amounts[i] - takenA[i] - takenB[i];
        heldA += pickedA[i];
        heldB += pickedB[i];
    }
    // amounts[indexA] - amountA >= 0 and amounts[indexB] - amountB >= 0: both
    // sides < 2^96, so a negative difference is p - k with k < 2^96 and fails.
    // With distinct slots these are the two changed remainders; with one slot,
    // amountB is 0 and the first is. Every other slot is unchanged.
    // Slot B with the delta: 0 <= amounts[indexB] - amountB + delta < 2^96 (a negative result is
    // p - k with k < 2^97 and fails).
    RangeCheck(AMOUNT_BITS())(heldA - sz.amountA);
    RangeCheck(AMOUNT_BITS())(heldB - sz.amountB + rs.delta);

    // 6. The remainder commitment, with the derived blinding.
    signal remainderBlinding <== Poseidon(2)([blinding, LIQ_DOMAIN()]);
    signal remainderHash <== AccountCommitment(N)(remainder, remainderBlinding, owner);
    remainderHash === remainderCommitment;

    // 7. What remains clears the target and stays below the cap (bounds above; cap needs no range
    // check of its own: cap - 1 - after in [0, 2^150) with after < 2^228 makes cap an integer in
    // [after + 1, after + 2^150], below p, so after < cap as integers).
    signal restored[N];
    var after = 0;
    for (var i = 0; i < N; i++) {
        restored[i] <== remainder[i] * weights[i];
        after += restored[i];
    }
    AssertGreaterEqThan(VALUE_BITS)([after, rs.target]);
    RangeCheck(REQUIREMENT_BITS())(cap - 1 - after);

}
