pragma circom 2.1.6;

// Test-only: UnpackStatement(), compared with unpackStatement() in prover/src/encoding.ts.
include "../../../circuits/src/account_update.circom";

component main = UnpackStatement();
