/**
 * The trader's side of the protocol against a live engine: read the public state, compute
 * the requirement exactly as the engine will, prove the update off the main thread, record
 * the next opening as pending, send the transaction, confirm the opening.
 */
import { Contract, type ContractTransactionResponse, type Signer } from "ethers";
import type { EngineContract, KeeperRegistryContract, OracleContract } from "./contracts.js";
import { packProof, proofTuple, type SolidityProof } from "./calldata.js";
import { accountCommitment, NO_DELTA, weightsHash, type BasketDelta } from "./encoding.js";
import { accountFunding, accountRequirement, atFundingIndex, funding, growsExposure, realisedPnl, type MarketQuote, type PositionState } from "./margin.js";
import { emptyOpening, planUpdate, type AccountOpening, type PlannedUpdate } from "./account.js";
import { artifactPaths } from "./artifacts.js";
import { ABSORB_CIRCUIT, EMIT_CIRCUIT, planAbsorb, planEmit } from "./notes/account.js";
import { encryptedStruct } from "./notes/prove.js";
import type { EncryptedNote } from "./notes/encryption.js";
import type { Note } from "./notes/note.js";
import type { NoteTree } from "./notes/tree.js";
import type { OwnedNote } from "./notes/witness.js";
import { remainderOpening } from "./liquidation/witness.js";
import { initPoseidon, type SyncPoseidon } from "./poseidon.js";
import type { CircuitArtifacts, ProofStage, Prover } from "./prover.js";
import type { AccountKey, OpeningStore } from "./store.js";
import { SUB_ACCOUNT_ABI } from "./subAccounts.js";
import { initNoteCrypto, noteStruct, type KeeperNote, type KeeperTarget, type NoteCrypto } from "./keeperNote/index.js";
import { planPortfolioUpdate, portfolioFloors, portfolioRequirement, SCENARIOS, type ScenarioGrid, type ScenarioPosition } from "./portfolio.js";

/** The public state a proof is built against: one oracle epoch and the account's positions. */
export interface ChainView {
  epoch: bigint;
  initialWeights: bigint[];
  maintenanceWeights: bigint[];
  markets: MarketQuote[];
  positions: Map<number, PositionState>;
  commitment: bigint;
}

/** What one gated action cost and produced. */
export interface ActionReport {
  action: "deposit" | "withdraw" | "trade" | "renewLease" | "settle" | "absorbNote" | "emitNote";
  epoch: bigint;
  requirement: bigint;
  delta: BasketDelta;
  newCommitment: bigint;
  /** The new opening as encrypted to the keeper. */
  note: KeeperNote;
  witnessMs: number;
  proveMs: number;
  gasUsed: bigint;
  txHash: string;
}

export interface TraderOptions {
  engine: EngineContract;
  oracle: OracleContract;
  signer: Signer;
  prover: Prover;
  artifacts: CircuitArtifacts;
  /** The note circuits' artifacts (default: the build's account_absorb and account_emit, prover/src/artifacts.ts). */
  noteArtifacts?: { absorb: CircuitArtifacts; emit: CircuitArtifacts };
  store: OpeningStore;
  /** Called when a proof moves to a new stage (for progress output). */
  onProgress?: (stage: ProofStage) => void;
  /** The portfolio-margin circuit's artifacts (default: the build's account_update_portfolio). */
  portfolioArtifacts?: CircuitArtifacts;
  /**
   * The keeper to name (its registry id and public key). Default: the keeper the account already
   * names. An account that names none yet must give one.
   */
  keeper?: KeeperTarget;
  /**
   * The engine account to act for when it is not the signer: a sub-account (contracts/accounts/) whose
   * owner is the signer. Its transactions go through the sub-account's forwarder (deposits pull from the
   * signer, who approves the sub-account; withdrawals arrive at the signer), and its opening is stored
   * under its own address. Default: the signer's own account.
   */
  account?: string;
  /**
   * The engine's market's quoter (`IMarket.quoter()`) and its instrument count, for an engine whose market
   * is not the oracle's perps (an options engine). Default: the oracle's perp markets.
   */
  quoter?: MarketQuoter;
}

