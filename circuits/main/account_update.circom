pragma circom 2.1.6;

// Account update for N = 16 asset slots, with the new opening encrypted to the
// account's keeper. Statement and signals: see AccountUpdateWithKeeper in
// circuits/src/account_update.circom.
// circom 2.2.3 (npm circom2) --O2: 9,171 non-linear constraints, 9,187 wires.

include "../src/account_update.circom";

component main {public [oldCommitment, newCommitment, weightsHash, statement, challenge, binding]} = AccountUpdateWithKeeper(16, 0);
