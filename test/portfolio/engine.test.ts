/**
 * Portfolio margin on the engine, every accepted update a real Groth16 proof of the portfolio circuit:
 * the margin mode (chosen with no open position), a hedged and an unhedged account at the same positions
 * against simple margin (the figures are printed), the binding of the scenario grid and the floors (a
 * proof for another grid, another epoch's grid, fewer scenarios or other floors fails: InvalidProof),
 * simple-margin proofs refused for a portfolio account (update, note emission, insolvency), the lease
 * lapse and force-close that protect the pool instead of liquidation, and each action in each oracle
 * state (fresh, WETH frozen, WETH cooling off).
 */
import { expect } from "chai";
import type { Signer } from "ethers";
import { network } from "hardhat";
import type { AccountOpening } from "../../prover/src/account.js";
import { artifactPaths } from "../../prover/src/artifacts.js";
import type { EngineContract } from "../../prover/src/contracts.js";
import { packProof } from "../../prover/src/calldata.js";
import { WAD } from "../../prover/src/constants.js";
import { DEV_LEASE } from "../../prover/src/devnet.js";
import { initNoteCrypto, noteStruct } from "../../prover/src/keeperNote/index.js";
import { initPoseidon } from "../../prover/src/poseidon.js";
import { FLOOR_BITS, FLOOR_UNIT, marginUsed, movesUp, packFloors, planPortfolioUpdate, portfolioFloors, scenarioNeeds, scenarioValues, SCENARIOS, type ScenarioGrid } from "../../prover/src/portfolio.js";
import { accountRequirement } from "../../prover/src/margin.js";
import { Prover } from "../../prover/src/prover.js";
import { PORTFOLIO_CIRCUIT, type Trader } from "../../prover/src/trader.js";
import { WitnessInputError } from "../../prover/src/validate.js";
import { createWorld, elapse, fund, nextEpoch, seedPool, type World } from "../../scripts/lib/world.js";
import { ETH_PERP, e18, e6, GARBAGE_NOTE, GARBAGE_PROOF, proveByHand, rejection, traderAt, USDC, WETH } from "../contracts/helpers.js";

const { ethers, networkHelpers } = await network.create();
const prover = new Prover();
const h = await initPoseidon();
const PORTFOLIO = artifactPaths().circuit(PORTFOLIO_CIRCUIT);
const TEN = 10n * e18;

/** Unpacks the engine's [lo, hi] floors. */
function unpack(lo: bigint, hi: bigint): bigint[] {
  const mask = (1n << FLOOR_BITS) - 1n;
  return Array.from({ length: SCENARIOS }, (_, s) => ((s < 4 ? lo : hi) >> (FLOOR_BITS * BigInt(s % 4))) & mask);
}

/** The smallest amount of slot `slot` alone that clears every floor (ceil per scenario, then the max). */
function minimalAmount(grid: ScenarioGrid, floors: readonly bigint[], slot: number): bigint {
  let need = 0n;
  for (let s = 0; s < SCENARIOS; s++) {
    const w = movesUp(s, slot) ? grid.up[slot]! : grid.down[slot]!;
    const x = (floors[s]! * FLOOR_UNIT + w - 1n) / w;
    if (x > need) need = x;
  }
  return need;
}

interface Fixture {
  w: World;
  signers: Signer[];
}

async function worldFixture(): Promise<Fixture> {
  const w = await createWorld(ethers, { prover });
  const signers = await ethers.getSigners();
  await seedPool(w, signers[1]!, 10_000_000n * e6);
  for (const s of signers.slice(2, 8)) await fund(w, s, new Map([[USDC, 1_000_000n * e6], [WETH, 100n * e18]]));
  return { w, signers: signers.slice(2, 8) };
}

async function load(): Promise<Fixture> {
  const f = await networkHelpers.loadFixture(worldFixture);
  f.w.prices.splice(0, f.w.prices.length, ...f.w.d.specs.map((x) => x.price));
  return f;
}

/** A portfolio-mode trader for `who`. */
async function portfolioTrader(w: World, who: Signer): Promise<Trader> {
  const t = await traderAt(w, who);
  await t.chooseMarginMode(true);
  return t;
}

