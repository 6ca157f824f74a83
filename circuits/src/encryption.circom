pragma circom 2.1.6;

// Verifiable encryption of an account opening to a keeper (ECDH on Baby Jubjub
// + a Poseidon keystream), and a linear binding of a vector to a public
// challenge. Twin of prover/src/liquidation/cipher.ts. circomlib's
// poseidon.circom only (poseidon_old.circom clashes, see DESIGN.md).

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/babyjub.circom";
include "circomlib/circuits/escalarmulany.circom";
include "circomlib/circuits/escalarmulfix.circom";
include "circomlib/circuits/poseidon.circom";
include "./hashing.circom";

// Twins of the constants of the same names in prover/src/liquidation/cipher.ts.

// Domain of the ephemeral-scalar seed: the ASCII bytes "plimsoll.eph" read as
// a big-endian integer (0x706c696d736f6c6c2e657068).
function EPH_DOMAIN() { return 34793382956002819243799572584; }
// Capacity element (initial state) of the keystream permutation: the ASCII
// bytes "plimsoll.ks" read as a big-endian integer (0x706c696d736f6c6c2e6b73).
function KS_DOMAIN() { return 135911652171886012671093619; }
// Bits of the ephemeral scalar k: 0 <= k < 2^250 < l (the subgroup order).
function EPH_BITS() { return 250; }
// Bits of the nonce.
function NONCE_BITS() { return 64; }
// Basket slots of the encrypted opening and the plaintext length:
// 16 amounts packed two per element, then the blinding.
function CIPHER_SLOTS() { return 16; }
function CIPHER_LENGTH() { return 9; }

