/**
 * Options under portfolio margin (an options engine, accepting verifiers: the engine's floors and checks
 * run, the proofs are not checked; the last test trades with real portfolio proofs). Each option position is
 * re-priced in each scenario (OptionsMarket.scenarioValues: Black-Scholes at the underlying's mark moved by
 * its haircut and at sigma sqrt T moved by volShock against the side), not moved linearly. Checked: the
 * engine's floors against the TypeScript twin bit for bit over random option positions and price paths;
 * gamma near expiry; short against long; the vol shock on a short straddle; each oracle state.
 */
import { expect } from "chai";
import type { Signer } from "ethers";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { network } from "hardhat";
import { WAD } from "../../prover/src/constants.js";
import type { EngineContract, TokenContract } from "../../prover/src/contracts.js";
import { optionScenarioValues, variancePerSample, type OptionQuoteInputs, type OptionRiskParams } from "../../prover/src/options/quote.js";
import { FLOOR_BITS, FLOOR_UNIT, packFloors, portfolioFloors, SCENARIOS, type ScenarioPosition } from "../../prover/src/portfolio.js";
import { Prover } from "../../prover/src/prover.js";
import { OpeningStore } from "../../prover/src/store.js";
import { Trader } from "../../prover/src/trader.js";
import { DEV_OPTION_RISK } from "../../scripts/lib/deployOptions.js";
import type { PlimsollOracle } from "../../types/ethers-contracts/index.js";
import { ACCOUNT_UPDATE_ARTIFACTS, elapse, nextEpoch, now } from "../../scripts/lib/world.js";
import { e18, e6, GARBAGE_NOTE, GARBAGE_PROOF, USDC, WETH } from "../contracts/helpers.js";
import { BTC_CALL, depositAccepted, ETH_CALL, ETH_CALL_NEAR, ETH_PUT, freshCommitment, frozenEpoch, optionsWorld, tradeAccepted, type OptionsWorld } from "../options/fixture.js";

const { ethers, networkHelpers } = await network.create();

type World = OptionsWorld & { accounts: Signer[] };

/** Six portfolio-margin accounts on the options engine, each with 100,000 USDC. */
async function fixture(): Promise<World> {
  const [verifier, portfolioVerifier] = await Promise.all([ethers.deployContract("AcceptingVerifier"), ethers.deployContract("AcceptingPortfolioVerifier")]);
  const o = await optionsWorld(ethers, { verifier: await verifier.getAddress(), portfolioVerifier: await portfolioVerifier.getAddress() });
  const accounts = (await ethers.getSigners()).slice(2, 8);
  for (const a of accounts) {
    await (await o.engine.connect(a).chooseMarginMode(true)).wait();
    await depositAccepted(o, a, 100_000n * e6);
  }
  return { ...o, accounts };
}

const load = async (): Promise<World> => {
  const o = await networkHelpers.loadFixture(fixture);
  o.w.prices.splice(0, o.w.prices.length, ...o.w.d.specs.map((x) => x.price));
  return o;
};

/** The chain's inputs to series `j`'s quote (as test/options/market.test.ts's twin reads them). */
async function quoteInputs(o: OptionsWorld, j: number): Promise<OptionQuoteInputs> {
  const s = o.series[j]!;
  const oracle = (await ethers.getContractAt("PlimsollOracle", await o.w.d.oracle.getAddress())) as unknown as PlimsollOracle;
  const [spot, vol, [frozen, coolingOff], settlement, peakWeight, floor, gridSeconds, epoch] = await Promise.all([
    oracle.assetMark(s.asset),
    oracle.volatility(s.asset),
    oracle.riskState(s.asset),
    o.market.settlementPrice(j),
    oracle.peakWeight(),
    oracle.varianceFloor(),
    oracle.gridSeconds(),
    oracle.currentEpoch(),
  ]);
  const perSample = variancePerSample(BigInt(vol[0]), BigInt(vol[1]), BigInt(vol[2]), BigInt(peakWeight), BigInt(floor));
  const epochTime = BigInt((await oracle.epoch(epoch)).timestamp);
  return { spot: BigInt(spot), perSample, gridSeconds: BigInt(gridSeconds), now: await now(o.w), epochTime, underlyingHalted: frozen || BigInt(coolingOff) > 0n, settlement };
}

