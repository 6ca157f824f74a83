/**
 * Liquidation with insolvency proofs: a solvent account cannot be liquidated, the proof is bound to
 * the epoch, the stored commitment and the liquidator, the seizure never exceeds the oracle's bonus
 * rule (checked at its rounding edge), the owner recomputes and spends the remainder alone, and a
 * shortfall beyond the basket is advanced by the insurance fund with the accounts staying balanced.
 */
import { expect } from "chai";
import type { Signer } from "ethers";
import { network } from "hardhat";
import type { AccountOpening } from "../../prover/src/account.js";
import type { EngineContract, TokenContract } from "../../prover/src/contracts.js";
import { accountCommitment } from "../../prover/src/encoding.js";
import { remainderOpening, seizuresOf, SolventAccountError, type Seizure } from "../../prover/src/liquidation/witness.js";
import { planLiquidation, readSeizureMarket, seizureStruct, submitLiquidation, type LiquidationPlan } from "../../prover/src/liquidation/index.js";
import { seizurePayment } from "../../prover/src/margin.js";
import { initPoseidon } from "../../prover/src/poseidon.js";
import { createWorld, fund, INSOLVENCY_ARTIFACTS, nextEpoch, seedPool, type World } from "../../scripts/lib/world.js";
import { ETH_PERP, e18, e6, GARBAGE_PROOF, traderAt, USDC, WETH } from "./helpers.js";

const { ethers, networkHelpers } = await network.create();
const h = await initPoseidon();

interface Setup {
  w: World;
  alice: Signer;
  keeper: Signer;
  other: Signer;
  /** Alice's opening: 5,000 USDC and 1 WETH, long 10 ETH-PERP from $3,000. */
  opening: AccountOpening;
}

/** Alice opened a long 10 ETH-PERP at $3,000 with 5,000 USDC and 1 WETH; keepers hold USDC. */
async function openAccount(): Promise<Setup> {
  const [, lp, alice, keeper, other] = await ethers.getSigners();
  const w = await createWorld(ethers);
  await seedPool(w, lp!, 1_000_000n * e6);
  await fund(w, alice!, new Map([[USDC, 5_000n * e6], [WETH, e18]]));
  const t = await traderAt(w, alice!);
  await t.deposit(USDC, 5_000n * e6);
  await t.deposit(WETH, e18);
  await t.trade(ETH_PERP, 10n * e18);
  for (const k of [keeper!, other!]) {
    const usdc = w.d.tokens[USDC]!.connect(k) as TokenContract;
    await (await usdc.mint(await k.getAddress(), 100_000n * e6)).wait();
    await (await usdc.approve(await w.d.engine.getAddress(), 100_000n * e6)).wait();
    // A working liquidator already holds some of what it seizes (its gas then reflects a running keeper).
    await (await (w.d.tokens[WETH]! as TokenContract).mint(await k.getAddress(), e18)).wait();
  }
  return { w, alice: alice!, keeper: keeper!, other: other!, opening: t.opening };
}

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
  return { plan: planLiquidation(h, { opening, view, market, liquidator: await liquidator.getAddress(), quoteDecimals: 6 }), epoch: view.epoch };
}

