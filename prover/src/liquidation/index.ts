/**
 * Liquidation without disclosure: encryption of account openings to keepers (the twin of
 * circuits/src/encryption.circom) and the insolvency witness (the twin of
 * circuits/src/insolvency.circom).
 */
export {
  BASE8,
  CIPHERTEXT_LENGTH,
  EPH_BITS,
  EPH_DOMAIN,
  InvalidCiphertextError,
  KS_DOMAIN,
  NONCE_BITS,
  SUB_ORDER,
  checkKeeperKey,
  decryptOpening,
  encryptOpening,
  ephemeralScalar,
  initPoseidonEx,
  keeperPublicKey,
  keystream,
  linearBind,
  openingPlaintext,
} from "./cipher.js";
export type {
  CircomlibBabyJub,
  DecryptArgs,
  DecryptedOpening,
  EncryptArgs,
  EncryptedOpening,
  Point,
  SyncPoseidonEx,
} from "./cipher.js";
export {
  INSOLVENCY_STATEMENT_LAYOUT,
  LIQ_DOMAIN,
  LIQUIDATOR_BITS,
  MAX_SEIZURES,
  SEIZED_BITS,
  SolventAccountError,
  buildInsolvencyInput,
  packInsolvencyStatement,
  packSeized,
  remainderBlinding,
  remainderOpening,
  seizuresOf,
  unpackInsolvencyStatement,
  unpackSeized,
} from "./witness.js";
export type { InsolvencyArgs, InsolvencyInput, InsolvencyPublicSignals, InsolvencyWitness, Seizure } from "./witness.js";