// KeeperEncryption()
//
// Computes and proves: the encryption of an account opening (16 amounts and
// the blinding) to the keeper public key `keeperKey`:
//
//   plaintext[j] = amounts[2j] + amounts[2j+1] * 2^96   (j = 0..7)
//   plaintext[8] = blinding
//   seed         = Poseidon(2)(blinding, EPH_DOMAIN)
//   k            = seed mod 2^250   (low 250 bits of the canonical seed)
//   ephemeralKey = k * Base8                            (fixed base)
//   shared       = k * keeperKey                        (ECDH, variable base)
//   ks[0..8]     = PoseidonEx(9, 10)(inputs = [shared.x, shared.y, nonce, 0 x 6],
//                                     initialState = KS_DOMAIN).out[1..9]
//   ciphertext[i]= plaintext[i] + ks[i]                 (field addition)
//
// The keeper (private key s, keeperKey = s * Base8) recomputes
// shared = s * ephemeralKey = k * s * Base8, the keystream, and subtracts it.
//
// Inputs:
//   amounts[16]   (private): the opening's basket, token base units.
//                 Bound (PRECONDITION): each < 2^96.
//   blinding      (private): the opening's blinding, any field element.
//   keeperKey[2]  (public in the enclosing circuit): the keeper's Baby Jubjub
//                 public key (twisted Edwards x, y). Checked here: on the curve
//                 (BabyCheck) and x != 0 (not the identity (0, 1) nor the
//                 2-torsion point (0, -1)). PRECONDITION: in the prime-order
//                 subgroup (the keeper registry checks it at registration).
//   nonce         (public in the enclosing circuit): < 2^64 (checked).
// Outputs:
//   ephemeralKey[2]: k * Base8, in the prime-order subgroup by construction.
//   ciphertext[9]:   field elements, as above.
//
// The ephemeral scalar. k is DERIVED from the blinding, not chosen: the
// ciphertext is a deterministic function of (opening, keeperKey, nonce), so a
// contract can bind it with a challenge derived from the ciphertext itself
// (see LinearBind) and a prover cannot pick another k after seeing the
// challenge. Confidentiality holds because every account update draws a fresh
// uniformly random blinding (and the seed hides it: Poseidon preimage).
// Num2Bits_strict decomposes the seed into its CANONICAL 254 bits (AliasCheck
// rejects the decomposition of seed + p), so k is unique: a prover cannot use
// another k that the keeper would not re-derive from the blinding.
// Range: 0 <= k < 2^250 = 1.809e75 < l = 2736030358979909402780800718157159386076813972158567259200215660948447373041
// (about 1.512 * 2^250, the order of Base8's subgroup), so k is a valid
// scalar below the subgroup order and k * P never wraps for P in the
// subgroup. k is 250 bits with a slight bias (p = 12.098 * 2^250: values below
// p mod 2^250 occur 13 times among the seeds, the others 12), i.e. more than
// 249.8 bits of min-entropy against a 125-bit discrete-log security level.
//
// The keystream is one sponge call: Poseidon with t = 10 (rate 9, capacity 1),
// the secret shared point and the nonce absorbed into the rate, the domain in
// the capacity, the 9 rate elements of the output squeezed and the capacity
// output withheld (releasing all 10 would let anyone invert the permutation).
// This is the standard sponge with one block in and one block out, which is
// what Poseidon's round numbers are set for (128-bit security, capacity one
// element). Measured, circom 2.2.3 --O2, for 9 keystream elements:
//   9 x Poseidon(4)(shared.x, shared.y, nonce, i)          2,646 constraints
//   3 x PoseidonEx(3, 4), counter in the capacity            783
//   2 x PoseidonEx(5, 6), counter in the capacity            630
//   1 x PoseidonEx(9, 10)  (chosen)                          399
//
// EscalarMulAny's precondition (the point is in the subgroup and not the
// identity) holds by the registry's check and x != 0; its Montgomery adders
// never meet equal or opposite points for scalars below 2^148 per segment
// (see circomlib escalarmulany.circom). EscalarMulFix's precondition (a
// constant base in the subgroup) holds for Base8.
//
// Cost (KeeperEncryption alone as a main component, circom 2.2.3 --O2):
//   4,010 non-linear constraints, 0 linear:
//   EscalarMulAny(250) 2,274 (shared secret), EscalarMulFix(250, Base8) 517
//   (ephemeral key), Num2Bits_strict 515 (254 bits + AliasCheck), keystream
//   PoseidonEx(9, 10) 399, Poseidon(2) seed 237, nonce 64, BabyCheck 3,
//   x != 0 1. The plaintext packing and the additions are linear (free).
template KeeperEncryption() {
    var SLOTS = CIPHER_SLOTS();
    var LENGTH = CIPHER_LENGTH();
    assert(SLOTS % 2 == 0);
    assert(LENGTH == SLOTS / 2 + 1);
    assert(EPH_BITS() <= 250);                // 2^250 < l

    signal input amounts[SLOTS];
    signal input blinding;
    signal input keeperKey[2];
    signal input nonce;
    signal output ephemeralKey[2];
    signal output ciphertext[LENGTH];

    // Nonce < 2^64.
    _ <== Num2Bits(NONCE_BITS())(nonce);

    // The keeper key is a point of the curve, and not one with x = 0: the
    // identity (0, 1) would make the keystream public, and EscalarMulAny maps
    // x = 0 to the identity anyway.
    BabyCheck()(keeperKey[0], keeperKey[1]);
    signal keyXInverse <-- keeperKey[0] != 0 ? 1 / keeperKey[0] : 0;
    keeperKey[0] * keyXInverse === 1;

    // The ephemeral scalar: the low 250 bits of the canonical decomposition of
    // seed = Poseidon(2)(blinding, EPH_DOMAIN).
    signal seed <== Poseidon(2)([blinding, EPH_DOMAIN()]);
    signal seedBits[254] <== Num2Bits_strict()(seed);
    signal k[EPH_BITS()];
    for (var i = 0; i < EPH_BITS(); i++) {
        k[i] <== seedBits[i];
    }

    // ephemeralKey = k * Base8.
    var BASE8[2] = [
        5299619240641551281634865583518297030282874472190772894086521144482721001553,
        16950150798460657717958625567821834550301663161624707787222815936182638968203
    ];
    ephemeralKey <== EscalarMulFix(EPH_BITS(), BASE8)(k);

    // shared = k * keeperKey.
    signal shared[2] <== EscalarMulAny(EPH_BITS())(k, keeperKey);

    // Keystream: one permutation of width 10, rate elements out[1..9].
    component stream = PoseidonEx(LENGTH, LENGTH + 1);
    stream.initialState <== KS_DOMAIN();
    stream.inputs[0] <== shared[0];
    stream.inputs[1] <== shared[1];
    stream.inputs[2] <== nonce;
    for (var i = 3; i < LENGTH; i++) {
        stream.inputs[i] <== 0;
    }

    // ciphertext = plaintext + keystream. The packing is injective because the
    // caller range-checks the amounts to 96 bits.
    for (var j = 0; j < SLOTS / 2; j++) {
        ciphertext[j] <== amounts[2 * j] + amounts[2 * j + 1] * (1 << AMOUNT_BITS()) + stream.out[j + 1];
    }
    ciphertext[LENGTH - 1] <== blinding + stream.out[LENGTH];
}

// LinearBind(n)
//
// Proves: e == sum_{i < n} values[i] * r^(i+1) (in the field), in Horner form
// acc_{n-1} = values[n-1] * r, acc_i = (acc_{i+1} + values[i]) * r, e = acc_0.
//
// Use: binds a vector the circuit computes (the ciphertext) to the copy in
// calldata with two public inputs instead of n. The contract derives r from
// the calldata copy by keccak (reduced below p) and computes e from it. If the
// copy differs from the circuit's vector, the difference polynomial of degree
// <= n (no constant term, not identically zero) vanishes at r with probability
// <= n / p. PRECONDITION: the circuit's vector must be fixed before r is known
// (it is: KeeperEncryption's ciphertext is a deterministic function of the
// committed opening), and r must be derived from the calldata copy.
//
// Inputs:
//   values[n]  (private or intermediate): field elements.
//   r          (public in the enclosing circuit): the challenge.
//   e          (public in the enclosing circuit): the claimed evaluation.
// Outputs: none.
// Cost: n constraints.
template LinearBind(n) {
    assert(n >= 1);

    signal input values[n];
    signal input r;
    signal input e;

    signal acc[n];
    acc[n - 1] <== values[n - 1] * r;
    for (var i = n - 2; i >= 0; i--) {
        acc[i] <== (acc[i + 1] + values[i]) * r;
    }
    acc[0] === e;
}
