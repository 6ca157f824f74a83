pragma circom 2.1.6;

// Test-only: AccountUpdate(8), where a 4-bit index can name a slot that does not exist.
include "../account_update_statement.circom";

component main {public [oldCommitment, newCommitment, weightsHash, statement]} = AccountUpdateStatement(8);
