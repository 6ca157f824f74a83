pragma circom 2.1.6;

// Test-only: KeeperEncryption() alone, its outputs compared with
// encryptOpening() in prover/src/liquidation/cipher.ts; also the size of the
// encryption on its own.
include "../../../circuits/src/encryption.circom";

component main {public [keeperKey, nonce]} = KeeperEncryption();
