/**
 * PlimsollOracle's defences against prices that should not count as they are (issue 16 section 6, issue 9
 * section 3): a frozen asset's haircut tightens with time frozen; a jump beyond jumpBps of the last valid
 * price counts only once confirmed (by confirmSources agreeing answers, or by the next sample); and the mark
 * that margin and liquidation use moves by at most markBandBps per sample. Every expectation is checked on
 * chain and against the TypeScript model, which must agree bit for bit.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { WAD } from "../../prover/src/constants.js";
import { OracleModel, defaultRiskConfig, weightOf, type RiskConfig, type SourceReading } from "../../prover/src/oracle/index.js";
import { initPoseidon, type SyncPoseidon } from "../../prover/src/poseidon.js";
import { OracleDriver, deployOracleFixture, type OracleFixture } from "../helpers/oracleFixture.js";

const { ethers, networkHelpers } = await network.create();

const usd = (dollars: bigint): bigint => dollars * 10n ** 8n;
const ETH = usd(3000n);
const BTC = usd(60_000n);
const USDC = usd(1n);
const CALM = [ETH, BTC, USDC];
const RISK = defaultRiskConfig(3600);
/** A smoothed mark (EMA with lambda 0.8) clamped to 2% a sample. */
const SMOOTH_RISK: RiskConfig = { ...RISK, markLambda: (WAD * 8n) / 10n, markBandBps: 200n };

async function deployDefaultOracle(): Promise<OracleFixture> {
  return deployOracleFixture(ethers);
}
/** A haircut cap half a freeze step above the floor. */
const CAPPED_RISK: RiskConfig = { ...RISK, haircutCap: RISK.haircutFloor + RISK.freezeStep / 2n };
async function deployCappedOracle(): Promise<OracleFixture> {
  return deployOracleFixture(ethers, { risk: CAPPED_RISK });
}
async function deploySmoothOracle(): Promise<OracleFixture> {
  return deployOracleFixture(ethers, { risk: SMOOTH_RISK });
}

/** Readings of `prices` with the first `liars` sources of `slot` answering `lie` instead. */
function withLiars(d: OracleDriver, t: bigint, prices: readonly bigint[], slot: number, liars: number, lie: bigint): SourceReading[][] {
  return d.freshReadings(prices, t).map((row, i) =>
    i !== slot ? row : row.map((x, j) => (j < liars && "answer" in x ? { ...x, answer: (x.answer * lie) / prices[i]! } : x)),
  );
}

/** The contract's views of `slot` equal the model's. */
async function expectAgrees(d: OracleDriver, slot: number): Promise<void> {
  const { oracle } = d.fixture;
  const m = d.model!;
  expect(await oracle.price(slot), "price").to.equal(m.price(slot));
  expect(await oracle.assetMark(slot), "mark").to.equal(m.assetMark(slot));
  expect(await oracle.pendingPrice(slot), "pending").to.equal(m.pendingPrice(slot));
  expect([...(await oracle.haircuts(slot))], "haircuts").to.deep.equal([m.haircuts(slot).initial, m.haircuts(slot).maintenance]);
  expect([...(await oracle.riskState(slot))], "risk state").to.deep.equal([m.riskState(slot).frozen, m.riskState(slot).coolingOff]);
  const [initial, maintenance] = await oracle.weightVectors();
  expect({ initial: [...initial], maintenance: [...maintenance] }).to.deep.equal(m.weightVectors());
}