/**
 * The account's floors computed in TypeScript from the chain's public state (positions, marks, haircuts,
 * the series' quote inputs), optionally with `values` replacing the twin's scenario values.
 */
async function twinFloors(
  o: OptionsWorld,
  who: Signer,
  initial: boolean,
  values?: (j: number, p: ScenarioPosition, x: OptionQuoteInputs) => { up: bigint; down: bigint },
): Promise<bigint[]> {
  const me = await who.getAddress();
  const positions: ScenarioPosition[] = [];
  for (let j = 0; j < o.series.length; j++) {
    const pos = await o.engine.positionOf(me, j);
    if (BigInt(pos.size) === 0n) continue;
    const s = o.series[j]!;
    const [hIM, hMM] = await o.w.d.oracle.haircuts(s.asset);
    const haircut = BigInt(initial ? hIM : hMM);
    const [mark] = await o.market.marketQuote(j);
    const p: ScenarioPosition = { size: BigInt(pos.size), entryPrice: BigInt(pos.entryPrice), mark: BigInt(mark), underlying: s.asset, haircut };
    const x = await quoteInputs(o, j);
    p.option = values !== undefined ? values(j, p, x) : optionScenarioValues(s, DEV_OPTION_RISK, x, haircut, p.size < 0n);
    positions.push(p);
  }
  return portfolioFloors(positions, BigInt(await o.w.d.oracle.marginFloor()));
}

/** The engine's floors of `who` (MarginEngine.portfolioFloorsOf), unpacked. */
async function engineFloors(o: OptionsWorld, who: Signer, initial: boolean): Promise<bigint[]> {
  const [lo, hi] = await o.engine.portfolioFloorsOf(await who.getAddress(), initial);
  const mask = (1n << FLOOR_BITS) - 1n;
  return Array.from({ length: SCENARIOS }, (_, s) => ((s < 4 ? lo : hi) >> (FLOOR_BITS * BigInt(s % 4))) & mask);
}

const max = (xs: readonly bigint[]): bigint => xs.reduce((m, x) => (x > m ? x : m), 0n);


