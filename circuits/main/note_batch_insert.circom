pragma circom 2.1.6;

// Shielded pool batch insertion: 16 queued notes (or a padded partial batch)
// into the note tree (12 quaternary levels). Statement and signals: BatchInsert in
// circuits/src/notes_batch.circom.
// circom 2.2.3 (npm circom2) --O2: 11,444 non-linear constraints, 3 public
// inputs (phase-1 power 14):
//   old and new root paths, 2 x 10 levels x (Poseidon(4) + 5)     6,040
//   hash chain, 16 x (Poseidon(2) + select)                        3,856
//   subtree of 16 leaves, 5 x Poseidon(4)                          1,485
//   active flags and zero padding                                    ~45
//   batch index bits                                                  20
// (A binary Poseidon(2) tree of depth 24 was measured at 17,159.)

include "../src/notes_batch.circom";

component main {public [oldRoot, newRoot, chain]} = BatchInsert(12, 2);
