/**
 * The Dutch-auction bonus and the seizure of frozen accounts with debt (issue 9, sections 5 and 6),
 * with real insolvency proofs:
 * - a proof that seizes nothing flags an account; the bonus a liquidator may bid rises from
 *   `auctionStartBps` of the oracle's bound to the bound over `auctionDuration`, a higher bid reverts
 *   `BonusAboveAuction`, and a later bid pays the trader less; the flag clears when the account
 *   recovers (a lease renewal or a partial liquidation);
 * - a frozen account whose owner never settles is seized `seizeDelay` after it froze, against its
 *   debt: the insurance fund that advanced the loss is repaid and the account unfreezes;
 * - a full close of an account that cannot be restored;
 * - each in each oracle state: fresh, stale (refused), WETH frozen, WETH cooling off.
 */
import { expect } from "chai";
import { network } from "hardhat";
import type { EngineContract, TokenContract } from "../../prover/src/contracts.js";
import { accountCommitment } from "../../prover/src/encoding.js";
import {
  auctionFactor,
  planFlag,
  planFrozenSeizure,
  planLiquidation,
  readAuction,
  readLiquidationRules,
  readSeizureMarket,
  seizureStruct,
  submitFlag,
  submitFrozenSeizure,
  submitLiquidation,
  type LiquidationRules,
} from "../../prover/src/liquidation/index.js";
import { remainderOpening } from "../../prover/src/liquidation/witness.js";
import { initPoseidon } from "../../prover/src/poseidon.js";
import { elapse, frozenEpoch, fund, INSOLVENCY_ARTIFACTS, nextEpoch, now, type World } from "../../scripts/lib/world.js";
import { DEV_LEASE } from "../../prover/src/devnet.js";
import { e18, e6, GARBAGE_PROOF, openLongAccount, traderAt, USDC, WETH, type LongAccount } from "./helpers.js";

const { ethers, networkHelpers } = await network.create();
const h = await initPoseidon();

interface Setup extends LongAccount {
  rules: LiquidationRules;
}

/** The liquidation suites' account (helpers.ts), with 50,000 USDC in the insurance fund to advance losses. */
async function openAccount(): Promise<Setup> {
  const s = await openLongAccount(ethers);
  await (await (s.w.d.tokens[USDC]! as TokenContract).mint(await s.w.d.engine.insuranceFund(), 50_000n * e6)).wait();
  return { ...s, rules: await readLiquidationRules(s.w.d.engine) };
}

type OracleState = "fresh" | "frozen" | "cooling off";

/**
 * ETH at `price` in `state`: "cooling off" crashes in one sample (the breaker trips), "fresh" walks
 * down in small steps and waits for any breaker to cool, "frozen" then goes stale.
 */
async function reach(s: Setup, price: bigint, state: OracleState): Promise<void> {
  s.w.prices.splice(0, s.w.prices.length, ...s.w.d.specs.map((x) => x.price));
  if (state === "cooling off") {
    await nextEpoch(s.w, new Map([[WETH, price]]));
  } else {
    const start = s.w.prices[WETH]!;
    for (let k = 1n; k <= 10n; k++) await nextEpoch(s.w, new Map([[WETH, start - ((start - price) * k) / 10n]]));
    for (let k = 0; k < 12 && (await s.w.d.oracle.riskState(WETH))[1] > 0n; k++) await nextEpoch(s.w);
    if (state === "frozen") await frozenEpoch(s.w, [WETH]);
  }
  const [frozen, cooling] = await s.w.d.oracle.riskState(WETH);
  expect(frozen, "WETH frozen").to.equal(state === "frozen");
  expect(cooling > 0n, "WETH cooling off").to.equal(state === "cooling off");
}

async function viewOf(s: Setup, opening = s.opening) {
  return (await traderAt(s.w, s.alice, opening)).view();
}

async function planAt(s: Setup, bonusBps: number) {
  const v = await viewOf(s);
  const market = await readSeizureMarket(s.w.d.oracle, USDC);
  return { plan: planLiquidation(h, { opening: s.opening, view: v, market, liquidator: await s.keeper.getAddress(), quoteDecimals: 6, rules: s.rules, bonusBps }), epoch: v.epoch };
}

