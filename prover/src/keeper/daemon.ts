/**
 * The keeper daemon: watches a margin engine over any ethers v6 provider, decrypts the openings
 * addressed to its key, recomputes every watched account's health at each new oracle epoch with
 * the TypeScript formulas, proves and submits liquidations, and force-closes expired leases.
 *
 * One `tick()`:
 *   1. scans the blocks since the last processed one (bounded ranges) for `KeeperNoteSent` and
 *      `Liquidated`: a note to this keeper is decrypted (nonce = its epoch; the opening must open
 *      the note's commitment for the account) and becomes the account's opening; a note that does
 *      not decrypt is logged and skipped; a note to another keeper is ignored (and unwatches an
 *      account that named this keeper before); a liquidation turns the opening into its remainder;
 *   2. when the oracle shows an epoch not yet evaluated (or a watched commitment changed), values
 *      each watched account with open positions at the epoch's maintenance weights against the
 *      maintenance requirement of its positions, logs the decision, and liquidates the insolvent;
 *   3. force-closes every watched account whose lease is Expired.
 *
 * The state (last block, last epoch evaluated, the openings) is written atomically to
 * `<stateDir>/keeper-state.json` after every scanned range and every tick, so a restart resumes at
 * `lastBlock + 1` and never rescans from genesis. The file holds openings: it is mode 0600.
 */
import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Contract, getAddress, isAddress, type Interface, type Log, type LogDescription, type Provider, type Signer } from "ethers";
import { commitmentOf, type AccountOpening } from "../account.js";
import { N_ASSETS } from "../constants.js";
import type { TokenContract } from "../contracts.js";
import { initNoteCrypto, type NoteCrypto } from "../keeperNote.js";
import { decryptOpening, InvalidCiphertextError, keeperPublicKey, SUB_ORDER } from "../liquidation/cipher.js";
import { remainderOpening, SolventAccountError, type Seizure } from "../liquidation/witness.js";
import { basketValue, planLiquidation, readSeizureMarket, submitLiquidation } from "../liquidator.js";
import { accountRequirement } from "../margin.js";
import type { CircuitArtifacts, Prover } from "../prover.js";
import {
  engineAt,
  ERC20_KEEPER_ABI,
  oracleAt,
  readEpochSnapshot,
  readPositions,
  REGISTRY_KEEPER_ABI,
  viewOf,
  type EpochSnapshot,
  type KeeperEngineContract,
  type KeeperOracleContract,
} from "./chainView.js";

// ------------------------------------------------------------------------------------------------
// Options, logging, reports

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
  /** Folder of `keeper-state.json` and the default `keeper.log` (created if absent). */
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
}

export type KeeperLogLevel = "debug" | "info" | "warn" | "error";

/** One log line: a level, an event name, a human message and the fields that go with it. */
export interface KeeperLogEntry {
  time: string;
  level: KeeperLogLevel;
  /** Machine name: scan, note.decrypted, note.invalid, note.foreign, health, liquidation, forceClose, ... */
  event: string;
  message: string;
  account?: string;
  [field: string]: unknown;
}

/** Receives every log entry. */
export type KeeperLogger = (entry: KeeperLogEntry) => void;

const LEVELS: Record<KeeperLogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** JSON with bigints as decimal strings. */
export function keeperJson(value: unknown): string {
  return JSON.stringify(value, (_, x) => (typeof x === "bigint" ? x.toString() : x));
}

/** Options of `keeperFileLogger`. */
export interface KeeperFileLoggerOptions {
  /** Also print info and above: a short human line on stderr (default true). */
  console?: boolean;
  /** Print JSON lines on stdout instead of human lines on stderr (the CLI's --json). */
  json?: boolean;
  /** Lowest level printed (default "info"); the file gets every level. */
  level?: KeeperLogLevel;
}

/** The default logger: every entry as a JSON line appended to `<stateDir>/keeper.log`, plus a console line. */
export function keeperFileLogger(stateDir: string, options: KeeperFileLoggerOptions = {}): KeeperLogger {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const file = join(stateDir, "keeper.log");
  const min = LEVELS[options.level ?? "info"];
  return (entry) => {
    const line = keeperJson(entry);
    appendFileSync(file, `${line}\n`, { mode: 0o600 });
    if (options.console === false || LEVELS[entry.level] < min) return;
    if (options.json) process.stdout.write(`${line}\n`);
    else process.stderr.write(`${humanLine(entry)}\n`);
  };
}

/** `keeper WARN  0x1234…cdef not a valid opening: ...`. */
export function humanLine(e: KeeperLogEntry): string {
  const who = e.account === undefined ? "" : ` ${e.account.slice(0, 6)}…${e.account.slice(-4)}`;
  return `keeper ${e.level.toUpperCase().padEnd(5)}${who} ${e.message}`;
}

