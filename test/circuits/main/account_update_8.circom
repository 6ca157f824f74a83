pragma circom 2.1.6;

// Test-only: AccountUpdate(8), where a 4-bit index can name a slot that does not exist.
include "../../../circuits/src/account_update.circom";

component main {public [oldCommitment, newCommitment, weightsHash, statement]} = AccountUpdate(8);
