/**
 * Which engine actions run in which oracle state (the README's table): fresh, frozen (every source of an
 * asset stale) and cooling off (the circuit breaker tripped). In a halted state the asset's initial weight is
 * 0 and its market refuses new risk (`MarketHalted`); deposits, reductions, closes, renewals and liquidations
 * keep working. Also the attack the rule stops: opening at a frozen mark and taking the gap out of the pool
 * when the sources return. Every accepted update is a real Groth16 proof.
 */
import { expect } from "chai";
import type { Signer } from "ethers";
import { network } from "hardhat";
import type { AccountOpening } from "../../prover/src/account.js";
import type { TokenContract } from "../../prover/src/contracts.js";
import { positionRequirement } from "../../prover/src/margin.js";
import { initPoseidon } from "../../prover/src/poseidon.js";
import { Prover } from "../../prover/src/prover.js";
import { createWorld, frozenEpoch, fund, nextEpoch, now, seedPool, type World } from "../../scripts/lib/world.js";
import { BTC_PERP, ETH_PERP, e18, e6, proveByHand, rejection, traderAt, USDC, WETH, weightVectors } from "./helpers.js";
import type { NoteWallet } from "../../prover/src/notes/index.js";
import { copyWallet, flush, newWallet, shieldFor } from "../notes/engineNotes.js";

const { ethers, networkHelpers } = await network.create();
const prover = new Prover();
const h = await initPoseidon();

interface Accounts {
  w: World;
  /** 50,000 USDC and 10 WETH, long 5 ETH-PERP at $3,000. */
  alice: Signer;
  aliceOpening: AccountOpening;
  /** 50,000 USDC, no position. */
  bob: Signer;
  bobOpening: AccountOpening;
  /** 10 WETH only, no position: every dollar of its margin is WETH. */
  carol: Signer;
  carolOpening: AccountOpening;
  /** The initial weight vector of the last fresh epoch. */
  freshInitial: bigint[];
  /** Alice's note wallet: one 2,000 USDC note in the tree. */
  aliceWallet: NoteWallet;
}

async function accountsFixture(): Promise<Accounts> {
  const w = await createWorld(ethers, { prover });
  const [, lp, alice, bob, carol] = await ethers.getSigners();
  await seedPool(w, lp!, 1_000_000n * e6);
  for (const who of [alice!, bob!, carol!]) await fund(w, who, new Map([[USDC, 100_000n * e6], [WETH, 20n * e18]]));
  const a = await traderAt(w, alice!);
  await a.deposit(USDC, 50_000n * e6);
  await a.deposit(WETH, 10n * e18);
  await a.trade(ETH_PERP, 5n * e18);
  const b = await traderAt(w, bob!);
  await b.deposit(USDC, 50_000n * e6);
  const c = await traderAt(w, carol!);
  await c.deposit(WETH, 10n * e18);
  const aliceWallet = await newWallet(w);
  await shieldFor(w, lp!, aliceWallet, USDC, 2_000n * e6);
  await flush(w, aliceWallet, lp!, prover);
  return {
    aliceWallet,
    w,
    alice: alice!,
    aliceOpening: a.opening,
    bob: bob!,
    bobOpening: b.opening,
    carol: carol!,
    carolOpening: c.opening,
    freshInitial: (await weightVectors(w.d.oracle)).initial,
  };
}

/** The fixture, restored, with the world's price array reset to the fixture's. */
async function load(): Promise<Accounts> {
  const s = await networkHelpers.loadFixture(accountsFixture);
  s.w.prices.splice(0, s.w.prices.length, ...s.w.d.specs.map((x) => x.price));
  return { ...s, aliceWallet: await copyWallet(s.aliceWallet) }; // a wallet is not reverted with the chain
}

/** The fixture after one more epoch in `state`: fresh, WETH frozen, or WETH cooling off after a 20% crash. */
async function inState(state: "fresh" | "frozen" | "cooling off"): Promise<Accounts> {
  const s = await load();
  if (state === "fresh") await nextEpoch(s.w);
  else if (state === "frozen") await frozenEpoch(s.w, [WETH]);
  else await nextEpoch(s.w, new Map([[WETH, (s.w.prices[WETH]! * 80n) / 100n]]));
  const [frozen, coolingOff] = await s.w.d.oracle.riskState(WETH);
  expect(frozen, "WETH frozen").to.equal(state === "frozen");
  expect(coolingOff > 0n, "WETH cooling off").to.equal(state === "cooling off");
  expect(await s.w.d.oracle.marketHalted(ETH_PERP), "ETH-PERP halted").to.equal(state !== "fresh");
  return s;
}

