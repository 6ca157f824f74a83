/**
 * The keeper daemon: watches a margin engine over any ethers v6 provider, decrypts the openings
 * addressed to its key, recomputes every watched account's health at each new oracle epoch with
 * the TypeScript formulas, proves and submits liquidations (partial when the engine allows, at the
 * Dutch auction's bonus), force-closes expired leases, seizes frozen accounts' unsettled debts, and claims its credits.
 *
 * One `tick()`:
 *   1. scans the blocks since the last processed one (bounded ranges) for `KeeperNoteSent` and
 *      `Liquidated`, `PartiallyLiquidated`, `FrozenSeized`: a note to this keeper is decrypted (nonce = its epoch; the opening must open
 *      the note's commitment for the account) and becomes the account's opening; a note that does
 *      not decrypt is logged and skipped; a note to another keeper is ignored (and unwatches an
 *      account that named this keeper before); a liquidation or seizure turns the opening into its
 *      remainder (a partial one's delta added to the settlement slot);
 *   2. when the oracle shows an epoch not yet evaluated (or a watched commitment changed), values
 *      each watched account with open positions at the epoch's maintenance weights against the
 *      maintenance requirement of its positions, logs the decision, and liquidates the insolvent:
 *      partially when a partial close restores the target, fully otherwise, bidding the Dutch
 *      auction's factor; below `minBonusBps` it flags the account (the auction starts) and waits;
 *   3. force-closes every watched account whose lease is Expired;
 *   4. seizes the basket of every watched frozen account whose debt is unsettled past the deadline.
 *   5. claims every credit the liquidator holds (the engine pays by credit; a failed claim is retried next tick).
 *
 * The state (last block, last epoch evaluated, the openings) is saved in one SQLite transaction to
 * `<stateDir>/keeper.db` after every scanned range and every tick, so a restart resumes at
 * `lastBlock + 1` and never rescans from genesis. The database holds openings: it is mode 0600.
 * A `keeper-state.json` of an older release is migrated into it on the first open (state.ts).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Contract } from "ethers";
import { lockFolder } from "../fs/lock.js";
import { keeperPublicKey } from "../keeperNote/index.js";
import { REGISTRY_KEEPER_ABI } from "./chainView.js";
import { openContext } from "./context.js";
import { createCore, type DaemonCore } from "./core.js";
import { scanLogs } from "./events.js";
import { evaluateAccounts } from "./health.js";
import { forceCloseExpired } from "./leases.js";
import { seizeFrozenDebts } from "./seize.js";
import { claimCredits } from "./claim.js";
import { keeperFileLogger, type KeeperLogLevel } from "./log.js";
import { resolveDaemonOptions, type KeeperDaemonOptions } from "./options.js";
import { emptyReport, type TickReport } from "./report.js";
import { revertReason } from "./revert.js";
import { KEEPER_LEGACY_STATE_FILE, KEEPER_STATE_FILE, KeeperStateStore, type KeeperState } from "./state.js";

/** A keeper watching one engine for one keeper id. Create with `KeeperDaemon.open`. */
export class KeeperDaemon {
  private ticking: Promise<TickReport> | undefined;
  private controller: AbortController | undefined;

  private constructor(
    private readonly core: DaemonCore,
    private readonly store: KeeperStateStore,
    /** Releases the state folder's lock (`<stateDir>/.lock`). */
    private readonly unlock: () => void,
  ) {}

  /** Path of the state database (keeper.db). */
  get statePath(): string {
    return this.store.path;
  }

  /**
   * Validates the options, reads the engine's settings and the state database (or starts a new one,
   * migrating a `keeper-state.json` of an older release), and checks the key against the registry
   * (a mismatch is logged: its notes will not decrypt).
   * @throws an error naming the option or the state's field when one is invalid, when the state
   *   folder belongs to another chain, engine or keeper id, or when its database has a newer schema.
   */
  static async open(options: KeeperDaemonOptions): Promise<KeeperDaemon> {
    const { o, provider } = resolveDaemonOptions(options);
    mkdirSync(options.stateDir, { recursive: true, mode: 0o700 });
    // One daemon per state folder: two would race on the same accounts and send every transaction twice.
    const unlock = lockFolder(options.stateDir, "keeper daemon");
    let c: Awaited<ReturnType<typeof openContext>>;
    let store: KeeperStateStore;
    try {
      c = await openContext(provider, options.engine, options.signer);
      store = KeeperStateStore.open(join(options.stateDir, KEEPER_STATE_FILE), { legacyJson: join(options.stateDir, KEEPER_LEGACY_STATE_FILE) });
    } catch (err) {
      unlock();
      throw err;
    }
    const log = options.logger ?? keeperFileLogger(options.stateDir);
    const { chainId, engineAddress, registryAddress, crypto } = c;
    const statePath = join(options.stateDir, KEEPER_STATE_FILE);
    let state: KeeperState;
    try {
      const stored = store.load();
      if (stored !== undefined) {
        if (stored.chainId !== chainId) throw new Error(`${statePath}: kept for chain ${stored.chainId}, not chain ${chainId}`);
        if (stored.engine !== engineAddress) throw new Error(`${statePath}: kept for engine ${stored.engine}, not ${engineAddress}`);
        if (stored.keeperId !== options.keeperId) throw new Error(`${statePath}: kept for keeper ${stored.keeperId}, not keeper ${options.keeperId}`);
      }
      state = stored ?? { chainId, engine: engineAddress, keeperId: options.keeperId, lastBlock: undefined, lastEpochEvaluated: 0n, accounts: new Map() };
    } catch (err) {
      store.close();
      unlock();
      throw err;
    }
    const daemon = new KeeperDaemon(createCore(o, c, state, log), store, unlock);
    if (store.migrated !== undefined) {
      daemon.emit("info", "state.migrated", `state migrated from ${store.migrated.from} into ${statePath}; the JSON file is kept as ${store.migrated.backup}`, { ...store.migrated });
    }

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
    const accounts = new Map([...this.core.state.accounts].map(([k, a]) => [k, { ...a, opening: a.opening === null ? null : { amounts: [...a.opening.amounts], blinding: a.opening.blinding } }]));
    return { ...this.core.state, accounts };
  }

