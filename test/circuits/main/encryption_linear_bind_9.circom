pragma circom 2.1.6;

// Test-only: LinearBind(9), the binding of a nine-element ciphertext.
include "../../../circuits/src/encryption.circom";

component main {public [r, e]} = LinearBind(9);
