pragma circom 2.1.6;

// Account update that emits a shielded note out of the basket at a private
// slot (16 slots), at initial margin. Statement and signals: AccountNoteUpdate
// in circuits/src/account_notes.circom.
// circom 2.2.3 (npm circom2) --O2: 9,891 non-linear constraints, 7 public
// inputs (phase-1 power 14):
//   the plain update with its keeper encryption (AccountUpdateWithKeeper)  9,171
//   note commitment, 2 x Poseidon(2)                                         480
//   slot selector 16, amount range 96, change 16, new-slot range 16 + 96     240

include "../src/account_notes.circom";

component main {public [oldCommitment, newCommitment, weightsHash, statement, challenge, binding, noteCommitment]} = AccountNoteUpdate(16, 12, 1);
