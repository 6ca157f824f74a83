pragma circom 2.1.6;

// Test-only: RangeCheck(96), the basket-amount bound.
include "../../../circuits/src/range.circom";

component main = RangeCheck(96);