/** The quotes of an engine's instruments (`IMarketQuoter.marketQuote`) and how many there are. */
export interface MarketQuoter {
  marketCount(): Promise<bigint>;
  marketQuote(j: number): Promise<readonly [bigint, bigint, bigint, boolean] | bigint[]>;
  /**
   * An options market's series and scenario values (IOptionsMarket.series, .scenarioValues), for portfolio
   * margin: its positions are re-priced in each scenario instead of moved linearly.
   */
  series?(j: number): Promise<{ asset: bigint | number }>;
  scenarioValues?(j: number, move: bigint, volUp: boolean): Promise<readonly [bigint, bigint] | bigint[]>;
}

/**
 * After a liquidation the chain holds the remainder commitment, which the owner recomputes from its
 * stored opening and the public seizure (`Liquidated`), with no message from anyone. Returns the
 * remainder opening (saved as confirmed) when one of the stored openings, less a logged seizure, hashes
 * to `onchain`; undefined otherwise.
 */
async function recoverRemainder(engine: EngineContract, h: SyncPoseidon, store: OpeningStore, key: AccountKey, onchain: bigint): Promise<AccountOpening | undefined> {
  type Ev = { blockNumber: number; index: number; fragment?: { name: string }; args: { indexA: bigint; amountA: bigint; indexB: bigint; amountB: bigint; remainderCommitment: bigint; basketDelta?: bigint } };
  const events: Ev[] = [];
  // A full liquidation, a partial one (its delta moves the second seizure's slot) or a frozen account's seizure.
  for (const name of ["Liquidated", "PartiallyLiquidated", "FrozenSeized"]) {
    const filter = engine.filters?.[name]?.(key.owner);
    if (filter !== undefined) events.push(...((await engine.queryFilter(filter, 0)) as unknown as Ev[]));
  }
  events.sort((a, b) => b.blockNumber - a.blockNumber || b.index - a.index);
  for (const ev of events) {
    if (BigInt(ev.args.remainderCommitment) !== onchain) continue;
    const seized = [{ index: Number(ev.args.indexA), amount: BigInt(ev.args.amountA) }, { index: Number(ev.args.indexB), amount: BigInt(ev.args.amountB) }];
    const delta = ev.fragment?.name === "PartiallyLiquidated" ? BigInt(ev.args.basketDelta ?? 0n) : 0n;
    for (const { opening } of store.stored(key)) {
      let remainder: AccountOpening;
      try {
        remainder = remainderOpening(h, opening, seized, delta);
      } catch {
        continue; // the seizure does not fit this opening
      }
      if (accountCommitment(h, remainder.amounts, remainder.blinding, remainder.owner) === onchain) {
        store.save(key, remainder, onchain);
        return remainder;
      }
    }
  }
  return undefined;
}

/** The build's portfolio-margin circuit (circuits/main/account_update_portfolio.circom). */
export const PORTFOLIO_CIRCUIT = "account_update_portfolio";

/** What an update must clear: the simple rule (requirement, weights) and, for a portfolio account, its margin type and positions. */
interface MarginRule {
  requirement: bigint;
  weights: bigint[];
  margin: "none" | "initial" | "maintenance";
  /** The positions after the update (default: the current ones). */
  positions?: ReadonlyMap<number, PositionState>;
}

/** Sends one proved update to the engine: epoch, new commitment, keeper note and proof. */
type SendUpdate = (
  epoch: bigint,
  commitment: bigint,
  note: ReturnType<typeof noteStruct>,
  proof: ReturnType<typeof proofTuple>,
) => Promise<ContractTransactionResponse>;

/** The account calls a `Trader` sends: the engine's own (an EOA account) or a sub-account's forwarder, same signatures. */
type AccountCalls = Pick<EngineContract, "deposit" | "withdraw" | "trade" | "renewLease" | "settle" | "absorbNote" | "emitNote">;

/** One trader's account on one engine. Create with `Trader.load`. */
export class Trader {
  private constructor(
    private readonly o: TraderOptions,
    /** Where the account's transactions go: the engine, or the sub-account that forwards them. */
    private readonly via: AccountCalls,
    private readonly h: SyncPoseidon,
    private readonly crypto: NoteCrypto,
    readonly key: AccountKey,
    private current: AccountOpening,
    private readonly quoteDecimals: number,
    private readonly settlementAsset: number,
  ) {}