describe("MarginEngine #liquidate", function () {
  const worlds = new Set<World>();
  after(async function () {
    for (const w of worlds) await w.prover.close();
  });
  const track = (s: Setup): Setup => {
    worlds.add(s.w);
    return s;
  };

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
  });

  it("liquidates an insolvent account: positions close at the mark, the liquidator pays the loss and takes the seizure", async function () {
    const s = track(await crashedTo(2_400_00000000n));
    const { plan: p, epoch } = await plan(s, s.keeper);
    expect(p.value).to.be.lessThan(p.requirement);
    expect(p.loss).to.equal(6_000n * e6); // 10 ETH from 3,000 to 2,400
    expect(p.payment).to.be.at.most(p.loss);
    const usdc = s.w.d.tokens[USDC]! as TokenContract;
    const weth = s.w.d.tokens[WETH]! as TokenContract;
    const keeper = await s.keeper.getAddress();
    const pool = await s.w.d.market.getAddress();
    const before = { keeperUsdc: await usdc.balanceOf(keeper), keeperWeth: await weth.balanceOf(keeper), pool: await usdc.balanceOf(pool) };
    const { receipt } = await submitLiquidation({ engine: s.w.d.engine, liquidator: s.keeper, prover: s.w.prover, artifacts: INSOLVENCY_ARTIFACTS, account: await s.alice.getAddress(), epoch, plan: p });
    const seized = new Map(p.seizures.map((x) => [x.index, x.amount]));
    expect(await usdc.balanceOf(keeper)).to.equal(before.keeperUsdc - p.payment + (seized.get(USDC) ?? 0n));
    expect(await weth.balanceOf(keeper)).to.equal(before.keeperWeth + (seized.get(WETH) ?? 0n));
    expect(await usdc.balanceOf(pool)).to.equal(before.pool + p.payment + (p.loss - p.payment));
    const account = await s.w.d.engine.accountOf(await s.alice.getAddress());
    expect(account.commitment).to.equal(p.remainderCommitment);
    expect(account.openMarkets).to.equal(0n);
    const ev = receipt.logs.map((l) => s.w.d.engine.interface.parseLog(l)).find((l) => l?.name === "Liquidated");
    expect(ev?.args.liquidator).to.equal(keeper);
    expect(ev?.args.payment).to.equal(p.payment);
    console.log(`      liquidation gas: ${receipt.gasUsed}`);
  });

  it("liquidates while the crashed asset cools off and while its price is frozen: maintenance weights and the last mark still count", async function () {
    const s = track(await crashedTo(2_400_00000000n));
    const { w } = s;
    // The 20% crash tripped WETH's breaker: ETH-PERP takes no new risk, but liquidation goes on.
    expect((await w.d.oracle.riskState(WETH))[1]).to.be.greaterThan(0n);
    expect(await w.d.oracle.marketHalted(ETH_PERP)).to.equal(true);
    // Then every WETH source goes stale: the asset is frozen at $2,400.
    const t = BigInt(await networkHelpers.time.latest());
    const next = (t / w.gridSeconds + 1n) * w.gridSeconds + 1n;
    await networkHelpers.time.setNextBlockTimestamp(next);
    await networkHelpers.mine();
    const stale = next - BigInt(await w.d.oracle.maxStaleness()) - 1n;
    for (let slot = 0; slot < w.prices.length; slot++) {
      for (const f of w.d.feeds[slot]!) await (await f.setAnswer(w.prices[slot]!, slot === WETH ? stale : next)).wait();
    }
    await (await w.d.oracle.poke()).wait();
    expect((await w.d.oracle.riskState(WETH))[0]).to.equal(true);
    expect((await w.d.oracle.weightVectors())[0][WETH]).to.equal(0n);
    const { plan: p, epoch } = await plan(s, s.keeper);
    expect(p.loss).to.equal(6_000n * e6); // settled at the last valid mark
    await submitLiquidation({ engine: w.d.engine, liquidator: s.keeper, prover: w.prover, artifacts: INSOLVENCY_ARTIFACTS, account: await s.alice.getAddress(), epoch, plan: p });
    expect((await w.d.engine.accountOf(await s.alice.getAddress())).openMarkets).to.equal(0n);
  });

  it("lets the owner recompute the remainder from its old opening and the public seizure, and spend it", async function () {
    const s = track(await crashedTo(2_400_00000000n));
    const { plan: p, epoch } = await plan(s, s.keeper);
    const { receipt } = await submitLiquidation({ engine: s.w.d.engine, liquidator: s.keeper, prover: s.w.prover, artifacts: INSOLVENCY_ARTIFACTS, account: await s.alice.getAddress(), epoch, plan: p });
    // The owner reads only the event: the packed seizure it can rebuild from the indexed fields.
    const ev = receipt.logs.map((l) => s.w.d.engine.interface.parseLog(l)).find((l) => l?.name === "Liquidated")!;
    const seizures: Seizure[] = [
      { index: Number(ev.args.indexA), amount: BigInt(ev.args.amountA) },
      { index: Number(ev.args.indexB), amount: BigInt(ev.args.amountB) },
    ].filter((x) => x.amount > 0n);
    const remainder = remainderOpening(h, s.opening, seizures);
    expect(accountCommitment(h, remainder.amounts, remainder.blinding, remainder.owner)).to.equal((await s.w.d.engine.accountOf(await s.alice.getAddress())).commitment);
    expect(seizuresOf(BigInt(ev.args.indexA) << 150n | BigInt(ev.args.indexB) << 154n, BigInt(ev.args.amountA) | BigInt(ev.args.amountB) << 96n)
      .filter((x) => x.amount > 0n)).to.deep.equal(seizures);
    const t = await traderAt(s.w, s.alice, remainder);
    const left = remainder.amounts[WETH]!;
    expect(left).to.be.greaterThan(0n);
    const wallet = await (s.w.d.tokens[WETH]! as TokenContract).balanceOf(await s.alice.getAddress());
    await t.withdraw(WETH, left);
    expect(await (s.w.d.tokens[WETH]! as TokenContract).balanceOf(await s.alice.getAddress())).to.equal(wallet + left);
  });

  it("rejects a proof against an old epoch (StaleEpoch) or an old commitment (InvalidProof)", async function () {
    const s = track(await crashedTo(2_400_00000000n));
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
    const s = track(await crashedTo(2_400_00000000n));
    const { plan: p, epoch } = await plan(s, s.keeper);
    await expect(submitLiquidation({ engine: s.w.d.engine, liquidator: s.other, prover: s.w.prover, artifacts: INSOLVENCY_ARTIFACTS, account: await s.alice.getAddress(), epoch, plan: p }))
      .to.be.revertedWithCustomError(s.w.d.engine, "InvalidProof");
  });

  it("never pays out more than the bonus rule allows: the largest seizure passes, one more base unit reverts SeizureTooLarge", async function () {
    const s = track(await crashedTo(2_400_00000000n));
    const { plan: p, epoch } = await plan(s, s.keeper);
    const market = await readSeizureMarket(s.w.d.oracle, USDC);
    const last = p.seizures[p.seizures.length - 1]!;
    const over = p.seizures.map((x) => (x === last ? { ...x, amount: x.amount + 1n } : x));
    const overPayment = seizurePayment(over.map((x) => ({ amount: x.amount, quote: market.quotes[x.index]! })), market.settlement);
    expect(overPayment).to.be.greaterThan(p.loss);
    expect(p.payment).to.be.at.most(p.loss);
    const t = await traderAt(s.w, s.alice, s.opening);
    const view = await t.view();
    const { buildInsolvencyInput } = await import("../../prover/src/liquidation/witness.js");
    const wtn = buildInsolvencyInput(h, { opening: s.opening, weights: view.maintenanceWeights, requirement: p.requirement, seizures: over, liquidator: BigInt(await s.keeper.getAddress()) });
    const tooMuch: LiquidationPlan = { ...p, input: wtn.input as unknown as Record<string, unknown>, seizures: over, remainderCommitment: wtn.publicSignals.remainderCommitment };
    await expect(submitLiquidation({ engine: s.w.d.engine, liquidator: s.keeper, prover: s.w.prover, artifacts: INSOLVENCY_ARTIFACTS, account: await s.alice.getAddress(), epoch, plan: tooMuch }))
      .to.be.revertedWithCustomError(s.w.d.engine, "SeizureTooLarge")
      .withArgs(overPayment, p.loss);
    await submitLiquidation({ engine: s.w.d.engine, liquidator: s.keeper, prover: s.w.prover, artifacts: INSOLVENCY_ARTIFACTS, account: await s.alice.getAddress(), epoch, plan: p });
  });

  it("reverts DuplicateSeizure for one slot named twice with two amounts", async function () {
    const s = track(await crashedTo(2_400_00000000n));
    const engine = s.w.d.engine.connect(s.keeper) as EngineContract;
    await expect(engine.liquidate(await s.alice.getAddress(), await s.w.d.oracle.currentEpoch(), { indexA: USDC, amountA: 1n, indexB: USDC, amountB: 1n }, 1n, GARBAGE_PROOF))
      .to.be.revertedWithCustomError(s.w.d.engine, "DuplicateSeizure")
      .withArgs(USDC);
  });

  it("sends a shortfall beyond the basket to the insurance fund, which pays the pool, and freezes the account with the debt", async function () {
    const s = track(await crashedTo(2_000_00000000n));
    const usdc = s.w.d.tokens[USDC]! as TokenContract;
    const fundAddr = await s.w.d.engine.insuranceFund();
    await (await usdc.mint(fundAddr, 50_000n * e6)).wait();
    const pool = await s.w.d.market.getAddress();
    const engineAddr = await s.w.d.engine.getAddress();
    const before = { pool: await usdc.balanceOf(pool), fund: await usdc.balanceOf(fundAddr), engineUsdc: await usdc.balanceOf(engineAddr) };
    const { plan: p, epoch } = await plan(s, s.keeper);
    expect(p.loss).to.equal(10_000n * e6);
    // Everything is seized and still falls short of the loss.
    expect(p.seizures.map((x) => x.amount)).to.deep.equal([5_000n * e6, e18]);
    const shortfall = p.loss - p.payment;
    expect(shortfall).to.be.greaterThan(0n);
    await submitLiquidation({ engine: s.w.d.engine, liquidator: s.keeper, prover: s.w.prover, artifacts: INSOLVENCY_ARTIFACTS, account: await s.alice.getAddress(), epoch, plan: p });
    expect(await usdc.balanceOf(pool)).to.equal(before.pool + p.loss);
    // The keeper's bond pays the first part of the shortfall, up to its draw cap; the fund the rest.
    const cap = BigInt(await s.w.d.keeperRegistry.drawCap());
    expect(await usdc.balanceOf(fundAddr)).to.equal(before.fund - (shortfall - cap));
    expect(await usdc.balanceOf(engineAddr)).to.equal(before.engineUsdc - 5_000n * e6);
    const account = await s.w.d.engine.accountOf(await s.alice.getAddress());
    expect(account.frozen).to.equal(true);
    expect((await s.w.d.engine.settlementOf(await s.alice.getAddress())).basketDelta).to.equal(-shortfall);
    // Conservation: the USDC that left the engine and the fund is exactly what reached the pool and the keeper.
    expect(await usdc.balanceOf(engineAddr)).to.equal(0n);
  });
});
