pragma circom 2.1.6;

// Test-only: Insolvency(8), where a 4-bit index can name a slot that does not exist.
include "../../../circuits/src/insolvency.circom";

component main {public [commitment, weightsHash, statement, seized, remainderCommitment, restore, cap]} = Insolvency(8);
