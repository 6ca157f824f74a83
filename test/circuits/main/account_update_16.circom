pragma circom 2.1.6;

// Test-only: the account-update statement alone for N = 16 (no keeper encryption).
include "../account_update_statement.circom";

component main {public [oldCommitment, newCommitment, weightsHash, statement]} = AccountUpdateStatement(16);