  /** Loads the account's opening from the store (reconciling a pending update with the chain). */
  static async load(o: TraderOptions): Promise<Trader> {
    const h = await initPoseidon();
    const signer = await o.signer.getAddress();
    let owner = signer;
    let via: AccountCalls = o.engine;
    if (o.account !== undefined) {
      const sub = new Contract(o.account, SUB_ACCOUNT_ABI, o.signer);
      if ((await o.signer.provider!.getCode(o.account)) === "0x") throw new Error(`account ${o.account} has no code: create the sub-account first`);
      const [subOwner, subEngine] = (await Promise.all([sub.getFunction("owner")(), sub.getFunction("engine")()])) as [string, string];
      if (subOwner.toLowerCase() !== signer.toLowerCase()) throw new Error(`account ${o.account} is a sub-account of ${subOwner}, not of the signer ${signer}`);
      if (subEngine.toLowerCase() !== (await o.engine.getAddress()).toLowerCase()) throw new Error(`account ${o.account} is a sub-account on engine ${subEngine}, not on ${await o.engine.getAddress()}`);
      owner = await sub.getAddress();
      via = sub as unknown as AccountCalls;
    }
    const chainId = (await o.signer.provider!.getNetwork()).chainId;
    const key: AccountKey = { chainId, engine: await o.engine.getAddress(), owner };
    const onchain = BigInt(await o.engine.commitmentOf(owner));
    let stored: AccountOpening | undefined;
    try {
      stored = o.store.load(key, onchain);
    } catch (err) {
      // A keeper may have liquidated the account: its new commitment is the remainder of a stored opening.
      stored = await recoverRemainder(o.engine, h, o.store, key, onchain);
      if (stored === undefined) throw err;
    }
    const opening = stored ?? emptyOpening(BigInt(owner));
    if (stored === undefined && accountCommitment(h, opening.amounts, opening.blinding, opening.owner) !== onchain) {
      throw new Error(`no opening stored for ${owner} in ${o.store.pathOf(key)} and the account is not empty`);
    }
    const settlementAsset = Number(await o.engine.settlementAsset());
    const [, quoteDecimals] = (await o.oracle.asset(settlementAsset)) as [string, bigint];
    return new Trader(o, via, h, await initNoteCrypto(), key, opening, Number(quoteDecimals), settlementAsset);
  }

  /** The current private opening (a copy). */
  get opening(): AccountOpening {
    return { ...this.current, amounts: [...this.current.amounts] };
  }

  /** Reads the current epoch, its weight vectors, the market quotes and the positions. */
  async view(): Promise<ChainView> {
    const { oracle, engine } = this.o;
    for (let attempt = 0; attempt < 3; attempt++) {
      const epoch = BigInt(await oracle.currentEpoch());
      const [info, vectors] = await Promise.all([oracle.epoch(epoch), oracle.weightVectors()]);
      const initialWeights = (vectors[0] as bigint[]).map(BigInt);
      const maintenanceWeights = (vectors[1] as bigint[]).map(BigInt);
      // The vectors and the epoch are read in separate calls: check they belong together.
      if (weightsHash(this.h, initialWeights) !== BigInt(info.initialWeightsHash) || weightsHash(this.h, maintenanceWeights) !== BigInt(info.maintenanceWeightsHash)) continue;
      const q = this.o.quoter;
      const count = Number(await (q ?? oracle).marketCount());
      const markets: MarketQuote[] = [];
      const positions = new Map<number, PositionState>();
      const quote = async (j: number): Promise<readonly bigint[]> =>
        q !== undefined ? (await q.marketQuote(j)).slice(0, 3).map(BigInt) : Promise.all([oracle.markPrice(j), oracle.marketRatios(j)]).then(([m, r]) => [BigInt(m), BigInt(r[0]), BigInt(r[1])]);
      for (let j = 0; j < count; j++) {
        const [[mark, imRatio, mmRatio], pos, index] = await Promise.all([quote(j), engine.positionOf(this.key.owner, j), engine.fundingIndexOf(j)]);
        markets.push({ mark: mark!, imRatio: imRatio!, mmRatio: mmRatio!, fundingIndex: BigInt(index) });
        if (BigInt(pos.size) !== 0n) positions.set(j, { size: BigInt(pos.size), entryPrice: BigInt(pos.entryPrice), fundingIndex: BigInt(pos.fundingIndex) });
      }
      return { epoch, initialWeights, maintenanceWeights, markets, positions, commitment: BigInt(await engine.commitmentOf(this.key.owner)) };
    }
    throw new Error("the oracle moved to a new epoch three times while reading it; try again");
  }

