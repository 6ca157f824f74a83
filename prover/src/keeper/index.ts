/** Keepers: Baby Jubjub key management (generation, validation, ECDH, key files). */
export {
  BASE8,
  IDENTITY,
  KEY_FILE_VERSION,
  SUB_ORDER,
  checkPublicKey,
  checkScalar,
  ecdh,
  generateKeeperKey,
  getBabyJub,
  isValidPublicKey,
  loadKeeperKey,
  publicKeyError,
  publicKeyOf,
  randomScalar,
  saveKeeperKey,
} from "./keys.js";
export type { BabyJub, KeeperKey, LoadKeyOptions, Point, SaveKeyOptions } from "./keys.js";
