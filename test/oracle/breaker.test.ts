/**
 * PlimsollOracle's risk states: fresh, frozen (no valid price in the sample) and cooling off (the circuit
 * breaker tripped on a move beyond breakerKWad sigmas). In both halted states the asset's initial weight is 0
 * and its markets are halted (marketQuote's `halted`); its maintenance weight and its marks are kept, so
 * liquidation, reductions and renewals go on. Every expectation is the TypeScript model's, and the contract
 * must agree with it bit for bit.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { WAD } from "../../prover/src/constants.js";
import { OracleModel, breakerTrips, coolDown, defaultRiskConfig, isqrt, squaredReturn, weightOf, type SourceReading } from "../../prover/src/oracle/index.js";
import { initPoseidon, type SyncPoseidon } from "../../prover/src/poseidon.js";
import { OracleDriver, deployOracleFixture, type OracleFixture } from "../helpers/oracleFixture.js";

const { ethers, networkHelpers } = await network.create();

const usd = (dollars: bigint): bigint => dollars * 10n ** 8n;
const ETH = usd(3000n);
const BTC = usd(60_000n);
const USDC = usd(1n);
const CALM = [ETH, BTC, USDC];
const RISK = defaultRiskConfig(3600);
const N = Number(RISK.breakerSamples);

async function deployDefaultOracle(): Promise<OracleFixture> {
  return deployOracleFixture(ethers);
}

/** Asserts the on-chain risk state, weights and market flags of every slot equal the model's. */
async function expectModelState(d: OracleDriver): Promise<void> {
  const { oracle } = d.fixture;
  const model = d.model!;
  const [initial, maintenance] = await oracle.weightVectors();
  expect({ initial: [...initial], maintenance: [...maintenance] }).to.deep.equal(model.weightVectors());
  for (let i = 0; i < model.assetCount; i++) {
    const s = model.riskState(i);
    expect([...(await oracle.riskState(i))], `risk state of asset ${i}`).to.deep.equal([s.frozen, s.coolingOff]);
  }
  for (let j = 0; j < model.marketCount; j++) {
    const q = await oracle.marketQuote(j);
    expect(q[3], `halted flag of market ${j}`).to.equal(model.marketHalted(j));
  }
}

/** Readings of CALM with every source of `slot` answering `price` (or a stale answer when undefined). */
function readings(d: OracleDriver, t: bigint, prices: readonly bigint[], staleSlot?: number): SourceReading[][] {
  const r = d.freshReadings(prices, t);
  if (staleSlot !== undefined) {
    r[staleSlot] = r[staleSlot]!.map((x) => ("answer" in x ? { ...x, updatedAt: t - RISK.maxStaleness - 1n } : x));
  }
  return r;
}