  /** Deposits `amount` base units of slot `asset` (the engine must be approved; for a sub-account, the sub-account). */
  deposit(asset: number, amount: bigint): Promise<ActionReport> {
    return this.run("deposit", { index: asset, amount }, async (v) => ({ requirement: 0n, weights: v.initialWeights, margin: "none" }), (e, c, n, p) =>
      this.via.deposit(asset, amount, e, c, n, p));
  }

  /** Withdraws `amount` base units of slot `asset`; what stays must clear initial margin. */
  withdraw(asset: number, amount: bigint): Promise<ActionReport> {
    return this.run("withdraw", { index: asset, amount: -amount }, async (v) => ({
      requirement: accountRequirement(v.positions, v.markets, true),
      weights: v.initialWeights,
      margin: "initial",
    }), (e, c, n, p) => this.via.withdraw(asset, amount, e, c, n, p));
  }

  /** Renews the maintenance lease at the current epoch; the positions' funding is realised into the settlement slot. */
  async renewLease(): Promise<ActionReport> {
    const v = await this.view();
    const paid = accountFunding(v.positions, v.markets, this.quoteDecimals);
    const delta = paid === 0n ? NO_DELTA : { index: this.settlementAsset, amount: paid };
    return this.run("renewLease", delta, async () => ({
      requirement: accountRequirement(atFundingIndex(v.positions, v.markets), v.markets, false),
      weights: v.maintenanceWeights,
      margin: "maintenance",
    }), (e, c, n, p) => this.via.renewLease(e, c, n, p), v);
  }

  /**
   * Settles a frozen account (its positions were force-closed): the pending realised PnL moves into the
   * settlement slot with a maintenance proof (no position is open, so the requirement is 0).
   */
  async settle(): Promise<ActionReport> {
    const st = await this.o.engine.settlementOf(this.key.owner);
    const delta: BasketDelta = { index: this.settlementAsset, amount: BigInt(st.basketDelta) };
    return this.run("settle", delta, async (v) => ({
      requirement: accountRequirement(v.positions, v.markets, false),
      weights: v.maintenanceWeights,
      margin: "maintenance",
    }), (e, c, n, p) => this.via.settle(e, c, n, p));
  }

  /**
   * Changes the position in `market` by `sizeDelta` (1e-18 units). The old position is settled at
   * the mark and its funding realised, so its realised PnL less the funding it owes is this update's delta in the settlement slot.
   */
  async trade(market: number, sizeDelta: bigint): Promise<ActionReport> {
    const v = await this.view();
    const quote = v.markets[market];
    if (quote === undefined) throw new RangeError(`market ${market} does not exist`);
    const old = v.positions.get(market) ?? { size: 0n, entryPrice: 0n };
    const index = quote.fundingIndex ?? 0n;
    const pnl = realisedPnl(old.size, old.entryPrice, quote.mark, this.quoteDecimals) - funding(old.size, old.fundingIndex ?? 0n, index, this.quoteDecimals);
    const newSize = old.size + sizeDelta;
    const grows = growsExposure(old.size, newSize);
    const after = new Map(v.positions);
    if (newSize === 0n) after.delete(market);
    else after.set(market, { size: newSize, entryPrice: quote.mark, fundingIndex: index });
    return this.run("trade", { index: this.settlementAsset, amount: pnl }, async () => ({
      requirement: accountRequirement(after, v.markets, grows),
      weights: grows ? v.initialWeights : v.maintenanceWeights,
      margin: grows ? "initial" : "maintenance",
      positions: after,
    }), (e, c, n, p) => this.via.trade(market, sizeDelta, e, c, n, p), v);
  }

