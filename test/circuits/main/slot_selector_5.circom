pragma circom 2.1.6;

// Test-only: SlotSelector(5), an N that is not a power of two.
include "../../../circuits/src/account_update.circom";

component main = SlotSelector(5);
