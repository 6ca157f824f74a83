/**
 * OptionsMarket on its own engine (an accepting verifier: the engine's checks run, the proof is not
 * checked; test/options/proof.test.ts trades with real proofs): the quote against its TypeScript twin bit
 * for bit, the Greeks' effect on the margin ratio (gamma near expiry), time decay, the expiry and its
 * settlement, each action in each oracle state, and governance-freedom.
 */
import { expect } from "chai";
import type { Signer } from "ethers";
import { network } from "hardhat";
import { WAD } from "../../prover/src/constants.js";
import { realisedPnl } from "../../prover/src/margin.js";
import { intrinsic, optionMarketQuote, variancePerSample, type OptionMarketQuote, type OptionRiskParams } from "../../prover/src/options/quote.js";
import { DEV_OPTION_RISK } from "../../scripts/lib/deployOptions.js";
import { elapse, nextEpoch, now } from "../../scripts/lib/world.js";
import type { OptionsMarket, PlimsollOracle } from "../../types/ethers-contracts/index.js";
import { e6, e18, GARBAGE_NOTE, GARBAGE_PROOF, USDC, WBTC, WETH } from "../contracts/helpers.js";
import { BTC_CALL, DAY, depositAccepted, freshCommitment, frozenEpoch, ETH_CALL, ETH_CALL_NEAR, ETH_PUT, optionsWorld, PRICE, tradeAccepted, type OptionsWorld } from "./fixture.js";

const { ethers, networkHelpers } = await network.create();

async function fixture(): Promise<OptionsWorld & { alice: Signer; bob: Signer }> {
  const verifier = await ethers.deployContract("AcceptingVerifier");
  const o = await optionsWorld(ethers, { verifier: await verifier.getAddress() });
  const [, , alice, bob] = await ethers.getSigners();
  await depositAccepted(o, alice!, 100_000n * e6);
  await depositAccepted(o, bob!, 100_000n * e6);
  return { ...o, alice: alice!, bob: bob! };
}

const load = async (): Promise<Awaited<ReturnType<typeof fixture>>> => {
  const o = await networkHelpers.loadFixture(fixture);
  o.w.prices.splice(0, o.w.prices.length, ...o.w.d.specs.map((x) => x.price));
  return o;
};

/** The TypeScript twin's quote of series `j` from the chain's state at the latest block (of `market`, with `risk`: default the fixture's). */
async function twinQuote(o: OptionsWorld, j: number, market: OptionsMarket = o.market, risk: OptionRiskParams = DEV_OPTION_RISK): Promise<OptionMarketQuote> {
  const s = o.series[j]!;
  const oracle = (await ethers.getContractAt("PlimsollOracle", await o.w.d.oracle.getAddress())) as unknown as PlimsollOracle;
  const [spot, vol, [frozen, coolingOff], settlement, peakWeight, floor, gridSeconds] = await Promise.all([
    oracle.assetMark(s.asset),
    oracle.volatility(s.asset),
    oracle.riskState(s.asset),
    market.settlementPrice(j),
    oracle.peakWeight(),
    oracle.varianceFloor(),
    oracle.gridSeconds(),
  ]);
  const perSample = variancePerSample(vol[0], vol[1], vol[2], peakWeight, floor);
  expect(await market.variancePerSample(s.asset)).to.equal(perSample);
  const epochTime = (await oracle.epoch(await oracle.currentEpoch())).timestamp;
  return optionMarketQuote(s, risk, { spot, perSample, gridSeconds, now: await now(o.w), epochTime, underlyingHalted: frozen || coolingOff > 0n, settlement });
}

/** marketQuote and greeks of series `j` (of `market`, default the fixture's), as the twin returns them. */
async function chainQuote(o: OptionsWorld, j: number, market: OptionsMarket = o.market): Promise<OptionMarketQuote> {
  const [mark, imRatio, mmRatio, halted] = await market.marketQuote(j);
  const [premium, delta, gamma, vega] = await market.greeks(j);
  expect(premium, "greeks' premium is the mark").to.equal(mark);
  return { mark, imRatio, mmRatio, halted, delta, gamma, vega };
}

