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
/** Keepers: reading any account's chain view, and the daemon that decrypts, evaluates, liquidates and force-closes. */
export {
  ENGINE_KEEPER_ABI,
  ERC20_KEEPER_ABI,
  ORACLE_KEEPER_ABI,
  REGISTRY_KEEPER_ABI,
  WeightsMismatchError,
  engineAt,
  oracleAt,
  readChainView,
  readEpochSnapshot,
  readPositions,
  viewOf,
} from "./chainView.js";
export type { EpochSnapshot, KeeperEngineContract, KeeperOracleContract, ReadBlock } from "./chainView.js";
export {
  KEEPER_STATE_FILE,
  KEEPER_STATE_VERSION,
  KeeperDaemon,
  LeaseStatus,
  humanLine,
  keeperFileLogger,
  keeperJson,
  readKeeperState,
  revertReason,
  usd,
  writeKeeperState,
} from "./daemon.js";
export type {
  HealthDecision,
  KeeperDaemonOptions,
  KeeperFileLoggerOptions,
  KeeperLogEntry,
  KeeperLogLevel,
  KeeperLogger,
  KeeperState,
  TickReport,
  WatchedAccount,
} from "./daemon.js";