describe("PlimsollOracle plausibility, freeze and mark", function () {
  let poseidon: SyncPoseidon;

  before(async function () {
    poseidon = await initPoseidon();
  });

  async function start(fixture: () => Promise<OracleFixture>): Promise<OracleDriver> {
    const f = await networkHelpers.loadFixture(fixture);
    return OracleDriver.start(f, networkHelpers, new OracleModel(f.config, poseidon));
  }

  describe("freeze", function () {
    it("tightens a frozen asset's haircut and its market's ratio by freezeStep every frozen sample, up to the cap", async function () {
      const d = await start(deployDefaultOracle);
      for (let k = 0; k < 3; k++) await d.pokePrices(CALM);
      const [, before] = await d.fixture.oracle.haircuts(0);
      const [, mmBefore] = await d.fixture.oracle.marketRatios(0);
      const frozenFor = 5;
      for (let k = 1; k <= frozenFor; k++) {
        const t = d.nextTime();
        const stale = d.freshReadings(CALM, t).map((row, i) => (i !== 0 ? row : row.map((x) => ({ ...x, updatedAt: t - RISK.maxStaleness - 1n }))));
        await expect(d.pokeWith(stale, t)).to.emit(d.fixture.oracle, "PriceFrozen").withArgs(0n, 0n);
        // A calm asset's target is below its haircut: without the freeze rule it would hold (or loosen).
        expect((await d.fixture.oracle.haircuts(0))[1]).to.equal(before + BigInt(k) * RISK.freezeStep);
        expect((await d.fixture.oracle.marketRatios(0))[1]).to.equal(mmBefore + BigInt(k) * RISK.freezeStep);
        await expectAgrees(d, 0);
      }
      // The sources return at the same price: no jump, the haircut loosens again from where it got to.
      await d.pokePrices(CALM);
      expect((await d.fixture.oracle.haircuts(0))[1]).to.equal(before + BigInt(frozenFor) * RISK.freezeStep - RISK.maxLoosenStep);
      await expectAgrees(d, 0);
    });

    it("never tightens a frozen haircut above the cap", async function () {
      const d = await start(deployCappedOracle);
      const risk = CAPPED_RISK;
      await d.pokePrices(CALM);
      for (let k = 0; k < 2; k++) {
        const t = d.nextTime();
        await d.pokeWith(withLiars(d, t, CALM, 0, 0, 0n).map((row, i) => (i !== 0 ? row : row.map(() => ({ reverts: true as const })))), t);
        expect((await d.fixture.oracle.haircuts(0))[1]).to.equal(risk.haircutCap);
        await expectAgrees(d, 0);
      }
    });
  });

  describe("jumps", function () {
    it("does not count a 1e-8 print from two of three sources: the asset is frozen and the print waits for confirmation", async function () {
      const d = await start(deployDefaultOracle);
      await d.pokePrices(CALM);
      const t = d.nextTime();
      // Two sources answer 1e-8 USD: the median is the print, the honest source is outside the band.
      const r = withLiars(d, t, CALM, 0, 2, 1n);
      await expect(d.pokeWith(r, t)).to.emit(d.fixture.oracle, "PriceUnconfirmed").withArgs(0n, 1n, ETH);
      expect(await d.fixture.oracle.price(0)).to.equal(ETH);
      expect(await d.fixture.oracle.assetMark(0)).to.equal(ETH);
      expect(await d.fixture.oracle.pendingPrice(0)).to.equal(1n);
      expect((await d.fixture.oracle.riskState(0))[0]).to.equal(true); // frozen: no new risk on it
      expect((await d.fixture.oracle.weights(0))[0]).to.equal(0n);
      expect(await d.fixture.oracle.marketHalted(0)).to.equal(true);
      await expectAgrees(d, 0);
      // The next sample is back at the real price: no jump from the last valid price, the print is dropped.
      await expect(d.pokePrices(CALM)).not.to.emit(d.fixture.oracle, "PriceUnconfirmed");
      expect(await d.fixture.oracle.pendingPrice(0)).to.equal(0n);
      expect(await d.fixture.oracle.price(0)).to.equal(ETH);
      await expectAgrees(d, 0);
    });

    it("counts a jump confirmed by a second sample inside the source band of the first", async function () {
      const d = await start(deployDefaultOracle);
      await d.pokePrices(CALM);
      const crash = (ETH * 60n) / 100n; // -40%, beyond the 25% jump bound
      let t = d.nextTime();
      await expect(d.pokeWith(withLiars(d, t, CALM, 0, 2, crash), t)).to.emit(d.fixture.oracle, "PriceUnconfirmed").withArgs(0n, crash, ETH);
      t = d.nextTime();
      const confirm = (crash * 101n) / 100n; // inside the 2% band of the pending price
      await expect(d.pokeWith(withLiars(d, t, CALM, 0, 2, confirm), t))
        .to.emit(d.fixture.oracle, "BreakerTripped")
        .and.not.to.emit(d.fixture.oracle, "PriceUnconfirmed");
      expect(await d.fixture.oracle.price(0)).to.equal(confirm);
      expect(await d.fixture.oracle.pendingPrice(0)).to.equal(0n);
      await expectAgrees(d, 0);
    });

    it("keeps waiting when the second sample does not confirm the first: the newer jump is pending", async function () {
      const d = await start(deployDefaultOracle);
      await d.pokePrices(CALM);
      let t = d.nextTime();
      await d.pokeWith(withLiars(d, t, CALM, 0, 2, (ETH * 60n) / 100n), t);
      t = d.nextTime();
      const other = (ETH * 50n) / 100n; // 16.7% from the pending price: not a confirmation
      await expect(d.pokeWith(withLiars(d, t, CALM, 0, 2, other), t)).to.emit(d.fixture.oracle, "PriceUnconfirmed").withArgs(0n, other, ETH);
      expect(await d.fixture.oracle.pendingPrice(0)).to.equal(other);
      expect(await d.fixture.oracle.price(0)).to.equal(ETH);
      await expectAgrees(d, 0);
    });

    it("counts a jump at once when confirmSources answers agree, in either direction", async function () {
      const d = await start(deployDefaultOracle);
      await d.pokePrices(CALM);
      const up = ETH * 2n;
      await expect(d.pokePrices([up, BTC, USDC])).not.to.emit(d.fixture.oracle, "PriceUnconfirmed");
      expect(await d.fixture.oracle.price(0)).to.equal(up);
      await expectAgrees(d, 0);
      const down = up / 2n;
      await expect(d.pokePrices([down, BTC, USDC])).not.to.emit(d.fixture.oracle, "PriceUnconfirmed");
      expect(await d.fixture.oracle.price(0)).to.equal(down);
      await expectAgrees(d, 0);
    });

    it("counts a move of exactly jumpBps at once from two sources (the bound is strict)", async function () {
      const d = await start(deployDefaultOracle);
      await d.pokePrices(CALM);
      const edge = ETH + (ETH * RISK.jumpBps) / 10_000n;
      const t = d.nextTime();
      await expect(d.pokeWith(withLiars(d, t, CALM, 0, 2, edge), t)).not.to.emit(d.fixture.oracle, "PriceUnconfirmed");
      expect(await d.fixture.oracle.price(0)).to.equal(edge);
      await expectAgrees(d, 0);
    });
  });

  describe("mark", function () {
    it("moves the mark by at most markBandBps on a one-sample spike, and prices maintenance weights and seizures at it", async function () {
      const d = await start(deployDefaultOracle);
      await d.pokePrices(CALM);
      const spike = ETH * 3n; // confirmed by all three sources, so it counts as a price
      await d.pokePrices([spike, BTC, USDC]);
      const bound = (ETH * RISK.markBandBps) / 10_000n;
      const mark = await d.fixture.oracle.assetMark(0);
      expect(mark).to.equal(ETH + bound);
      expect(await d.fixture.oracle.price(0)).to.equal(spike);
      expect(await d.fixture.oracle.markPrice(0)).to.equal(mark);
      expect((await d.fixture.oracle.marketQuote(0))[0]).to.equal(mark);
      const [seizurePrice] = await d.fixture.oracle.seizureQuote(0);
      expect(seizurePrice).to.equal(mark);
      const [, hMM] = await d.fixture.oracle.haircuts(0);
      expect((await d.fixture.oracle.weights(0))[1]).to.equal(weightOf(mark, hMM, d.fixture.config.assets[0]!.decimals));
      await expectAgrees(d, 0);
    });

    it("values new risk at the lower of the mark and the latest median", async function () {
      const d = await start(deploySmoothOracle);
      await d.pokePrices(CALM);
      const decimals = d.fixture.config.assets[0]!.decimals;
      for (const target of [(ETH * 110n) / 100n, (ETH * 90n) / 100n]) {
        // The median moves 10%; the smoothed mark follows slowly. Wait out any breaker, then compare.
        await d.pokePrices([target, BTC, USDC]);
        while ((await d.fixture.oracle.riskState(0))[1] !== 0n) await d.pokePrices([target, BTC, USDC]);
        const mark = await d.fixture.oracle.assetMark(0);
        expect(mark).to.not.equal(target); // still lagging
        const [hIM, hMM] = await d.fixture.oracle.haircuts(0);
        const [wIM, wMM] = await d.fixture.oracle.weights(0);
        expect(wIM).to.equal(weightOf(mark < target ? mark : target, hIM, decimals));
        expect(wMM).to.equal(weightOf(mark, hMM, decimals));
        await expectAgrees(d, 0);
      }
    });

    it("smooths the mark with markLambda: a one-sample spike moves it by at most (1 - lambda) times the band", async function () {
      const d = await start(deploySmoothOracle);
      await d.pokePrices(CALM);
      const before = await d.fixture.oracle.assetMark(0);
      const t = d.nextTime();
      // Two of three sources spike by 20%: within the jump bound, so the median counts.
      await d.pokeWith(withLiars(d, t, CALM, 0, 2, (ETH * 120n) / 100n), t);
      const after = await d.fixture.oracle.assetMark(0);
      const bound = (before * SMOOTH_RISK.markBandBps) / 10_000n;
      expect(after - before <= bound).to.equal(true);
      expect(after).to.equal(before + (bound * (WAD - SMOOTH_RISK.markLambda)) / WAD);
      await expectAgrees(d, 0);
      // The spike goes away: the mark returns towards the median, never overshooting.
      await d.pokePrices(CALM);
      const back = await d.fixture.oracle.assetMark(0);
      expect(back >= ETH && back < after).to.equal(true);
      await expectAgrees(d, 0);
    });

    it("starts a regime from the mark, not the median: a spike the mark does not follow lapses no lease", async function () {
      const d = await start(deploySmoothOracle);
      await d.pokePrices(CALM);
      const t = d.nextTime();
      // +20% on the median, but the mark moves 0.4%: far inside the band (a maintenance haircut of 5% or more).
      await expect(d.pokeWith(withLiars(d, t, CALM, 0, 2, (ETH * 120n) / 100n), t)).not.to.emit(d.fixture.oracle, "RegimeChanged");
      expect(await d.fixture.oracle.currentRegime()).to.equal(0n);
      await expectAgrees(d, 0);
    });
  });
});
