pragma circom 2.1.6;

// Accounts absorb and emit shielded notes (issue 8): an account update whose
// basket change is a note at a PRIVATE slot and amount, instead of a public
// delta. The margin check and the keeper encryption are exactly the plain
// update's (AccountUpdateWithKeeper(N, 1) is the same template the plain main
// uses with PRIVATE = 0); only the source of the change differs.
//
// The engine packs the statement with a zero delta for both (requirement 0
// for an absorb, as a deposit; initial margin for an emit, as a withdrawal),
// so the only basket change is the private one.

include "./account_update.circom";
include "./notes.circom";

// PrivateSlotChange(N, NEGATE)
//
// Computes: the one-hot selector of `slot` and the basket change vector
// extra[i] = (i == slot ? amount : 0), negated when NEGATE = 1.
// Proves: slot < N (SlotSelector) and amount < 2^96.
// Inputs (private): slot, amount.
// Outputs: selector[N], extra[N].
// Cost: N (selector) + 96 (range) + N (products).
template PrivateSlotChange(N, NEGATE) {
    assert(NEGATE == 0 || NEGATE == 1);
    signal input slot;
    signal input amount;
    signal output selector[N];
    signal output extra[N];

    RangeCheck(AMOUNT_BITS())(amount);
    selector <== SlotSelector(N)(slot);
    signal moved[N];
    for (var i = 0; i < N; i++) {
        moved[i] <== selector[i] * amount;
        extra[i] <== NEGATE == 1 ? -moved[i] : moved[i];
    }
}

// SelectedRange(N)
//
// Proves: the entry of values[] that the one-hot `selector` picks is < 2^96
// (with a negative change, that it is not negative: a field element near p
// fails). This is AccountUpdate's PRECONDITION on `extra` for the one slot a
// PrivateSlotChange touches.
// Inputs: selector[N] (PRECONDITION: one-hot, from SlotSelector), values[N].
// Cost: N + 96.
template SelectedRange(N) {
    signal input selector[N];
    signal input values[N];
    signal picked[N];
    var total = 0;
    for (var i = 0; i < N; i++) {
        picked[i] <== selector[i] * values[i];
        total += picked[i];
    }
    RangeCheck(AMOUNT_BITS())(total);
}

// AccountNoteUpdate(N, levels, EMIT)
//
// Proves: everything AccountUpdateWithKeeper(N) proves for the account
// (opening of oldCommitment, new commitment, margin under the epoch's weights,
// the new opening encrypted to the keeper), where the new basket is the old
// one plus the public delta (0, as the engine packs it) plus (absorb, EMIT = 0)
// or minus (emit, EMIT = 1) a note's amount at the note's private slot, and
// that the changed slot's new amount is in [0, 2^96) (an emit beyond the
// basket wraps near p and fails). The note's slot and amount are private; one
// signal feeds both the note commitment and the slot the basket changes at,
// so a note cannot land in (or leave from) another slot than its own.
//
// Absorb (EMIT = 0) also proves:
//   1. the note opens as NoteCommitment(slot, amount, Poseidon(secret), blinding),
//      amount < 2^96, slot < N;
//   2. it is the leaf at leafIndex (< 4^levels) of the tree whose root is
//      `root` (the pool checks the root is in its history);
//   3. nullifier == Poseidon(secret, commitment, leafIndex), the pool's
//      nullifier of that note (the pool marks it spent: no second absorb and
//      no join-split of the same note).
//   A replay for another account fails: oldCommitment is the stored
//   commitment of the sending account and opens to its owner.
// Emit (EMIT = 1) also proves:
//   1. noteCommitment == NoteCommitment(slot, amount, recipient, blinding),
//      amount < 2^96, slot < N;
//   2. the margin check runs on the basket without the note, against the
//      initial-margin requirement the engine packs into the statement.
//
// Public inputs, in order: oldCommitment, newCommitment, weightsHash,
// statement, challenge, binding (as AccountUpdateWithKeeper), then root and
// nullifier (absorb) or noteCommitment (emit).
// Private: AccountUpdateWithKeeper's, plus noteSlot, noteAmount, noteBlinding,
// and noteLeafIndex, noteSiblings[levels][4], spendingSecret (absorb) or
// noteRecipient, the recipient's owner key (emit).
// Cost: see circuits/main/account_absorb.circom and account_emit.circom.
template AccountNoteUpdate(N, levels, EMIT) {
    assert(EMIT == 0 || EMIT == 1);

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

    signal input noteSlot;
    signal input noteAmount;
    signal input noteBlinding;

    component change = PrivateSlotChange(N, EMIT);
    change.slot <== noteSlot;
    change.amount <== noteAmount;

    component u = AccountUpdateWithKeeper(N, 1);
    u.oldCommitment <== oldCommitment;
    u.newCommitment <== newCommitment;
    u.weightsHash <== weightsHash;
    u.statement <== statement;
    u.challenge <== challenge;
    u.binding <== binding;
    u.owner <== owner;
    u.oldBlinding <== oldBlinding;
    u.newBlinding <== newBlinding;
    u.amounts <== amounts;
    u.weights <== weights;
    u.keeperKey <== keeperKey;
    u.nonce <== nonce;
    u.extra <== change.extra;

    SelectedRange(N)(change.selector, u.newAmounts);

    if (EMIT == 0) {
        signal input root;
        signal input nullifier;
        signal input noteLeafIndex;
        signal input noteSiblings[levels][4];
        signal input spendingSecret;

        signal ownerKey <== NoteOwner()(spendingSecret);
        signal commitment <== NoteCommitment()(noteSlot, noteAmount, ownerKey, noteBlinding);
        signal pathBits[2 * levels] <== Num2Bits(2 * levels)(noteLeafIndex);
        signal computedRoot <== QuadMerkleRoot(levels)(commitment, pathBits, noteSiblings);
        computedRoot === root;
        signal computedNullifier <== NoteNullifier()(spendingSecret, commitment, noteLeafIndex);
        computedNullifier === nullifier;
    } else {
        signal input noteCommitment;
        signal input noteRecipient;

        signal commitment <== NoteCommitment()(noteSlot, noteAmount, noteRecipient, noteBlinding);
        commitment === noteCommitment;
    }
}