  /**
   * Absorbs a shielded note the trader owns (`spendingSecret`) into the basket at the note's slot; slot
   * and amount stay private. `tree` is the wallet's copy of the pool's tree (its root must still be in
   * the pool's history). No margin requirement, as a deposit.
   */
  async absorbNote(args: { note: OwnedNote; spendingSecret: bigint; tree: NoteTree }): Promise<ActionReport> {
    const v = await this.view();
    const keeper = await this.keeperTarget();
    const plan = planAbsorb(this.h, this.current, args, v.initialWeights, { crypto: this.crypto, keeper, nonce: v.epoch });
    return this.submit("absorbNote", v, 0n, NO_DELTA, plan, this.noteArtifacts().absorb, (e, c, n, p) =>
      this.via.absorbNote(e, c, n, p, plan.root, plan.nullifier));
  }

  /**
   * Emits `note` (for any recipient) out of the basket, with its opening `encrypted` to the recipient's
   * viewing key (`NoteWallet.planShield` makes both). What stays must clear initial margin.
   */
  async emitNote(note: Note, encrypted: EncryptedNote): Promise<ActionReport & { noteCommitment: bigint }> {
    const v = await this.view();
    const requirement = accountRequirement(v.positions, v.markets, true);
    const keeper = await this.keeperTarget();
    const plan = planEmit(this.h, this.current, note, requirement, v.initialWeights, { crypto: this.crypto, keeper, nonce: v.epoch });
    const report = await this.submit("emitNote", v, requirement, NO_DELTA, plan, this.noteArtifacts().emit, (e, c, n, p) =>
      this.via.emitNote(e, c, n, p, plan.noteCommitment, encryptedStruct(encrypted)));
    return { ...report, noteCommitment: plan.noteCommitment };
  }

  private noteArtifacts(): { absorb: CircuitArtifacts; emit: CircuitArtifacts } {
    return this.o.noteArtifacts ?? { absorb: artifactPaths().circuit(ABSORB_CIRCUIT), emit: artifactPaths().circuit(EMIT_CIRCUIT) };
  }

  private async run(
    action: ActionReport["action"],
    delta: BasketDelta,
    rule: (v: ChainView) => Promise<MarginRule>,
    send: SendUpdate,
    viewed?: ChainView,
  ): Promise<ActionReport> {
    const v = viewed ?? (await this.view());
    const r = await rule(v);
    const keeper = await this.keeperTarget();
    const k = { crypto: this.crypto, keeper, nonce: v.epoch };
    if (await this.isPortfolio()) {
      const { grid, floors } = await this.portfolioRule(v, r.margin, r.positions ?? v.positions);
      const plan = planPortfolioUpdate(this.h, this.current, delta, grid, floors, k);
      const artifacts = this.o.portfolioArtifacts ?? artifactPaths().circuit(PORTFOLIO_CIRCUIT);
      return this.submit(action, v, portfolioRequirement(floors), delta, plan, artifacts, send);
    }
    const plan = planUpdate(this.h, this.current, delta, r.requirement, r.weights, k);
    return this.submit(action, v, r.requirement, delta, plan, this.o.artifacts, send);
  }

  /** True when the account is in portfolio-margin mode (`MarginEngine.chooseMarginMode`). */
  async isPortfolio(): Promise<boolean> {
    return Boolean((await this.o.engine.accountOf(this.key.owner)).portfolio);
  }

  /** Switches the account's margin mode (no position may be open). */
  async chooseMarginMode(portfolio: boolean): Promise<bigint> {
    const tx = await this.o.engine.chooseMarginMode(portfolio);
    const receipt = await tx.wait();
    if (receipt === null || receipt.status !== 1) throw new Error(`chooseMarginMode transaction ${tx.hash} failed`);
    return receipt.gasUsed;
  }