/** What the daemon concluded about one account at one evaluation. */
export type HealthDecision = "healthy" | "insolvent" | "no-position" | "stale" | "no-opening";

/** What one tick did. */
export interface TickReport {
  /** The blocks scanned (inclusive), or undefined when no new block was there. */
  scanned?: { fromBlock: number; toBlock: number };
  notes: { decrypted: number; invalid: number; foreign: number };
  /** The oracle epoch accounts were evaluated at, when any was. */
  epoch?: bigint;
  decisions: Array<{ account: string; decision: HealthDecision; value?: bigint; requirement?: bigint }>;
  liquidations: Array<{ account: string; txHash: string; gasUsed: bigint; proveMs: number; payment: bigint; loss: bigint; seizures: Seizure[] }>;
  forceClosed: Array<{ account: string; txHash: string; gasUsed: bigint }>;
  failures: Array<{ account: string; action: "liquidate" | "forceClose"; reason: string }>;
}

// ------------------------------------------------------------------------------------------------
// State file

/** Version of keeper-state.json. */
export const KEEPER_STATE_VERSION = 1;
/** File name of the state inside the state folder. */
export const KEEPER_STATE_FILE = "keeper-state.json";

/** What the keeper knows of one account that names it. */
export interface WatchedAccount {
  /** The commitment of the last note (or liquidation remainder) seen. */
  commitment: bigint;
  /** Its opening; null when the note did not decrypt (the account is still watched for its lease). */
  opening: { amounts: bigint[]; blinding: bigint } | null;
  /** The keeper the account named in that note (this keeper). */
  keeperId: bigint;
  /** Block of that note. */
  lastNoteBlock: number;
}

/** The daemon's persistent state. */
export interface KeeperState {
  chainId: bigint;
  engine: string;
  keeperId: bigint;
  /** Last block fully processed; undefined before the first tick of a first start. */
  lastBlock: number | undefined;
  /** Last oracle epoch at which every watched account was evaluated (0: none). */
  lastEpochEvaluated: bigint;
  /** Watched accounts by checksummed address. */
  accounts: Map<string, WatchedAccount>;
}

interface StateFile {
  version: number;
  chainId: string;
  engine: string;
  keeperId: string;
  lastBlock: number | null;
  lastEpochEvaluated: string;
  accounts: Record<string, { commitment: string; opening: { amounts: string[]; blinding: string } | null; keeperId: string; lastNoteBlock: number }>;
}

/** Writes `text` to `path` atomically (temporary file, fsync, rename), mode 0600, as prover/src/store.ts does. */
function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  const fd = openSync(tmp, "r");
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, path);
}

/** Writes the state to `path` atomically. */
export function writeKeeperState(path: string, s: KeeperState): void {
  const doc: StateFile = {
    version: KEEPER_STATE_VERSION,
    chainId: s.chainId.toString(),
    engine: s.engine,
    keeperId: s.keeperId.toString(),
    lastBlock: s.lastBlock ?? null,
    lastEpochEvaluated: s.lastEpochEvaluated.toString(),
    accounts: Object.fromEntries(
      [...s.accounts].map(([address, a]) => [
        address,
        {
          commitment: a.commitment.toString(),
          opening: a.opening === null ? null : { amounts: a.opening.amounts.map(String), blinding: a.opening.blinding.toString() },
          keeperId: a.keeperId.toString(),
          lastNoteBlock: a.lastNoteBlock,
        },
      ]),
    ),
  };
  writeAtomic(path, `${JSON.stringify(doc, null, 2)}\n`);
}

