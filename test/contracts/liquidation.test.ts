/**
 * Liquidation with insolvency proofs: a solvent account cannot be liquidated, the proof is bound to
 * the epoch, the stored commitment and the liquidator, the seizure never exceeds the oracle's bonus
 * rule (checked at its rounding edge), the owner recomputes and spends the remainder alone, and a
 * shortfall beyond the basket is advanced by the insurance fund with the accounts staying balanced.
 */
import { expect } from "chai";
import type { Signer } from "ethers";
import { network } from "hardhat";
import type { EngineContract, TokenContract } from "../../prover/src/contracts.js";
import { accountCommitment } from "../../prover/src/encoding.js";
import { remainderOpening, seizuresOf, SolventAccountError, type Seizure } from "../../prover/src/liquidation/witness.js";
import {
  buildInsolvencyInput,
  closeOutRequirement,
  closePart,
  NO_CAP,
  planLiquidation,
  readAuction,
  readLiquidationRules,
  readSeizureMarket,
  restoreBounds,
  seizureStruct,
  submitLiquidation,
  type LiquidationPlan,
} from "../../prover/src/liquidation/index.js";
import { seizurePayment } from "../../prover/src/margin.js";
import { initPoseidon } from "../../prover/src/poseidon.js";
import { accountRequirement } from "../../prover/src/margin.js";
import { frozenEpoch, fund, INSOLVENCY_ARTIFACTS, nextEpoch, now, type World } from "../../scripts/lib/world.js";
import { WitnessInputError } from "../../prover/src/validate.js";
import { ETH_PERP, e18, e6, GARBAGE_PROOF, openLongAccount, traderAt, USDC, WETH, type LongAccount } from "./helpers.js";

const { ethers, networkHelpers } = await network.create();
const h = await initPoseidon();

type Setup = LongAccount;

const openAccount = (): Promise<Setup> => openLongAccount(ethers);

/**
 * The same account after ETH fell to `price` (8 decimals): a new epoch, and more until the mark, which moves
 * at most markBandBps a sample, has reached the price.
 */
async function crashedTo(price: bigint): Promise<Setup> {
  const s = await networkHelpers.loadFixture(openAccount);
  s.w.prices.splice(0, s.w.prices.length, ...s.w.d.specs.map((x) => x.price));
  await nextEpoch(s.w, new Map([[WETH, price]]));
  while (BigInt(await s.w.d.oracle.assetMark(WETH)) !== price) await nextEpoch(s.w);
  return s;
}

async function plan(s: Setup, liquidator: Signer, opening = s.opening): Promise<{ plan: LiquidationPlan; epoch: bigint }> {
  const t = await traderAt(s.w, s.alice, opening);
  const view = await t.view();
  const market = await readSeizureMarket(s.w.d.oracle, USDC);
  const rules = await readLiquidationRules(s.w.d.engine);
  const { factor } = await readAuction(s.w.d.engine, rules, await s.alice.getAddress(), await now(s.w));
  return { plan: planLiquidation(h, { opening, view, market, liquidator: await liquidator.getAddress(), quoteDecimals: 6, rules, bonusBps: factor }), epoch: view.epoch };
}

/** Proves `input` and sends `liquidatePartial` from `liquidator`. */
async function sendPartial(s: Setup, liquidator: Signer, epoch: bigint, closeBps: number, bonusBps: number, seizures: Seizure[], input: Record<string, unknown>, remainderCommitment: bigint) {
  const out = await s.w.prover.prove(INSOLVENCY_ARTIFACTS, input);
  const { packProof, proofTuple } = await import("../../prover/src/calldata.js");
  const engine = s.w.d.engine.connect(liquidator) as EngineContract;
  return engine.liquidatePartial(await s.alice.getAddress(), epoch, closeBps, bonusBps, seizureStruct(seizures), remainderCommitment, proofTuple(packProof(out.proof)));
}

