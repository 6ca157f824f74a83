pragma circom 2.1.6;

// Test-only: AssertGreaterEqThan(228), the margin comparison of AccountUpdate(16).
include "../../../circuits/src/range.circom";

component main = AssertGreaterEqThan(228);
