pragma circom 2.1.6;

// Shielded pool join-split (2 inputs, 2 outputs) on the note tree (12 quaternary levels, 2^24 leaves):
// transfers (publicValue = 0) and unshields (publicValue = amount + slot * 2^96).
// Statement and signals: JoinSplit in circuits/src/notes.circom.
// circom 2.2.3 (npm circom2) --O2: 10,444 non-linear constraints, 7 public
// inputs (phase-1 power 14):
//   membership, 2 x 12 levels x (Poseidon(4) 297 + 5 muxes)     7,248
//   4 note commitments, 2 x Poseidon(2) each                    1,920
//   2 nullifiers, Poseidon(3)                                     522
//   owner key, Poseidon(1)                                        213
//   ranges: 4 amounts x 96, public value 100, slot 4,
//           2 leaf indices x 24                                   536
//   slot rule, 2 membership switches, 2 binding squares             5
// (A binary Poseidon(2) tree of depth 24 was measured at 14,764.)

include "../src/notes.circom";

component main {public [root, publicValue, extDataHash, inputNullifier, outputCommitment]} = JoinSplit(12);