  /**
   * The scenario grid of the epoch `v` read (checked against the oracle's hashes) and the floors of
   * `positions` (PortfolioMargin.packedFloors): 0 for a rule-free update.
   */
  async portfolioRule(v: ChainView, margin: MarginRule["margin"], positions: ReadonlyMap<number, PositionState>): Promise<{ grid: ScenarioGrid; floors: bigint[] }> {
    const { oracle } = this.o;
    const maintenance = margin === "maintenance";
    const [params, up] = await Promise.all([oracle.currentScenarioParams(maintenance), oracle.upWeightVectors()]);
    const grid: ScenarioGrid = {
      down: maintenance ? v.maintenanceWeights : v.initialWeights,
      up: (up[maintenance ? 1 : 0] as bigint[]).map(BigInt),
    };
    if (BigInt(params[0]) !== v.epoch || weightsHash(this.h, grid.down) !== BigInt(params[2]) || weightsHash(this.h, grid.up) !== BigInt(params[3])) {
      throw new Error("the oracle moved to a new epoch while reading the scenario grid; try again");
    }
    if (margin === "none") return { grid, floors: new Array<bigint>(SCENARIOS).fill(0n) };
    const scenario: ScenarioPosition[] = [];
    const q = this.o.quoter;
    for (const [j, p] of positions) {
      const underlying = Number(q?.series !== undefined ? (await q.series(j)).asset : await oracle.marketUnderlying(j));
      const [hIM, hMM] = await oracle.haircuts(underlying);
      const haircut = BigInt(maintenance ? hMM : hIM);
      // An option is re-priced at the moved underlying, its volatility shocked against its side (short: up).
      const values = q?.scenarioValues !== undefined ? await q.scenarioValues(j, haircut, p.size < 0n) : undefined;
      const option = values === undefined ? undefined : { up: BigInt(values[0]!), down: BigInt(values[1]!) };
      scenario.push({ ...p, mark: v.markets[j]!.mark, underlying, haircut, marketFundingIndex: v.markets[j]!.fundingIndex ?? 0n, option });
    }
    return { grid, floors: portfolioFloors(scenario, BigInt(await oracle.marginFloor())) };
  }

  /** Proves `plan`, records the next opening as pending, sends, confirms. */
  private async submit(
    action: ActionReport["action"],
    v: ChainView,
    requirement: bigint,
    delta: BasketDelta,
    plan: PlannedUpdate,
    circuit: CircuitArtifacts,
    send: SendUpdate,
  ): Promise<ActionReport> {
    const out = await this.o.prover.prove(circuit, plan.input, this.o.onProgress);
    const proof: SolidityProof = packProof(out.proof);
    const { oldCommitment, newCommitment } = plan.publicSignals;
    // Record the next opening before the transaction exists: a crash after sending loses nothing.
    this.o.store.savePending(this.key, this.current, oldCommitment, plan.next, newCommitment, action);
    const tx = await send(v.epoch, newCommitment, noteStruct(plan.note), proofTuple(proof));
    const receipt = await tx.wait();
    if (receipt === null || receipt.status !== 1) throw new Error(`${action} transaction ${tx.hash} failed`);
    this.o.store.save(this.key, plan.next, newCommitment);
    this.current = plan.next;
    return { action, epoch: v.epoch, requirement, delta, newCommitment, note: plan.note, witnessMs: out.witnessMs, proveMs: out.proveMs, gasUsed: receipt.gasUsed, txHash: tx.hash };
  }

  /** The keeper this update encrypts to: the one given, else the one the account names now. */
  private async keeperTarget(): Promise<KeeperTarget> {
    if (this.o.keeper !== undefined) return this.o.keeper;
    const keeperId = BigInt((await this.o.engine.accountOf(this.key.owner)).keeperId);
    if (keeperId === 0n) throw new Error(`account ${this.key.owner} names no keeper yet: pass TraderOptions.keeper`);
    const r = new Contract(await this.o.engine.keeperRegistry(), ["function keyOf(uint256) view returns (uint256, uint256)"], this.o.signer) as unknown as KeeperRegistryContract;
    const [x, y] = await r.keyOf(keeperId);
    return { keeperId, key: [BigInt(x), BigInt(y)] };
  }
}