/** Reads a state file written by `writeKeeperState`; errors name the file and the field. */
export function readKeeperState(path: string): KeeperState {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`${path}: not a readable JSON file (${(err as Error).message})`);
  }
  const fail = (field: string, why: string): never => {
    throw new Error(`${path}: ${field} ${why}`);
  };
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) fail("the document", "is not a JSON object");
  const doc = raw as Partial<StateFile>;
  if (doc.version !== KEEPER_STATE_VERSION) fail("version", `is ${JSON.stringify(doc.version)}, expected ${KEEPER_STATE_VERSION}`);
  const uint = (v: unknown, field: string): bigint => (typeof v === "string" && /^[0-9]+$/.test(v) ? BigInt(v) : fail(field, "is not a non-negative decimal integer string"));
  const block = (v: unknown, field: string): number => (Number.isSafeInteger(v) && (v as number) >= -1 ? (v as number) : fail(field, "is not a block number"));
  if (typeof doc.engine !== "string" || !isAddress(doc.engine)) fail("engine", "is not an address");
  const accounts = new Map<string, WatchedAccount>();
  if (typeof doc.accounts !== "object" || doc.accounts === null || Array.isArray(doc.accounts)) fail("accounts", "is not an object");
  for (const [address, a] of Object.entries(doc.accounts!)) {
    const where = `accounts.${address}`;
    if (!isAddress(address)) fail(where, "is not keyed by an address");
    if (typeof a !== "object" || a === null) fail(where, "is not an object");
    let opening: WatchedAccount["opening"] = null;
    if (a.opening !== null) {
      if (typeof a.opening !== "object" || !Array.isArray(a.opening.amounts) || a.opening.amounts.length !== N_ASSETS) fail(`${where}.opening.amounts`, `is not an array of ${N_ASSETS} amounts`);
      opening = { amounts: a.opening.amounts.map((x, i) => uint(x, `${where}.opening.amounts[${i}]`)), blinding: uint(a.opening.blinding, `${where}.opening.blinding`) };
    }
    accounts.set(getAddress(address), { commitment: uint(a.commitment, `${where}.commitment`), opening, keeperId: uint(a.keeperId, `${where}.keeperId`), lastNoteBlock: block(a.lastNoteBlock, `${where}.lastNoteBlock`) });
  }
  return {
    chainId: uint(doc.chainId, "chainId"),
    engine: getAddress(doc.engine!),
    keeperId: uint(doc.keeperId, "keeperId"),
    lastBlock: doc.lastBlock === null ? undefined : block(doc.lastBlock, "lastBlock"),
    lastEpochEvaluated: uint(doc.lastEpochEvaluated, "lastEpochEvaluated"),
    accounts,
  };
}

// ------------------------------------------------------------------------------------------------
// Helpers

/** The engine's LeaseStatus enum. */
export const LeaseStatus = { Inactive: 0n, Current: 1n, Lapsed: 2n, Expired: 3n } as const;

/** A failed call's reason: the custom error decoded with `iface` when the revert data is there. */
export function revertReason(err: unknown, iface?: Interface): string {
  const seen = new Set<unknown>();
  const find = (e: unknown): string | undefined => {
    if (typeof e !== "object" || e === null || seen.has(e)) return undefined;
    seen.add(e);
    const o = e as Record<string, unknown>;
    if (typeof o.data === "string" && /^0x[0-9a-fA-F]{8}/.test(o.data)) return o.data;
    for (const k of ["error", "info", "cause", "data"]) {
      const d = find(o[k]);
      if (d !== undefined) return d;
    }
    return undefined;
  };
  const e = err as { revert?: { name: string; args: unknown[] }; shortMessage?: string; message?: string };
  if (e?.revert?.name !== undefined) return `${e.revert.name}(${e.revert.args.map(String).join(", ")})`;
  const data = find(err);
  if (data !== undefined && iface !== undefined) {
    try {
      const parsed = iface.parseError(data);
      if (parsed !== null) return `${parsed.name}(${parsed.args.map(String).join(", ")})`;
    } catch {
      // not one of the engine's errors: fall through to the message
    }
  }
  return e?.shortMessage ?? e?.message ?? String(err);
}

function positiveInteger(value: unknown, field: string, min: number): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) throw new RangeError(`${field} must be an integer >= ${min}, got ${String(value)}`);
  return value;
}

/** The engine pieces and the crypto a daemon works with, read once at `open`. */
interface Context {
  provider: Provider;
  chainId: bigint;
  engineAddress: string;
  engine: KeeperEngineContract;
  oracle: KeeperOracleContract;
  settlementToken: TokenContract;
  settlementSlot: number;
  quoteDecimals: number;
  marketCount: number;
  liquidator: string;
  crypto: NoteCrypto;
  noteTopic: string;
  liquidatedTopic: string;
}

// ------------------------------------------------------------------------------------------------
// The daemon

/** A keeper watching one engine for one keeper id. Create with `KeeperDaemon.open`. */
export class KeeperDaemon {
  /** Evaluations done in this process: account -> `${epoch}:${commitment}`. */
  private readonly evaluated = new Map<string, string>();
  /** Failed attempts per `${account}:${epoch}:${commitment}` (retried on the next tick up to MAX_ATTEMPTS). */
  private readonly attempts = new Map<string, number>();
  /** Last message logged per account and topic, to log repeats at debug. */
  private readonly said = new Map<string, string>();
  private ticking: Promise<TickReport> | undefined;
  private controller: AbortController | undefined;
  private static readonly MAX_ATTEMPTS = 3;

  private constructor(
    private readonly o: Required<Pick<KeeperDaemonOptions, "pollIntervalMs" | "maxBlockRange" | "confirmations">> & KeeperDaemonOptions,
    private readonly c: Context,
    private readonly state: KeeperState,
    private readonly log: KeeperLogger,
    /** Path of keeper-state.json. */
    readonly statePath: string,
  ) {
    // What was evaluated before a restart stays evaluated: only a new epoch or a new commitment re-evaluates.
    for (const [account, a] of state.accounts) this.evaluated.set(account, `${state.lastEpochEvaluated}:${a.commitment}`);
  }