describe("Portfolio margin of options", function () {
  this.timeout(600_000);

  it("scenarioValues and the engine's floors agree bit for bit with the TypeScript twin over random option positions and a price path", async function () {
    const o = await load();
    let rng = 11;
    const draw = (): number => ((rng = (rng * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let compared = 0;
    let optionsOpen = 0;
    for (let step = 0; step < 12; step++) {
      // Each account moves a random series by a random signed size (0.01 to 5 units), unless the account
      // holds a halted (expired) series: its initial-margin floors are refused (MarketHalted).
      const halted = await Promise.all(o.series.map(async (_, j) => (await o.market.marketQuote(j))[3]));
      for (const a of o.accounts) {
        const j = Math.floor(draw() * o.series.length);
        const size = (draw() < 0.5 ? -1n : 1n) * BigInt(1 + Math.floor(draw() * 500)) * (e18 / 100n);
        const open = (await o.engine.accountOf(await a.getAddress())).openMarkets;
        const blocked = halted.some((h, k) => h && ((open >> BigInt(k)) & 1n) === 1n);
        if (!halted[j] && !blocked) await (await tradeAccepted(o, a, j, size)).wait();
      }
      const move = BigInt(Math.round((draw() - 0.5) * 500)); // +/- 2.5% per step: no breaker
      const skip = BigInt(Math.floor(draw() * 4)) * 6n * 3600n;
      if (skip > 0n) await elapse(o.w, skip);
      await nextEpoch(o.w, new Map([[WETH, (o.w.prices[WETH]! * (10_000n + move)) / 10_000n]]));
      for (let j = 0; j < o.series.length; j++) {
        const x = await quoteInputs(o, j);
        for (const h of [0n, WAD / 20n, (WAD * 37n) / 100n + 1n, WAD]) {
          for (const volUp of [false, true]) {
            const twin = optionScenarioValues(o.series[j]!, DEV_OPTION_RISK, x, h, volUp);
            expect([...(await o.market.scenarioValues(j, h, volUp))], `series ${j} step ${step} h ${h} volUp ${volUp}`).to.deep.equal([twin.up, twin.down]);
          }
        }
      }
      for (const a of o.accounts) {
        for (const initial of [true, false]) {
          expect(await engineFloors(o, a, initial), `step ${step} initial ${initial}`).to.deep.equal(await twinFloors(o, a, initial));
          compared++;
        }
        optionsOpen += Number((await o.engine.accountOf(await a.getAddress())).openMarkets !== 0n);
      }
    }
    expect(compared).to.equal(12 * 6 * 2);
    expect(optionsOpen, "account-steps with an option open").to.be.greaterThan(50);
    // The near series expired on the way (12 steps of up to 18 hours): its values are intrinsic at the moved mark.
    expect(await now(o.w)).to.be.greaterThan(o.series[ETH_CALL_NEAR]!.expiry);
  });

  it("raises a short call's convexity charge (floor less its delta-only floor) and its floor per unit of premium as its expiry nears at an unchanged price (gamma)", async function () {
    const o = await load();
    const [a] = o.accounts;
    await (await tradeAccepted(o, a!, ETH_CALL_NEAR, -e18)).wait();
    const early = max(await engineFloors(o, a!, true));
    const markEarly = BigInt((await o.market.marketQuote(ETH_CALL_NEAR))[0]);
    // Delta-only: each scenario value is the mark moved by delta x the underlying's move.
    const deltaOnly = async (): Promise<bigint> => {
      const [, delta] = await o.market.greeks(ETH_CALL_NEAR);
      return max(
        await twinFloors(o, a!, true, (_, p, x) => {
          const swing = (BigInt(delta) * x.spot * 10n ** 10n * p.haircut) / WAD / WAD;
          return { up: p.mark * 10n ** 10n + swing, down: p.mark * 10n ** 10n - swing };
        }),
      );
    };
    const earlyDelta = await deltaOnly();
    // 3 hours before expiry, the price back where it was.
    const g = o.w.gridSeconds;
    const target = o.series[ETH_CALL_NEAR]!.expiry - 3n * 3600n;
    await elapse(o.w, ((target + g - 1n) / g - 1n) * g - (await now(o.w)));
    await nextEpoch(o.w);
    expect(await o.w.d.oracle.assetMark(WETH)).to.equal(o.w.d.specs[WETH]!.price);
    const late = max(await engineFloors(o, a!, true));
    const lateDelta = await deltaOnly();
    const markLate = BigInt((await o.market.marketQuote(ETH_CALL_NEAR))[0]);
    console.log(`      short 1 ETH 3,000 call, 2 days -> 3 hours to expiry: floor $${Number(early) / 1e6} -> $${Number(late) / 1e6} (delta-only $${Number(earlyDelta) / 1e6} -> $${Number(lateDelta) / 1e6})`);
    // The convexity the delta-only rule misses (gamma) grows toward expiry, and so does the floor per unit
    // of premium; the floor itself also loses the shrinking vega and cushion (see the README).
    expect(early).to.be.greaterThan(earlyDelta);
    expect(late - lateDelta).to.be.greaterThan(early - earlyDelta);
    expect(late * markEarly, "floor per unit of premium").to.be.greaterThan(early * markLate);
  });

  it("needs more for a short option than for a long one of the same size, and never more for a long than its premium (plus the cushion)", async function () {
    const o = await load();
    const [long, short] = o.accounts;
    for (const j of [ETH_CALL, ETH_PUT, ETH_CALL_NEAR, BTC_CALL]) {
      await (await tradeAccepted(o, long!, j, e18)).wait();
      await (await tradeAccepted(o, short!, j, -e18)).wait();
      const l = max(await engineFloors(o, long!, true));
      const s = max(await engineFloors(o, short!, true));
      expect(s, `series ${j}`).to.be.greaterThan(l);
      // Long: X_s <= size mark 1e4 cushion + size entry WAD 1e4 (its scenario value is >= 0).
      const [mark] = await o.market.marketQuote(j);
      const { entryPrice } = await o.engine.positionOf(await long!.getAddress(), j);
      const cushion = BigInt(await o.w.d.oracle.marginFloor());
      const bound = (e18 * BigInt(mark) * 10n ** 4n * cushion + e18 * BigInt(entryPrice) * WAD * 10n ** 4n + WAD * FLOOR_UNIT - 1n) / (WAD * FLOOR_UNIT);
      expect(l, `series ${j}: a long loses at most its premium`).to.be.at.most(bound);
      await (await tradeAccepted(o, long!, j, -e18)).wait();
      await (await tradeAccepted(o, short!, j, e18)).wait();
    }
  });

  it("bites with the vol shock: a short straddle's floor exceeds its delta-only floor and its re-priced floor without the vol shock", async function () {
    const o = await load();
    const [a] = o.accounts;
    await (await tradeAccepted(o, a!, ETH_CALL, -e18)).wait();
    await (await tradeAccepted(o, a!, ETH_PUT, -e18)).wait();
    const floors = await engineFloors(o, a!, false);
    const greeks = [await o.market.greeks(ETH_CALL), await o.market.greeks(ETH_PUT)];
    const deltaOnly = await twinFloors(o, a!, false, (j, p, x) => {
      const swing = (BigInt(greeks[j === ETH_CALL ? 0 : 1]![1]) * x.spot * 10n ** 10n * p.haircut) / WAD / WAD;
      return { up: p.mark * 10n ** 10n + swing, down: p.mark * 10n ** 10n - swing };
    });
    const noVolShock: OptionRiskParams = { ...DEV_OPTION_RISK, volShock: 0n };
    const unshocked = await twinFloors(o, a!, false, (j, p, x) => optionScenarioValues(o.series[j]!, noVolShock, x, p.haircut, true));
    console.log(`      short 1 ETH 3,000 straddle, 30 days, maintenance: floor $${Number(max(floors)) / 1e6}, delta-only $${Number(max(deltaOnly)) / 1e6}, no vol shock $${Number(max(unshocked)) / 1e6}`);
    // The straddle is near delta-neutral: a delta-only rule sees little more than the cushion.
    expect(max(floors)).to.be.greaterThan(2n * max(deltaOnly));
    for (let s = 0; s < SCENARIOS; s++) expect(floors[s]!, `scenario ${s}`).to.be.greaterThan(unshocked[s]!);
  });

  describe("in each oracle state", function () {
    for (const state of ["fresh", "frozen", "cooling off"] as const) {
      const halted = state !== "fresh";
      describe(`WETH ${state}`, function () {
        async function inState(): Promise<World> {
          const o = await load();
          const [a, b] = o.accounts;
          await (await tradeAccepted(o, a!, ETH_CALL, -3n * e18)).wait();
          await (await tradeAccepted(o, b!, ETH_PUT, e18)).wait();
          if (state === "fresh") await nextEpoch(o.w);
          else if (state === "frozen") await frozenEpoch(o, WETH);
          else await nextEpoch(o.w, new Map([[WETH, (o.w.prices[WETH]! * 80n) / 100n]]));
          const [frozen, coolingOff] = await o.w.d.oracle.riskState(WETH);
          expect([frozen, BigInt(coolingOff) > 0n]).to.deep.equal([state === "frozen", state === "cooling off"]);
          return o;
        }

        it(`prices the floors at the kept mark, as the TypeScript twin${halted ? ", and refuses the initial floors with MarketHalted" : ""}`, async function () {
          const o = await inState();
          const [a, b] = o.accounts;
          for (const who of [a!, b!]) {
            expect(await engineFloors(o, who, false)).to.deep.equal(await twinFloors(o, who, false));
            expect(await engineFloors(o, who, true)).to.deep.equal(await twinFloors(o, who, true));
            // After the 20% crash both the short call and the long put are in profit: floors 0.
            if (state !== "cooling off") expect(max(await engineFloors(o, who, false))).to.be.greaterThan(0n);
          }
        });

        it(halted ? "refuses opening or growing an ETH option and withdrawing, with MarketHalted" : "accepts opening and growing ETH options and withdrawing", async function () {
          const o = await inState();
          const [a, , c] = o.accounts;
          const epoch = await o.w.d.oracle.currentEpoch();
          const attempts: [number, () => Promise<{ wait(): Promise<unknown> }>][] = [
            [ETH_PUT, () => tradeAccepted(o, c!, ETH_PUT, -e18)],
            [ETH_CALL, () => tradeAccepted(o, a!, ETH_CALL, -e18)],
            [ETH_CALL, () => o.engine.connect(a!).withdraw(USDC, 1_000n * e6, epoch, freshCommitment(), GARBAGE_NOTE, GARBAGE_PROOF)],
          ];
          for (const [j, send] of attempts) {
            if (halted) await expect(send()).to.be.revertedWithCustomError(o.engine, "MarketHalted").withArgs(j);
            else await (await send()).wait();
          }
        });

        it("accepts reducing and closing, a lease renewal at maintenance margin and a deposit, and opening the BTC series", async function () {
          const o = await inState();
          const [a, b, c] = o.accounts;
          const epoch = await o.w.d.oracle.currentEpoch();
          await (await o.engine.connect(a!).renewLease(epoch, freshCommitment(), GARBAGE_NOTE, GARBAGE_PROOF)).wait();
          expect((await o.engine.accountOf(await a!.getAddress())).leaseEpoch).to.equal(epoch);
          await depositAccepted(o, a!, 1_000n * e6);
          await (await tradeAccepted(o, a!, ETH_CALL, e18)).wait();
          await (await tradeAccepted(o, a!, ETH_CALL, 2n * e18)).wait();
          await (await tradeAccepted(o, b!, ETH_PUT, -e18)).wait();
          for (const who of [a!, b!]) expect((await o.engine.accountOf(await who.getAddress())).openMarkets).to.equal(0n);
          await (await tradeAccepted(o, c!, BTC_CALL, -e18 / 10n)).wait();
        });
      });
    }
  });

  it("trades a short call under portfolio margin with a real proof at the engine's floors; prints the gas against simple margin", async function () {
    const prover = new Prover();
    try {
      const o = await optionsWorld(ethers, { prover });
      const [, , alice, bob] = await ethers.getSigners();
      const gas: Record<string, bigint[]> = {};
      for (const [who, mode] of [[alice!, "simple"], [bob!, "portfolio"]] as const) {
        const usdc = o.w.d.tokens[USDC]!.connect(who) as TokenContract;
        await (await usdc.mint(await who.getAddress(), 20_000n * e6)).wait();
        await (await usdc.approve(await o.engine.getAddress(), 20_000n * e6)).wait();
        const t = await Trader.load({
          engine: o.engine.connect(who) as unknown as EngineContract,
          oracle: o.w.d.oracle,
          signer: who,
          prover,
          artifacts: ACCOUNT_UPDATE_ARTIFACTS,
          store: new OpeningStore(mkdtempSync(join(tmpdir(), "plimsoll-options-pm-"))),
          keeper: { keeperId: o.w.keeper.keeperId, key: o.w.keeper.key.publicKey },
          quoter: {
            marketCount: () => o.market.marketCount(),
            marketQuote: (j) => o.market.marketQuote(j),
            series: (j) => o.market.series(j),
            scenarioValues: (j, move, volUp) => o.market.scenarioValues(j, move, volUp),
          },
        });
        if (mode === "portfolio") await t.chooseMarginMode(true);
        await t.deposit(USDC, 20_000n * e6);
        const first = await t.trade(ETH_CALL, -e18);
        const second = await t.trade(ETH_PUT, -e18);
        gas[mode] = [first.gasUsed, second.gasUsed];
        if (mode === "portfolio") {
          const floors = await engineFloors(o, who, true);
          expect(second.requirement).to.equal(max(floors) * FLOOR_UNIT);
          expect(packFloors(floors)).to.deep.equal([...(await o.engine.portfolioFloorsOf(await who.getAddress(), true))]);
        }
      }
      console.log("      options trade with real proofs (simple -> portfolio gas):");
      console.log(`        short ETH call, 1 option open      ${gas.simple![0]!.toLocaleString("en-US")} -> ${gas.portfolio![0]!.toLocaleString("en-US")}`);
      console.log(`        short ETH put, 2 options open      ${gas.simple![1]!.toLocaleString("en-US")} -> ${gas.portfolio![1]!.toLocaleString("en-US")}`);
    } finally {
      await prover.close();
    }
  });
});