describe("MarginEngine in each oracle state", function () {
  after(async function () {
    await prover.close();
  });

  for (const state of ["fresh", "frozen", "cooling off"] as const) {
    const halted = state !== "fresh";
    describe(`WETH ${state}`, function () {
      it(`${halted ? "publishes WETH's initial weight as 0 and keeps" : "publishes"} its maintenance weight`, async function () {
        const s = await inState(state);
        const { initial, maintenance } = await weightVectors(s.w.d.oracle);
        if (halted) expect(initial[WETH]).to.equal(0n);
        else expect(initial[WETH]).to.be.greaterThan(0n);
        expect(maintenance[WETH]).to.be.greaterThan(0n);
        expect(initial[USDC]).to.equal(s.freshInitial[USDC]);
      });

      it("accepts a deposit", async function () {
        const s = await inState(state);
        const a = await traderAt(s.w, s.alice, s.aliceOpening);
        await a.deposit(USDC, 1_000n * e6);
      });

      it(halted ? "refuses opening ETH-PERP with MarketHalted" : "accepts opening ETH-PERP", async function () {
        const s = await inState(state);
        const b = await traderAt(s.w, s.bob, s.bobOpening);
        if (halted) await expect(b.trade(ETH_PERP, -e18)).to.be.revertedWithCustomError(s.w.d.engine, "MarketHalted").withArgs(ETH_PERP);
        else await b.trade(ETH_PERP, -e18);
      });

      it(halted ? "refuses growing ETH-PERP, and flipping it, with MarketHalted" : "accepts growing ETH-PERP", async function () {
        const s = await inState(state);
        const a = await traderAt(s.w, s.alice, s.aliceOpening);
        if (halted) {
          await expect(a.trade(ETH_PERP, e18)).to.be.revertedWithCustomError(s.w.d.engine, "MarketHalted").withArgs(ETH_PERP);
          await expect(a.trade(ETH_PERP, -6n * e18)).to.be.revertedWithCustomError(s.w.d.engine, "MarketHalted").withArgs(ETH_PERP);
        } else {
          await a.trade(ETH_PERP, e18);
        }
      });

      it("accepts reducing and closing ETH-PERP (at maintenance margin, at the kept mark)", async function () {
        const s = await inState(state);
        const a = await traderAt(s.w, s.alice, s.aliceOpening);
        await a.trade(ETH_PERP, -2n * e18);
        await a.trade(ETH_PERP, -3n * e18);
        expect((await s.w.d.engine.accountOf(await s.alice.getAddress())).openMarkets).to.equal(0n);
      });

      it(halted ? "refuses a withdrawal while a position in ETH-PERP is open, with MarketHalted" : "accepts a withdrawal with ETH-PERP open", async function () {
        const s = await inState(state);
        const a = await traderAt(s.w, s.alice, s.aliceOpening);
        if (halted) await expect(a.withdraw(USDC, 1_000n * e6)).to.be.revertedWithCustomError(s.w.d.engine, "MarketHalted").withArgs(ETH_PERP);
        else await a.withdraw(USDC, 1_000n * e6);
      });

      it("accepts absorbing a shielded note (no requirement, as a deposit)", async function () {
        const s = await inState(state);
        const a = await traderAt(s.w, s.alice, s.aliceOpening);
        const note = s.aliceWallet.notes({ slot: USDC })[0]!;
        await a.absorbNote({ note, spendingSecret: s.aliceWallet.keys.spendingSecret, tree: s.aliceWallet.tree });
        expect(a.opening.amounts[USDC]).to.equal(s.aliceOpening.amounts[USDC]! + 2_000n * e6);
      });

      it(halted ? "refuses emitting a note while a position in ETH-PERP is open, with MarketHalted" : "accepts emitting a note with ETH-PERP open (at initial margin)", async function () {
        const s = await inState(state);
        const a = await traderAt(s.w, s.alice, s.aliceOpening);
        const e = s.aliceWallet.planShield(USDC, 1_000n * e6);
        if (halted) await expect(a.emitNote(e.note, e.encrypted)).to.be.revertedWithCustomError(s.w.d.engine, "MarketHalted").withArgs(ETH_PERP);
        else await a.emitNote(e.note, e.encrypted);
      });

      it("accepts a lease renewal (at maintenance margin)", async function () {
        const s = await inState(state);
        const a = await traderAt(s.w, s.alice, s.aliceOpening);
        await a.renewLease();
      });

      it("accepts new risk that does not depend on WETH: a USDC-only account opens BTC-PERP and withdraws", async function () {
        const s = await inState(state);
        const b = await traderAt(s.w, s.bob, s.bobOpening);
        await b.trade(BTC_PERP, e18 / 10n);
        await b.withdraw(USDC, 1_000n * e6);
      });

      it(
        halted
          ? "gives WETH no initial-margin credit: a WETH-only account cannot prove an opening, and a proof with WETH's last fresh weight is rejected"
          : "gives WETH its initial-margin credit: a WETH-only account opens BTC-PERP",
        async function () {
          const s = await inState(state);
          const c = await traderAt(s.w, s.carol, s.carolOpening);
          if (!halted) {
            await c.trade(BTC_PERP, e18 / 10n);
            return;
          }
          // The prover cannot find a witness: the basket's initial value is 0.
          await rejection(c.trade(BTC_PERP, e18 / 10n));
          // A proof against the last fresh initial weights (WETH credited) does not match the epoch's hash.
          const quote = await s.w.d.oracle.marketQuote(BTC_PERP);
          const requirement = positionRequirement(e18 / 10n, quote[0], quote[0], quote[1]); // the engine's
          const p = await proveByHand(s.w, h, s.carolOpening, { index: USDC, amount: 0n }, requirement, s.freshInitial);
          const engine = s.w.d.engine.connect(s.carol) as typeof s.w.d.engine;
          await expect(engine.trade(BTC_PERP, e18 / 10n, await s.w.d.oracle.currentEpoch(), p.newCommitment, p.note, p.proof))
            .to.be.revertedWithCustomError(s.w.d.engine, "InvalidProof");
        },
      );
    });
  }

  describe("the frozen-price attack", function () {
    it("cannot open at a frozen mark and take the gap out of the pool when the sources return", async function () {
      const s = await load();
      const { w } = s;
      const pool = w.d.tokens[USDC]! as TokenContract;
      const market = await w.d.market.getAddress();
      const poolBefore = await pool.balanceOf(market);
      const frozenMark = w.prices[WETH]!;
      const realPrice = (frozenMark * 80n) / 100n; // ETH has fallen 20%, but every source is stale

      // poke() keeps stamping fresh epochs with the frozen price: the engine's epoch freshness rule passes.
      const b = await traderAt(w, s.bob, s.bobOpening);
      for (let k = 0; k < 3; k++) {
        const epoch = await frozenEpoch(w, [WETH], new Map([[WETH, realPrice]]));
        const e = await w.d.oracle.epoch(epoch);
        expect(BigInt(e.timestamp)).to.equal((BigInt(await now(w)) / w.gridSeconds) * w.gridSeconds);
        expect((await w.d.oracle.marketQuote(ETH_PERP))[0]).to.equal(frozenMark);
        // The attacker shorts 10 ETH at the frozen $3,000, to buy back at $2,400: refused.
        await expect(b.trade(ETH_PERP, -10n * e18)).to.be.revertedWithCustomError(w.d.engine, "MarketHalted").withArgs(ETH_PERP);
      }

      // The sources return at the real price: the 20% jump trips the breaker, so the first marks after the
      // freeze take no new risk either.
      await nextEpoch(w, new Map([[WETH, realPrice]]));
      const samples = Number(await w.d.oracle.breakerSamples());
      for (let k = 0; k < samples; k++) {
        expect((await w.d.oracle.riskState(WETH))[1]).to.equal(BigInt(samples - k));
        await expect(b.trade(ETH_PERP, -10n * e18)).to.be.revertedWithCustomError(w.d.engine, "MarketHalted").withArgs(ETH_PERP);
        await nextEpoch(w);
      }

      // Once the market is open again the short is priced at the real mark: nothing was taken from the pool.
      expect(await w.d.oracle.marketHalted(ETH_PERP)).to.equal(false);
      await b.trade(ETH_PERP, -10n * e18);
      const position = await w.d.engine.positionOf(await s.bob.getAddress(), ETH_PERP);
      expect(position.entryPrice).to.equal(realPrice);
      expect(await pool.balanceOf(market)).to.equal(poolBefore);
    });
  });
});
