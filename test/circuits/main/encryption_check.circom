pragma circom 2.1.6;

// Test-only: the ciphertext and the ephemeral key as INPUTS constrained equal
// to KeeperEncryption's outputs, as an enclosing circuit binds them: a
// ciphertext that does not decrypt to the opening has no witness.
include "../../../circuits/src/encryption.circom";

template EncryptionCheck() {
    signal input amounts[16];
    signal input blinding;
    signal input keeperKey[2];
    signal input nonce;
    signal input ephemeralKey[2];
    signal input ciphertext[9];

    component enc = KeeperEncryption();
    enc.amounts <== amounts;
    enc.blinding <== blinding;
    enc.keeperKey <== keeperKey;
    enc.nonce <== nonce;
    for (var i = 0; i < 2; i++) {
        enc.ephemeralKey[i] === ephemeralKey[i];
    }
    for (var i = 0; i < 9; i++) {
        enc.ciphertext[i] === ciphertext[i];
    }
}

component main {public [keeperKey, nonce, ephemeralKey, ciphertext]} = EncryptionCheck();
