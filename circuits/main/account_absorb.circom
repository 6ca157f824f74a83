pragma circom 2.1.6;

// Account update that absorbs a shielded note into the basket at the note's
// private slot (16 slots, note tree of 12 quaternary levels). Statement and
// signals: AccountNoteUpdate in circuits/src/account_notes.circom.
// circom 2.2.3 (npm circom2) --O2: 14,013 non-linear constraints, 8 public
// inputs (phase-1 power 14):
//   the plain update with its keeper encryption (AccountUpdateWithKeeper)  9,171
//   membership, 12 levels x (Poseidon(4) 297 + 5 muxes)                   3,624
//   note commitment, 2 x Poseidon(2)                                         480
//   nullifier, Poseidon(3)                                                   261
//   owner key, Poseidon(1)                                                   213
//   slot selector 16, amount range 96, change 16, new-slot range 16 + 96     240
//   leaf index bits                                                           24

include "../src/account_notes.circom";

component main {public [oldCommitment, newCommitment, weightsHash, statement, challenge, binding, root, nullifier]} = AccountNoteUpdate(16, 12, 0);
