/**
 * The keeper note: a trader's new opening encrypted to its account's keeper (the twin of
 * circuits/src/encryption.circom), sealed to the update proof by a challenge and a linear binding
 * (the twin of `MarginEngine._bindNote`). The keeper decrypts it with its private key.
 */
export {
  CIPHERTEXT_LENGTH,
  EPH_BITS,
  EPH_DOMAIN,
  InvalidCiphertextError,
  KS_DOMAIN,
  checkKeeperKey,
  decryptOpening,
  encryptOpening,
  ephemeralScalar,
  keeperPublicKey,
  keystream,
  linearBind,
  openingPlaintext,
} from "./cipher.js";
export type { DecryptArgs, DecryptedOpening, EncryptArgs, EncryptedOpening } from "./cipher.js";
export { initNoteCrypto, noteChallenge, noteStruct, noteValues, sealUpdate } from "./seal.js";
export type { KeeperNote, KeeperTarget, NoteCrypto, SealedUpdate } from "./seal.js";
