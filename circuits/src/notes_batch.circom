pragma circom 2.1.6;

// Batched insertion into the note tree. Twin of batchChain(), insertBatch()
// in prover/src/notes/tree.ts.

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/poseidon.circom";
include "./notes.circom";

// BatchInsert(levels, batchLevels)
//
// Proves: "the quaternary tree whose root is `oldRoot` is empty at the aligned
// subtree of `batchLevels` levels number `batchIndex`; writing there the first
// `count` leaves of this batch (count in [1, B], B = 4^batchLevels, the rest
// zero) gives `newRoot`; and
// `chain` is the pool's hash chain over exactly those leaves:
//
//   c_0 = batchIndex,  c_{i+1} = Poseidon(2)(c_i, leaf_i) for i < count,
//   chain = c_count."
//
// The chain is what the pool computes on-chain as notes are queued (one
// Poseidon(2) each), so the batch is exactly the queued leaves, in order, at
// the right position. batchIndex and count are private: under collision
// resistance the chain value determines (batchIndex, count, leaves). The pool
// fixes oldRoot (its current root) and chain (the next batch's), and takes
// newRoot from the caller.
//
// Public inputs (in this order in the main component):
//   oldRoot   the pool's current root.
//   newRoot   the root after the insertion.
//   chain     the queued batch's hash chain.
// Private inputs:
//   batchIndex          < 4^(levels - batchLevels) (checked: its bits are the path).
//   active[B]           active[i] = 1 iff i < count: booleans, active[0] = 1,
//                       non-increasing (checked).
//   leaves[B]           the batch's leaves; inactive ones must be 0 (checked).
//   siblings[levels - batchLevels][4]  children along the subtree's path,
//                       bottom up (QuadMerkleRoot).
// Capacity: a partial batch (a flush) pads with zero leaves, which are never
// spendable (0 is not a Poseidon output anyone can open); the slots are lost.
// Cost (12 levels, batches of 2 levels, --O2): see
// circuits/main/note_batch_insert.circom.
template BatchInsert(levels, batchLevels) {
    assert(batchLevels >= 1);
    assert(levels > batchLevels);
    assert(batchLevels == NOTE_BATCH_LEVELS());   // NOTE_ZERO_SUBTREE() is Z[2]
    var B = 1 << (2 * batchLevels);
    var H = levels - batchLevels;

    signal input oldRoot;
    signal input newRoot;
    signal input chain;

    signal input batchIndex;
    signal input active[B];
    signal input leaves[B];
    signal input siblings[H][4];

    // Which leaves are real.
    active[0] === 1;
    for (var i = 0; i < B; i++) {
        active[i] * (active[i] - 1) === 0;
        leaves[i] * (1 - active[i]) === 0;
        if (i + 1 < B) {
            active[i + 1] * (1 - active[i]) === 0;
        }
    }

    // The hash chain over the active leaves, seeded with the batch index.
    signal c[B + 1];
    signal step[B];
    c[0] <== batchIndex;
    for (var i = 0; i < B; i++) {
        step[i] <== Poseidon(2)([c[i], leaves[i]]);
        c[i + 1] <== c[i] + active[i] * (step[i] - c[i]);
    }
    chain === c[B];

    // The subtree of the batch's leaves: nodes laid out level after level;
    // the children of node B + j are 4j .. 4j + 3 (j < (B - 1) / 3).
    var NODES = (B - 1) \ 3;
    signal tree[B + NODES];
    for (var i = 0; i < B; i++) {
        tree[i] <== leaves[i];
    }
    for (var j = 0; j < NODES; j++) {
        tree[B + j] <== Poseidon(4)([tree[4 * j], tree[4 * j + 1], tree[4 * j + 2], tree[4 * j + 3]]);
    }
    signal subtreeRoot <== tree[B + NODES - 1];

    // Old root: the empty subtree at that position; new root: the batch.
    signal bits[2 * H] <== Num2Bits(2 * H)(batchIndex);
    signal emptyPathRoot <== QuadMerkleRoot(H)(NOTE_ZERO_SUBTREE(), bits, siblings);
    signal batchPathRoot <== QuadMerkleRoot(H)(subtreeRoot, bits, siblings);
    oldRoot === emptyPathRoot;
    newRoot === batchPathRoot;
}