describe("Portfolio margin on the engine", function () {
  this.timeout(900_000);
  after(async function () {
    await prover.close();
  });

  describe("margin mode", function () {
    it("defaults to simple, changes only with no open position (MarginModeLocked) and emits MarginModeChanged", async function () {
      const { w, signers } = await load();
      const [alice] = signers;
      const me = await alice!.getAddress();
      expect((await w.d.engine.accountOf(me)).portfolio).to.equal(false);
      const engine = (w.d.engine.connect(alice!) as EngineContract);
      await expect(engine.chooseMarginMode(true)).to.emit(w.d.engine, "MarginModeChanged").withArgs(me, true);
      const t = await traderAt(w, alice!);
      await t.deposit(WETH, TEN);
      await t.trade(ETH_PERP, -TEN);
      await expect(engine.chooseMarginMode(false)).to.be.revertedWithCustomError(w.d.engine, "MarginModeLocked").withArgs(me, 1n, false);
      await t.trade(ETH_PERP, TEN); // close
      await expect(engine.chooseMarginMode(false)).to.emit(w.d.engine, "MarginModeChanged").withArgs(me, false);
    });
  });

  describe("hedged and unhedged accounts at the same positions", function () {
    /** The margin simple and portfolio rules use for `amounts` and one ETH-PERP position of `size` at the mark. */
    async function used(t: Trader, amounts: bigint[], size: bigint): Promise<{ simple: bigint; portfolio: bigint; floors: bigint[] }> {
      const oracle = (t as unknown as { o: { oracle: World["d"]["oracle"] } }).o.oracle;
      const v = await t.view();
      const mark = v.markets[ETH_PERP]!.mark;
      const positions = new Map([[ETH_PERP, { size, entryPrice: mark }]]);
      const { grid, floors } = await t.portfolioRule(v, "initial", positions);
      const [hIM] = await oracle.haircuts(WETH);
      const scenario = [{ size, entryPrice: mark, mark, underlying: WETH, haircut: BigInt(hIM) }];
      const cushion = BigInt(await oracle.marginFloor());
      expect(floors).to.deep.equal(portfolioFloors(scenario, cushion));
      const markWeights = await Promise.all(grid.down.map(async (_, i) => (i < 3 ? BigInt(await oracle.assetMark(i)) * 10n ** BigInt(22 - w0.d.specs[i]!.decimals) : 0n)));
      const portfolio = marginUsed(amounts, markWeights, scenarioValues(amounts, grid), scenarioNeeds(scenario, cushion));
      let value = 0n;
      for (let i = 0; i < 16; i++) value += amounts[i]! * v.initialWeights[i]!;
      const simple = marginUsed(amounts, markWeights, [value], [accountRequirement(positions, v.markets, true)]);
      return { simple, portfolio, floors };
    }
    let w0: World;
    const basket = (usdc: bigint, weth: bigint): bigint[] => [usdc, weth, ...new Array<bigint>(14).fill(0n)];
    const dollars = (x: bigint): string => `$${(x / 10n ** 30n).toLocaleString("en-US")}`;

    it("10 WETH behind a short of 10 ETH-PERP uses far less margin than simple margin; 30,000 USDC behind it, or 10 WETH behind a long, more", async function () {
      const { w, signers } = await load();
      w0 = w;
      const [alice, bob, carol, dave] = signers;
      const a = await portfolioTrader(w, alice!);
      const hedged = await used(a, basket(0n, TEN), -TEN);
      const unhedged = await used(a, basket(30_000n * e6, 0n), -TEN);
      const concentrated = await used(a, basket(0n, TEN), TEN);
      console.log("      margin used at initial margin, 10 ETH-PERP at $3,000 (simple -> portfolio):");
      console.log(`        short, 10 WETH (hedged)           ${dollars(hedged.simple)} -> ${dollars(hedged.portfolio)}`);
      console.log(`        short, 30,000 USDC (unhedged)     ${dollars(unhedged.simple)} -> ${dollars(unhedged.portfolio)}`);
      console.log(`        long,  10 WETH (concentrated)     ${dollars(concentrated.simple)} -> ${dollars(concentrated.portfolio)}`);
      expect(hedged.portfolio * 3n < hedged.simple, "hedged: under a third of simple margin").to.equal(true);
      expect(unhedged.portfolio > unhedged.simple, "unhedged: more than simple margin").to.equal(true);
      expect(concentrated.portfolio > concentrated.simple, "concentrated: more than simple margin").to.equal(true);
      expect(concentrated.portfolio > unhedged.portfolio, "concentrated: more than unhedged").to.equal(true);

      // The hedged account trades with a real portfolio proof; the engine's floors are the TypeScript ones.
      await a.deposit(WETH, TEN);
      const report = await a.trade(ETH_PERP, -TEN);
      const [lo, hi] = await w.d.engine.portfolioFloorsOf(await alice!.getAddress(), true);
      expect(unpack(lo, hi)).to.deep.equal(hedged.floors);
      expect(report.requirement).to.equal(hedged.floors.reduce((m, f) => (f > m ? f : m)) * FLOOR_UNIT);

      // Concentrated, at the smallest WETH basket each rule accepts: simple margin accepts a basket portfolio
      // margin refuses (all-down scenario named), and portfolio margin accepts its own minimum.
      const v = await a.view();
      const mark = v.markets[ETH_PERP]!.mark;
      const { grid, floors } = await a.portfolioRule(v, "initial", new Map([[ETH_PERP, { size: TEN, entryPrice: mark }]]));
      const simpleMin = (accountRequirement(new Map([[ETH_PERP, { size: TEN, entryPrice: mark }]]), v.markets, true) + v.initialWeights[WETH]! - 1n) / v.initialWeights[WETH]!;
      const portfolioMin = minimalAmount(grid, floors, WETH);
      expect(portfolioMin > simpleMin).to.equal(true);
      const c = await traderAt(w, carol!);
      await c.deposit(WETH, simpleMin);
      await c.trade(ETH_PERP, TEN);
      const d = await portfolioTrader(w, dave!);
      await d.deposit(WETH, simpleMin);
      const err = await rejection(d.trade(ETH_PERP, TEN));
      expect(err).to.be.instanceOf(WitnessInputError);
      expect(err.message).to.include("floors[0]");
      const b = await portfolioTrader(w, bob!);
      await b.deposit(WETH, portfolioMin);
      await b.trade(ETH_PERP, TEN);
    });
  });

  describe("binding of the grid and the floors (real proofs, InvalidProof)", function () {
    async function openShort(): Promise<{ w: World; alice: Signer; t: Trader }> {
      const { w, signers } = await load();
      const t = await portfolioTrader(w, signers[0]!);
      await t.deposit(WETH, TEN);
      await t.deposit(USDC, 10_000n * e6);
      await t.trade(ETH_PERP, -TEN);
      return { w, alice: signers[0]!, t };
    }

    /** Proves a renewal of `opening` against the grid and floors the caller chooses, and sends it. */
    async function renewWith(w: World, alice: Signer, opening: AccountOpening, grid: ScenarioGrid, floors: bigint[]): Promise<unknown> {
      const epoch = BigInt(await w.d.oracle.currentEpoch());
      const k = { crypto: await initNoteCrypto(), keeper: { keeperId: w.keeper.keeperId, key: w.keeper.key.publicKey }, nonce: epoch };
      const plan = planPortfolioUpdate(h, opening, { index: 0, amount: 0n }, grid, floors, k);
      const out = await prover.prove(PORTFOLIO, plan.input);
      const proof = packProof(out.proof);
      return (w.d.engine.connect(alice) as EngineContract).renewLease(epoch, plan.publicSignals.newCommitment, noteStruct(plan.note), [proof.a, proof.b, proof.c]);
    }

    it("accepts the renewal at the maintenance grid and floors, and refuses the initial grid, zero floors, fewer scenarios, another epoch's grid", async function () {
      const { w, alice, t } = await openShort();
      const v = await t.view();
      const mm = await t.portfolioRule(v, "maintenance", v.positions);
      const im = await t.portfolioRule(v, "initial", v.positions);
      expect(mm.floors.some((f) => f > 0n), "some maintenance floor is positive").to.equal(true);
      const opening = t.opening;
      // Another grid (the initial one) with the maintenance floors.
      await expect(renewWith(w, alice, opening, im.grid, mm.floors)).to.be.revertedWithCustomError(w.d.engine, "InvalidProof");
      // Other floors: all 0, or only the first four scenarios (floorsHi = 0).
      await expect(renewWith(w, alice, opening, mm.grid, new Array<bigint>(SCENARIOS).fill(0n))).to.be.revertedWithCustomError(w.d.engine, "InvalidProof");
      const fewer = [...mm.floors.slice(0, 4), 0n, 0n, 0n, 0n];
      expect(packFloors(fewer)[1]).to.not.equal(packFloors(mm.floors)[1]);
      await expect(renewWith(w, alice, opening, mm.grid, fewer)).to.be.revertedWithCustomError(w.d.engine, "InvalidProof");
      // Another epoch's grid: ETH moved 2%, the old grid with the new floors, at the new epoch.
      await nextEpoch(w, new Map([[WETH, (w.prices[WETH]! * 102n) / 100n]]));
      const v2 = await t.view();
      const mm2 = await t.portfolioRule(v2, "maintenance", v2.positions);
      expect(mm2.grid.up).to.not.deep.equal(mm.grid.up);
      await expect(renewWith(w, alice, opening, mm.grid, mm2.floors)).to.be.revertedWithCustomError(w.d.engine, "InvalidProof");
      // The honest renewal at the new epoch goes through.
      await (await (renewWith(w, alice, opening, mm2.grid, mm2.floors) as Promise<{ wait(): Promise<unknown> }>)).wait();
      expect((await w.d.engine.accountOf(await alice.getAddress())).leaseEpoch).to.equal(v2.epoch);
    });

    it("refuses a simple-margin proof (InvalidProof), a note emission (PortfolioAccount) and an insolvency proof (PortfolioAccount)", async function () {
      const { w, alice, t } = await openShort();
      const me = await alice.getAddress();
      const simpleReq = await w.d.engine.requirementOf(me, false);
      const [, maintenance] = await w.d.oracle.weightVectors();
      const hand = await proveByHand(w, h, t.opening, { index: 0, amount: 0n }, simpleReq, [...maintenance].map(BigInt));
      const epoch = await w.d.oracle.currentEpoch();
      await expect((w.d.engine.connect(alice) as EngineContract).renewLease(epoch, hand.newCommitment, hand.note, [hand.proof.a, hand.proof.b, hand.proof.c]))
        .to.be.revertedWithCustomError(w.d.engine, "InvalidProof");
      const garbage = [GARBAGE_PROOF.a, GARBAGE_PROOF.b, GARBAGE_PROOF.c];
      const encrypted = { ephemeralKey: [1n, 2n], ciphertext: [3n, 4n] };
      await expect((w.d.engine.connect(alice) as EngineContract).emitNote(epoch, 5n, GARBAGE_NOTE, garbage, 6n, encrypted)).to.be.revertedWithCustomError(w.d.engine, "PortfolioAccount").withArgs(me);
      const seizure = { indexA: WETH, amountA: 1n, indexB: USDC, amountB: 0n };
      await expect(w.d.engine.liquidate(me, epoch, seizure, 5n, garbage)).to.be.revertedWithCustomError(w.d.engine, "PortfolioAccount").withArgs(me);
      await expect(w.d.engine.liquidatePartial(me, epoch, 5000n, 0n, seizure, 5n, garbage)).to.be.revertedWithCustomError(w.d.engine, "PortfolioAccount").withArgs(me);
      await expect(w.d.engine.flagLiquidatable(me, epoch, 5n, garbage)).to.be.revertedWithCustomError(w.d.engine, "PortfolioAccount").withArgs(me);
    });

    it("protects the pool through the lease instead: a lapsed portfolio lease is force-closed at the mark and the account settles with a portfolio proof", async function () {
      const { w, alice, t } = await openShort();
      const me = await alice.getAddress();
      await elapse(w, DEV_LEASE.maxAge + DEV_LEASE.grace + 1n);
      await nextEpoch(w, new Map([[WETH, (w.prices[WETH]! * 103n) / 100n]])); // the short loses: a debt to settle
      await expect(w.d.engine.forceClose(me)).to.emit(w.d.engine, "ForceClosed");
      expect((await w.d.engine.accountOf(me)).frozen).to.equal(true);
      const report = await t.settle();
      expect(report.requirement).to.equal(0n);
      expect((await w.d.engine.accountOf(me)).frozen).to.equal(false);

    });
  });
});
