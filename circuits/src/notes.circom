pragma circom 2.1.6;

// Shielded notes: note commitment, owner key, nullifier, Merkle membership and
// the 2-in/2-out join-split. Twin of prover/src/notes/note.ts and
// prover/src/notes/tree.ts, bit for bit. circomlib's poseidon.circom only
// (poseidon_old.circom clashes, see DESIGN.md).
//
// Formats (all Poseidon is circomlib's, the same permutation as circomlibjs
// and poseidon-solidity):
//
//   ownerKey   = Poseidon(1)(spendingSecret)
//   value      = amount + slot * 2^96                  (amount < 2^96, slot < 16)
//   inner      = Poseidon(2)(ownerKey, blinding)
//   commitment = Poseidon(2)(value, inner)             (the tree leaf)
//   nullifier  = Poseidon(3)(spendingSecret, commitment, leafIndex)
//
// The commitment is split in two so that the pool can compute a shielded
// note's commitment on-chain from the public value and the depositor's
// `inner` with one Poseidon(2): the owner key and the blinding never appear
// on-chain. The tree is a fixed-depth quaternary Poseidon(4) Merkle tree of 12
// levels (4^12 = 2^24 leaves) whose empty leaves are 0 (zero subtrees: Z[0] = 0,
// Z[i+1] = Poseidon(4)(Z[i], Z[i], Z[i], Z[i])). Quaternary because a level
// costs Poseidon(4) (297) + 5 instead of two binary levels at 2 x (240 + 1):
// a membership path is 3,624 constraints instead of 5,784. The tree is never
// hashed on-chain (batches are proved), so its arity costs no gas.

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/poseidon.circom";
include "./hashing.circom";

// Tree levels (quaternary) and batch height (in levels: 16 leaves) of the
// shielded pool. Twins of NOTE_TREE_LEVELS and NOTE_BATCH_LEVELS in
// prover/src/notes/constants.ts and of the pool's constants. 4^12 = 2^24 leaf
// positions = 2^20 batches (one at least per note) x 16: even if every batch
// were flushed with one note, the tree holds 2^20 notes; packed batches hold
// 2^24 = 16.7M.
function NOTE_TREE_LEVELS() { return 12; }
function NOTE_BATCH_LEVELS() { return 2; }
// Bits of an asset slot (16 slots).
function NOTE_SLOT_BITS() { return 4; }
// Z[2]: root of an empty subtree of 2 levels (16 zero leaves). Checked against
// prover/src/notes/tree.ts by test/notes/circuits.test.ts.
function NOTE_ZERO_SUBTREE() { return 13867732332339151465497925642082178974038372652152621168903203076445231043372; }

// NoteOwner()
//
// Computes: ownerKey = Poseidon(1)(spendingSecret).
// Inputs:  spendingSecret (private): any field element, secret to the owner.
// Outputs: ownerKey: the spending public key notes are addressed to.
// Cost: one Poseidon(1).
template NoteOwner() {
    signal input spendingSecret;
    signal output ownerKey;
    ownerKey <== Poseidon(1)([spendingSecret]);
}

// NoteCommitment()
//
// Computes: commitment = Poseidon(2)(amount + slot * 2^96, Poseidon(2)(ownerKey, blinding)).
// Inputs (private in every caller):
//   slot      asset slot.        PRECONDITION: < 2^NOTE_SLOT_BITS (caller checks).
//   amount    token base units.  PRECONDITION: < 2^96 (caller checks), else the
//             packing is not injective.
//   ownerKey  the owner's spending public key (NoteOwner), any field element.
//   blinding  uniformly random field element, hides the note.
// Outputs: commitment (the leaf).
// Cost: two Poseidon(2).
template NoteCommitment() {
    signal input slot;
    signal input amount;
    signal input ownerKey;
    signal input blinding;
    signal output commitment;

    signal inner <== Poseidon(2)([ownerKey, blinding]);
    commitment <== Poseidon(2)([amount + slot * (1 << AMOUNT_BITS()), inner]);
}