  /** The liquidator's address (the signer's). */
  get liquidator(): string {
    return this.core.c.liquidator;
  }

  /**
   * Processes the blocks since the last processed one, evaluates the watched accounts when a new
   * epoch (or commitment) appeared, liquidates the insolvent, force-closes expired leases, and
   * saves the state. Concurrent calls share one run.
   */
  tick(): Promise<TickReport> {
    this.ticking ??= this.runTick().catch((err: unknown) => this.explainFailure(err)).finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  /** Ticks every `pollIntervalMs` until `signal` aborts or `stop()` is called; a failed tick is logged and retried. */
  async run(options: { signal?: AbortSignal } = {}): Promise<void> {
    const controller = new AbortController();
    this.controller = controller;
    const signal = options.signal === undefined ? controller.signal : AbortSignal.any([options.signal, controller.signal]);
    this.emit("info", "run", `watching every ${this.core.o.pollIntervalMs / 1000} s`, { pollIntervalMs: this.core.o.pollIntervalMs });
    // Failed ticks (the RPC went away, a node restarting) back off exponentially, up to a minute,
    // and the first tick that succeeds again says so.
    let failures = 0;
    while (!signal.aborted) {
      let wait = this.core.o.pollIntervalMs;
      try {
        await this.tick();
        if (failures > 0) this.emit("info", "reconnected", `reconnected after ${failures} failed tick(s); resuming at block ${(this.core.state.lastBlock ?? 0) + 1}`, { failures });
        failures = 0;
      } catch (err) {
        failures++;
        wait = Math.min(this.core.o.pollIntervalMs * 2 ** Math.min(failures - 1, 16), 60_000);
        this.emit("error", "tick.failed", `tick failed (${failures} in a row): ${(err as Error).message.split("\n")[0]}; retrying in ${Math.round(wait / 100) / 10} s`, { failures, retryMs: wait });
      }
      try {
        await sleep(wait, undefined, { signal });
      } catch {
        break;
      }
    }
    this.emit("info", "stop", `stopped at block ${this.core.state.lastBlock ?? "-"}`, { lastBlock: this.core.state.lastBlock ?? null });
  }

  /** Ends `run()` after the tick under way (which is never cut short). */
  stop(): void {
    this.controller?.abort();
  }

  /** Stops, waits for the tick under way, and closes the state database. */
  async close(): Promise<void> {
    this.stop();
    await this.ticking?.catch(() => undefined);
    this.store.close();
    this.unlock();
  }

  // ----------------------------------------------------------------------------------------------

  private emit(level: KeeperLogLevel, event: string, message: string, fields: Record<string, unknown> = {}): void {
    this.core.emit(level, event, message, fields);
  }

  private save(): void {
    this.store.save(this.core.state);
  }

  /**
   * Rethrows a failed tick's error, replaced by a plain one when the engine has no code any more (a node
   * reset to an empty chain, or an RPC that now serves another chain): ethers would only say it "could
   * not decode result data (value=\"0x\")".
   */
  private async explainFailure(err: unknown): Promise<never> {
    const { provider, engineAddress, chainId } = this.core.c;
    let code: string | undefined;
    try {
      code = await provider.getCode(engineAddress);
    } catch {
      // The RPC itself is down: the original error says so.
    }
    if (code === "0x") {
      throw new Error(`no contract at the engine ${engineAddress} on chain ${chainId} any more: was the node reset, or does the RPC now serve another chain? (${(err as Error).message.split("\n")[0]})`, { cause: err });
    }
    throw err;
  }

  private async runTick(): Promise<TickReport> {
    const report = emptyReport();
    const head = (await this.core.c.provider.getBlockNumber()) - this.core.o.confirmations;
    if (this.core.state.lastBlock === undefined) {
      const start = this.core.o.fromBlock ?? Math.max(head, 0);
      this.core.state.lastBlock = start - 1;
      this.emit("info", "start", `first start: scanning from block ${start}`, { fromBlock: start });
    }
    if (head < this.core.state.lastBlock) {
      this.emit("warn", "head.behind", `the chain head (${head}) is behind the last processed block (${this.core.state.lastBlock}): waiting (was the chain reset?)`, { head, lastBlock: this.core.state.lastBlock });
      return report;
    }
    if (head > this.core.state.lastBlock) {
      const fromBlock = this.core.state.lastBlock + 1;
      for (let from = fromBlock; from <= head; from += this.core.o.maxBlockRange) {
        const to = Math.min(head, from + this.core.o.maxBlockRange - 1);
        await scanLogs(this.core, from, to, report);
        this.core.state.lastBlock = to;
        this.save();
      }
      report.scanned = { fromBlock, toBlock: head };
    }
    await evaluateAccounts(this.core, head, report);
    await forceCloseExpired(this.core, report);
    await seizeFrozenDebts(this.core, report);
    if (this.core.o.claim !== false) await claimCredits(this.core, report);
    this.save();
    return report;
  }
}