  /**
   * Validates the options, reads the engine's settings and the state file (or starts a new one),
   * and checks the key against the registry (a mismatch is logged: its notes will not decrypt).
   * @throws an error naming the option or the state file's field when one is invalid, or when the
   *   state folder belongs to another chain, engine or keeper id.
   */
  static async open(options: KeeperDaemonOptions): Promise<KeeperDaemon> {
    if (typeof options !== "object" || options === null) throw new TypeError("options is not an object");
    if (typeof options.engine !== "string" || !isAddress(options.engine)) throw new TypeError(`engine is not an address: ${String(options.engine)}`);
    if (typeof options.keeperId !== "bigint" || options.keeperId <= 0n || options.keeperId >= 1n << 40n) throw new RangeError("keeperId must be a bigint in [1, 2^40)");
    if (typeof options.keeperPrivateKey !== "bigint" || options.keeperPrivateKey <= 0n || options.keeperPrivateKey >= SUB_ORDER) {
      throw new RangeError("keeperPrivateKey must be a scalar in [1, SUB_ORDER)");
    }
    if (typeof options.stateDir !== "string" || options.stateDir === "") throw new TypeError("stateDir is required");
    if (typeof options.signer?.getAddress !== "function") throw new TypeError("signer is required (an ethers Signer that pays liquidations)");
    if (typeof options.prover?.prove !== "function") throw new TypeError("prover is required");
    if (typeof options.artifacts?.wasmPath !== "string" || typeof options.artifacts.zkeyPath !== "string") throw new TypeError("artifacts must give the insolvency circuit's wasmPath and zkeyPath");
    if (options.fromBlock !== undefined) positiveInteger(options.fromBlock, "fromBlock", 0);
    const o = {
      ...options,
      pollIntervalMs: positiveInteger(options.pollIntervalMs ?? 2000, "pollIntervalMs", 1),
      maxBlockRange: positiveInteger(options.maxBlockRange ?? 2000, "maxBlockRange", 1),
      confirmations: positiveInteger(options.confirmations ?? 0, "confirmations", 0),
    };
    const provider = options.provider ?? options.signer.provider;
    if (provider === null || provider === undefined) throw new TypeError("signer has no provider: pass options.provider");

    mkdirSync(options.stateDir, { recursive: true, mode: 0o700 });
    const log = options.logger ?? keeperFileLogger(options.stateDir);
    const chainId = (await provider.getNetwork()).chainId;
    const engineAddress = getAddress(options.engine);
    if ((await provider.getCode(engineAddress)) === "0x") throw new Error(`engine ${engineAddress}: no contract at this address on chain ${chainId}`);
    const engine = engineAt(engineAddress, provider);
    const [oracleAddress, settlementSlot, quoteDecimals, tokenAddress, marketCount, registryAddress] = await Promise.all([
      engine.oracle(),
      engine.settlementAsset(),
      engine.quoteDecimals(),
      engine.settlementToken(),
      engine.marketCount(),
      engine.keeperRegistry(),
    ]);
    const crypto = await initNoteCrypto();
    const c: Context = {
      provider,
      chainId,
      engineAddress,
      engine,
      oracle: oracleAt(oracleAddress, provider),
      settlementToken: new Contract(tokenAddress, ERC20_KEEPER_ABI, provider) as unknown as TokenContract,
      settlementSlot: Number(settlementSlot),
      quoteDecimals: Number(quoteDecimals),
      marketCount: Number(marketCount),
      liquidator: getAddress(await options.signer.getAddress()),
      crypto,
      noteTopic: engine.interface.getEvent("KeeperNoteSent")!.topicHash,
      liquidatedTopic: engine.interface.getEvent("Liquidated")!.topicHash,
    };

    const statePath = join(options.stateDir, KEEPER_STATE_FILE);
    let state: KeeperState;
    if (existsSync(statePath)) {
      state = readKeeperState(statePath);
      if (state.chainId !== chainId) throw new Error(`${statePath}: kept for chain ${state.chainId}, not chain ${chainId}`);
      if (state.engine !== engineAddress) throw new Error(`${statePath}: kept for engine ${state.engine}, not ${engineAddress}`);
      if (state.keeperId !== options.keeperId) throw new Error(`${statePath}: kept for keeper ${state.keeperId}, not keeper ${options.keeperId}`);
    } else {
      state = { chainId, engine: engineAddress, keeperId: options.keeperId, lastBlock: undefined, lastEpochEvaluated: 0n, accounts: new Map() };
    }
    const daemon = new KeeperDaemon(o, c, state, log, statePath);

    const ours = keeperPublicKey(crypto.babyjub, options.keeperPrivateKey);
    try {
      const registry = new Contract(registryAddress, REGISTRY_KEEPER_ABI, provider);
      const [x, y] = (await registry.getFunction("keyOf")(options.keeperId)) as [bigint, bigint];
      if (BigInt(x) !== ours[0] || BigInt(y) !== ours[1]) {
        daemon.emit("warn", "key", `the private key is not the one keeper ${options.keeperId} registered: its notes will not decrypt`, { keeperId: options.keeperId });
      }
    } catch (err) {
      daemon.emit("warn", "key", `keeper ${options.keeperId} is not registered (${revertReason(err)})`, { keeperId: options.keeperId });
    }
    daemon.emit("info", "start", state.lastBlock === undefined
      ? `keeper ${options.keeperId} starting on engine ${engineAddress} (chain ${chainId}), liquidator ${c.liquidator}`
      : `keeper ${options.keeperId} resuming at block ${state.lastBlock + 1} with ${state.accounts.size} watched account(s)`, {
      engine: engineAddress,
      chainId,
      keeperId: options.keeperId,
      liquidator: c.liquidator,
      resumeFrom: state.lastBlock === undefined ? null : state.lastBlock + 1,
    });
    return daemon;
  }