describe("MarginEngine #liquidate and #liquidatePartial", function () {
  const worlds = new Set<World>();
  after(async function () {
    for (const w of worlds) await w.prover.close();
  });
  const track = (s: Setup): Setup => {
    worlds.add(s.w);
    return s;
  };
  const view = async (s: Setup, opening = s.opening) => (await traderAt(s.w, s.alice, opening)).view();

  it("cannot liquidate a solvent account: no proof can be made, and a forged proof is rejected", async function () {
    const s = track(await networkHelpers.loadFixture(openAccount));
    let caught: unknown;
    try {
      await plan(s, s.keeper);
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(SolventAccountError);
    const engine = s.w.d.engine.connect(s.keeper) as EngineContract;
    await expect(engine.liquidate(await s.alice.getAddress(), await s.w.d.oracle.currentEpoch(), seizureStruct([]), 1n, GARBAGE_PROOF))
      .to.be.revertedWithCustomError(s.w.d.engine, "InvalidProof");
    await expect(engine.liquidatePartial(await s.alice.getAddress(), await s.w.d.oracle.currentEpoch(), 5_000, 2_000, seizureStruct([]), 1n, GARBAGE_PROOF))
      .to.be.revertedWithCustomError(s.w.d.engine, "InvalidProof");
  });

  it("partially liquidates an account it can restore: part of every position closes, the remainder clears the target and the lease renews", async function () {
    const s = track(await crashedTo(2_500_00000000n));
    const { plan: p, epoch } = await plan(s, s.keeper);
    const v = await view(s);
    expect(p.mode).to.equal("partial");
    expect(p.value).to.be.lessThan(p.requirement);
    expect(p.value).to.be.at.least(closeOutRequirement(v.positions, v.markets));
    expect(p.closeBps).to.be.greaterThan(0).and.lessThan(10_000);
    const usdc = s.w.d.tokens[USDC]! as TokenContract;
    const weth = s.w.d.tokens[WETH]! as TokenContract;
    const keeper = await s.keeper.getAddress();
    const pool = await s.w.d.market.getAddress();
    const engineAddr = await s.w.d.engine.getAddress();
    const before = { keeperUsdc: await usdc.balanceOf(keeper), keeperWeth: await weth.balanceOf(keeper), pool: await usdc.balanceOf(pool), engine: await usdc.balanceOf(engineAddr) };
    const { receipt } = await submitLiquidation({ engine: s.w.d.engine, liquidator: s.keeper, prover: s.w.prover, artifacts: INSOLVENCY_ARTIFACTS, account: await s.alice.getAddress(), epoch, plan: p });
    const closed = (10n * e18 * BigInt(p.closeBps)) / 10_000n;
    expect((await s.w.d.engine.positionOf(await s.alice.getAddress(), ETH_PERP)).size).to.equal(10n * e18 - closed);
    const seized = new Map(p.seizures.map((x) => [x.index, x.amount]));
    expect(await usdc.balanceOf(keeper)).to.equal(before.keeperUsdc - p.payment);
    // Pull payments: the seized WETH stays in custody, credited to the liquidator, until it claims it.
    expect(await weth.balanceOf(keeper)).to.equal(before.keeperWeth);
    expect(await s.w.d.engine.claimableOf!(keeper, WETH)).to.equal(seized.get(WETH) ?? 0n);
    expect(await usdc.balanceOf(pool)).to.equal(before.pool + p.loss);
    expect(await usdc.balanceOf(engineAddr)).to.equal(before.engine + p.delta);
    expect(p.delta).to.equal(p.payment - p.loss);
    const account = await s.w.d.engine.accountOf(await s.alice.getAddress());
    expect(account.commitment).to.equal(p.remainderCommitment);
    expect(account.leaseEpoch).to.equal(epoch);
    expect(account.frozen).to.equal(false);
    // The remainder is between the target and initial margin of what stays open.
    const after = await view(s, p.remainder);
    const bounds = restoreBounds(after.positions, after.markets, Number(await s.w.d.engine.targetHealthBps()));
    const remainderValue = p.remainder.amounts.reduce((t, a, i) => t + a * after.maintenanceWeights[i]!, 0n);
    expect(remainderValue).to.be.at.least(bounds.target).and.lessThan(bounds.cap);
    expect(remainderValue).to.be.greaterThan(accountRequirement(after.positions, after.markets, false));
    const ev = receipt.logs.map((l) => s.w.d.engine.interface.parseLog(l)).find((l) => l?.name === "PartiallyLiquidated");
    expect(ev?.args.liquidator).to.equal(keeper);
    expect(ev?.args.closeBps).to.equal(BigInt(p.closeBps));
    expect(ev?.args.payment).to.equal(p.payment);
    expect(ev?.args.basketDelta).to.equal(p.delta);
    console.log(`      partial liquidation gas: ${receipt.gasUsed} (closed ${p.closeBps} bps)`);
    // The owner recomputes the remainder from its old opening and the event, and keeps trading on it.
    const seizures: Seizure[] = [{ index: Number(ev!.args.indexA), amount: BigInt(ev!.args.amountA) }, { index: Number(ev!.args.indexB), amount: BigInt(ev!.args.amountB) }];
    const own = remainderOpening(h, s.opening, seizures, BigInt(ev!.args.basketDelta));
    expect(accountCommitment(h, own.amounts, own.blinding, own.owner)).to.equal(account.commitment);
    // Its wallet, holding only the old opening, recovers the same remainder from the event by itself.
    const wallet = await traderAt(s.w, s.alice, s.opening);
    expect(wallet.opening).to.deep.equal(own);
    await wallet.renewLease();
  });

  it("renews no lease past its keeper: with the account's keeper exiting, a partial liquidation keeps the old lease and clears the flag", async function () {
    const s = track(await crashedTo(2_500_00000000n));
    const alice = await s.alice.getAddress();
    const before = await s.w.d.engine.accountOf(alice);
    const registry = await ethers.getContractAt("KeeperRegistry", await s.w.d.engine.keeperRegistry());
    await (await (registry.connect(s.w.keeper.operator) as typeof registry).requestExit(s.w.keeper.keeperId)).wait();
    const { plan: p, epoch } = await plan(s, s.keeper);
    expect(p.mode).to.equal("partial");
    await submitLiquidation({ engine: s.w.d.engine, liquidator: s.keeper, prover: s.w.prover, artifacts: INSOLVENCY_ARTIFACTS, account: alice, epoch, plan: p });
    const after = await s.w.d.engine.accountOf(alice);
    expect(after.commitment).to.equal(p.remainderCommitment);
    expect(after.leaseEpoch).to.equal(before.leaseEpoch);
    expect(after.leaseEpoch).to.be.lessThan(epoch);
    expect((await s.w.d.engine.distressOf(alice)).flagEpoch).to.equal(0n);
  });

  it("refuses a full close of an account a partial liquidation can restore (InvalidProof against the close-out threshold)", async function () {
    const s = track(await crashedTo(2_500_00000000n));
    const v = await view(s);
    const maintenance = accountRequirement(v.positions, v.markets, false);
    const market = await readSeizureMarket(s.w.d.oracle, USDC);
    const { plan: p, epoch } = await plan(s, s.keeper);
    expect(p.mode).to.equal("partial");
    // A proof against the maintenance requirement (true: the account is insolvent) is not a close-out proof.
    const seizures = [{ index: WETH, amount: e18 / 2n }];
    const w = buildInsolvencyInput(h, { opening: s.opening, weights: v.maintenanceWeights, requirement: maintenance, seizures, liquidator: BigInt(await s.keeper.getAddress()) });
    const full: LiquidationPlan = { ...p, mode: "full", input: w.input as unknown as Record<string, unknown>, seizures, remainderCommitment: w.publicSignals.remainderCommitment };
    void market;
    await expect(submitLiquidation({ engine: s.w.d.engine, liquidator: s.keeper, prover: s.w.prover, artifacts: INSOLVENCY_ARTIFACTS, account: await s.alice.getAddress(), epoch, plan: full }))
      .to.be.revertedWithCustomError(s.w.d.engine, "InvalidProof");
  });

  it("rejects an over-liquidation: closing more than restoring needs leaves the remainder above initial margin (no proof; a forged cap fails InvalidProof)", async function () {
    const s = track(await crashedTo(2_500_00000000n));
    const { plan: p, epoch } = await plan(s, s.keeper);
    const v = await view(s);
    const market = await readSeizureMarket(s.w.d.oracle, USDC);
    const closeBps = 9_500;
    const part = closePart(v.positions, v.markets, closeBps, 6, market.settlement);
    const bounds = restoreBounds(part.remaining, v.markets, Number(await s.w.d.engine.targetHealthBps()));
    // Seize what pays the closed loss, the rest from the basket's USDC.
    const { seizurePayment: pay } = await import("../../prover/src/margin.js");
    const loss = -part.pnl;
    const weth = p.seizures[0]!.index === WETH ? e18 / 2n : e18 / 2n;
    const q = (await import("../../prover/src/liquidation/index.js")).atBonusFactor(market, p.bonusBps);
    const payment = pay([{ amount: weth, quote: q.quotes[WETH]! }], q.settlement);
    const delta = part.pnl + payment;
    const seizures = [{ index: WETH, amount: weth }, { index: USDC, amount: 0n }];
    const args = { opening: s.opening, weights: v.maintenanceWeights, requirement: p.requirement, seizures, liquidator: BigInt(await s.keeper.getAddress()) };
    expect(payment).to.be.at.most(loss + part.closedMargin);
    expect(() => buildInsolvencyInput(h, { ...args, restore: { target: bounds.target, delta, cap: bounds.cap } })).to.throw(WitnessInputError, /restore\.cap/);
    const forged = buildInsolvencyInput(h, { ...args, restore: { target: bounds.target, delta, cap: NO_CAP } });
    await expect(sendPartial(s, s.keeper, epoch, closeBps, p.bonusBps, seizures, forged.input as unknown as Record<string, unknown>, forged.publicSignals.remainderCommitment))
      .to.be.revertedWithCustomError(s.w.d.engine, "InvalidProof");
  });

  it("rejects an over-seizure: a payment above the closed loss plus the closed part's maintenance margin reverts SeizureTooLarge", async function () {
    const s = track(await crashedTo(2_500_00000000n));
    const { plan: p, epoch } = await plan(s, s.keeper);
    const v = await view(s);
    const market = await readSeizureMarket(s.w.d.oracle, USDC);
    const part = closePart(v.positions, v.markets, p.closeBps, 6, market.settlement);
    const bound = -part.pnl + part.closedMargin;
    const q = (await import("../../prover/src/liquidation/index.js")).atBonusFactor(market, p.bonusBps);
    const { seizurePayment: pay } = await import("../../prover/src/margin.js");
    const all = [{ index: WETH, amount: e18 }, { index: USDC, amount: 4_000n * e6 }];
    const payment = pay([{ amount: e18, quote: q.quotes[WETH]! }, { amount: 4_000n * e6, quote: q.quotes[USDC]! }], q.settlement);
    expect(payment).to.be.greaterThan(bound);
    const engine = s.w.d.engine.connect(s.keeper) as EngineContract;
    await expect(engine.liquidatePartial(await s.alice.getAddress(), epoch, p.closeBps, p.bonusBps, seizureStruct(all), 1n, GARBAGE_PROOF))
      .to.be.revertedWithCustomError(s.w.d.engine, "SeizureTooLarge")
      .withArgs(payment, bound);
  });

  it("rejects a partial liquidation that leaves the account below maintenance (no proof; a forged target fails InvalidProof)", async function () {
    const s = track(await crashedTo(2_500_00000000n));
    const { plan: p, epoch } = await plan(s, s.keeper);
    const v = await view(s);
    const market = await readSeizureMarket(s.w.d.oracle, USDC);
    const closeBps = 100; // 1%: far from restoring
    const part = closePart(v.positions, v.markets, closeBps, 6, market.settlement);
    const bounds = restoreBounds(part.remaining, v.markets, Number(await s.w.d.engine.targetHealthBps()));
    const delta = part.pnl; // nothing seized: the closed loss comes out of the basket's USDC
    const seizures = [{ index: WETH, amount: 0n }, { index: USDC, amount: 0n }];
    const remainder = remainderOpening(h, s.opening, seizures, delta);
    const remainderValue = remainder.amounts.reduce((t, a, i) => t + a * v.maintenanceWeights[i]!, 0n);
    expect(remainderValue).to.be.lessThan(accountRequirement(part.remaining, v.markets, false));
    const args = { opening: s.opening, weights: v.maintenanceWeights, requirement: p.requirement, seizures, liquidator: BigInt(await s.keeper.getAddress()) };
    expect(() => buildInsolvencyInput(h, { ...args, restore: { target: bounds.target, delta, cap: bounds.cap } })).to.throw(WitnessInputError, /restore\.target/);
    const forged = buildInsolvencyInput(h, { ...args, restore: { target: 0n, delta, cap: bounds.cap } });
    await expect(sendPartial(s, s.keeper, epoch, closeBps, p.bonusBps, seizures, forged.input as unknown as Record<string, unknown>, forged.publicSignals.remainderCommitment))
      .to.be.revertedWithCustomError(s.w.d.engine, "InvalidProof");
  });

  it("checks closeBps, the delta's slot and the bid before the proof", async function () {
    const s = track(await crashedTo(2_500_00000000n));
    const { plan: p, epoch } = await plan(s, s.keeper);
    const engine = s.w.d.engine.connect(s.keeper) as EngineContract;
    const alice = await s.alice.getAddress();
    for (const bps of [0, 10_000]) {
      await expect(engine.liquidatePartial(alice, epoch, bps, p.bonusBps, seizureStruct(p.seizures), 1n, GARBAGE_PROOF))
        .to.be.revertedWithCustomError(s.w.d.engine, "CloseOutOfRange").withArgs(bps);
    }
    // The delta moves the settlement slot: it must be the second seizure's.
    await expect(engine.liquidatePartial(alice, epoch, p.closeBps, p.bonusBps, seizureStruct([{ index: WETH, amount: p.seizures[0]!.amount / 2n }, { index: WETH + 1, amount: 0n }]), 1n, GARBAGE_PROOF))
      .to.be.revertedWithCustomError(s.w.d.engine, "DeltaSlot").withArgs(WETH + 1, USDC);
    // Nobody flagged the account: the auction opens now, at auctionStartBps.
    const start = Number(await s.w.d.engine.auctionStartBps());
    expect(p.bonusBps).to.equal(start);
    await expect(engine.liquidatePartial(alice, epoch, p.closeBps, start + 1, seizureStruct(p.seizures), 1n, GARBAGE_PROOF))
      .to.be.revertedWithCustomError(s.w.d.engine, "BonusAboveAuction").withArgs(start + 1, start);
  });

  it("liquidates while the crashed asset cools off and while its price is frozen: maintenance weights and the last mark still count", async function () {
    const s = track(await crashedTo(2_500_00000000n));
    const { w } = s;
    // The 20% crash tripped WETH's breaker: ETH-PERP takes no new risk, but liquidation goes on.
    expect((await w.d.oracle.riskState(WETH))[1]).to.be.greaterThan(0n);
    expect(await w.d.oracle.marketHalted(ETH_PERP)).to.equal(true);
    const cooling = await plan(s, s.keeper);
    expect(cooling.plan.mode).to.equal("partial");
    const snapshot = await networkHelpers.takeSnapshot();
    await submitLiquidation({ engine: w.d.engine, liquidator: s.keeper, prover: w.prover, artifacts: INSOLVENCY_ARTIFACTS, account: await s.alice.getAddress(), epoch: cooling.epoch, plan: cooling.plan });
    expect((await w.d.engine.positionOf(await s.alice.getAddress(), ETH_PERP)).size).to.be.lessThan(10n * e18);
    await snapshot.restore();
    // Then every WETH source goes stale: the asset is frozen at $2,500.
    await frozenEpoch(w, [WETH]);
    expect((await w.d.oracle.riskState(WETH))[0]).to.equal(true);
    expect((await w.d.oracle.weightVectors())[0][WETH]).to.equal(0n);
    const { plan: p, epoch } = await plan(s, s.keeper);
    expect(p.mode).to.equal("partial");
    await submitLiquidation({ engine: w.d.engine, liquidator: s.keeper, prover: w.prover, artifacts: INSOLVENCY_ARTIFACTS, account: await s.alice.getAddress(), epoch, plan: p });
    expect((await w.d.engine.accountOf(await s.alice.getAddress())).commitment).to.equal(p.remainderCommitment);
  });

  it("refuses every liquidation against a stale oracle (OracleStale)", async function () {
    const s = track(await crashedTo(2_500_00000000n));
    const { plan: p, epoch } = await plan(s, s.keeper);
    await networkHelpers.time.increase(2n * s.w.gridSeconds + 1n);
    await expect(submitLiquidation({ engine: s.w.d.engine, liquidator: s.keeper, prover: s.w.prover, artifacts: INSOLVENCY_ARTIFACTS, account: await s.alice.getAddress(), epoch, plan: p }))
      .to.be.revertedWithCustomError(s.w.d.engine, "OracleStale");
    const engine = s.w.d.engine.connect(s.keeper) as EngineContract;
    await expect(engine.liquidate(await s.alice.getAddress(), epoch, seizureStruct([]), 1n, GARBAGE_PROOF)).to.be.revertedWithCustomError(s.w.d.engine, "OracleStale");
  });

  it("rejects a proof against an old epoch (StaleEpoch) or an old commitment (InvalidProof)", async function () {
    const s = track(await crashedTo(2_500_00000000n));
    const { plan: p, epoch } = await plan(s, s.keeper);
    await nextEpoch(s.w, new Map([[WETH, 2_390_00000000n]]));
    await expect(submitLiquidation({ engine: s.w.d.engine, liquidator: s.keeper, prover: s.w.prover, artifacts: INSOLVENCY_ARTIFACTS, account: await s.alice.getAddress(), epoch, plan: p }))
      .to.be.revertedWithCustomError(s.w.d.engine, "StaleEpoch");
    // The owner tops up: the commitment the keeper proved against is gone.
    const { plan: p2, epoch: e2 } = await plan(s, s.keeper);
    await fund(s.w, s.alice, new Map([[USDC, e6]]));
    const t = await traderAt(s.w, s.alice, s.opening);
    await t.deposit(USDC, e6);
    await expect(submitLiquidation({ engine: s.w.d.engine, liquidator: s.keeper, prover: s.w.prover, artifacts: INSOLVENCY_ARTIFACTS, account: await s.alice.getAddress(), epoch: e2, plan: p2 }))
      .to.be.revertedWithCustomError(s.w.d.engine, "InvalidProof");
  });

  it("rejects a liquidation copied by another sender: the proof names its liquidator", async function () {
    const s = track(await crashedTo(2_500_00000000n));
    const { plan: p, epoch } = await plan(s, s.keeper);
    await expect(submitLiquidation({ engine: s.w.d.engine, liquidator: s.other, prover: s.w.prover, artifacts: INSOLVENCY_ARTIFACTS, account: await s.alice.getAddress(), epoch, plan: p }))
      .to.be.revertedWithCustomError(s.w.d.engine, "InvalidProof");
  });

  it("reverts DuplicateSeizure for one slot named twice with two amounts", async function () {
    const s = track(await crashedTo(2_500_00000000n));
    const engine = s.w.d.engine.connect(s.keeper) as EngineContract;
    await expect(engine.liquidate(await s.alice.getAddress(), await s.w.d.oracle.currentEpoch(), { indexA: USDC, amountA: 1n, indexB: USDC, amountB: 1n }, 1n, GARBAGE_PROOF))
      .to.be.revertedWithCustomError(s.w.d.engine, "DuplicateSeizure")
      .withArgs(USDC);
  });

  it("fully closes an account that cannot be restored: the shortfall goes to the insurance fund, which pays the pool, and the account freezes with the debt", async function () {
    const s = track(await crashedTo(2_000_00000000n));
    const usdc = s.w.d.tokens[USDC]! as TokenContract;
    const fundAddr = await s.w.d.engine.insuranceFund();
    await (await usdc.mint(fundAddr, 50_000n * e6)).wait();
    const pool = await s.w.d.market.getAddress();
    const engineAddr = await s.w.d.engine.getAddress();
    const before = { pool: await usdc.balanceOf(pool), fund: await usdc.balanceOf(fundAddr), engineUsdc: await usdc.balanceOf(engineAddr) };
    const { plan: p, epoch } = await plan(s, s.keeper);
    expect(p.mode).to.equal("full");
    expect(p.loss).to.equal(10_000n * e6);
    // Everything is seized and still falls short of the loss.
    expect(p.seizures.map((x) => x.amount)).to.deep.equal([5_000n * e6, e18]);
    const shortfall = p.loss - p.payment;
    expect(shortfall).to.be.greaterThan(0n);
    const { receipt } = await submitLiquidation({ engine: s.w.d.engine, liquidator: s.keeper, prover: s.w.prover, artifacts: INSOLVENCY_ARTIFACTS, account: await s.alice.getAddress(), epoch, plan: p });
    console.log(`      full liquidation gas: ${receipt.gasUsed}`);
    expect(await usdc.balanceOf(pool)).to.equal(before.pool + p.loss);
    // The keeper's bond pays the first part of the shortfall, up to its draw cap; the fund the rest.
    const cap = BigInt(await s.w.d.keeperRegistry.drawCap());
    expect(await usdc.balanceOf(fundAddr)).to.equal(before.fund - (shortfall - cap));
    expect(await usdc.balanceOf(engineAddr)).to.equal(before.engineUsdc - 5_000n * e6);
    const account = await s.w.d.engine.accountOf(await s.alice.getAddress());
    expect(account.frozen).to.equal(true);
    expect(account.openMarkets).to.equal(0n);
    expect(account.commitment).to.equal(p.remainderCommitment);
    expect((await s.w.d.engine.settlementOf(await s.alice.getAddress())).basketDelta).to.equal(-shortfall);
    expect(account.leaseTimestamp, "when it froze").to.equal(BigInt((await ethers.provider.getBlock(receipt.blockNumber))!.timestamp));
    // Conservation: the USDC that left the engine and the fund is exactly what reached the pool and the keeper.
    expect(await usdc.balanceOf(engineAddr)).to.equal(0n);
    const ev = receipt.logs.map((l) => s.w.d.engine.interface.parseLog(l)).find((l) => l?.name === "Liquidated");
    expect(ev?.args.payment).to.equal(p.payment);
  });

  it("never pays out more than the bonus rule allows on a full close: the largest seizure passes, one more base unit reverts SeizureTooLarge", async function () {
    const s = track(await crashedTo(2_000_00000000n));
    const usdc = s.w.d.tokens[USDC]! as TokenContract;
    await (await usdc.mint(await s.w.d.engine.insuranceFund(), 50_000n * e6)).wait();
    // Alice holds 2 WETH more: the full close's seizure then stops short of the loss's edge.
    await fund(s.w, s.alice, new Map([[WETH, 2n * e18]]));
    const t = await traderAt(s.w, s.alice, s.opening);
    await t.deposit(WETH, 2n * e18);
    const { plan: p, epoch } = await plan(s, s.keeper, t.opening);
    expect(p.mode).to.equal("full");
    const market = (await import("../../prover/src/liquidation/index.js")).atBonusFactor(await readSeizureMarket(s.w.d.oracle, USDC), p.bonusBps);
    const last = p.seizures[p.seizures.length - 1]!;
    const over = p.seizures.map((x) => (x === last ? { ...x, amount: x.amount + 1n } : x));
    const overPayment = seizurePayment(over.map((x) => ({ amount: x.amount, quote: market.quotes[x.index]! })), market.settlement);
    expect(overPayment).to.be.greaterThan(p.loss);
    expect(p.payment).to.be.at.most(p.loss);
    const v = await view(s, t.opening);
    const wtn = buildInsolvencyInput(h, { opening: t.opening, weights: v.maintenanceWeights, requirement: p.requirement, seizures: over, liquidator: BigInt(await s.keeper.getAddress()) });
    const tooMuch: LiquidationPlan = { ...p, input: wtn.input as unknown as Record<string, unknown>, seizures: over, remainderCommitment: wtn.publicSignals.remainderCommitment };
    await expect(submitLiquidation({ engine: s.w.d.engine, liquidator: s.keeper, prover: s.w.prover, artifacts: INSOLVENCY_ARTIFACTS, account: await s.alice.getAddress(), epoch, plan: tooMuch }))
      .to.be.revertedWithCustomError(s.w.d.engine, "SeizureTooLarge")
      .withArgs(overPayment, p.loss);
    await submitLiquidation({ engine: s.w.d.engine, liquidator: s.keeper, prover: s.w.prover, artifacts: INSOLVENCY_ARTIFACTS, account: await s.alice.getAddress(), epoch, plan: p });
  });
});