describe("MarginEngine #flagLiquidatable and the Dutch auction", function () {
  const worlds = new Set<World>();
  after(async function () {
    for (const w of worlds) await w.prover.close();
  });
  const load = async (): Promise<Setup> => {
    const s = await networkHelpers.loadFixture(openAccount);
    worlds.add(s.w);
    return s;
  };

  it("computes the auction's factor as the engine does: from auctionStartBps to 10,000 over auctionDuration", function () {
    const rules = { targetHealthBps: 5_000, auctionStartBps: 2_000, auctionDuration: 1_800n };
    expect([0n, 1n, 900n, 1_799n, 1_800n, 10_000n].map((t) => auctionFactor(rules, 100n, 100n + t))).to.deep.equal([2_000, 2_004, 6_000, 9_995, 10_000, 10_000]);
    expect(auctionFactor(rules, 100n, 50n)).to.equal(2_000);
  });

  for (const state of ["fresh", "frozen", "cooling off"] as const) {
    it(`WETH ${state}: a flag starts the auction, the bid may rise with it, a later bid pays the trader less, and the partial liquidation clears the flag`, async function () {
      const s = await load();
      await reach(s, 2_500_00000000n, state);
      const alice = await s.alice.getAddress();
      const v = await viewOf(s);
      const flag = planFlag(h, { opening: s.opening, view: v, liquidator: await s.other.getAddress() });
      const { receipt } = await submitFlag({ engine: s.w.d.engine, flagger: s.other, prover: s.w.prover, artifacts: INSOLVENCY_ARTIFACTS, account: alice, epoch: v.epoch, plan: flag });
      const flaggedAt = BigInt((await ethers.provider.getBlock(receipt.blockNumber))!.timestamp);
      expect((await s.w.d.engine.distressOf(alice)).flagEpoch).to.equal(v.epoch);
      const ev = receipt.logs.map((l) => s.w.d.engine.interface.parseLog(l)).find((l) => l?.name === "Flagged");
      expect(ev?.args.flagger).to.equal(await s.other.getAddress());
      await expect(submitFlag({ engine: s.w.d.engine, flagger: s.other, prover: s.w.prover, artifacts: INSOLVENCY_ARTIFACTS, account: alice, epoch: v.epoch, plan: flag }))
        .to.be.revertedWithCustomError(s.w.d.engine, "AlreadyFlagged").withArgs(alice, flaggedAt);

      // Half the auction later the bid may be halfway from the opening factor to the bound.
      await networkHelpers.time.setNextBlockTimestamp(flaggedAt + s.rules.auctionDuration / 2n);
      await networkHelpers.mine();
      const auction = await readAuction(s.w.d.engine, s.rules, alice, await now(s.w));
      expect(auction.flagged).to.equal(true);
      expect(auction.factor).to.equal(s.rules.auctionStartBps + (10_000 - s.rules.auctionStartBps) / 2);
      const early = await planAt(s, s.rules.auctionStartBps);
      const late = await planAt(s, auction.factor);
      expect(late.plan.mode).to.equal("partial");
      const engine = s.w.d.engine.connect(s.keeper) as EngineContract;
      const tooHigh = auction.factor + 10;
      await expect(engine.liquidatePartial(alice, late.epoch, late.plan.closeBps, tooHigh, seizureStruct(late.plan.seizures), 1n, GARBAGE_PROOF))
        .to.be.revertedWithCustomError(s.w.d.engine, "BonusAboveAuction");
      // For the same seizure the trader is paid more at the opening bid than at the later one.
      if (early.plan.closeBps === late.plan.closeBps && early.plan.seizures[0]!.amount === late.plan.seizures[0]!.amount) {
        expect(early.plan.payment).to.be.greaterThan(late.plan.payment);
      } else {
        expect(early.plan.payment * late.plan.seizures[0]!.amount).to.be.greaterThan(late.plan.payment * early.plan.seizures[0]!.amount);
      }
      const done = await submitLiquidation({ engine: s.w.d.engine, liquidator: s.keeper, prover: s.w.prover, artifacts: INSOLVENCY_ARTIFACTS, account: alice, epoch: late.epoch, plan: late.plan });
      const pl = done.receipt.logs.map((l) => s.w.d.engine.interface.parseLog(l)).find((l) => l?.name === "PartiallyLiquidated");
      expect(pl?.args.payment).to.equal(late.plan.payment);
      // Restored: the flag no longer counts.
      expect((await readAuction(s.w.d.engine, s.rules, alice, await now(s.w))).flagged).to.equal(false);
    });
  }

  for (const state of ["fresh", "frozen", "cooling off"] as const) {
    it(`WETH ${state}: a full close (the account cannot be restored after ETH fell to $2,000) pays the auction's opening bonus and freezes the debt`, async function () {
      const s = await load();
      await reach(s, 2_000_00000000n, state);
      const alice = await s.alice.getAddress();
      const auction = await readAuction(s.w.d.engine, s.rules, alice, await now(s.w));
      expect(auction.flagged).to.equal(false);
      const { plan, epoch } = await planAt(s, auction.factor);
      expect(plan.mode).to.equal("full");
      const { receipt } = await submitLiquidation({ engine: s.w.d.engine, liquidator: s.keeper, prover: s.w.prover, artifacts: INSOLVENCY_ARTIFACTS, account: alice, epoch, plan });
      const ev = receipt.logs.map((l) => s.w.d.engine.interface.parseLog(l)).find((l) => l?.name === "Liquidated");
      expect(ev?.args.payment).to.equal(plan.payment);
      const account = await s.w.d.engine.accountOf(alice);
      expect(account.openMarkets).to.equal(0n);
      expect(account.frozen).to.equal(true);
    });
  }

  it("clears a recovered account's flag: the owner tops up and renews its lease, and a later liquidation opens at the start bonus", async function () {
    const s = await load();
    await reach(s, 2_500_00000000n, "fresh");
    const alice = await s.alice.getAddress();
    const v = await viewOf(s);
    await submitFlag({ engine: s.w.d.engine, flagger: s.other, prover: s.w.prover, artifacts: INSOLVENCY_ARTIFACTS, account: alice, epoch: v.epoch, plan: planFlag(h, { opening: s.opening, view: v, liquidator: await s.other.getAddress() }) });
    await elapse(s.w, s.rules.auctionDuration);
    expect((await readAuction(s.w.d.engine, s.rules, alice, await now(s.w))).factor).to.equal(10_000);
    await fund(s.w, s.alice, new Map([[USDC, 5_000n * e6]]));
    const t = await traderAt(s.w, s.alice, s.opening);
    await t.deposit(USDC, 5_000n * e6);
    await t.renewLease();
    const after = await readAuction(s.w.d.engine, s.rules, alice, await now(s.w));
    expect(after.flagged).to.equal(false);
    expect(after.factor).to.equal(s.rules.auctionStartBps);
  });

  it("refuses a flag of a solvent account (InvalidProof), of an account without positions (NoOpenPosition) and against a stale oracle (OracleStale)", async function () {
    const s = await load();
    const alice = await s.alice.getAddress();
    const engine = s.w.d.engine.connect(s.other) as EngineContract;
    const epoch = await s.w.d.oracle.currentEpoch();
    await expect(engine.flagLiquidatable(alice, epoch, 1n, GARBAGE_PROOF)).to.be.revertedWithCustomError(s.w.d.engine, "InvalidProof");
    await expect(engine.flagLiquidatable(await s.other.getAddress(), epoch, 1n, GARBAGE_PROOF)).to.be.revertedWithCustomError(s.w.d.engine, "NoOpenPosition");
    await networkHelpers.time.increase(2n * s.w.gridSeconds + 1n);
    await expect(engine.flagLiquidatable(alice, epoch, 1n, GARBAGE_PROOF)).to.be.revertedWithCustomError(s.w.d.engine, "OracleStale");
  });
});