// NoteNullifier()
//
// Computes: nullifier = Poseidon(3)(spendingSecret, commitment, leafIndex).
// Only the holder of the spending secret can compute it; it is unlinkable to
// the commitment without the secret; the leaf index makes two copies of one
// commitment at different positions two different notes.
// Inputs (private): spendingSecret, commitment, leafIndex (PRECONDITION: the
//   note's canonical position, < 4^levels, checked by the caller's Num2Bits).
// Cost: one Poseidon(3).
template NoteNullifier() {
    signal input spendingSecret;
    signal input commitment;
    signal input leafIndex;
    signal output nullifier;
    nullifier <== Poseidon(3)([spendingSecret, commitment, leafIndex]);
}

// QuadMerkleRoot(levels)
//
// Computes: the root of a quaternary Poseidon(4) tree from a node, its position
// digits (base 4, lowest level first, each given as two bits) and the four
// children of each level, bottom up: at level i the node is child number
// d_i = bits[2i] + 2 * bits[2i+1] of its parent, and the parent is
// Poseidon(4)(c_0, c_1, c_2, c_3) with c_{d_i} = the node and the other c_j =
// siblings[i][j] (siblings[i][d_i] is ignored).
// Inputs:
//   leaf                  (private): the node.
//   pathBits[2 * levels]  (private): PRECONDITION: each in {0, 1} (the caller
//                         gets them from Num2Bits of the index).
//   siblings[levels][4]   (private): field elements.
// Outputs: root.
// Cost: levels x (Poseidon(4) 297 + 5): one product for the digit's top
// indicator, one mux per child.
template QuadMerkleRoot(levels) {
    assert(levels >= 1);
    signal input leaf;
    signal input pathBits[2 * levels];
    signal input siblings[levels][4];
    signal output root;

    signal node[levels + 1];
    signal three[levels];          // digit == 3
    signal child[levels][4];
    node[0] <== leaf;
    for (var i = 0; i < levels; i++) {
        var b0 = pathBits[2 * i];
        var b1 = pathBits[2 * i + 1];
        three[i] <== b0 * b1;
        // one-hot digit indicators, linear in b0, b1 and three
        var is[4] = [1 - b0 - b1 + three[i], b0 - three[i], b1 - three[i], three[i]];
        for (var j = 0; j < 4; j++) {
            child[i][j] <== siblings[i][j] + is[j] * (node[i] - siblings[i][j]);
        }
        node[i + 1] <== Poseidon(4)(child[i]);
    }
    root <== node[levels];
}

