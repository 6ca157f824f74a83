pragma circom 2.1.6;

// Range-check primitives. Every value that enters a product or a comparison in
// a Plimsoll circuit goes through one of these first; the bound is always a
// template parameter so the cost (one constraint per bit) is visible at the
// call site.

include "circomlib/circuits/bitify.circom";

// RangeCheck(bits)
//
// Proves: 0 <= in < 2^bits (as an integer, in is read as its canonical
// representative in [0, p)). A field element "just below p" (a negative
// number) fails.
//
// Inputs:
//   in  (any visibility): the value to check. Bound: < 2^bits, else no witness.
// Outputs: none.
// Cost: `bits` constraints (Num2Bits).
// Soundness: 2^bits < p for bits <= 253, so the binary decomposition is unique
// and cannot wrap the field.
template RangeCheck(bits) {
    assert(bits >= 1);
    assert(bits <= 253);

    signal input in;

    // Only the decomposition's existence matters: the bits are discarded
    // (each is still constrained to {0, 1} inside Num2Bits).
    _ <== Num2Bits(bits)(in);
}

// RangeCheckArray(n, bits)
//
// Proves: 0 <= in[i] < 2^bits for every i in [0, n).
//
// Inputs:
//   in[n]  (any visibility): the values to check. Bound: each < 2^bits.
// Outputs: none.
// Cost: n * bits constraints.
template RangeCheckArray(n, bits) {
    assert(n >= 1);

    signal input in[n];

    component checks[n];
    for (var i = 0; i < n; i++) {
        checks[i] = RangeCheck(bits);
        checks[i].in <== in[i];
    }
}

// AssertGreaterEqThan(bits)
//
// Proves: in[0] >= in[1] (as integers).
//
// Inputs:
//   in[0]  (any visibility): left side. Bound (PRECONDITION): < 2^bits.
//   in[1]  (any visibility): right side. Bound (PRECONDITION): < 2^bits.
// Outputs: none.
// Preconditions: the caller guarantees (by range checks or by construction)
//   that both inputs are below 2^bits. This template does NOT check them.
// Cost: `bits` constraints.
//
// Construction: range-check the difference in[0] - in[1] to `bits` bits.
// If in[0] >= in[1], the difference is in [0, 2^bits) and passes.
// If in[0] < in[1], the difference is the field element p - k with
// 0 < k < 2^bits, which is >= p - 2^bits > 2^bits - 1 as long as
// p > 2^(bits+1); p > 2^253, so any bits <= 252 is sound. It fails.
// This is one constraint cheaper than circomlib's GreaterEqThan (which
// decomposes bits + 1 bits and then needs `out === 1`).
template AssertGreaterEqThan(bits) {
    assert(bits >= 1);
    assert(bits <= 252);

    signal input in[2];

    component diff = RangeCheck(bits);
    diff.in <== in[0] - in[1];
}
