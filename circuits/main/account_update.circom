pragma circom 2.1.6;

// Account update for N = 16 asset slots. Statement and signals: see
// AccountUpdate in circuits/src/account_update.circom.
// circom 2.2.3 (npm circom2) --O2: 5,147 non-linear constraints, 5,163 wires.

include "../src/account_update.circom";

component main {public [oldCommitment, newCommitment, weightsHash, statement]} = AccountUpdate(16);
