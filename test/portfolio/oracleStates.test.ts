/**
 * Each action of a portfolio-margin account in each oracle state (fresh, WETH frozen, WETH cooling off after a
 * 20% crash), every accepted update a real portfolio proof. As under simple margin: in a halted state WETH's
 * initial-grid weights (up and down) are 0 and ETH-PERP refuses new risk (`MarketHalted`); deposits,
 * reductions and renewals (the maintenance grid, at the kept mark) keep working; new risk that does not
 * depend on WETH goes through, and a WETH-only basket gets no initial credit.
 */
import { expect } from "chai";
import type { Signer } from "ethers";
import { network } from "hardhat";
import type { AccountOpening } from "../../prover/src/account.js";

import { Prover } from "../../prover/src/prover.js";
import { WitnessInputError } from "../../prover/src/validate.js";
import { createWorld, frozenEpoch, fund, nextEpoch, seedPool, type World } from "../../scripts/lib/world.js";
import { BTC_PERP, ETH_PERP, e18, e6, rejection, traderAt, USDC, WETH } from "../contracts/helpers.js";

const { ethers, networkHelpers } = await network.create();
const prover = new Prover();

interface Accounts {
  w: World;
  /** Portfolio: 20,000 USDC and 10 WETH, short 5 ETH-PERP. */
  alice: Signer;
  aliceOpening: AccountOpening;
  /** Portfolio: 10 WETH only, no position. */
  carol: Signer;
  carolOpening: AccountOpening;
}

async function accountsFixture(): Promise<Accounts> {
  const w = await createWorld(ethers, { prover });
  const [, lp, alice, carol] = await ethers.getSigners();
  await seedPool(w, lp!, 1_000_000n * e6);
  const out: AccountOpening[] = [];
  for (const [who, usdc] of [[alice!, 20_000n * e6], [carol!, 0n]] as const) {
    await fund(w, who, new Map([[USDC, 100_000n * e6], [WETH, 20n * e18]]));
    const t = await traderAt(w, who);
    await t.chooseMarginMode(true);
    if (usdc > 0n) await t.deposit(USDC, usdc);
    await t.deposit(WETH, 10n * e18);
    if (who === alice) await t.trade(ETH_PERP, -5n * e18);
    out.push(t.opening);
  }
  return { w, alice: alice!, aliceOpening: out[0]!, carol: carol!, carolOpening: out[1]! };
}

async function inState(state: "fresh" | "frozen" | "cooling off"): Promise<Accounts> {
  const s = await networkHelpers.loadFixture(accountsFixture);
  s.w.prices.splice(0, s.w.prices.length, ...s.w.d.specs.map((x) => x.price));
  if (state === "fresh") await nextEpoch(s.w);
  else if (state === "frozen") await frozenEpoch(s.w, [WETH]);
  else await nextEpoch(s.w, new Map([[WETH, (s.w.prices[WETH]! * 80n) / 100n]]));
  const [frozen, coolingOff] = await s.w.d.oracle.riskState(WETH);
  expect([frozen, coolingOff > 0n]).to.deep.equal([state === "frozen", state === "cooling off"]);
  return s;
}

describe("Portfolio margin in each oracle state", function () {
  this.timeout(900_000);
  after(async function () {
    await prover.close();
  });

  for (const state of ["fresh", "frozen", "cooling off"] as const) {
    const halted = state !== "fresh";
    describe(`WETH ${state}`, function () {
      it(`publishes WETH's initial up weight as ${halted ? "0" : "its weight moved up"} and its maintenance up weight at the mark`, async function () {
        const s = await inState(state);
        const [upIM, upMM] = await s.w.d.oracle.upWeightVectors();
        const [hIM, hMM] = await s.w.d.oracle.haircuts(WETH);
        const mark = await s.w.d.oracle.assetMark(WETH);
        expect(upMM[WETH]).to.equal((mark * (10n ** 18n + hMM) * 10n ** 4n) / 10n ** 18n);
        if (halted) expect(upIM[WETH]).to.equal(0n);
        else expect(upIM[WETH]).to.equal(((mark < (await s.w.d.oracle.price(WETH)) ? mark : await s.w.d.oracle.price(WETH)) * (10n ** 18n + hIM) * 10n ** 4n) / 10n ** 18n);
      });

      it("accepts a deposit, a reduction of ETH-PERP and a lease renewal", async function () {
        const s = await inState(state);
        const a = await traderAt(s.w, s.alice, s.aliceOpening);
        await a.deposit(USDC, 1_000n * e6);
        await a.trade(ETH_PERP, 2n * e18);
        await a.renewLease();
        expect((await s.w.d.engine.accountOf(await s.alice.getAddress())).leaseEpoch).to.equal(await s.w.d.oracle.currentEpoch());
      });

      it(halted ? "refuses growing ETH-PERP and a withdrawal with MarketHalted" : "accepts growing ETH-PERP and a withdrawal", async function () {
        const s = await inState(state);
        const a = await traderAt(s.w, s.alice, s.aliceOpening);
        if (halted) {
          await expect(a.trade(ETH_PERP, -e18)).to.be.revertedWithCustomError(s.w.d.engine, "MarketHalted").withArgs(ETH_PERP);
          await expect(a.withdraw(USDC, 1_000n * e6)).to.be.revertedWithCustomError(s.w.d.engine, "MarketHalted").withArgs(ETH_PERP);
        } else {
          await a.trade(ETH_PERP, -e18);
          await a.withdraw(USDC, 1_000n * e6);
        }
      });

      it(halted ? "gives a WETH-only basket no initial credit: it cannot prove a BTC-PERP opening" : "lets a WETH-only basket open BTC-PERP", async function () {
        const s = await inState(state);
        const c = await traderAt(s.w, s.carol, s.carolOpening);
        if (halted) {
          const err = await rejection(c.trade(BTC_PERP, e18 / 10n));
          expect(err).to.be.instanceOf(WitnessInputError);
          expect(err.message).to.include("floors[");
          // A deposit needs no margin and still goes through.
          await c.deposit(USDC, 100n * e6);
        } else {
          await c.trade(BTC_PERP, e18 / 10n);
        }

      });
    });
  }
});