  /** A copy of the current state (openings included). */
  get snapshot(): KeeperState {
    const accounts = new Map([...this.state.accounts].map(([k, a]) => [k, { ...a, opening: a.opening === null ? null : { amounts: [...a.opening.amounts], blinding: a.opening.blinding } }]));
    return { ...this.state, accounts };
  }

  /** The liquidator's address (the signer's). */
  get liquidator(): string {
    return this.c.liquidator;
  }

  /**
   * Processes the blocks since the last processed one, evaluates the watched accounts when a new
   * epoch (or commitment) appeared, liquidates the insolvent, force-closes expired leases, and
   * saves the state. Concurrent calls share one run.
   */
  tick(): Promise<TickReport> {
    this.ticking ??= this.runTick().finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  /** Ticks every `pollIntervalMs` until `signal` aborts or `stop()` is called; a failed tick is logged and retried. */
  async run(options: { signal?: AbortSignal } = {}): Promise<void> {
    const controller = new AbortController();
    this.controller = controller;
    const signal = options.signal === undefined ? controller.signal : AbortSignal.any([options.signal, controller.signal]);
    this.emit("info", "run", `watching every ${this.o.pollIntervalMs / 1000} s`, { pollIntervalMs: this.o.pollIntervalMs });
    while (!signal.aborted) {
      try {
        await this.tick();
      } catch (err) {
        this.emit("error", "tick.failed", `tick failed: ${(err as Error).message}`);
      }
      try {
        await sleep(this.o.pollIntervalMs, undefined, { signal });
      } catch {
        break;
      }
    }
    this.emit("info", "stop", `stopped at block ${this.state.lastBlock ?? "-"}`, { lastBlock: this.state.lastBlock ?? null });
  }

  /** Ends `run()` after the tick under way (which is never cut short). */
  stop(): void {
    this.controller?.abort();
  }

  // ----------------------------------------------------------------------------------------------

  private emit(level: KeeperLogLevel, event: string, message: string, fields: Record<string, unknown> = {}): void {
    this.log({ time: new Date().toISOString(), level, event, message, ...fields });
  }

  /** Logs at `level` the first time `message` is said about `account` under `topic`, at debug when repeated. */
  private say(level: KeeperLogLevel, event: string, account: string, message: string, fields: Record<string, unknown> = {}): void {
    const key = `${account}:${event}`;
    const repeated = this.said.get(key) === message;
    this.said.set(key, message);
    this.emit(repeated ? "debug" : level, event, message, { account, ...fields });
  }

  private save(): void {
    writeKeeperState(this.statePath, this.state);
  }

  private async runTick(): Promise<TickReport> {
    const report: TickReport = { notes: { decrypted: 0, invalid: 0, foreign: 0 }, decisions: [], liquidations: [], forceClosed: [], failures: [] };
    const head = (await this.c.provider.getBlockNumber()) - this.o.confirmations;
    if (this.state.lastBlock === undefined) {
      const start = this.o.fromBlock ?? Math.max(head, 0);
      this.state.lastBlock = start - 1;
      this.emit("info", "start", `first start: scanning from block ${start}`, { fromBlock: start });
    }
    if (head < this.state.lastBlock) {
      this.emit("warn", "head.behind", `the chain head (${head}) is behind the last processed block (${this.state.lastBlock}): waiting (was the chain reset?)`, { head, lastBlock: this.state.lastBlock });
      return report;
    }
    if (head > this.state.lastBlock) {
      const fromBlock = this.state.lastBlock + 1;
      for (let from = fromBlock; from <= head; from += this.o.maxBlockRange) {
        const to = Math.min(head, from + this.o.maxBlockRange - 1);
        await this.scan(from, to, report);
        this.state.lastBlock = to;
        this.save();
      }
      report.scanned = { fromBlock, toBlock: head };
    }
    await this.evaluate(head, report);
    await this.forceCloseExpired(report);
    this.save();
    return report;
  }

  // -------------------------------------------------------------------------------------------- events

  private async scan(fromBlock: number, toBlock: number, report: TickReport): Promise<void> {
    this.emit("debug", "scan", `scanning blocks ${fromBlock}..${toBlock}`, { fromBlock, toBlock });
    const logs = await this.c.provider.getLogs({
      address: this.c.engineAddress,
      topics: [[this.c.noteTopic, this.c.liquidatedTopic]],
      fromBlock,
      toBlock,
    });
    const ordered = [...logs].filter((l) => !l.removed).sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
    for (const log of ordered) {
      let parsed: LogDescription | null = null;
      try {
        parsed = this.c.engine.interface.parseLog(log);
      } catch (err) {
        this.emit("warn", "log.unreadable", `skipped an engine log that does not decode (${(err as Error).message})`, { txHash: log.transactionHash, block: log.blockNumber });
        continue;
      }
      if (parsed?.name === "KeeperNoteSent") this.onNote(parsed, log, report);
      else if (parsed?.name === "Liquidated") this.onLiquidated(parsed, log);
    }
  }

  private onNote(ev: LogDescription, log: Log, report: TickReport): void {
    const account = getAddress(ev.args.account as string);
    const keeperId = BigInt(ev.args.keeperId);
    const commitment = BigInt(ev.args.commitment);
    const where = { txHash: log.transactionHash, block: log.blockNumber, keeperId };
    if (keeperId !== this.o.keeperId) {
      report.notes.foreign++;
      if (this.state.accounts.delete(account)) {
        this.evaluated.delete(account);
        this.emit("info", "note.reassigned", `the account now names keeper ${keeperId}: no longer watched`, { account, ...where });
      } else {
        this.emit("debug", "note.foreign", `note for keeper ${keeperId}, not ours (${this.o.keeperId}): ignored`, { account, ...where });
      }
      return;
    }
    let opening: WatchedAccount["opening"] = null;
    try {
      const ephemeralKey = (ev.args.ephemeralKey as readonly bigint[]).map(BigInt);
      const d = decryptOpening(this.c.crypto.hx, this.c.crypto.babyjub, {
        keeperPrivateKey: this.o.keeperPrivateKey,
        ephemeralKey: [ephemeralKey[0]!, ephemeralKey[1]!],
        ciphertext: (ev.args.ciphertext as readonly bigint[]).map(BigInt),
        nonce: BigInt(ev.args.epoch),
        owner: BigInt(account),
        commitment,
      });
      opening = { amounts: d.amounts, blinding: d.blinding };
      report.notes.decrypted++;
      this.emit("info", "note.decrypted", `decrypted the opening of commitment ${short(commitment)}`, { account, commitment, epoch: BigInt(ev.args.epoch), ...where });
    } catch (err) {
      // Never a crash: a note that does not decrypt is logged and the opening marked unknown.
      report.notes.invalid++;
      const reason = err instanceof InvalidCiphertextError ? err.message : `not a valid opening: ${(err as Error).message}`;
      this.emit("warn", "note.invalid", `${reason} (skipped)`, { account, commitment, ...where });
    }
    this.state.accounts.set(account, { commitment, opening, keeperId, lastNoteBlock: log.blockNumber });
  }

  private onLiquidated(ev: LogDescription, log: Log): void {
    const account = getAddress(ev.args.account as string);
    const watched = this.state.accounts.get(account);
    const liquidator = getAddress(ev.args.liquidator as string);
    const where = { txHash: log.transactionHash, block: log.blockNumber, liquidator };
    if (watched === undefined) {
      this.emit("debug", "liquidated.other", `liquidated by ${liquidator} (not an account of ours)`, { account, ...where });
      return;
    }
    const remainderCommitment = BigInt(ev.args.remainderCommitment);
    const seizures: Seizure[] = [
      { index: Number(ev.args.indexA), amount: BigInt(ev.args.amountA) },
      { index: Number(ev.args.indexB), amount: BigInt(ev.args.amountB) },
    ].filter((s) => s.amount > 0n);
    const by = liquidator === this.c.liquidator ? "by us" : `by ${liquidator}`;
    if (watched.opening !== null) {
      try {
        const r = remainderOpening(this.c.crypto.hx, { owner: BigInt(account), ...watched.opening }, seizures);
        if (commitmentOf(this.c.crypto.hx, r) !== remainderCommitment) throw new Error("the remainder does not open the stored remainder commitment");
        watched.opening = { amounts: r.amounts, blinding: r.blinding };
        this.emit("info", "liquidated", `liquidated ${by}: remainder opening recomputed`, { account, remainderCommitment, seizures, ...where });
      } catch (err) {
        watched.opening = null;
        this.emit("warn", "liquidated", `liquidated ${by}, but ${(err as Error).message}: waiting for the next note`, { account, ...where });
      }
    } else {
      this.emit("info", "liquidated", `liquidated ${by} (opening unknown)`, { account, ...where });
    }
    watched.commitment = remainderCommitment;
  }

  // -------------------------------------------------------------------------------------------- health

  private async evaluate(head: number, report: TickReport): Promise<void> {
    const epoch = BigInt(await this.c.oracle.currentEpoch({ blockTag: head }));
    if (epoch === 0n) return;
    const due = [...this.state.accounts].filter(([account, a]) => this.evaluated.get(account) !== `${epoch}:${a.commitment}`);
    if (due.length === 0) {
      this.state.lastEpochEvaluated = epoch;
      return;
    }
    if (epoch > this.state.lastEpochEvaluated) this.emit("info", "epoch", `epoch ${epoch}: evaluating ${due.length} account(s)`, { epoch, accounts: due.length });
    const snapshot = await readEpochSnapshot(this.c.crypto.hx, this.c.oracle, head);
    report.epoch = epoch;
    let allDone = true;
    for (const [account, a] of due) {
      const key = `${epoch}:${a.commitment}`;
      let done: boolean;
      try {
        done = await this.evaluateAccount(account, a, snapshot, report);
      } catch (err) {
        this.emit("error", "health.failed", `could not evaluate: ${(err as Error).message}`, { account });
        done = false;
      }
      if (!done) {
        const attempt = `${account}:${key}`;
        const n = (this.attempts.get(attempt) ?? 0) + 1;
        this.attempts.set(attempt, n);
        if (n >= KeeperDaemon.MAX_ATTEMPTS) {
          this.emit("warn", "health.giveup", `no success after ${n} attempts: waiting for the next epoch or note`, { account, epoch });
          done = true;
        }
      }
      if (done) {
        this.evaluated.set(account, key);
        this.attempts.delete(`${account}:${key}`);
      } else allDone = false;
    }
    if (allDone) this.state.lastEpochEvaluated = epoch;
  }

  /** Evaluates one account at the snapshot; true when nothing is left to do for it in this epoch. */
  private async evaluateAccount(account: string, a: WatchedAccount, snapshot: EpochSnapshot, report: TickReport): Promise<boolean> {
    const at = { blockTag: snapshot.blockNumber };
    const onchain = await this.c.engine.accountOf(account, at);
    const openMarkets = BigInt(onchain.openMarkets);
    if (openMarkets === 0n) {
      report.decisions.push({ account, decision: "no-position" });
      this.say("debug", "health", account, "no open position", { epoch: snapshot.epoch });
      return true;
    }
    if (BigInt(onchain.commitment) !== a.commitment) {
      report.decisions.push({ account, decision: "stale" });
      this.say("info", "health", account, "stale opening, waiting for the next note", { epoch: snapshot.epoch, stored: a.commitment, onchain: BigInt(onchain.commitment) });
      return false;
    }
    if (a.opening === null) {
      report.decisions.push({ account, decision: "no-opening" });
      this.say("warn", "health", account, "opening unknown (its note did not decrypt): cannot evaluate", { epoch: snapshot.epoch });
      return true;
    }
    const positions = await readPositions(this.c.engine, account, this.c.marketCount, snapshot.blockNumber, openMarkets);
    const value = basketValue(a.opening.amounts, snapshot.maintenanceWeights);
    const requirement = accountRequirement(positions, snapshot.markets, false);
    const fields = { epoch: snapshot.epoch, value, requirement };
    if (value >= requirement) {
      report.decisions.push({ account, decision: "healthy", value, requirement });
      this.emit("info", "health", `healthy: value ${usd(value)} >= maintenance requirement ${usd(requirement)}`, { account, decision: "healthy", ...fields });
      return true;
    }
    report.decisions.push({ account, decision: "insolvent", value, requirement });
    this.emit("info", "health", `insolvent: liquidating (value ${usd(value)} < maintenance requirement ${usd(requirement)})`, { account, decision: "insolvent", ...fields });
    return this.liquidate(account, { owner: BigInt(account), ...a.opening }, viewOf(snapshot, positions, a.commitment), report);
  }

  /** Plans, pays for, proves and sends one liquidation; true when sent (or no longer possible). */
  private async liquidate(account: string, opening: AccountOpening, view: ReturnType<typeof viewOf>, report: TickReport): Promise<boolean> {
    const fail = (reason: string): boolean => {
      report.failures.push({ account, action: "liquidate", reason });
      this.emit("warn", "liquidation.failed", `liquidation failed: ${reason}`, { account, epoch: view.epoch });
      return false;
    };
    const market = await readSeizureMarket(this.c.oracle, this.c.settlementSlot);
    let plan;
    try {
      plan = planLiquidation(this.c.crypto.hx, { opening, view, market, liquidator: this.c.liquidator, quoteDecimals: this.c.quoteDecimals });
    } catch (err) {
      if (err instanceof SolventAccountError) {
        this.emit("info", "health", `healthy after all: ${err.message}`, { account });
        return true;
      }
      return fail(`cannot plan: ${(err as Error).message}`);
    }
    // Seized settlement tokens pay the pool from custody first; the liquidator pays the rest.
    const seizedQuote = plan.seizures.filter((s) => s.index === this.c.settlementSlot).reduce((t, s) => t + s.amount, 0n);
    const owed = plan.payment > seizedQuote ? plan.payment - seizedQuote : 0n;
    if (owed > 0n) {
      const [balance, allowance] = await Promise.all([
        this.c.settlementToken.balanceOf(this.c.liquidator),
        (this.c.settlementToken.getFunction("allowance")(this.c.liquidator, this.c.engineAddress) as Promise<bigint>),
      ]);
      if (BigInt(balance) < owed) return fail(`the liquidator ${this.c.liquidator} holds ${balance} of the settlement token and must pay ${owed}`);
      if (BigInt(allowance) < owed) {
        try {
          const token = this.c.settlementToken.connect(this.o.signer) as TokenContract;
          await (await token.approve(this.c.engineAddress, owed)).wait();
          this.emit("debug", "approve", `approved the engine for ${owed} settlement-token units`, { account, amount: owed });
        } catch (err) {
          return fail(`approve: ${revertReason(err)}`);
        }
      }
    }
    try {
      const { receipt, proveMs } = await submitLiquidation({
        engine: this.c.engine,
        liquidator: this.o.signer,
        prover: this.o.prover,
        artifacts: this.o.artifacts,
        account,
        epoch: view.epoch,
        plan,
      });
      report.liquidations.push({ account, txHash: receipt.hash, gasUsed: receipt.gasUsed, proveMs, payment: plan.payment, loss: plan.loss, seizures: plan.seizures });
      this.emit("info", "liquidation", `liquidated: paid ${plan.payment} for ${plan.seizures.map((s) => `${s.amount} of slot ${s.index}`).join(" and ") || "nothing"} (loss ${plan.loss}), proof ${Math.round(proveMs)} ms, gas ${receipt.gasUsed}`, {
        account,
        epoch: view.epoch,
        txHash: receipt.hash,
        gasUsed: receipt.gasUsed,
        proveMs: Math.round(proveMs),
        payment: plan.payment,
        loss: plan.loss,
        seizures: plan.seizures,
      });
      return true;
    } catch (err) {
      return fail(revertReason(err, this.c.engine.interface));
    }
  }

  // -------------------------------------------------------------------------------------------- leases

  private async forceCloseExpired(report: TickReport): Promise<void> {
    for (const account of [...this.state.accounts.keys()]) {
      let status: bigint;
      try {
        status = BigInt((await this.c.engine.leaseOf(account))[0]);
      } catch (err) {
        this.emit("error", "lease.failed", `could not read the lease: ${revertReason(err, this.c.engine.interface)}`, { account });
        continue;
      }
      if (status !== LeaseStatus.Expired) continue;
      this.emit("info", "forceClose", "lease expired: force-closing", { account });
      try {
        const engine = this.c.engine.connect(this.o.signer) as KeeperEngineContract;
        const receipt = await (await engine.forceClose(account)).wait();
        if (receipt === null || receipt.status !== 1) throw new Error("the force-close transaction failed");
        report.forceClosed.push({ account, txHash: receipt.hash, gasUsed: receipt.gasUsed });
        this.emit("info", "forceClose", `force-closed (gas ${receipt.gasUsed})`, { account, txHash: receipt.hash, gasUsed: receipt.gasUsed });
        this.said.delete(`${account}:forceClose.failed`);
      } catch (err) {
        const reason = revertReason(err, this.c.engine.interface);
        report.failures.push({ account, action: "forceClose", reason });
        this.say("warn", "forceClose.failed", account, `force-close failed: ${reason}`);
      }
    }
  }
}

/** A value in 1e-30 USD as `$1,234.56` (rounded down to the cent) for a message; log fields keep the exact value. */
export function usd(value: bigint): string {
  const cents = value / 10n ** 28n;
  const whole = (cents / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `$${whole}.${(cents % 100n).toString().padStart(2, "0")}`;
}

/** `1234…5678` for a long number in a message. */
function short(x: bigint): string {
  const s = x.toString();
  return s.length <= 12 ? s : `${s.slice(0, 6)}…${s.slice(-4)}`;
}