describe("MarginEngine #seizeFrozen", function () {
  const worlds = new Set<World>();
  after(async function () {
    for (const w of worlds) await w.prover.close();
  });

  /** Alice's lease expired while ETH fell to $2,900: force-closed, frozen with a 1,000 USDC debt the fund advanced. */
  async function frozenWithDebt(): Promise<Setup & { fundBefore: bigint; frozenAt: bigint }> {
    const s = await openAccount();
    const usdc = s.w.d.tokens[USDC]! as TokenContract;
    const fundBefore = await usdc.balanceOf(await s.w.d.engine.insuranceFund());
    await elapse(s.w, DEV_LEASE.maxAge + DEV_LEASE.grace);
    await nextEpoch(s.w, new Map([[WETH, 2_900_00000000n]]));
    const tx = await (await (s.w.d.engine.connect(s.other) as EngineContract).forceClose(await s.alice.getAddress())).wait();
    const frozenAt = BigInt((await ethers.provider.getBlock(tx!.blockNumber))!.timestamp);
    return { ...s, fundBefore, frozenAt };
  }

  const load = async () => {
    const s = await networkHelpers.loadFixture(frozenWithDebt);
    worlds.add(s.w);
    s.w.prices.splice(0, s.w.prices.length, ...s.w.d.specs.map((x) => x.price));
    s.w.prices[WETH] = 2_900_00000000n;
    return s;
  };

  async function seize(s: Setup, keeper = s.keeper) {
    const alice = await s.alice.getAddress();
    const debt = -BigInt((await s.w.d.engine.settlementOf(alice)).basketDelta);
    const v = await viewOf(s);
    const start = BigInt((await s.w.d.engine.accountOf(alice)).leaseTimestamp) + BigInt(await s.w.d.engine.seizeDelay());
    const factor = auctionFactor(s.rules, start, await now(s.w));
    const plan = planFrozenSeizure(h, { opening: s.opening, weights: v.maintenanceWeights, market: await readSeizureMarket(s.w.d.oracle, USDC), debt, liquidator: await keeper.getAddress(), bonusBps: factor });
    return { plan, epoch: v.epoch, debt };
  }

  it("refuses a seizure before the deadline (SeizureNotDue), of an account without debt (NoDebt)", async function () {
    const s = await load();
    const alice = await s.alice.getAddress();
    const engine = s.w.d.engine.connect(s.keeper) as EngineContract;
    const epoch = await s.w.d.oracle.currentEpoch();
    const account = await s.w.d.engine.accountOf(alice);
    expect(account.frozen).to.equal(true);
    expect(account.leaseTimestamp, "when it froze").to.equal(s.frozenAt);
    await expect(engine.seizeFrozen(alice, epoch, seizureStruct([]), 1n, GARBAGE_PROOF))
      .to.be.revertedWithCustomError(s.w.d.engine, "SeizureNotDue").withArgs(alice, s.frozenAt + BigInt(await s.w.d.engine.seizeDelay()));
    await expect(engine.seizeFrozen(await s.other.getAddress(), epoch, seizureStruct([]), 1n, GARBAGE_PROOF))
      .to.be.revertedWithCustomError(s.w.d.engine, "NoDebt").withArgs(await s.other.getAddress(), 0n);
  });

  for (const state of ["fresh", "frozen", "cooling off"] as const) {
    it(`WETH ${state}: after the deadline a keeper seizes the basket against the debt, the keeper's bond and the insurance fund's balance are restored and the account unfreezes`, async function () {
      const s = await load();
      const alice = await s.alice.getAddress();
      const usdc = s.w.d.tokens[USDC]! as TokenContract;
      const fundAddr = await s.w.d.engine.insuranceFund();
      // The force-close's 1,000 loss was advanced by the named keeper's bond (its draw cap) and the fund (the rest).
      const registry = s.w.d.keeperRegistry;
      const [bond, cap, keeperId] = [await registry.bondAmount(), await registry.drawCap(), (await s.w.d.engine.accountOf(alice)).keeperId];
      expect(await registry.bondOf(keeperId)).to.equal(bond - cap);
      expect(await usdc.balanceOf(fundAddr)).to.equal(s.fundBefore - (1_000n * e6 - cap));
      await elapse(s.w, BigInt(await s.w.d.engine.seizeDelay()));
      if (state === "fresh") await nextEpoch(s.w);
      else if (state === "frozen") await frozenEpoch(s.w, [WETH]);
      else await nextEpoch(s.w, new Map([[WETH, 2_300_00000000n]]));
      expect((await s.w.d.oracle.riskState(WETH))[0]).to.equal(state === "frozen");
      expect((await s.w.d.oracle.riskState(WETH))[1] > 0n).to.equal(state === "cooling off");
      const { plan, epoch, debt } = await seize(s);
      expect(debt).to.equal(1_000n * e6);
      expect(plan.payment).to.equal(debt);
      const keeper = await s.keeper.getAddress();
      const keeperBefore = await usdc.balanceOf(keeper);
      const { receipt } = await submitFrozenSeizure({ engine: s.w.d.engine, keeper: s.keeper, prover: s.w.prover, artifacts: INSOLVENCY_ARTIFACTS, account: alice, epoch, plan });
      console.log(`      frozen seizure gas: ${receipt.gasUsed}`);
      expect(await usdc.balanceOf(fundAddr)).to.equal(s.fundBefore);
      expect([await registry.bondOf(keeperId), await registry.isNameable(keeperId)]).to.deep.equal([bond, true]);
      const seizedUsdc = plan.seizures.filter((x) => x.index === USDC).reduce((t, x) => t + x.amount, 0n);
      // Seized settlement tokens are netted against the payment; a surplus is credited (pull payments).
      expect(await usdc.balanceOf(keeper)).to.equal(keeperBefore - (plan.payment > seizedUsdc ? plan.payment - seizedUsdc : 0n));
      expect(await s.w.d.engine.claimableOf!(keeper, USDC)).to.equal(seizedUsdc > plan.payment ? seizedUsdc - plan.payment : 0n);
      const account = await s.w.d.engine.accountOf(alice);
      expect(account.frozen).to.equal(false);
      expect(account.commitment).to.equal(plan.remainderCommitment);
      expect((await s.w.d.engine.settlementOf(alice)).basketDelta).to.equal(0n);
      const ev = receipt.logs.map((l) => s.w.d.engine.interface.parseLog(l)).find((l) => l?.name === "FrozenSeized");
      expect(ev?.args.repaidToFund).to.equal(debt - cap); // the bond was repaid first
      expect(ev?.args.repaidToPool).to.equal(0n);
      // The owner recomputes what is left from the public seizure and withdraws it.
      const own = remainderOpening(h, s.opening, plan.seizures);
      expect(accountCommitment(h, own.amounts, own.blinding, own.owner)).to.equal(account.commitment);
      // Its wallet, holding only the old opening, recovers the remainder from the FrozenSeized event.
      const wallet = await traderAt(s.w, s.alice, s.opening);
      expect(wallet.opening).to.deep.equal(own);
      await wallet.withdraw(WETH, own.amounts[WETH]!);
    });
  }

  it("bounds the seizure by the debt (SeizureTooLarge) and refuses it against a stale oracle (OracleStale)", async function () {
    const s = await load();
    const alice = await s.alice.getAddress();
    await elapse(s.w, BigInt(await s.w.d.engine.seizeDelay()));
    await nextEpoch(s.w);
    const engine = s.w.d.engine.connect(s.keeper) as EngineContract;
    const epoch = await s.w.d.oracle.currentEpoch();
    const market = await readSeizureMarket(s.w.d.oracle, USDC);
    const { seizurePayment } = await import("../../prover/src/margin.js");
    const { atBonusFactor } = await import("../../prover/src/liquidation/index.js");
    const start = s.frozenAt + BigInt(await s.w.d.engine.seizeDelay());
    // Mined in the next block, one second on: the factor the engine will apply.
    const factor = auctionFactor(s.rules, start, (await now(s.w)) + 1n);
    const q = atBonusFactor(market, factor);
    const over = seizurePayment([{ amount: e18, quote: q.quotes[WETH]! }], q.settlement);
    expect(over).to.be.greaterThan(1_000n * e6);
    await networkHelpers.time.setNextBlockTimestamp((await now(s.w)) + 1n);
    await expect(engine.seizeFrozen(alice, epoch, seizureStruct([{ index: WETH, amount: e18 }]), 1n, GARBAGE_PROOF))
      .to.be.revertedWithCustomError(s.w.d.engine, "SeizureTooLarge").withArgs(over, 1_000n * e6);
    await networkHelpers.time.increase(2n * s.w.gridSeconds + 1n);
    await expect(engine.seizeFrozen(alice, epoch, seizureStruct([{ index: WETH, amount: 1n }]), 1n, GARBAGE_PROOF))
      .to.be.revertedWithCustomError(s.w.d.engine, "OracleStale");
  });
});
