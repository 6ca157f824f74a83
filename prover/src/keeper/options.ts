/** The options of a keeper daemon, and their validation. */
import { isAddress, type Provider, type Signer } from "ethers";
import { SUB_ORDER } from "../babyjub.js";
import { KEEPER_ID_BITS, KEEPER_ID_LIMIT } from "../constants.js";
import type { CircuitArtifacts, Prover } from "../prover.js";
import type { KeeperLogger } from "./log.js";

/** What a `KeeperDaemon` watches, with which key, and who pays. */
export interface KeeperDaemonOptions {
  /** Address of the MarginEngine to watch. */
  engine: string;
  /** The keeper's Baby Jubjub private key, a scalar in [1, SUB_ORDER) (`loadKeeperKey(path).privateKey`). */
  keeperPrivateKey: bigint;
  /** The keeper's id in the engine's keeper registry: notes to other ids are not ours. */
  keeperId: bigint;
  /**
   * Sends liquidations and force-closes. It pays the pool for seized assets in the engine's
   * settlement token, so it must hold enough of it; the daemon approves the engine as needed.
   */
  signer: Signer;
  /** Chain reads (logs, views). Default: `signer.provider`. */
  provider?: Provider;
  /** Proves insolvency off the main thread; the caller owns it (and closes it). */
  prover: Prover;
  /** The insolvency circuit's wasm and proving key. */
  artifacts: CircuitArtifacts;
  /** Folder of the state database `keeper.db` and the default `keeper.log` (created if absent). */
  stateDir: string;
  /** First block to scan on a first start (no state file yet). Default: the current block. Ignored on a restart. */
  fromBlock?: number;
  /** Where decisions go. Default: `keeperFileLogger(stateDir)` (JSON lines in keeper.log, short lines on stderr). */
  logger?: KeeperLogger;
  /** Milliseconds `run()` sleeps between ticks. Default 2000. */
  pollIntervalMs?: number;
  /** Largest block range of one `eth_getLogs` query. Default 2000. */
  maxBlockRange?: number;
  /** Blocks to stay behind the chain head (reorg safety on a live chain). Default 0. */
  confirmations?: number;
  /**
   * Auction timing: the least bonus (out of 10,000 of the oracle's) the keeper liquidates at. Below it
   * the keeper flags the insolvent account (its Dutch auction starts) and waits, bidding the auction's
   * factor once it reaches this. Default 0: liquidate at once, at the auction's current factor.
   */
  minBonusBps?: number;
  /**
   * Whether each tick ends by claiming the liquidator's credits (pull payments: a liquidation credits the
   * seized assets, `claim(slot, to)` sends them). Default true; false leaves them credited, to be claimed
   * later (`plimsoll keeper claim`), e.g. to pay one claim's gas for many liquidations.
   */
  claim?: boolean;
}

/** The options with every default filled in. */
export type ResolvedDaemonOptions = Required<Pick<KeeperDaemonOptions, "pollIntervalMs" | "maxBlockRange" | "confirmations" | "minBonusBps">> & KeeperDaemonOptions;

function positiveInteger(value: unknown, field: string, min: number): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) throw new RangeError(`${field} must be an integer >= ${min}, got ${String(value)}`);
  return value;
}

/**
 * Validates the options and fills in the defaults; returns them with the provider reads go to.
 * @throws an error naming the option when one is invalid.
 */
export function resolveDaemonOptions(options: KeeperDaemonOptions): { o: ResolvedDaemonOptions; provider: Provider } {
  if (typeof options !== "object" || options === null) throw new TypeError("options is not an object");
  if (typeof options.engine !== "string" || !isAddress(options.engine)) throw new TypeError(`engine is not an address: ${String(options.engine)}`);
  if (typeof options.keeperId !== "bigint" || options.keeperId <= 0n || options.keeperId >= KEEPER_ID_LIMIT) throw new RangeError(`keeperId must be a bigint in [1, 2^${KEEPER_ID_BITS})`);
  if (typeof options.keeperPrivateKey !== "bigint" || options.keeperPrivateKey <= 0n || options.keeperPrivateKey >= SUB_ORDER) {
    throw new RangeError("keeperPrivateKey must be a scalar in [1, SUB_ORDER)");
  }
  if (typeof options.stateDir !== "string" || options.stateDir === "") throw new TypeError("stateDir is required");
  if (typeof options.signer?.getAddress !== "function") throw new TypeError("signer is required (an ethers Signer that pays liquidations)");
  if (typeof options.prover?.prove !== "function") throw new TypeError("prover is required");
  if (typeof options.artifacts?.wasmPath !== "string" || typeof options.artifacts.zkeyPath !== "string") throw new TypeError("artifacts must give the insolvency circuit's wasmPath and zkeyPath");
  if (options.fromBlock !== undefined) positiveInteger(options.fromBlock, "fromBlock", 0);
  if (options.claim !== undefined && typeof options.claim !== "boolean") throw new TypeError(`claim must be a boolean, got ${String(options.claim)}`);
  const o = {
    ...options,
    pollIntervalMs: positiveInteger(options.pollIntervalMs ?? 2000, "pollIntervalMs", 1),
    maxBlockRange: positiveInteger(options.maxBlockRange ?? 2000, "maxBlockRange", 1),
    confirmations: positiveInteger(options.confirmations ?? 0, "confirmations", 0),
    minBonusBps: positiveInteger(options.minBonusBps ?? 0, "minBonusBps", 0),
  };
  if (o.minBonusBps > 10_000) throw new RangeError(`minBonusBps must be at most 10000, got ${o.minBonusBps}`);
  const provider = options.provider ?? options.signer.provider;
  if (provider === null || provider === undefined) throw new TypeError("signer has no provider: pass options.provider");
  return { o, provider };
}