describe("PlimsollOracle risk states", function () {
  let poseidon: SyncPoseidon;

  before(async function () {
    poseidon = await initPoseidon();
  });

  async function drive(): Promise<OracleDriver> {
    const f = await networkHelpers.loadFixture(deployDefaultOracle);
    const d = await OracleDriver.start(f, networkHelpers, new OracleModel(f.config, poseidon));
    await d.pokePrices(CALM);
    return d;
  }

  describe("the breaker formula", function () {
    it("trips exactly above breakerKWad sigmas, sigma being the volatility before the sample", function () {
      const v = RISK.varianceFloor;
      const k = RISK.breakerKWad;
      // The largest price p over q = 1e8 whose return is at most k sigma, found by bisection.
      let lo = 10n ** 8n;
      let hi = 2n * 10n ** 8n;
      while (hi - lo > 1n) {
        const mid = (lo + hi) / 2n;
        if (breakerTrips(squaredReturn(mid, 10n ** 8n), v, k)) hi = mid;
        else lo = mid;
      }
      expect(breakerTrips(squaredReturn(lo, 10n ** 8n), v, k)).to.equal(false);
      expect(breakerTrips(squaredReturn(hi, 10n ** 8n), v, k)).to.equal(true);
      // The threshold is k sigma: the return at it is within a part in 10^4 of k * sqrt(v).
      const sigma = isqrt(v * WAD);
      const r = (2n * (hi - 10n ** 8n) * WAD) / (hi + 10n ** 8n);
      const threshold = (k * sigma) / WAD;
      expect(r > threshold - threshold / 10_000n && r < threshold + threshold / 10_000n, `return ${r} against k sigma ${threshold}`).to.equal(true);
    });

    it("counts the cooling-off samples down to 0 and restarts the count on a new trip", function () {
      expect(coolDown(0n, true, 3n)).to.equal(3n);
      expect(coolDown(3n, false, 3n)).to.equal(2n);
      expect(coolDown(1n, false, 3n)).to.equal(0n);
      expect(coolDown(0n, false, 3n)).to.equal(0n);
      expect(coolDown(1n, true, 3n)).to.equal(3n);
    });
  });

  describe("#poke", function () {
    it("starts fresh: no asset frozen or cooling off, every initial weight positive, no market halted", async function () {
      const d = await drive();
      for (let i = 0; i < 3; i++) {
        expect([...(await d.fixture.oracle.riskState(i))]).to.deep.equal([false, 0n]);
        expect((await d.fixture.oracle.weights(i))[0]).to.be.greaterThan(0n);
      }
      for (let j = 0; j < 2; j++) expect(await d.fixture.oracle.marketHalted(j)).to.equal(false);
      await expectModelState(d);
    });

    it("halts a frozen asset: initial weight 0, maintenance weight kept at its last price, its market halted", async function () {
      const d = await drive();
      const before = await d.fixture.oracle.weights(0);
      const t = d.nextTime();
      await d.pokeWith(readings(d, t, CALM, 0), t);
      expect([...(await d.fixture.oracle.riskState(0))]).to.deep.equal([true, 0n]);
      const [wIM, wMM] = await d.fixture.oracle.weights(0);
      expect(wIM).to.equal(0n);
      // Same mark, and the frozen haircut tightens by freezeStep: the maintenance weight falls accordingly.
      const [, hMM] = await d.fixture.oracle.haircuts(0);
      expect(hMM).to.equal(d.model!.haircuts(0).maintenance);
      expect(wMM).to.equal(weightOf(ETH, hMM, d.fixture.config.assets[0]!.decimals));
      expect(wMM < before[1]).to.equal(true);
      expect(await d.fixture.oracle.marketHalted(0)).to.equal(true); // ETH-PERP
      expect(await d.fixture.oracle.marketHalted(1)).to.equal(false); // BTC-PERP
      const quote = await d.fixture.oracle.marketQuote(0);
      expect(quote[0]).to.equal(ETH); // the mark stays: reductions and liquidations settle there
      await expectModelState(d);
    });

    it("keeps stamping fresh epochs while frozen, every one with the frozen asset's initial weight 0", async function () {
      const d = await drive();
      for (let k = 0; k < 4; k++) {
        const t = d.nextTime();
        await d.pokeWith(readings(d, t, CALM, 0), t);
        const e = await d.fixture.oracle.epoch(await d.fixture.oracle.currentEpoch());
        expect(e.timestamp).to.equal(d.step * RISK.gridSeconds);
        expect((await d.fixture.oracle.weights(0))[0]).to.equal(0n);
        await expectModelState(d);
      }
    });

    it("trips the breaker on a move beyond k sigma, emits BreakerTripped, and cools off for breakerSamples samples", async function () {
      const d = await drive();
      const crash = [(ETH * 80n) / 100n, BTC, USDC];
      const t = d.nextTime();
      await expect(d.pokeWith(readings(d, t, crash), t)).to.emit(d.fixture.oracle, "BreakerTripped").withArgs(0n, crash[0]!, ETH);
      expect(d.model!.lastTripped).to.deep.equal([0]);
      // The tripping sample's price counts (liquidations settle at it), but no new risk may use it.
      expect(await d.fixture.oracle.price(0)).to.equal(crash[0]);
      for (let k = N; k >= 1; k--) {
        expect([...(await d.fixture.oracle.riskState(0))], `cooling off, ${k} left`).to.deep.equal([false, BigInt(k)]);
        expect((await d.fixture.oracle.weights(0))[0]).to.equal(0n);
        expect((await d.fixture.oracle.weights(0))[1]).to.be.greaterThan(0n);
        expect(await d.fixture.oracle.marketHalted(0)).to.equal(true);
        await expectModelState(d);
        await d.pokePrices(crash);
      }
      // Recovery: after breakerSamples samples with no new trip, the asset takes risk again.
      expect([...(await d.fixture.oracle.riskState(0))]).to.deep.equal([false, 0n]);
      expect((await d.fixture.oracle.weights(0))[0]).to.be.greaterThan(0n);
      expect(await d.fixture.oracle.marketHalted(0)).to.equal(false);
      await expectModelState(d);
    });

    it("restarts the cooling-off count on a second trip", async function () {
      const d = await drive();
      await d.pokePrices([(ETH * 80n) / 100n, BTC, USDC]);
      await d.pokePrices([(ETH * 80n) / 100n, BTC, USDC]);
      expect((await d.fixture.oracle.riskState(0))[1]).to.equal(BigInt(N - 1));
      await d.pokePrices([ETH, BTC, USDC]); // +25%: beyond k sigma even after the first crash raised sigma
      expect(d.model!.lastTripped).to.deep.equal([0]);
      expect((await d.fixture.oracle.riskState(0))[1]).to.equal(BigInt(N));
      await expectModelState(d);
    });

    it("does not trip on a move within k sigma", async function () {
      const d = await drive();
      await d.pokePrices([(ETH * 1005n) / 1000n, BTC, USDC]); // +0.5%: well inside 10 sigma at 80% annual
      expect(d.model!.lastTripped).to.deep.equal([]);
      expect([...(await d.fixture.oracle.riskState(0))]).to.deep.equal([false, 0n]);
      await expectModelState(d);
    });

    it("does not trip on a spike from one source only: the median and the band drop it", async function () {
      const d = await drive();
      const t = d.nextTime();
      const r = d.freshReadings(CALM, t);
      const spiked = r[0]!.map((x, j) => (j === 0 && "answer" in x ? { ...x, answer: x.answer * 2n } : x));
      r[0] = spiked;
      const receipt = await d.pokeWith(r, t);
      const names = receipt.logs.map((l) => d.fixture.oracle.interface.parseLog(l)?.name);
      expect(names).to.not.include("BreakerTripped");
      expect(await d.fixture.oracle.price(0)).to.equal(ETH);
      expect([...(await d.fixture.oracle.riskState(0))]).to.deep.equal([false, 0n]);
      await expectModelState(d);
    });

    it("trips when sources return from a freeze with a gap: the jump is measured from the last valid price", async function () {
      const d = await drive();
      for (let k = 0; k < 3; k++) {
        const t = d.nextTime();
        await d.pokeWith(readings(d, t, CALM, 0), t);
      }
      await d.pokePrices([(ETH * 80n) / 100n, BTC, USDC]);
      expect(d.model!.lastTripped).to.deep.equal([0]);
      expect([...(await d.fixture.oracle.riskState(0))]).to.deep.equal([false, BigInt(N)]);
      expect(await d.fixture.oracle.marketHalted(0)).to.equal(true);
      await expectModelState(d);
    });
  });
});
