/**
 * Keepers: Baby Jubjub key management (keys.ts), reading any account's chain view (chainView.ts),
 * and the daemon that decrypts, evaluates, liquidates and force-closes (daemon.ts, with its
 * options, log, state database and the steps of a tick in their own files).
 */
export { BASE8, IDENTITY, SUB_ORDER, getBabyJub } from "../babyjub.js";
export type { BabyJub, Point } from "../babyjub.js";
export {
  KEY_FILE_VERSION,
  KEY_PROOF_DOMAIN,
  checkPublicKey,
  checkScalar,
  ecdh,
  generateKeeperKey,
  isValidPublicKey,
  keyProofChallenge,
  loadKeeperKey,
  proveKeyPossession,
  publicKeyError,
  publicKeyOf,
  randomScalar,
  saveKeeperKey,
  verifyKeyPossession,
} from "./keys.js";
export type { KeeperKey, KeyProof, KeyProofContext, LoadKeyOptions, SaveKeyOptions } from "./keys.js";
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
export { KeeperDaemon } from "./daemon.js";
export type { KeeperDaemonOptions } from "./options.js";
export { humanLine, keeperFileLogger, keeperJson } from "./log.js";
export type { KeeperFileLoggerOptions, KeeperLogEntry, KeeperLogger, KeeperLogLevel } from "./log.js";
export {
  KEEPER_LEGACY_STATE_FILE,
  KEEPER_STATE_FILE,
  KEEPER_STATE_KIND,
  KEEPER_STATE_VERSION,
  KeeperStateStore,
  readKeeperState,
  readLegacyKeeperState,
  writeKeeperState,
} from "./state.js";
export type { KeeperState, WatchedAccount } from "./state.js";
export type { HealthDecision, TickReport } from "./report.js";
export { revertReason } from "./revert.js";
export { LeaseStatus } from "../contracts.js";
export { usd } from "../format.js";