/** Moves to the first grid step at or after `t` and closes an epoch there. */
async function epochAt(o: OptionsWorld, t: bigint, changes: ReadonlyMap<number, bigint> = new Map()): Promise<void> {
  const g = o.w.gridSeconds;
  const behind = ((t + g - 1n) / g - 1n) * g - (await now(o.w));
  if (behind > 0n) await elapse(o.w, behind);
  await nextEpoch(o.w, changes);
  expect((await o.w.d.oracle.epoch(await o.w.d.oracle.currentEpoch())).timestamp).to.be.at.least(t);
}

describe("OptionsMarket", function () {
  describe("#marketQuote", function () {
    it("agrees bit for bit with the TypeScript twin for every series over a random price path and the run-up to expiry", async function () {
      const o = await load();
      // A second market on the same series with shock parameters that are not whole numbers (every rounding binds).
      const oddRisk: OptionRiskParams = { shockSigmas: 2_500_000_000_000_000_001n, shockSamples: 7n, volShock: 333_333_333_333_333_333n, imMultiplier: 1_234_567_890_123_456_789n };
      const [token, decimals] = await o.w.d.oracle.asset(USDC);
      const odd = (await ethers.deployContract("OptionsMarket", [await o.w.d.oracle.getAddress(), token, decimals, o.series, oddRisk])) as unknown as OptionsMarket;
      let rng = 7;
      const draw = (): number => ((rng = (rng * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      let compared = 0;
      for (let step = 0; step < 40; step++) {
        const move = BigInt(Math.round((draw() - 0.5) * 600)); // within +/- 3% per step: no breaker
        const skip = BigInt(Math.floor(draw() * 3)) * 6n * 3600n;
        if (skip > 0n) await elapse(o.w, skip);
        await nextEpoch(o.w, new Map([[WETH, (o.w.prices[WETH]! * (10_000n + move)) / 10_000n], [WBTC, (o.w.prices[WBTC]! * (10_000n - move)) / 10_000n]]));
        for (let j = 0; j < o.series.length; j++) {
          expect(await chainQuote(o, j), `series ${j} at step ${step}`).to.deep.equal(await twinQuote(o, j));
          expect(await chainQuote(o, j, odd), `series ${j} at step ${step}, odd shock`).to.deep.equal(await twinQuote(o, j, odd, oddRisk));
          compared++;
        }
      }
      expect(compared).to.equal(160);
      // The near series has expired on the way: intrinsic at the live mark, halted.
      const near = await chainQuote(o, ETH_CALL_NEAR);
      expect(near.halted).to.equal(true);
      expect(near.mark).to.equal(intrinsic(o.series[ETH_CALL_NEAR]!, await o.w.d.oracle.assetMark(WETH)) || 1n);
    });

    it("quotes an at-the-money call at a sane premium with delta near 0.5, and a put at delta near -0.5", async function () {
      const o = await load();
      const call = await chainQuote(o, ETH_CALL);
      const put = await chainQuote(o, ETH_PUT);
      // 30 days at the oracle's volatility of WETH: a premium of a few percent of spot.
      expect(call.mark).to.be.within(50n * PRICE, 600n * PRICE);
      expect(call.delta).to.be.within((45n * WAD) / 100n, (60n * WAD) / 100n);
      expect(put.delta).to.equal(call.delta - WAD);
      expect(put.gamma).to.equal(call.gamma);
      expect(call.halted).to.equal(false);
      expect(call.imRatio).to.equal((call.mmRatio * DEV_OPTION_RISK.imMultiplier + WAD - 1n) / WAD);
    });

    it("charges a higher margin ratio near expiry: the 2-day call's gamma and ratio exceed the 30-day call's at the same strike", async function () {
      const o = await load();
      const far = await chainQuote(o, ETH_CALL);
      const near = await chainQuote(o, ETH_CALL_NEAR);
      expect(near.gamma).to.be.greaterThan(far.gamma * 3n);
      expect(near.mmRatio).to.be.greaterThan(far.mmRatio * 2n);
      expect(near.imRatio).to.be.greaterThan(far.imRatio * 2n);
      // And the same series as its expiry approaches, at an unchanged price.
      await epochAt(o, o.series[ETH_CALL_NEAR]!.expiry - 3n * 3600n);
      const later = await chainQuote(o, ETH_CALL_NEAR);
      expect(later.gamma).to.be.greaterThan(near.gamma);
      expect(later.mmRatio).to.be.greaterThan(near.mmRatio);
    });

    it("decays the premium with time at an unchanged price (theta), and follows the price (delta)", async function () {
      const o = await load();
      const before = await chainQuote(o, ETH_CALL);
      const putBefore = await chainQuote(o, ETH_PUT);
      await elapse(o.w, 5n * DAY);
      await nextEpoch(o.w);
      const after = await chainQuote(o, ETH_CALL);
      expect(after.mark).to.be.lessThan(before.mark);
      expect((await chainQuote(o, ETH_PUT)).mark).to.be.lessThan(putBefore.mark);
      await nextEpoch(o.w, new Map([[WETH, (o.w.prices[WETH]! * 102n) / 100n]]));
      expect((await chainQuote(o, ETH_CALL)).mark).to.be.greaterThan(after.mark);
    });

    it("refuses an unknown series with UnknownSeries", async function () {
      const o = await load();
      await expect(o.market.marketQuote(4n)).to.be.revertedWithCustomError(o.market, "UnknownSeries").withArgs(4n);
      await expect(o.market.settleSeries(8n)).to.be.revertedWithCustomError(o.market, "UnknownSeries").withArgs(8n);
    });

    it("has the engine refuse a trade in a series past the count with its own UnknownMarket, before asking the quoter", async function () {
      // On a perp engine the oracle's UnknownMarket has the same selector as the engine's; here the quoter
      // would answer UnknownSeries, so only the engine's own check gives UnknownMarket.
      const o = await load();
      await expect(tradeAccepted(o, o.alice, 4, e18)).to.be.revertedWithCustomError(o.engine, "UnknownMarket").withArgs(4n);
    });
  });

  describe("#settleSeries", function () {
    it("refuses before expiry, and after it until the oracle has sampled at or after the expiry", async function () {
      const o = await load();
      const s = o.series[ETH_CALL_NEAR]!;
      await expect(o.market.settleSeries(ETH_CALL_NEAR)).to.be.revertedWithCustomError(o.market, "SeriesNotExpired").withArgs(ETH_CALL_NEAR, s.expiry);
      await epochAt(o, s.expiry - 2n * o.w.gridSeconds);
      await elapse(o.w, s.expiry - (await now(o.w)));
      const last = (await o.w.d.oracle.epoch(await o.w.d.oracle.currentEpoch())).timestamp;
      expect(last).to.be.lessThan(s.expiry);
      await expect(o.market.settleSeries(ETH_CALL_NEAR)).to.be.revertedWithCustomError(o.market, "NoSampleSinceExpiry").withArgs(ETH_CALL_NEAR, last);
    });

    it("records the underlying's mark once, then the mark is the intrinsic value with ratios 0, and a second settlement is refused", async function () {
      const o = await load();
      const s = o.series[ETH_CALL_NEAR]!;
      await epochAt(o, s.expiry, new Map([[WETH, 3_060n * PRICE]]));
      const mark = await o.w.d.oracle.assetMark(WETH);
      const epoch = await o.w.d.oracle.currentEpoch();
      await expect(o.market.settleSeries(ETH_CALL_NEAR)).to.emit(o.market, "SeriesSettled").withArgs(ETH_CALL_NEAR, mark, epoch);
      expect(await o.market.settlementPrice(ETH_CALL_NEAR)).to.equal(mark);
      expect(mark).to.be.greaterThan(s.strike);
      expect(await o.market.marketQuote(ETH_CALL_NEAR)).to.deep.equal([mark - s.strike, 0n, 0n, true]);
      await expect(o.market.settleSeries(ETH_CALL_NEAR)).to.be.revertedWithCustomError(o.market, "SeriesAlreadySettled").withArgs(ETH_CALL_NEAR, mark);
      // The price moves on; the settled mark does not.
      await nextEpoch(o.w, new Map([[WETH, 2_900n * PRICE]]));
      expect((await o.market.marketQuote(ETH_CALL_NEAR))[0]).to.equal(mark - s.strike);
      expect(await chainQuote(o, ETH_CALL_NEAR)).to.deep.equal(await twinQuote(o, ETH_CALL_NEAR));
    });

    it("force-closes a lapsed account's expired series at the settled intrinsic value (the engine's close path)", async function () {
      const o = await load();
      const s = o.series[ETH_CALL_NEAR]!;
      await tradeAccepted(o, o.alice, ETH_CALL_NEAR, 3n * e18);
      const entry = (await o.engine.positionOf(await o.alice.getAddress(), ETH_CALL_NEAR)).entryPrice;
      await epochAt(o, s.expiry, new Map([[WETH, 3_200n * PRICE]]));
      await (await o.market.settleSeries(ETH_CALL_NEAR)).wait();
      const value = (await o.market.settlementPrice(ETH_CALL_NEAR)) - s.strike;
      const [, , closableAt] = await o.engine.leaseOf(await o.alice.getAddress());
      expect(closableAt).to.be.at.most(await now(o.w)); // two days without an update: the one-day lease lapsed
      const pool = await o.market.poolBalance();
      const pnl = realisedPnl(3n * e18, entry, value, 6);
      await expect(o.engine.connect(o.bob).forceClose(await o.alice.getAddress()))
        .to.emit(o.engine, "PositionChanged").withArgs(await o.alice.getAddress(), ETH_CALL_NEAR, 3n * e18, 0n, value, pnl);
      expect(pnl).to.be.greaterThan(0n);
      expect(await o.market.poolBalance()).to.equal(pool - pnl);
    });

    it("marks a worthless expired option at 1 (1e-8 USD): the engine reads 0 as no price", async function () {
      const o = await load();
      const s = o.series[ETH_CALL_NEAR]!;
      await epochAt(o, s.expiry, new Map([[WETH, 2_950n * PRICE]]));
      await (await o.market.settleSeries(ETH_CALL_NEAR)).wait();
      expect(await o.market.marketQuote(ETH_CALL_NEAR)).to.deep.equal([1n, 0n, 0n, true]);
    });

    for (const state of ["frozen", "cooling off"] as const) {
      it(`refuses while the underlying is ${state}, with UnderlyingHalted`, async function () {
        const o = await load();
        const s = o.series[ETH_CALL_NEAR]!;
        await epochAt(o, s.expiry);
        if (state === "frozen") await frozenEpoch(o, WETH);
        else await nextEpoch(o.w, new Map([[WETH, (o.w.prices[WETH]! * 80n) / 100n]]));
        await expect(o.market.settleSeries(ETH_CALL_NEAR)).to.be.revertedWithCustomError(o.market, "UnderlyingHalted").withArgs(ETH_CALL_NEAR, WETH);
      });
    }

    it("pays a call held to expiry exactly size * (intrinsic - entry) from the pool, and charges a short call the same way into the pool", async function () {
      const o = await load();
      const s = o.series[ETH_CALL_NEAR]!;
      await tradeAccepted(o, o.alice, ETH_CALL_NEAR, 2n * e18);
      await tradeAccepted(o, o.bob, ETH_CALL_NEAR, -e18);
      const bobEntry = (await o.engine.positionOf(await o.bob.getAddress(), ETH_CALL_NEAR)).entryPrice;
      const entry = (await o.engine.positionOf(await o.alice.getAddress(), ETH_CALL_NEAR)).entryPrice;
      await epochAt(o, s.expiry, new Map([[WETH, 3_150n * PRICE]]));
      await (await o.market.settleSeries(ETH_CALL_NEAR)).wait();
      const settled = await o.market.settlementPrice(ETH_CALL_NEAR);
      const pnl = realisedPnl(2n * e18, entry, settled - s.strike, 6);
      expect(pnl).to.equal(((2n * (settled - s.strike - entry)) * e6) / PRICE);
      const pool = await o.market.poolBalance();
      const tx = tradeAccepted(o, o.alice, ETH_CALL_NEAR, -2n * e18);
      await expect(tx).to.emit(o.engine, "PositionChanged").withArgs(await o.alice.getAddress(), ETH_CALL_NEAR, 2n * e18, 0n, settled - s.strike, pnl);
      expect(await o.market.poolBalance()).to.equal(pool - pnl);
      // The short call pays size * (intrinsic - entry), the loss rounded up, into the pool.
      const bobPnl = realisedPnl(-e18, bobEntry, settled - s.strike, 6);
      expect(bobPnl).to.equal(-(((settled - s.strike - bobEntry) * e6 + PRICE - 1n) / PRICE));
      await expect(tradeAccepted(o, o.bob, ETH_CALL_NEAR, e18)).to.emit(o.engine, "PositionChanged").withArgs(await o.bob.getAddress(), ETH_CALL_NEAR, -e18, 0n, settled - s.strike, bobPnl);
      expect(await o.market.poolBalance()).to.equal(pool - pnl - bobPnl);
      // Growing an expired series is refused.
      await expect(tradeAccepted(o, o.bob, ETH_CALL_NEAR, e18)).to.be.revertedWithCustomError(o.engine, "MarketHalted").withArgs(ETH_CALL_NEAR);
    });
  });

  describe("in each oracle state", function () {
    for (const state of ["fresh", "frozen", "cooling off"] as const) {
      const halted = state !== "fresh";
      describe(`WETH ${state}`, function () {
        async function inState(): Promise<Awaited<ReturnType<typeof fixture>>> {
          const o = await load();
          await tradeAccepted(o, o.alice, ETH_CALL, 3n * e18);
          await tradeAccepted(o, o.bob, ETH_PUT, -e18);
          if (state === "fresh") await nextEpoch(o.w);
          else if (state === "frozen") await frozenEpoch(o, WETH);
          else await nextEpoch(o.w, new Map([[WETH, (o.w.prices[WETH]! * 80n) / 100n]]));
          const [frozen, coolingOff] = await o.w.d.oracle.riskState(WETH);
          expect(frozen).to.equal(state === "frozen");
          expect(coolingOff > 0n).to.equal(state === "cooling off");
          for (const j of [ETH_CALL, ETH_PUT, ETH_CALL_NEAR]) expect((await o.market.marketQuote(j))[3], `series ${j} halted`).to.equal(halted);
          expect((await o.market.marketQuote(BTC_CALL))[3], "the BTC series").to.equal(false);
          return o;
        }

        it(halted ? "refuses opening an ETH option, long or short, with MarketHalted" : "accepts opening ETH options long and short", async function () {
          const o = await inState();
          const [, , , , carol] = await ethers.getSigners();
          await depositAccepted(o, carol!, 50_000n * e6);
          for (const [j, size] of [[ETH_CALL, e18], [ETH_PUT, -e18]] as const) {
            if (halted) await expect(tradeAccepted(o, carol!, j, size)).to.be.revertedWithCustomError(o.engine, "MarketHalted").withArgs(j);
            else await (await tradeAccepted(o, carol!, j, size)).wait();
          }
        });

        it(halted ? "refuses growing an open ETH option with MarketHalted" : "accepts growing an open ETH option", async function () {
          const o = await inState();
          if (halted) await expect(tradeAccepted(o, o.alice, ETH_CALL, e18)).to.be.revertedWithCustomError(o.engine, "MarketHalted").withArgs(ETH_CALL);
          else await (await tradeAccepted(o, o.alice, ETH_CALL, e18)).wait();
        });

        it("accepts reducing and closing ETH options, long and short", async function () {
          const o = await inState();
          await (await tradeAccepted(o, o.alice, ETH_CALL, -e18)).wait();
          await (await tradeAccepted(o, o.alice, ETH_CALL, -2n * e18)).wait();
          await (await tradeAccepted(o, o.bob, ETH_PUT, e18)).wait();
          for (const who of [o.alice, o.bob]) expect((await o.engine.accountOf(await who.getAddress())).openMarkets).to.equal(0n);
        });

        it(halted ? "refuses a withdrawal while an ETH option is open, with MarketHalted" : "accepts a withdrawal with an ETH option open", async function () {
          const o = await inState();
          const epoch = await o.w.d.oracle.currentEpoch();
          const tx = o.engine.connect(o.alice).withdraw(USDC, 1_000n * e6, epoch, freshCommitment(), GARBAGE_NOTE, GARBAGE_PROOF);
          if (halted) await expect(tx).to.be.revertedWithCustomError(o.engine, "MarketHalted").withArgs(ETH_CALL);
          else await (await tx).wait();
        });

        it("accepts a deposit and a lease renewal (at maintenance margin) with ETH options open", async function () {
          const o = await inState();
          const epoch = await o.w.d.oracle.currentEpoch();
          expect((await o.engine.accountOf(await o.alice.getAddress())).leaseEpoch).to.be.lessThan(epoch);
          await (await o.engine.connect(o.alice).renewLease(epoch, freshCommitment(), GARBAGE_NOTE, GARBAGE_PROOF)).wait();
          expect((await o.engine.accountOf(await o.alice.getAddress())).leaseEpoch).to.equal(epoch);
          await depositAccepted(o, o.alice, 1_000n * e6);
        });

        it("accepts opening the BTC series, whose underlying is fresh", async function () {
          const o = await inState();
          const [, , , , carol] = await ethers.getSigners();
          await depositAccepted(o, carol!, 50_000n * e6);
          await (await tradeAccepted(o, carol!, BTC_CALL, e18 / 10n)).wait();
        });
      });
    }
  });

  describe("construction and governance", function () {
    it("gives the options market no owner, admin, pause or upgrade function: only liquidity, settlement, the engine's payout and the spent bindEngine change state", async function () {
      const o = await load();
      const names: string[] = [];
      const all: string[] = [];
      o.market.interface.forEachFunction((f) => {
        all.push(f.name);
        if (f.stateMutability !== "view" && f.stateMutability !== "pure") names.push(f.name);
      });
      expect(names.sort()).to.deep.equal(["addLiquidity", "bindEngine", "payProfit", "removeLiquidity", "settleSeries"]);
      const GOVERNANCE = /owner|admin|pause|upgrade|govern|guardian|rescue|sweep|kill|destruct|implementation|proxy|role/i;
      expect(all.filter((n) => GOVERNANCE.test(n) || /^set[A-Z_]/.test(n))).to.deep.equal([]);
      expect(o.market.interface.fallback).to.equal(null);
      expect(await o.market.engine()).to.equal(await o.engine.getAddress());
      expect(await o.market.quoter()).to.equal(await o.market.getAddress());
      expect(await o.engine.market()).to.equal(await o.market.getAddress());
      await expect(o.market.bindEngine()).to.be.revertedWithCustomError(o.market, "EngineAlreadyBound").withArgs(await o.engine.getAddress());
      await expect(o.market.connect(o.alice).payProfit(1n)).to.be.revertedWithCustomError(o.market, "OnlyEngine").withArgs(await o.alice.getAddress());
    });

    it("refuses invalid series and shock parameters in the constructor, naming the field", async function () {
      const o = await load();
      const t = await now(o.w);
      const ok = { asset: WETH, isCall: true, strike: 3_000n * PRICE, expiry: t + DAY };
      const risk = { ...DEV_OPTION_RISK };
      const [token, decimals] = await o.w.d.oracle.asset(USDC);
      const factory = await ethers.getContractFactory("OptionsMarket");
      const oracle = await o.w.d.oracle.getAddress();
      const deploy = (series: (typeof ok)[], r = risk): Promise<unknown> => factory.deploy(oracle, token, decimals, series, r);
      await expect(deploy([])).to.be.revertedWithCustomError(o.market, "InvalidOptionsConfig").withArgs("series count");
      await expect(deploy(Array(9).fill(ok))).to.be.revertedWithCustomError(o.market, "InvalidOptionsConfig").withArgs("series count");
      await expect(deploy([ok, { ...ok, asset: 3 }])).to.be.revertedWithCustomError(o.market, "InvalidSeries").withArgs(1n, "asset");
      await expect(deploy([{ ...ok, strike: 0n }])).to.be.revertedWithCustomError(o.market, "InvalidSeries").withArgs(0n, "strike");
      await expect(deploy([{ ...ok, strike: 10n ** 16n + 1n }])).to.be.revertedWithCustomError(o.market, "InvalidSeries").withArgs(0n, "strike");
      await expect(deploy([{ ...ok, expiry: t }])).to.be.revertedWithCustomError(o.market, "InvalidSeries").withArgs(0n, "expiry");
      await expect(deploy([ok], { ...risk, shockSigmas: 0n })).to.be.revertedWithCustomError(o.market, "InvalidOptionsConfig").withArgs("shockSigmas");
      await expect(deploy([ok], { ...risk, shockSamples: 0n })).to.be.revertedWithCustomError(o.market, "InvalidOptionsConfig").withArgs("shockSamples");
      await expect(deploy([ok], { ...risk, volShock: WAD + 1n })).to.be.revertedWithCustomError(o.market, "InvalidOptionsConfig").withArgs("volShock");
      await expect(deploy([ok], { ...risk, imMultiplier: WAD - 1n })).to.be.revertedWithCustomError(o.market, "InvalidOptionsConfig").withArgs("imMultiplier");
      expect(await o.market.series(ETH_PUT)).to.deep.equal([WETH, false, 3_000n * PRICE, o.series[ETH_PUT]!.expiry]);
    });

    it("stores and returns each of 8 series in its own slot, and refuses a ninth index with UnknownSeries", async function () {
      const o = await load();
      const t = await now(o.w);
      const all = Array.from({ length: 8 }, (_, j) => ({ asset: j % 2 === 0 ? WETH : WBTC, isCall: j % 3 !== 0, strike: BigInt(1_000 + 111 * j) * PRICE, expiry: t + DAY * BigInt(j + 1) }));
      const [token, decimals] = await o.w.d.oracle.asset(USDC);
      const eight = await ethers.deployContract("OptionsMarket", [await o.w.d.oracle.getAddress(), token, decimals, all, DEV_OPTION_RISK]);
      for (const [j, s] of all.entries()) expect(await eight.series(j), `series ${j}`).to.deep.equal([BigInt(s.asset), s.isCall, s.strike, s.expiry]);
      await expect(eight.series(8)).to.be.revertedWithCustomError(eight, "UnknownSeries").withArgs(8n);
    });
  });

  describe("#scenarioValues", function () {
    it("values each series at the twin's Black-Scholes price up and down, and at the intrinsic value when the move takes the whole mark", async function () {
      const o = await load();
      const oracle = (await ethers.getContractAt("PlimsollOracle", await o.w.d.oracle.getAddress())) as unknown as PlimsollOracle;
      for (const j of [ETH_CALL, ETH_PUT]) {
        const s = o.series[j]!;
        const spot = await oracle.assetMark(s.asset);
        // A move of 100%: the down corner is the price 0, where a call is worth 0 and a put its strike.
        const [, down] = await o.market.scenarioValues(j, WAD, true);
        expect(down, `series ${j} down at price 0`).to.equal(intrinsic(s, 0n) * (WAD / PRICE));
        // A small move: up is worth more than down for a call, less for a put; both positive.
        const [up2, down2] = await o.market.scenarioValues(j, WAD / 10n, false);
        expect(up2 > 0n && down2 > 0n, `series ${j} values positive`).to.equal(true);
        expect(s.isCall ? up2 > down2 : up2 < down2, `series ${j} direction`).to.equal(true);
        expect(spot > 0n).to.equal(true);
      }
    });
  });
});