// JoinSplit(levels)
//
// Proves: "I hold the spending secret of two notes (either may be a dummy of
// amount 0) of asset slot `slot`, each non-dummy one is a leaf of the tree
// whose root is `root`, `inputNullifier` are their nullifiers, and
// `outputCommitment` are two new notes of the same slot whose amounts plus the
// public amount equal the inputs' amounts."
//
//   in[0].amount + in[1].amount == out[0].amount + out[1].amount + publicAmount
//
// Public inputs (in this order in the main component):
//   root                 a recent root of the note tree (the pool checks its
//                        history). Bound by a square when both inputs are dummies.
//   publicValue          publicAmount + publicSlot * 2^96 < 2^100 (checked):
//                        0 for a private transfer (the slot stays private); for
//                        an unshield the amount paid out and its slot, which
//                        must be the notes' slot when publicAmount != 0.
//   extDataHash          keccak of the pool's external data (recipient,
//                        relayer, fee, encrypted outputs) reduced below p; bound
//                        by a square, the circuit does not read it.
//   inputNullifier[2]    nullifiers of the two inputs.
//   outputCommitment[2]  commitments of the two outputs (tree leaves).
// Private inputs:
//   slot                 asset slot of all four notes, < 16 (checked).
//   spendingSecret       the inputs' owner's secret (both inputs share it).
//   inAmount[2]          < 2^96 (checked); 0 marks a dummy input.
//   inBlinding[2]        field elements.
//   inLeafIndex[2]       < 4^levels (checked: Num2Bits gives the path digits).
//   inSiblings[2][levels][4]  each level's four children, bottom up (the
//                        node's own entry is ignored).
//   outAmount[2]         < 2^96 (checked).
//   outOwner[2]          recipients' owner keys, field elements.
//   outBlinding[2]       field elements.
// Soundness notes: every amount is below 2^96, so the balance equation (at most
// 2^98 on each side) cannot wrap p. A dummy input (amount 0) skips the root
// check through (computedRoot - root) * amount === 0 and adds nothing; its
// nullifier is still published, so it must be fresh (a random blinding). The
// pool rejects two equal nullifiers in one call and any nullifier spent before.
// Cost (12 levels, circom 2.2.3 --O2): see circuits/main/note_join_split.circom.
template JoinSplit(levels) {
    assert(levels >= 1);
    assert(levels <= 16);

    signal input root;
    signal input publicValue;
    signal input extDataHash;
    signal input inputNullifier[2];
    signal input outputCommitment[2];

    signal input slot;
    signal input spendingSecret;
    signal input inAmount[2];
    signal input inBlinding[2];
    signal input inLeafIndex[2];
    signal input inSiblings[2][levels][4];
    signal input outAmount[2];
    signal input outOwner[2];
    signal input outBlinding[2];

    // The slot, and the public value's split into amount (96 bits) and slot.
    _ <== Num2Bits(NOTE_SLOT_BITS())(slot);
    signal publicBits[AMOUNT_BITS() + NOTE_SLOT_BITS()] <== Num2Bits(AMOUNT_BITS() + NOTE_SLOT_BITS())(publicValue);
    var publicAmount = 0;
    for (var i = 0; i < AMOUNT_BITS(); i++) {
        publicAmount += publicBits[i] * (1 << i);
    }
    var publicSlot = 0;
    for (var i = 0; i < NOTE_SLOT_BITS(); i++) {
        publicSlot += publicBits[AMOUNT_BITS() + i] * (1 << i);
    }
    // A non-zero public amount is paid in the notes' slot.
    publicAmount * (publicSlot - slot) === 0;

    signal ownerKey <== NoteOwner()(spendingSecret);

    // Inputs.
    signal inCommitment[2];
    signal inBits[2][2 * levels];
    signal inRoot[2];
    signal inNullifier[2];
    for (var k = 0; k < 2; k++) {
        _ <== Num2Bits(AMOUNT_BITS())(inAmount[k]);
        inCommitment[k] <== NoteCommitment()(slot, inAmount[k], ownerKey, inBlinding[k]);
        inBits[k] <== Num2Bits(2 * levels)(inLeafIndex[k]);
        inRoot[k] <== QuadMerkleRoot(levels)(inCommitment[k], inBits[k], inSiblings[k]);
        // Membership, unless the input is a dummy of amount 0.
        (inRoot[k] - root) * inAmount[k] === 0;
        inNullifier[k] <== NoteNullifier()(spendingSecret, inCommitment[k], inLeafIndex[k]);
        inputNullifier[k] === inNullifier[k];
    }

    // Outputs.
    signal outCommitment[2];
    for (var k = 0; k < 2; k++) {
        _ <== Num2Bits(AMOUNT_BITS())(outAmount[k]);
        outCommitment[k] <== NoteCommitment()(slot, outAmount[k], outOwner[k], outBlinding[k]);
        outputCommitment[k] === outCommitment[k];
    }

    // Value is conserved.
    inAmount[0] + inAmount[1] === outAmount[0] + outAmount[1] + publicAmount;

    // Bind the inputs no other constraint may read (Groth16 would otherwise
    // accept any value for them).
    signal rootSquare <== root * root;
    signal extDataSquare <== extDataHash * extDataHash;
}
